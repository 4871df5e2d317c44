"""Files that prove themselves: size + SHA-256 records, and errors that name the broken file.

A manifest stores ``{"size": bytes, "sha256": hex}`` for every file it vouches for; reading a file
back compares both before trusting it. A file that cannot be parsed (truncated JSON, ``.npz`` or
torch archive) raises :class:`CorruptFileError` with its path, never a bare ``BadZipFile``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


class CorruptFileError(ValueError):
    """A file on disk is unreadable or does not match its recorded size/checksum."""

    def __init__(self, path: str | os.PathLike, problem: str, remedy: str = ""):
        self.path, self.problem = Path(path), problem
        super().__init__(f"{self.path}: {problem}." + (f" {remedy}" if remedy else ""))


def sha256_of(path: str | os.PathLike, block: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def file_record(path: str | os.PathLike) -> dict:
    """``{"size", "sha256"}`` of a file, as a manifest stores it."""
    return {"size": os.path.getsize(path), "sha256": sha256_of(path)}


def record_problem(path: str | os.PathLike, record: dict | None) -> str | None:
    """Why ``path`` does not match its manifest ``record`` (``None`` when it matches).

    The size is compared first, so a truncated or missing file is found without hashing it.
    """
    path = Path(path)
    if record is None:
        return "not recorded in the manifest"
    if not path.exists():
        return "missing"
    size = path.stat().st_size
    if size != record.get("size"):
        return f"size {size} bytes, manifest says {record.get('size')}"
    if sha256_of(path) != record.get("sha256"):
        return "checksum differs from the manifest (the file was changed or damaged)"
    return None


def verify_file(path: str | os.PathLike, record: dict | None, remedy: str = "") -> None:
    """Raise :class:`CorruptFileError` naming ``path`` unless it matches ``record``."""
    problem = record_problem(path, record)
    if problem:
        raise CorruptFileError(path, problem, remedy)
