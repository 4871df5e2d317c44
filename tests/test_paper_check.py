"""The paper-check overrides shrink counts and epochs only: every size of the paper profile is kept."""

import pytest
import yaml

from support.book import paper_check
from support.book import runner as book

# Parameters (and keys of dict parameters) that set a size: lattices, networks, latent, batches.
SIZES = {"xy_L", "xy_validation_L", "sk_L", "paper_model", "prior_model", "widths", "latent_dim", "batch_size",
         "eval_batch_size", "gan_batch_size", "gan_cost_L", "gan_cost_batch", "vae_batch_size", "canonical_frame",
         "device"}


def _checked():
    return yaml.safe_load(paper_check.OVERRIDES.read_text())


def test_overrides_name_chapters_and_their_parameters():
    for chapter in _checked():
        assert chapter in book.chapters()
        book.chapter_parameters("paper", chapter, paper_check.chapter_overrides(chapter))  # raises on unknown


@pytest.mark.parametrize("chapter", book.chapters())
def test_every_size_of_the_paper_profile_is_kept(chapter):
    paper = book.chapter_parameters("paper", chapter)
    checked = book.chapter_parameters("paper", chapter, paper_check.chapter_overrides(chapter))
    for name, value in paper.items():
        if name in SIZES:
            assert checked[name] == value, name
        elif isinstance(value, dict):
            for key in value.keys() & SIZES:
                assert checked[name][key] == value[key], (name, key)
    assert checked["data_dir"] == paper_check.DATA_DIR          # never mixed with a real paper run


def test_dict_parameters_are_merged_key_by_key():
    merged = paper_check.chapter_overrides("02_train_cwgan")["paper_training"]
    paper = book.load_profile("paper")["02_train_cwgan"]["paper_training"]
    assert merged["epochs"] == 1 and merged.keys() == paper.keys() and merged["lr"] == paper["lr"]


def test_the_check_accepts_the_gpu_sized_profile_on_a_cpu(monkeypatch, tmp_path):
    """The paper profile refuses to run without CUDA unless told yes; the check's counts are meant for a CPU."""
    calls = []

    def fake_run(profile, only, overrides, **kw):
        calls.append((profile, only, kw))
        return {only[0]: 0.0}

    monkeypatch.setattr(book, "run", fake_run)
    monkeypatch.setattr(paper_check, "results_path", lambda *a: tmp_path)     # exists: "results written"
    paper_check.run(["05"])
    assert calls == [("paper", ["05_latent_analysis"], {"yes": True})]
