"""The book's parameter schema: every chapter parameter's type and range, and the rules across chapters.

The runner checks a request against this module before any chapter starts (no notebook is
executed to learn the rules): :data:`SCHEMA` gives one :class:`~support.book.spec.Spec` per parameter
of each chapter, :data:`CROSS_RULES` the constraints that join parameters (of one chapter or of
several), and :func:`validate` returns every violation at once. A parameter added to a notebook
needs an entry here (a test checks that every ``parameters`` cell is covered).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from support.book.spec import Spec, choice, flag, integer, list_of, number, optional, record, text

CORES = os.cpu_count() or 1
GPU_PROFILES = {"paper": "the source works' scale (250k XY fields per temperature, 120 cWGAN epochs, "
                         "200 x 200 skyrmion lattices, 1000 VAE epochs), sized for one GPU"}

_COST_MAPS = ("close_pair", "separated_pairs", "many_pairs")   # support.cwgan.evaluation.exact_checks.cost_maps
_GAN_SETS = ("seen_class", "unseen_class", "multi_pair", "unseen_T", "L32", "many_pairs", "L64", "outside_T")
_pos = number(0, lo_open=True)
_temps = list_of(number(0, lo_open=True), distinct=True)
_count = integer(1)
_widths = list_of(integer(1))

COMMON = {
    "profile": text(r"[A-Za-z0-9_-]+", why="cpu; set by --profile only"),
    "data_dir": text(why="data (a folder; relative to the repository root)"),
    "seed": integer(0, 2 ** 63 - 1, why="the root of every derived seed; torch takes 63 bits"),
    "device": text(r"auto|cpu|cuda(:\d+)?|mps", why="auto, cpu, cuda, cuda:1 or mps"),
}

GAN_MODEL = record({"gen_widths": _widths, "gen_dec_widths": _widths, "noise_channels": _count,
                    "critic_widths": _widths, "critic_full_res_layers": _count, "critic_instance_norm": flag()},
                   required=("gen_widths",))
GAN_TRAINING = record({
    "epochs": integer(0), "steps_per_epoch": optional(_count), "batch_size": _count, "n_critic": _count,
    "lr": _pos, "g_lr": optional(_pos), "betas": list_of(number(0, 1), length=2), "gp_lambda": number(0),
    "critic_warmup": integer(0), "residual_penalty": number(0), "physics_start_epoch": optional(integer(0)),
    "physics_lr": _pos, "physics_weight": number(0), "physics_defect_weight": optional(_pos),
    "loss_limit": _pos, "amp": flag(), "compile": flag()})
PRIOR_SETTINGS = record({
    "spin_waves": flag(), "condition_on_map": flag(), "max_tries": _count, "relax_steps": integer(0),
    "rotate": flag(), "ground_state": choice("relaxed", "minima"), "anneal": optional(record({})),
    "self_consistent": flag()})

SCHEDULER = Spec('null (here), "" (a Dask LocalCluster) or a scheduler address tcp://host:port',
                 lambda v: [] if v is None or v == "" or (isinstance(v, str) and v.startswith(("tcp://", "tls://")))
                 else ['must be null, "" or a scheduler address like tcp://host:8786'])
LEARNED_MODEL = record({"widths": _widths, "negative_slope": number(0), "self_consistent": flag(),
                        "max_tries": _count})
LEARNED_TRAINING = record({"steps": _count, "batch_size": _count, "lr": _pos, "L": integer(16), "T_min": _pos,
                           "T_max": _pos, "multi_pair_fraction": number(0, 1), "wall_offset": number(0),
                           "wall_weight": number(0)})

SCHEMA: dict[str, dict[str, Spec]] = {
    "01_simulate": {
        "xy_L": integer(11, why="a pair at distance 5 must fit"),
        "xy_temperatures": _temps, "xy_n_maps": integer(2, why="chapter 02 holds out maps of every distance"),
        "xy_samples_per_map": _count, "xy_burn_in": integer(0), "xy_sweeps_between": _count,
        "xy_overrelax": integer(0, why="over-relaxation sweeps after each Metropolis sweep; 0: plain Metropolis"),
        "xy_validation_L": integer(4), "xy_validation_temperatures": _temps, "xy_validation_chains": _count,
        "xy_validation_samples": integer(2, why="fluctuations need two samples"),
        "xy_validation_burn_in": integer(0), "xy_validation_sweeps_between": _count,
        "scheduler": SCHEDULER,
        "sk_L": integer(8), "sk_dmi": choice("neel", "bloch"),
        "sk_scan_D": list_of(_pos, distinct=True), "sk_scan_b": list_of(number(0), distinct=True),
        "sk_configs_per_point": _count, "sk_sweeps": _count, "sk_n_temps": _count,
        "sk_T_start": _pos, "sk_T_final": _pos,
        "sk_n_points": integer(2, why="phase points drawn inside the skyrmion-lattice region; splits need several"),
        "sk_size_L": list_of(integer(16), distinct=True, increasing=True),
        "sk_size_configs": _count,
    },
    "02_train_cwgan": {
        "threads": integer(0, CORES, why=f"0: all cores; this machine has {CORES}"),
        "variants": list_of(choice("paper", "prior"), distinct=True),
        "holdout_fraction": number(0, 1, lo_open=True), "target_T": _pos, "monitor_maps": _count,
        "eval_batch_size": _count, "paper_model": GAN_MODEL, "paper_training": GAN_TRAINING,
        "prior_model": GAN_MODEL, "prior_training": GAN_TRAINING, "prior_settings": PRIOR_SETTINGS,
        "validation_fraction": number(0, 1, lo_open=True), "learned_model": LEARNED_MODEL,
        "learned_training": LEARNED_TRAINING, "learned_seeds": list_of(integer(0), distinct=True),
    },
    "03_train_vae": {
        "widths": _widths, "latent_dim": _count, "canonical_frame": flag(), "frame_comparison": flag(),
        "frame_choice": choice("auto", "canonical_frame", "fixed_frame", "fixed_frame_augmented"),
        "stem_width": integer(0, why="0: the model's default, max(widths[0] // 2, 4)"),
        "kl_weights": list_of(number(0), distinct=True), "train_steps": _count, "warmup_steps": integer(0),
        "batch_size": _count, "lr": _pos, "val_fraction": number(0, 1, lo_open=True),
        "n_splits": _count, "test_fraction": number(0, 1, lo_open=True),
        "workers": integer(1, why="processes side by side, at most one per KL weight"),
        "threads_per_run": integer(0, CORES, why=f"0: cores // workers; this machine has {CORES}"),
        "scheduler": SCHEDULER, "size_widths": _widths, "size_train_steps": _count,
        "size_latent_per_site": number(0, why="0: latent_dim at every size"),
    },
    "04_evaluate": {
        "gan_variant": choice("learned", "best", "paper", "prior"), "gan_T_target": _pos, "gan_max_per_class": _count,
        "gan_min_per_class": integer(0), "gan_mc_burn_in": integer(0), "gan_mc_sweeps_between": _count,
        "gan_mc_overrelax": integer(0, why="over-relaxation sweeps after each Metropolis sweep; 0: plain Metropolis"),
        "gan_batch_size": _count, "gan_grf_corr_length": _pos, "gan_grf_amplitude": number(0),
        "gan_corr_distances": list_of(number(0)), "gan_topo_fields": _count, "gan_topo_thresholds": integer(2),
        "gan_ph_fields": _count, "gan_ph_pairs": _count, "gan_polish_sweeps": list_of(integer(0), increasing=True),
        "gan_polish_fields": _count, "gan_cost_L": list_of(integer(16), distinct=True),
        "gan_cost_mc_sweeps": _count, "vae_batch_size": _count, "vae_n_examples": _count,
        "gan_set_maps": record({k: _count for k in _GAN_SETS}, required=_GAN_SETS),
        "gan_set_samples_per_map": integer(3, why="a map's jackknife standard error needs three fields"),
        "gan_set_pilot_sweeps": integer(4, why="tau_int needs a series"), "gan_set_topo_fields": _count,
        "gan_unseen_T": _pos, "gan_multi_T": _temps, "gan_cost_maps": _count, "gan_outside_T": _pos,
        "gan_many_pairs": list_of(integer(1), distinct=True), "gan_exact_thin": _count,
        "gan_prior_sets": list_of(choice(*_GAN_SETS), min_len=0, distinct=True),
        "gan_cost_samples_per_map": _count, "gan_cost_budget": _pos,
        "gan_prior_max_L": integer(16, why="the prior-based variants are timed up to this L"),
        "exact_check_T": _temps, "exact_cost_T": _temps,
        "exact_cost_maps": record({k: integer(16) for k in _COST_MAPS}),
        "exact_cost_mc_k": list_of(integer(1, 5, why="over-relaxation sweeps per Metropolis sweep"), distinct=True),
        "exact_cost_plain_max_L": integer(0, why="plain Metropolis is timed up to this L (0: never)"),
        "exact_cost_min_steps": integer(40, why="tau_int needs a series"),
        "exact_cost_mc_min_cycles": integer(40, why="tau_int needs a series"),
        "exact_cost_max_seconds": _pos, "exact_cost_replicas": integer(2, why="the burn-in study averages replicas"),
        "exact_check_steps": integer(40, why="batch-means errors need 20 blocks of at least two states"),
        "exact_check_mc_states": integer(40, why="batch-means errors need 20 blocks of at least two states"),
        "exact_check_mc_between": _count, "exact_many_L": integer(16, why="four to six pairs must fit"),
        "exact_cost_L": list_of(integer(16), distinct=True),
    },
    "05_latent_analysis": {
        "batch_size": _count, "n_generate": integer(2), "samplers": list_of(
            choice("thesis", "prior", "posterior", "gmm"), distinct=True),
        "improved_sampler": choice("thesis", "prior", "posterior", "gmm"),
        "gmm_components": list_of(_count, distinct=True),
        "gmm_covariance": list_of(choice("full", "tied", "diag", "spherical"), distinct=True),
        "gmm_folds": integer(2, why="phase-point folds of the mixture's held-out likelihood"),
        "n_examples": _count,
        "n_boot": integer(100, why="bootstrap interval of Pearson(MSE, defects)"),
    },
    "06_findings": {},   # the findings page: the common parameters only (it reads the results, computes nothing)
}


def spec_of(chapter: str, name: str) -> Spec | None:
    """The spec of one parameter of a chapter (common parameters included), ``None`` if it has none."""
    return COMMON.get(name) or SCHEMA.get(chapter, {}).get(name)


@dataclass(frozen=True)
class Violation:
    """One broken rule: where the value came from, the parameter, its value and the rule."""

    where: str
    name: str
    value: Any
    problem: str

    def __str__(self) -> str:
        if self.where == "-p":
            return f"-p {self.name} {_yaml(self.value)}: {self.problem}"
        return f"{self.where}: {self.name} = {_yaml(self.value)}: {self.problem}"


def _yaml(value: Any) -> str:
    import yaml

    return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip().removesuffix("\n...").strip()


# -------------------------------------------------------------------------------------------------
# rules across parameters; each returns ``(chapter, name, problem)`` triples
# -------------------------------------------------------------------------------------------------

def _valid(values: dict, chapter: str, name: str) -> Any:
    """A parameter's value if it passes its own spec, else ``None`` (rules across parameters skip it)."""
    value = values.get(chapter, {}).get(name)
    spec = spec_of(chapter, name)
    return value if value is not None and spec is not None and not spec.problems(value) else None


def _gan_depth(values: dict[str, dict[str, Any]]) -> tuple[int, str]:
    """The lattice divisor the cWGAN networks need (2**U-Net depth, 2**(critic depth - 1)) and why."""
    need, why = 1, ""
    for variant in _valid(values, "02_train_cwgan", "variants") or ["paper", "prior"]:
        model = _valid(values, "02_train_cwgan", f"{variant}_model")
        if model is None:
            continue
        gen, critic = len(model["gen_widths"]), len(model.get("critic_widths", [0, 0, 0])) - 1
        if 2 ** max(gen, critic) > need:
            need = 2 ** max(gen, critic)
            why = (f"chapter 02's U-Net generator halves the lattice once per level, {gen} levels in "
                   f"{variant}_model.gen_widths; its critic {critic} times")
    learned = _valid(values, "02_train_cwgan", "learned_model")
    if learned is not None and 2 ** len(learned["widths"]) > need:
        need = 2 ** len(learned["widths"])
        why = f"chapter 02's learned generator halves the lattice once per level, {len(learned['widths'])} levels"
    return need, why


def unet_divides_L(values):
    """The XY lattice and the cost-comparison lattices must be multiples of the networks' divisor."""
    need, why = _gan_depth(values)
    out = []
    L = _valid(values, "01_simulate", "xy_L")
    if L is not None and L % need:
        out.append(("01_simulate", "xy_L", f"must be a multiple of {need} ({why})"))
    for name in ("gan_cost_L", "exact_cost_L"):
        bad = [x for x in _valid(values, "04_evaluate", name) or [] if x % need]
        if bad:
            out.append(("04_evaluate", name, f"entries {bad} must be multiples of {need} ({why})"))
    many = _valid(values, "04_evaluate", "exact_many_L")
    if many is not None and many % need:
        out.append(("04_evaluate", "exact_many_L", f"must be a multiple of {need} ({why})"))
    return out


def target_T_in_data(values):
    """Chapter 02 monitors and scores its generators at a temperature of chapter 01's data set."""
    temps = _valid(values, "01_simulate", "xy_temperatures")
    T = _valid(values, "02_train_cwgan", "target_T")
    if temps is not None and T is not None and not any(abs(T - t) < 1e-9 for t in temps):
        return [("02_train_cwgan", "target_T", f"must be one of chapter 01's xy_temperatures {temps}")]
    return []


def evaluated_variant_trained(values):
    """Chapter 04 can only evaluate a variant that chapter 02 trains."""
    variant = _valid(values, "04_evaluate", "gan_variant")
    trained = _valid(values, "02_train_cwgan", "variants")
    if variant in ("paper", "prior") and trained is not None and variant not in trained:
        return [("04_evaluate", "gan_variant", f"is not trained by chapter 02 (variants = {trained})")]
    return []


def annealing_schedule(values):
    """The anneal cools (T_start >= T_final) in at most one temperature step per sweep."""
    out = []
    start, final = _valid(values, "01_simulate", "sk_T_start"), _valid(values, "01_simulate", "sk_T_final")
    if start is not None and final is not None and final > start:
        out.append(("01_simulate", "sk_T_final", f"must be <= sk_T_start = {start} (the anneal cools)"))
    sweeps, steps = _valid(values, "01_simulate", "sk_sweeps"), _valid(values, "01_simulate", "sk_n_temps")
    if sweeps is not None and steps is not None and sweeps < steps:
        out.append(("01_simulate", "sk_sweeps", f"must be >= sk_n_temps = {steps} (at least a sweep per step)"))
    return out


def size_study_configs(values):
    """The size study takes its lattices at the main size from the dataset: it cannot ask for more per point."""
    size, configs = (_valid(values, "01_simulate", n) for n in ("sk_size_configs", "sk_configs_per_point"))
    if size is not None and configs is not None and size > configs:
        return [("01_simulate", "sk_size_configs", f"must be <= sk_configs_per_point = {configs} (the main size "
                                                   "takes its lattices from the dataset)")]
    return []


def samplers_compared(values):
    """Chapter 05 compares every sampler against the thesis's and reports one of them as improved."""
    samplers = _valid(values, "05_latent_analysis", "samplers")
    improved = _valid(values, "05_latent_analysis", "improved_sampler")
    if samplers is None:
        return []
    out = [] if "thesis" in samplers else [("05_latent_analysis", "samplers", "must contain 'thesis' (the reference)")]
    if improved is not None and improved not in samplers:
        out.append(("05_latent_analysis", "improved_sampler", f"must be one of samplers = {samplers}"))
    return out


def gan_widths_pair(values):
    """A U-Net decoder has one width per encoder level."""
    out = []
    for variant in ("paper", "prior"):
        model = _valid(values, "02_train_cwgan", f"{variant}_model")
        if model is not None and "gen_dec_widths" in model and len(model["gen_dec_widths"]) != len(model["gen_widths"]):
            out.append(("02_train_cwgan", f"{variant}_model", "gen_dec_widths needs as many entries as gen_widths"))
    return out


def shares_fit(values):
    """Held-out shares leave something to train on; disjoint test sets fit into the phase points."""
    out = []
    hold, val = (_valid(values, "02_train_cwgan", n) for n in ("holdout_fraction", "validation_fraction"))
    if hold is not None and val is not None and hold + val >= 1:
        out.append(("02_train_cwgan", "validation_fraction", f"with holdout_fraction {hold} must sum to < 1 "
                                                               "(no placement would be left for training)"))
    splits, test = (_valid(values, "03_train_vae", n) for n in ("n_splits", "test_fraction"))
    if splits is not None and test is not None and splits * test > 1:
        out.append(("03_train_vae", "n_splits", f"times test_fraction {test} must be <= 1 (the splits' test "
                                                "points are disjoint)"))
    lo, hi = (_valid(values, "04_evaluate", n) for n in ("gan_min_per_class", "gan_max_per_class"))
    if lo is not None and hi is not None and lo > hi:
        out.append(("04_evaluate", "gan_min_per_class", f"must be <= gan_max_per_class = {hi}"))
    return out


def _memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def sizes_fit(values):
    """The XY data set (float32 fields) must fit in half of this machine's memory."""
    L, temps, maps, per_map = (_valid(values, "01_simulate", n) for n in
                               ("xy_L", "xy_temperatures", "xy_n_maps", "xy_samples_per_map"))
    if None in (L, temps, maps, per_map):
        return []
    need = 4 * L * L * len(temps) * 13 * maps * per_map       # 13 classes: no pair + 12 distances
    if need > _memory_bytes() // 2:
        return [("01_simulate", "xy_L", f"the XY data set would need {need / 2 ** 30:.3g} GiB, more than half of "
                                        f"this machine's {_memory_bytes() / 2 ** 30:.0f} GiB")]
    return []


def data_dir_writable(values):
    """The data folder (relative to the repository root) can be created and written."""
    from support.book.runtime import REPO_ROOT

    out = []
    for chapter, params in values.items():
        folder = params.get("data_dir")
        if not isinstance(folder, str) or not folder:
            continue
        path = Path(folder) if Path(folder).is_absolute() else REPO_ROOT / folder
        while not path.exists():
            path = path.parent
        if not (path.is_dir() and _can_write(path)):
            out.append((chapter, "data_dir", f"cannot write below {path} (not a writable folder)"))
    return out


def _can_write(folder: Path) -> bool:
    """Try it: a temporary file that is gone at once (permission bits do not bind root)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


CROSS_RULES: list[Callable[[dict], list[tuple[str, str, str]]]] = [
    unet_divides_L, target_T_in_data, evaluated_variant_trained, annealing_schedule, size_study_configs,
    samplers_compared,
    gan_widths_pair, shares_fit, sizes_fit, data_dir_writable]


def device_problem(device: Any) -> str | None:
    """Why ``device`` cannot be used on this machine (``None`` if it can); imports torch only when needed."""
    if not isinstance(device, str) or device in ("auto", "cpu"):
        return None
    import torch

    if device.startswith("cuda"):
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        suffix = device.split(":", 1)[1] if ":" in device else "0"
        if not suffix.isdigit():
            return None            # the device's own spec names the problem
        index = int(suffix)
        if index >= n:
            return f"no such CUDA device on this machine ({n} found); use auto or cpu"
    if device == "mps" and not torch.backends.mps.is_available():
        return "no MPS device on this machine; use auto or cpu"
    return None


def validate(values: dict[str, dict[str, Any]], origin: Callable[[str, str], str]) -> list[Violation]:
    """Every violation of the schema, the cross-chapter rules and device availability.

    Args:
        values: effective parameters per chapter (notebook defaults < profile < ``-p``).
        origin: ``origin(chapter, name)`` says where a value came from: ``"-p"`` or a label such as
            ``"cpu.yaml 01_simulate"``.

    Returns:
        the violations, each once, in chapter order.
    """
    found: list[Violation] = []

    def add(chapter, name, problem):
        v = Violation(origin(chapter, name), name, values[chapter].get(name), problem)
        if v not in found:
            found.append(v)

    for chapter, params in values.items():
        for name, value in params.items():
            spec = spec_of(chapter, name)
            for problem in spec.problems(value) if spec else []:
                add(chapter, name, problem)
        problem = device_problem(params.get("device"))
        if problem and not any(v.name == "device" and v.value == params["device"] for v in found):
            add(chapter, "device", problem)
    for rule in CROSS_RULES:
        for chapter, name, problem in rule(values):
            add(chapter, name, problem)
    return found
