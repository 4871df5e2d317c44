"""support.runtime.repo_relative: paths inside the repository are named from its root."""

from support.runtime import REPO_ROOT, repo_relative


def test_inside_the_repository_is_relative():
    assert repo_relative(REPO_ROOT / "data" / "cpu" / "x.pt") == "data/cpu/x.pt"


def test_outside_the_repository_is_unchanged(tmp_path):
    assert repo_relative(tmp_path / "x.pt") == str(tmp_path / "x.pt")
