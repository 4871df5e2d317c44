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


def test_require_upstream_names_every_missing_or_broken_results_file(tmp_path):
    import json

    import pytest

    from support.book.runtime import require_upstream, results_path

    ok = results_path(tmp_path, "smoke", "01_simulate")
    ok.parent.mkdir(parents=True, exist_ok=True)
    ok.write_text(json.dumps({"a": 1}))
    results_path(tmp_path, "smoke", "02_train_cwgan").write_text('{"a": ')     # truncated
    require_upstream(tmp_path, "smoke", "03_train_vae", ["01_simulate"])       # fine: nothing raised
    with pytest.raises(FileNotFoundError) as err:
        require_upstream(tmp_path, "smoke", "04_evaluate", ["01_simulate", "02_train_cwgan", "03_train_vae"])
    msg = str(err.value)
    assert "02_train_cwgan.json (not valid JSON" in msg and "03_train_vae.json (missing)" in msg
    assert "--only 02,03" in msg and "01_simulate" not in msg
