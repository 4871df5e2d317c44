"""support.cwgan.cli (``python -m support.cwgan sample``) end to end: fields keep a hand-made map, the file and
the report say what they are, and every bad input is one line on stderr, exit 2, and no output file.

The generators are small and untrained (a learned one of depth 2, and a paper U-Net built for L = 16 that the
command rebuilds for L = 32): these tests check the command's mechanics, not the generator's physics.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from support import xy
from support.cwgan import cli
from support.cwgan.generator import save_generator
from support.cwgan.map_file import check_map, parse_text_grid, read_map
from support.cwgan.models.learned import LearnedGenerator
from support.cwgan.models.unet import UNetGenerator
from support.cwgan.training.learned import save_learned
from support.store.checkpoint import save_checkpoint
from support.store.data import update_results

REPO = Path(__file__).resolve().parents[1]
L, T = 32, 0.5


def two_pairs(L: int = L) -> np.ndarray:
    """Two vortex-antivortex pairs: +1 at [4, 4] and [20, 8], -1 at [4, 10] and [25, 20]."""
    return (xy.pair_map(L, (0, 6), (4, 4)) + xy.pair_map(L, (5, 12), (20, 8))).astype(np.int8)


def as_text_grid(k: np.ndarray, characters: bool = False) -> str:
    """The map as a text grid: whitespace-separated -1/0/1, or rows of ``+ - .`` characters."""
    if characters:
        return "\n".join("".join(".+-"[v] for v in row) for row in k) + "\n"
    return "# two pairs, row i = y per line\n" + "\n".join(" ".join(str(v) for v in row) for row in k) + "\n"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """The map (.npy and text), a learned checkpoint, a paper U-Net checkpoint for L = 16, a profile folder."""
    d = tmp_path_factory.mktemp("cli")
    torch.manual_seed(0)
    save_learned(d / "learned.pt", LearnedGenerator(widths=[4, 4]), meta=dict(epoch=0))
    save_generator(d / "unet.pt", UNetGenerator(16, "paper", widths=[4, 8], noise_channels=2), epoch=0)
    np.save(d / "map.npy", two_pairs())
    (d / "map.txt").write_text(as_text_grid(two_pairs()))
    results = d / "data" / "mine" / "results" / "02_train_cwgan.json"
    update_results(results, learned=dict(checkpoint=str(d / "learned.pt")))     # as chapter 02 names it
    return dict(dir=d, learned=d / "learned.pt", unet=d / "unet.pt", npy=d / "map.npy", txt=d / "map.txt")


def run(capsys, *args) -> tuple[int, str, str]:
    """``main(["sample", *args])``: exit status, stdout, stderr."""
    rc = cli.main(["sample", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


def test_exact_fields_keep_the_map_and_the_file_says_what_they_are(files, capsys, tmp_path):
    out = tmp_path / "exact.npz"
    rc, report, err = run(capsys, files["npy"], "--T", T, "-n", 200, "-o", out, "--checkpoint", files["learned"])
    assert rc == 0, err
    with np.load(out, allow_pickle=False) as z:
        f = {k: z[k] for k in z.files}
    assert f["theta"].dtype == np.float32 and f["theta"].shape == (200, L, L)
    assert f["charges"].dtype == np.int8 and np.array_equal(f["charges"], two_pairs())
    assert xy.matches_map(f["theta"], np.broadcast_to(two_pairs(), f["theta"].shape)).all()
    assert f["keeps_map"].all() and int(f["n_keep_map"]) == 200
    assert str(f["mode"]) == "exact" and not bool(f["approximate"]) and float(f["T"]) == T and int(f["seed"]) == 0
    assert str(f["checkpoint"]) == str(files["learned"]) and 0 < float(f["acceptance"]) <= 1
    assert f["tau_int_energy"] >= 0.5 - 1e-9 and np.isclose(f["ess_abs_m"], 200 / (2 * f["tau_int_abs_m"]))
    assert np.isclose(f["energy_per_site_mean"], xy.energy_per_site(f["theta"]).mean())
    for line in ("EXACT fields", "acceptance", "tau_int", "N_eff", "map kept    200 of 200", "E / site", "|M|"):
        assert line in report
    assert report.strip() == str(f["report"]) and len(report.splitlines()) <= 24 and err == ""


def test_fast_draws_are_labelled_approximate(files, capsys, tmp_path):
    out = tmp_path / "fast.npz"
    rc, report, _ = run(capsys, files["txt"], "--T", T, "-n", 16, "-o", out, "--fast", "--seed", 3,
                        "--checkpoint", files["unet"])           # a U-Net for L = 16, rebuilt for L = 32
    assert rc == 0 and report.startswith("APPROXIMATE") and "NOT exp(-E/T)" in report
    with np.load(out, allow_pickle=False) as z:
        assert str(z["mode"]) == "fast" and bool(z["approximate"]) and "APPROXIMATE" in str(z["note"])
        assert z["theta"].shape == (16, L, L) and int(z["seed"]) == 3 and float(z["tau_int_energy"]) == 0.5
        # an untrained U-Net misses the map: the report and keeps_map say so
        kept = xy.matches_map(z["theta"], np.broadcast_to(two_pairs(), z["theta"].shape))
        assert np.array_equal(z["keeps_map"], kept) and f"map kept    {kept.sum()} of 16" in report


def test_error_bars_follow_tau():
    x = np.tile([0.0, 1.0], 50)
    assert cli.mean_with_error(x, 0.5)[1] == pytest.approx(np.std(x, ddof=1) / 10)
    assert cli.mean_with_error(x, 2.0)[1] == pytest.approx(2 * np.std(x, ddof=1) / 10)
    assert cli.chain_tau(x) == 0.5 and np.isnan(cli.chain_tau(x[:3]))   # anticorrelated: floored at 1/2
    assert cli._pm(-1.68561, 0.00061) == "-1.68561 +/- 0.00061" and cli._pm(0.25, 0.031) == "0.250 +/- 0.031"


def test_the_profile_names_the_learned_generator(files, capsys, tmp_path):
    out = tmp_path / "profile.npz"
    rc, _, err = run(capsys, files["npy"], "--T", T, "-n", 8, "-o", out, "--profile", "mine",
                     "--data-dir", files["dir"] / "data")
    assert rc == 0, err
    with np.load(out, allow_pickle=False) as z:
        assert str(z["checkpoint"]) == str(files["learned"])


def test_the_text_grid_reads_as_the_npy_map(files, tmp_path):
    k = read_map(files["npy"])
    assert k.dtype == np.int8 and np.array_equal(read_map(files["txt"]), k)
    (tmp_path / "chars.grid").write_text(as_text_grid(k, characters=True))
    assert np.array_equal(read_map(tmp_path / "chars.grid"), k)
    # tokens +1, +, -, . mix with numbers; row i is line i (axis -2), column j is entry j (axis -1)
    assert np.array_equal(parse_text_grid("+1 . 0\n0 - 0\n0 0 0"), [[1, 0, 0], [0, -1, 0], [0, 0, 0]])
    assert check_map(np.array([[1.0, -1.0], [0.0, 0.0]])).dtype == np.int8   # integral floats are integers


@pytest.fixture(scope="module")
def bad_cases(files) -> dict[str, list]:
    """Bad inputs by name: the arguments after ``sample`` (the output is ``d / "out.npz"`` unless replaced)."""
    d, k = files["dir"], two_pairs()
    arrays = {"sum.npy": k * (k > 0), "range.npy": np.where(k > 0, 2, k), "float.npy": k * 0.5,
              "3d.npy": k[None], "oblong.npy": k[:, :30], "size30.npy": k[:30, :30]}
    for name, a in arrays.items():
        np.save(d / name, a)
    (d / "half.txt").write_text("0 0.5\n-0.5 0\n")
    (d / "damaged.npy").write_bytes(b"\x93NUMPY" + b"\x00" * 20)
    (d / "damaged.pt").write_bytes(b"not a torch file")
    save_checkpoint(d / "other.pt", config=dict(kind="learned", widths=[4]), state=dict(model={}), meta={})
    update_results(d / "data" / "nolearned" / "results" / "02_train_cwgan.json", checkpoints={})
    (d / "a_file").write_text("")
    (d / "a_folder.npz").mkdir()
    good = [d / "map.npy", "--T", T, "-n", 4, "--checkpoint", d / "learned.pt"]

    def with_map(name: str) -> list:
        return [d / name, *good[1:]]

    return {
        "charges that do not sum to zero": with_map("sum.npy"), "a charge of 2": with_map("range.npy"),
        "a non-integer .npy": with_map("float.npy"), "a non-integer text grid": with_map("half.txt"),
        "a 3-D map": with_map("3d.npy"), "a non-square map": with_map("oblong.npy"),
        "L = 30 (not a multiple of 4)": with_map("size30.npy"), "a damaged .npy": with_map("damaged.npy"),
        "a missing map": with_map("nowhere.npy"),
        "T = 0": [*good, "--T", 0], "T < 0": [*good, "--T", -1], "T = nan": [*good, "--T", "nan"],
        "T = inf": [*good, "--T", "inf"], "n = 0": [*good, "-n", 0], "n not a number": [*good, "-n", "ten"],
        "a negative seed": [*good, "--seed", -1],
        "a missing checkpoint": [*good, "--checkpoint", d / "nowhere.pt"],
        "a damaged checkpoint": [*good, "--checkpoint", d / "damaged.pt"],
        "a checkpoint of no generator": [*good, "--checkpoint", d / "other.pt"],
        "a profile without results": [*good[:5], "--profile", "empty", "--data-dir", d / "data"],
        "results without a learned generator": [*good[:5], "--profile", "nolearned", "--data-dir", d / "data"],
        "--profile with --checkpoint": [*good, "--profile", "cpu"],
        "no --T": [d / "map.npy", "-n", 4, "--checkpoint", d / "learned.pt"],
        "an output folder that does not exist": [*good, "-o", d / "no" / "out.npz"],
        "an output folder that is a file": [*good, "-o", d / "a_file" / "out.npz"],
        "an output that is a folder": [*good, "-o", d / "a_folder.npz"],
        "an output not .npz": [*good, "-o", d / "out.npy"],
    }


def test_each_bad_input_is_one_line_exit_2_and_no_file(files, bad_cases, capsys, monkeypatch):
    def no_work(*args, **kwargs):
        raise AssertionError("sampling started despite bad input")

    monkeypatch.setattr(cli, "draw_fields", no_work)
    d = files["dir"]
    for name, args in bad_cases.items():
        rc, out, err = run(capsys, *args, *([] if "-o" in args else ["-o", d / "out.npz"]))
        assert (rc, out) == (2, ""), name
        assert err.startswith("error: ") and err.count("\n") == 1, (name, err)
        assert not (d / "out.npz").exists() and not (d / "no").exists() and not (d / "out.npy").exists(), name
    assert len(bad_cases) == 27
    assert not list(d.glob(".out.npz.*"))       # nor a probe or temporary file


@pytest.mark.parametrize("args, words", [
    (["sum.npy"], "sum to 2"), (["range.npy"], "charge 2 at [4, 4] is outside -1..1"),
    (["size30.npy"], "multiple of 4"), (["-n", 0], "-n must be at least 1"),
    (["--profile", "empty"], "python -m support.book run --profile empty --only 01,02"),
])
def test_refusals_say_what_is_wrong(files, bad_cases, capsys, args, words):
    d = files["dir"]
    m = d / args[0] if str(args[0]).endswith(".npy") else d / "map.npy"
    rest = args[1:] if str(args[0]).endswith(".npy") else args
    where = ["--data-dir", d / "data"] if "--profile" in rest else ["--checkpoint", d / "learned.pt"]
    rc, _, err = run(capsys, m, "--T", T, "-n", 4, "-o", d / "out.npz", *where, *rest)
    assert rc == 2 and words in err, err


def test_an_interrupt_leaves_no_output(files, capsys, monkeypatch, tmp_path):
    out = tmp_path / "out.npz"
    args = [files["npy"], "--T", T, "-n", 4, "-o", out, "--checkpoint", files["learned"]]

    def interrupted_write(fh, **arrays):          # Ctrl-C half-way through writing the archive
        fh.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted_write)
    rc, _, err = run(capsys, *args)
    assert rc == cli.INTERRUPTED and "no output written" in err
    assert list(tmp_path.iterdir()) == []         # neither OUT nor its temporary file


def test_the_command_runs_as_a_module(files, tmp_path):
    out = tmp_path / "run.npz"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "support.cwgan", "sample", str(files["txt"]), "--T", str(T),
                           "-n", "20", "-o", str(out), "--checkpoint", str(files["learned"])],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "EXACT fields" in proc.stdout and "map kept    20 of 20" in proc.stdout
    with np.load(out, allow_pickle=False) as z:
        assert z["theta"].shape == (20, L, L)
