"""Tests of the runtime helpers that name files for results JSON."""

from support.runtime import REPO_ROOT, repo_relative


def test_repo_relative_names_paths_from_the_repository_root(tmp_path):
    assert repo_relative(REPO_ROOT / "data" / "cpu" / "x.pt") == "data/cpu/x.pt"
    assert repo_relative(tmp_path / "y.pt") == str((tmp_path / "y.pt").resolve())
