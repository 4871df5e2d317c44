"""YAML as the runner reads it: a repeated key, a tab or a syntax error named with file and line, no traceback.

Profile files and ``-p`` values are YAML. Plain ``yaml.safe_load`` keeps the last of two equal keys
silently and raises errors with a traceback; :func:`load` refuses both cleanly with :class:`YamlProblem`.
"""

from __future__ import annotations

from typing import Any

import yaml


class YamlProblem(ValueError):
    """A YAML text that cannot be read as the runner needs it (the message names where)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses a mapping holding one key twice."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice (also on line {seen[key] + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load(text: str, where: str) -> Any:
    """The value of a YAML text; ``where`` names its source in the error (a file, or ``-p NAME``).

    Raises:
        YamlProblem: a syntax error, a tab in the indentation, or a repeated key, with line and column.
    """
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise YamlProblem(f"{where}{at}: not valid YAML ({problem})") from None


def parse_overrides(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs as a dict of YAML values; a name given twice is an error, not a silent overwrite."""
    out: dict[str, Any] = {}
    for name, text in pairs:
        if name in out:
            raise YamlProblem(f"-p {name} is given twice; give each parameter once")
        out[name] = load(text, f"-p {name} {text!r}")
    return out
