"""Bad inputs a hostile user tries: every one refused by ``check`` before any work, naming the parameter or file.

Each case runs ``python -m support.book check`` in-process on the smoke profile and expects exit code 2,
one ``error:`` report that names what is wrong, and no traceback. Profile-file cases use a copy of the
smoke profile with one defect, in a temporary params folder.
"""

import shutil

import pytest
import torch

from support.book import runner as book

NO_GPU = not torch.cuda.is_available()

#: (extra arguments, a fragment the report must contain)
BAD = [
    (["-p", "seed", "-4"], "-p seed -4"), (["-p", "seed", str(2 ** 64)], "-p seed"), (["-p", "seed", "1.5"], "-p seed"),
    (["-p", "xy_L", "abc"], "-p xy_L abc"), (["-p", "xy_L", "15"], "multiple of 16"),
    (["-p", "xy_L", "1600000"], "would need"), (["-p", "xy_temperatures", "[]"], "-p xy_temperatures"),
    (["-p", "xy_temperatures", "[1, 1.0]"], "must not repeat"), (["-p", "xy_temperatures", "[1,"], "not valid YAML"),
    (["-p", "xy_temperatures", "{a: 1}"], "-p xy_temperatures"),
    (["-p", "xy_validation_temperatures", "[0.1, -0.5]"], "entry 1"), (["-p", "sk_L", "3"], "-p sk_L"),
    (["-p", "device", "cuda:x"], "-p device cuda:x"), (["-p", "device", "tpu"], "-p device"),
    (["-p", "threads", "99"], "-p threads"), (["-p", "threads_per_run", "-1"], "-p threads_per_run"),
    (["-p", "kl_weights", "[]"], "-p kl_weights"), (["-p", "lr", "1e-4"], "write 1.0e-4"),
    (["-p", "lr", "[1]"], "-p lr"), (["-p", "profile", "cpu"], "--profile only"),
    (["-p", "variants", "[paper]", "-p", "gan_variant", "prior"], "not trained by chapter 02"),
    (["-p", "paper_training", "{epochs: 2, batchsize: 16}"], "unknown key 'batchsize'"),
    (["-p", "sk_T_final", "2"], "the anneal cools"), (["-p", "samplers", "[prior, gmm]"], "must contain 'thesis'"),
    (["-p", "seed", "1", "-p", "seed", "2"], "given twice"), (["--only", ""], "selects no chapter"),
    (["--only", " , "], "selects no chapter"), (["--only", "09"], "no such chapter"),
    (["--only", "05", "-p", "xy_L", "32"], "not a parameter of 05_latent_analysis"),
    (["-p", "no_such_knob", "3"], "not a parameter"),
    (["-p", "holdout_fraction", "0.6", "-p", "validation_fraction", "0.5"], "sum to < 1"),
    (["-p", "holdout_fraction", "0"], "-p holdout_fraction"), (["-p", "test_fraction", "1.5"], "-p test_fraction"),
    (["-p", "n_splits", "100"], "disjoint"), (["-p", "gan_min_per_class", "500"], "gan_max_per_class"),
    (["-p", "data_dir", "/proc/x"], "cannot write"), (["-p", "data_dir", "README.md/x"], "cannot write"),
    (["-p", "gan_cost_L", "[16, 24]"], "multiples of 16"), (["-p", "exact_cost_L", "[24]"], "multiples of 16"),
    (["-p", "exact_many_L", "24"], "-p exact_many_L"), (["-p", "target_T", "0.3"], "must be one of"),
    (["-p", "exact_check_steps", "10"], "-p exact_check_steps"), (["-p", "exact_cost_T", "[0.1, -1]"], "entry 1"),
    (["-p", "exact_check_T", "[]"], "-p exact_check_T"), (["-p", "xy_n_maps", "0"], "-p xy_n_maps"),
    (["-p", "gan_set_maps", "{seen_class: 1}"], "-p gan_set_maps"), (["--profile", "nosuch"], "unknown profile"),
    (["-p", "exact_cost_mc_k", "[1, 1]"], "must not repeat"), (["-p", "exact_cost_maps", "{pair: 64}"], "unknown key"), (["-p", "gan_topo_thresholds", "1"], "-p gan_topo"),
]
GPU_ONLY = [(["-p", "device", "cuda"], "no such CUDA device"), (["--profile", "paper"], "Add --yes")]
PROFILE_DEFECTS = {  # a defect written into a copy of smoke.yaml, and the fragment that names it
    "tab": (lambda t: t.replace("common:\n  ", "common:\n\t", 1), "smoke.yaml line"),
    "repeated key": (lambda t: t.replace("common:\n", "common:\n  seed: 1\n", 1), "appears twice"),
    "broken syntax": (lambda t: t + "\n01_simulate: [1,\n", "not valid YAML"),
    "unknown section": (lambda t: t + "\n06_nothing: {}\n", "not chapters"),
    "bad value": (lambda t: t.replace("common:\n", "common:\n  seed: -1\n", 1) if "seed:" not in t else
                  t.replace("seed: 0", "seed: -1", 1), "seed"),
}


def _refused(capsys, argv, fragment):
    assert book.main(["check", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and fragment in err and "Traceback" not in err, err


@pytest.mark.parametrize("argv, fragment", BAD + (GPU_ONLY if NO_GPU else []), ids=lambda x: str(x)[:40])
def test_bad_input_is_refused_before_any_work(capsys, monkeypatch, argv, fragment):
    ran = []
    monkeypatch.setattr(book, "execute_chapter", lambda *a, **k: ran.append(a) or 0.0)
    _refused(capsys, ["--profile", "smoke", *argv] if "--profile" not in argv else argv, fragment)
    assert ran == []


@pytest.mark.parametrize("defect", sorted(PROFILE_DEFECTS))
def test_a_defective_profile_file_is_named(capsys, monkeypatch, tmp_path, defect):
    shutil.copytree(book.PARAMS, tmp_path / "params")
    edit, fragment = PROFILE_DEFECTS[defect]
    path = tmp_path / "params" / "smoke.yaml"
    path.write_text(edit(path.read_text()))
    monkeypatch.setattr(book, "PARAMS", tmp_path / "params")
    _refused(capsys, ["--profile", "smoke"], fragment)


def test_the_list_is_long_enough_and_the_good_request_passes(capsys):
    assert len(BAD) + len(PROFILE_DEFECTS) >= 50
    assert book.main(["check", "--profile", "smoke"]) == 0
