"""support.book.runtime.repo_relative and from_repo: results name paths inside the repository from its root."""

from pathlib import Path

from support.book.runtime import REPO_ROOT, from_repo, repo_relative


def test_inside_the_repository_is_relative():
    assert repo_relative(REPO_ROOT / "data" / "cpu" / "x.pt") == "data/cpu/x.pt"


def test_outside_the_repository_is_unchanged(tmp_path):
    assert repo_relative(tmp_path / "x.pt") == str(tmp_path / "x.pt")


def test_from_repo_inverts_repo_relative():
    inside = REPO_ROOT / "data" / "cpu" / "x.pt"
    assert from_repo(repo_relative(inside)) == inside
    assert from_repo("/tmp/elsewhere.pt") == Path("/tmp/elsewhere.pt")
