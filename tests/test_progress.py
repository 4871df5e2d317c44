"""support.book.progress: bars draw on a terminal only, never when switched off."""

import io

from support.book.progress import tqdm


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _drawn(stream, **kwargs):
    for _ in tqdm(range(3), file=stream, **kwargs):
        pass
    return stream.getvalue()


def test_enabled_bar_draws_on_a_terminal():
    assert "3/3" in _drawn(_Terminal())


def test_enabled_bar_is_quiet_off_a_terminal():
    # a notebook kernel's stderr (papermill, nbval) is not a terminal
    assert _drawn(io.StringIO()) == ""


def test_disabled_bar_is_quiet_on_a_terminal():
    assert _drawn(_Terminal(), disable=True) == ""


def test_support_modules_do_not_use_tqdm_auto():
    # tqdm.auto warns "IProgress not found" with the machine's site-packages path inside a kernel
    from pathlib import Path

    import support

    offenders = [str(p) for p in Path(support.__file__).parent.rglob("*.py") if "from tqdm.auto import" in p.read_text()]
    assert offenders == []
