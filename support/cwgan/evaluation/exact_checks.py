"""Is the exact chain exact, and what does it cost? Its fields against long constrained Monte Carlo, side by side.

Both samplers are scored the same way on the same (map, T):

* **estimates with errors**: every observable of the paper's Fig. 4a that a fixed map has (``E/N``,
  ``|M|``, ``Upsilon``, ``chi``, ``C_v``) over the whole chain, its error from batch means over
  :data:`N_BLOCKS` consecutive blocks (valid when a block is much longer than ``tau_int``, which the
  cost rows show), and the z-score of the chain against Monte Carlo with both errors;
* **C(r)**: the R² of the chain's spin correlation against Monte Carlo's (:func:`support.xy.correlation_function`);
* **cost** (:func:`cost_case`, on the maps of :func:`cost_maps`): the chain against the *best* constrained Monte
  Carlo (Metropolis with ``k`` over-relaxation sweeps per sweep, ``k`` chosen per row by measurement) and plain
  Metropolis, every sampler measured alike in one process on one core (:func:`support.cwgan.evaluation.cost.measure`:
  bare kernel time per step, ``tau_int`` of ``E``, ``|M|`` and the helicity term from runs of at least 50 ``tau_int``
  with errors): per independent field (``2 tau_max`` steps) and per new map (set-up plus measured burn-in), with
  verdicts computed against that best baseline (:func:`cost_verdicts`).
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from support import xy
from support.cwgan.evaluation.cost import MCCycles, burn_in_length, measure
from support.cwgan.evaluation.mc_reference import integrated_autocorrelation_time
from support.cwgan.exact import BURN_IN_STEPS, ExactChain, sample_exact
from support.metrics import r2
from support.samplers.xy import sample_xy_chains
from support.xy.observables import helicity_terms

#: observables with a z-score, keys of :func:`support.xy.ensemble_observables`
OBSERVABLES = ("energy", "abs_m", "helicity", "chi", "cv")
#: blocks of the batch-means errors
N_BLOCKS = 20


def block_estimates(theta: np.ndarray, T: float, n_blocks: int = N_BLOCKS) -> dict[str, tuple[float, float]]:
    """``{observable: (estimate over the chain, batch-means error)}`` of a chain ``(n, L, L)`` at ``T``."""
    n = len(theta) // n_blocks
    if n < 2:
        raise ValueError(f"need at least {2 * n_blocks} states for {n_blocks} blocks, got {len(theta)}")
    whole = xy.ensemble_observables(theta[:n * n_blocks], T)
    blocks = [xy.ensemble_observables(theta[b * n:(b + 1) * n], T) for b in range(n_blocks)]
    return {o: (whole[o], float(np.std([blk[o] for blk in blocks], ddof=1) / np.sqrt(n_blocks))) for o in OBSERVABLES}


def z_scores(chain: dict[str, tuple[float, float]], reference: dict[str, tuple[float, float]]) -> dict[str, float]:
    """``(chain - reference) / sqrt(err_chain^2 + err_reference^2)`` per observable."""
    return {o: float((chain[o][0] - reference[o][0]) / np.hypot(chain[o][1], reference[o][1])) for o in chain}


def correlation_r2(theta: np.ndarray, reference: np.ndarray) -> float:
    """R² of the chain's ``C(r)`` (r > 0) against the reference's."""
    (_, c_ref), (_, c) = xy.correlation_function(reference), xy.correlation_function(theta)
    return float(r2(c_ref[1:], c[1:]))


def autocorrelation(theta: np.ndarray, T: float) -> dict[str, float]:
    """``tau_int`` (in stored states) of ``E``, ``|M|`` and the helicity terms of a chain."""
    series = {"energy": xy.energy(theta), "abs_m": xy.magnetization(theta),
              "helicity": helicity_terms(theta, T)}
    return {k: integrated_autocorrelation_time(v) for k, v in series.items()}


def cost_per_independent(seconds: float, n_states: int, tau: dict[str, float]) -> float:
    """Wall seconds per independent field: seconds per state times ``2 max(tau_E, tau_|M|)`` (at least one state)."""
    return seconds / n_states * max(1.0, 2 * max(tau["energy"], tau["abs_m"]))


def mc_chain(charges: np.ndarray, T: float, n_states: int, *, burn_in: int, sweeps_between: int = 1,
             seed: int) -> tuple[np.ndarray, float]:
    """One constrained Metropolis chain and its wall seconds (burn-in included; the kernels compiled first)."""
    L = charges.shape[-1]
    sample_xy_chains(L, T, 2, n_chains=1, charges=charges, burn_in=2, sweeps_between=1, seed=seed)
    t0 = time.perf_counter()
    theta = sample_xy_chains(L, T, n_states, n_chains=1, charges=charges, burn_in=burn_in,
                             sweeps_between=sweeps_between, seed=seed)[0]
    return theta, time.perf_counter() - t0


def check_case(generator, charges: np.ndarray, T: float, *, n_steps: int, mc_states: int, mc_sweeps_between: int,
               mc_burn_in: int, seed: int) -> dict:
    """The exact chain against a long Monte Carlo chain on one (map, T): z per observable, C(r) R², exact maps."""
    theta, info = sample_exact(generator, charges, T, n_steps, seed=seed)
    mc, _ = mc_chain(charges, T, mc_states, burn_in=mc_burn_in, sweeps_between=mc_sweeps_between, seed=seed + 7)
    chain, ref = block_estimates(theta, T), block_estimates(mc, T)
    # batch means are honest when a block spans many autocorrelation times: report how many
    blocks_over_tau = {who: len(x) / N_BLOCKS / max(autocorrelation(x, T).values())
                       for who, x in (("chain", theta), ("mc", mc))}
    return {"acceptance": info["acceptance"], "z": z_scores(chain, ref), "corr_r2": correlation_r2(theta, mc),
            "block_over_tau": blocks_over_tau,
            "exact_maps": float(xy.matches_map(theta, np.broadcast_to(charges, theta.shape)).mean()),
            "estimates": chain, "mc_estimates": ref, "n_steps": int(n_steps),
            "mc_sweeps": int(mc_burn_in + mc_states * mc_sweeps_between)}


def warm_up(generator, charges: np.ndarray, T: float) -> None:
    """Compile every kernel and run the generator once at this size, so no timed phase pays for either."""
    chain = ExactChain(generator, charges, T)
    chain.burn_in(2)
    chain.run(2, record=True)
    chain.replicas(chain.draws([0]), 2, 0)
    mc = MCCycles(charges, T, overrelax=1)
    mc.burn_in(2)
    mc.run(2, record=True)
    mc.replicas(1, 2, 0)


def _new_map(setup: float, m: dict, mean: np.ndarray, std: np.ndarray, replicas: np.ndarray) -> dict:
    """Seconds to one equilibrium field of a new map: set-up plus the measured burn-in (at least one step)."""
    steps, reached = burn_in_length(replicas, mean, std)
    return {"new_map_seconds": setup + max(1, steps) * m["seconds_per_step"], "setup_seconds": setup,
            "burn_in_steps": steps, "burn_in_reached": reached}


def _record(m: dict) -> dict:
    keep = ("tau_int", "tau_err", "tau_max", "tau_max_err", "seconds_per_step", "seconds_per_independent",
            "seconds_per_independent_err", "run_over_tau", "n_steps")
    return {k: m[k] for k in keep}


def _fastest(make, repeats: int = 3):
    """``(the last sampler, the smallest set-up time)`` of ``repeats`` constructions (a new map's set-up, timed
    like the kernels: the fastest of a few on a shared machine)."""
    made = [make() for _ in range(repeats)]
    return made[-1], min(x.setup_seconds for x in made)


def cost_case(generator, charges: np.ndarray, T: float, *, name: str, mc_k: Sequence[int], plain_mc: bool,
              min_steps: int, mc_min_cycles: int, max_seconds: float, n_replicas: int, seed: int) -> dict:
    """The exact chain against constrained Monte Carlo on one (map, T): cost per independent field and per new map.

    Measured alike (:func:`support.cwgan.evaluation.cost.measure`; runs of at least ``min_steps`` chain steps or
    ``mc_min_cycles`` Monte Carlo cycles and 50 tau_int, up to ``max_seconds`` each): the chain centred on the
    generator's mean (the defaults of :func:`~support.cwgan.exact.sample_exact`), the same chain centred on the
    Villain field, Metropolis with ``k`` over-relaxation sweeps per sweep for every ``k`` of ``mc_k`` (the cheapest
    is the baseline) and plain Metropolis where ``plain_mc``. Per new map: the fastest of three set-ups, then
    ``n_replicas`` copies of each sampler from their own start (the chain from generator draws, Monte Carlo from the
    Villain field) until their means reach equilibrium (:func:`~support.cwgan.evaluation.cost.burn_in_length`,
    against the chain's long run).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)   # one core for every sampler, the generator's forward pass included
    try:
        return _cost_case(generator, charges, T, name=name, mc_k=mc_k, plain_mc=plain_mc, min_steps=min_steps,
                          mc_min_cycles=mc_min_cycles, max_seconds=max_seconds, n_replicas=n_replicas, seed=seed)
    finally:
        torch.set_num_threads(threads)


def _cost_case(generator, charges, T, *, name, mc_k, plain_mc, min_steps, mc_min_cycles, max_seconds, n_replicas,
               seed) -> dict:
    L = int(charges.shape[-1])
    warm_up(generator, charges, T)
    row = {"map": name, "L": L, "T": float(T), "n_pairs": int((charges == 1).sum())}
    chains = {}
    for who, centre in (("chain", "generator"), ("villain", "villain")):
        chain, setup = _fastest(lambda: ExactChain(generator, charges, T, seed=seed, centre=centre))
        chain.burn_in(BURN_IN_STEPS)
        chains[who] = (chain, setup, measure(chain, pilot=max(10, min_steps // 5), min_steps=min_steps,
                                             max_seconds=max_seconds))
    mcs = {}
    for k in ([0] if plain_mc else []) + list(mc_k):
        mc, setup = _fastest(lambda: MCCycles(charges, T, overrelax=k, seed=seed + 7))
        pilot = mc_min_cycles // 5 if k else 4 * mc_min_cycles   # plain Metropolis: tau_int of hundreds of sweeps
        mc.burn_in(pilot)
        mcs[k] = (mc, setup, measure(mc, pilot=pilot, min_steps=mc_min_cycles, max_seconds=max_seconds))
    mean, std = chains["chain"][2]["mean"], chains["chain"][2]["std"]
    for who, (chain, setup, m) in chains.items():
        starts = chain.draws(range(seed + 100, seed + 100 + n_replicas))
        replicas = chain.replicas(starts, int(max(10, 10 * m["tau_max"])), seed + 11)
        rec = {**_record(m), **_new_map(setup, m, mean, std, replicas), "acceptance": chain.acceptance[0]}
        row.update(rec if who == "chain" else {f"villain_{k}": v for k, v in rec.items()})
    best = min(mc_k, key=lambda k: mcs[k][2]["seconds_per_independent"])
    mc, setup, mb = mcs[best]
    new = _new_map(setup, mb, mean, std, mc.replicas(n_replicas, int(max(20, 10 * mb["tau_max"])), seed + 13))
    plain = mcs[0][2] if plain_mc else None
    row.update(best_mc_k=int(best), best_mc=_record(mb), best_mc_seconds_per_independent=mb["seconds_per_independent"],
               best_mc_tau_max=mb["tau_max"], speedup_vs_best_mc=mb["seconds_per_independent"] / row[
                   "seconds_per_independent"], mc_new_map_seconds=new["new_map_seconds"],
               mc_setup_seconds=new["setup_seconds"], mc_burn_in_cycles=new["burn_in_steps"],
               mc_burn_in_reached=new["burn_in_reached"],
               new_map_speedup=new["new_map_seconds"] / row["new_map_seconds"],
               mc_k={str(k): _record(m) for k, (_, _, m) in mcs.items() if k},
               mc_seconds_per_independent=plain["seconds_per_independent"] if plain else None,
               mc_tau_max=plain["tau_max"] if plain else None, mc_run_over_tau=plain["run_over_tau"] if plain else None,
               speedup=plain["seconds_per_independent"] / row["seconds_per_independent"] if plain else None)
    return row


def growth_exponent(L: np.ndarray, seconds: np.ndarray) -> float:
    """Slope of ``log(seconds)`` against ``log(L)`` (least squares): cost grows like ``L^slope``."""
    return float(np.polyfit(np.log(np.asarray(L, float)), np.log(np.asarray(seconds, float)), 1)[0])


def check_maps(L: int, many_L: int, unseen_class: int, seed: int) -> dict[str, np.ndarray]:
    """The maps of the exactness checks, each ``int8 (L, L)``, none of them a training map of the learned generator.

    * ``unseen_class``: one pair of a class chapter 02 never trained on, at ``L``;
    * ``many_pairs``: four to six pairs on random plaquettes at ``many_L`` (training used two or three);
    * ``diagonal_pair``: a pair on the lattice diagonal, ``L/4`` apart in both directions, whose landscape has
      two mirror-image minima (a hard case for independent draws).
    """
    rng = np.random.default_rng(seed)
    one = xy.pair_map(L, xy.PAIR_DISTANCES[unseen_class - 1].displacement, (L // 4, L // 4))
    n_pairs = int(rng.integers(4, 7))
    sites = rng.choice(many_L * many_L, 2 * n_pairs, replace=False)
    many = np.zeros(many_L * many_L, np.int8)
    many[sites[:n_pairs]], many[sites[n_pairs:]] = 1, -1
    diagonal = xy.pair_map(L, (L // 4, L // 4), (L // 4, L // 4))
    return {"unseen_class": one.astype(np.int8), "many_pairs": many.reshape(many_L, many_L),
            "diagonal_pair": diagonal.astype(np.int8)}


def check_table(checks: dict[str, dict[str, dict]]) -> pd.DataFrame:
    """One row per (map, T): acceptance, exact-map rate, z per observable, C(r) R²."""
    rows = [{"map": name, "T": float(T), "acceptance": c["acceptance"], "exact maps": c["exact_maps"],
             **{f"z {o}": c["z"][o] for o in OBSERVABLES}, "C(r) R²": c["corr_r2"],
             "block / tau (chain, MC)": "{chain:.0f}, {mc:.0f}".format(**c["block_over_tau"])}
            for name, by_T in checks.items() for T, c in by_T.items()]
    return pd.DataFrame(rows).set_index(["map", "T"])


def cost_maps(L: int, unseen_class: int, seed: int) -> dict[str, np.ndarray]:
    """The cost comparison's maps at ``L``, each ``int8 (L, L)``: ``close_pair`` (a pair of the unseen class, d = 4.12
    in the cpu split), ``separated_pairs`` (two pairs whose charges lie ``L/4`` apart) and ``many_pairs`` (four to six
    pairs on random plaquettes, drawn per ``L`` from ``seed``)."""
    close = xy.pair_map(L, xy.PAIR_DISTANCES[unseen_class - 1].displacement, (3, 5))
    q = L // 4
    separated = xy.pair_map(L, (0, q), (q, q // 2)) - xy.pair_map(L, (0, q), (3 * q, 5 * q // 2))
    rng = np.random.default_rng([seed, L])
    n_pairs = int(rng.integers(4, 7))
    sites = rng.choice(L * L, 2 * n_pairs, replace=False)
    many = np.zeros(L * L, np.int8)
    many[sites[:n_pairs]], many[sites[n_pairs:]] = 1, -1
    return {"close_pair": close.astype(np.int8), "separated_pairs": separated.astype(np.int8),
            "many_pairs": many.reshape(L, L)}


def cost_table(rows: list[dict]) -> pd.DataFrame:
    """One row per (map, L, T): the chain's tau_int and cost per independent field and per new map, the best Monte
    Carlo's (its ``k``), the speedups, plain Metropolis and the chain centred on the Villain field (milliseconds)."""
    ms = lambda x: None if x is None else 1e3 * x  # noqa: E731
    out = [{"map": r["map"], "L": r["L"], "T": r["T"], "acc": r["acceptance"], "tau (steps)": r["tau_max"],
            "ms / indep.": ms(r["seconds_per_independent"]), "best MC k": r["best_mc_k"],
            "MC tau (cycles)": r["best_mc_tau_max"], "MC ms / indep.": ms(r["best_mc_seconds_per_independent"]),
            "speedup": r["speedup_vs_best_mc"], "ms / new map": ms(r["new_map_seconds"]),
            "MC ms / new map": ms(r["mc_new_map_seconds"]), "new-map speedup": r["new_map_speedup"],
            "Metropolis ms / indep.": ms(r["mc_seconds_per_independent"]),
            "Villain-centred ms / indep.": ms(r["villain_seconds_per_independent"]),
            "Villain-centred ms / new map": ms(r["villain_new_map_seconds"])} for r in rows]
    return pd.DataFrame(out).set_index(["map", "L", "T"])


#: the issue's cost targets: the chain at most this many times the best MC's cost at L >= 32, at least
#: SPEEDUP_TARGET times cheaper where the best MC's tau_int exceeds SLOW_MC_TAU cycles, and per new map at L >= 64
RATIO_LIMIT, SPEEDUP_TARGET, SLOW_MC_TAU = 1.25, 3.0, 10.0


def _where(r: dict) -> str:
    return f"{r['map'].replace('_', ' ')}, L = {r['L']}, T = {r['T']}"


def cost_verdicts(rows: list[dict]) -> dict[str, str]:
    """Sentences computed from the cost rows, every one against the best Monte Carlo baseline (module docstring)."""
    out = {}
    cheaper = [r for r in rows if r["speedup_vs_best_mc"] > 1]
    dearer = [r for r in rows if r["speedup_vs_best_mc"] <= 1]
    sizes = lambda rs: ", ".join(str(L) for L in sorted({r["L"] for r in rs}))  # noqa: E731
    out["cheaper"] = (f"Per independent field the exact chain is cheaper than the best Monte Carlo in "
                      f"{len(cheaper)} of {len(rows)} rows" + (f" (L = {sizes(cheaper)}; speedups "
                      f"{min(r['speedup_vs_best_mc'] for r in cheaper):.1f} to "
                      f"{max(r['speedup_vs_best_mc'] for r in cheaper):.1f})" if cheaper else "")
                      + (f"; the best Monte Carlo is cheaper in {len(dearer)} (L = {sizes(dearer)}, up to "
                         f"{max(1 / r['speedup_vs_best_mc'] for r in dearer):.1f} times)." if dearer else "."))
    big = [r for r in rows if r["L"] >= 32]
    worst = max(big, key=lambda r: 1 / r["speedup_vs_best_mc"]) if big else None
    ok = sum(1 / r["speedup_vs_best_mc"] <= RATIO_LIMIT for r in big)
    out["ratio"] = (f"At L >= 32 the chain costs at most {RATIO_LIMIT} times the best Monte Carlo in {ok} of "
                    f"{len(big)} rows ({'met' if ok == len(big) else 'not met'}; largest ratio "
                    f"{1 / worst['speedup_vs_best_mc']:.2f}, {_where(worst)})." if big else "No row at L >= 32.")
    slow = [r for r in rows if r["best_mc_tau_max"] > SLOW_MC_TAU]
    least = min(slow, key=lambda r: r["speedup_vs_best_mc"]) if slow else None
    ok = sum(r["speedup_vs_best_mc"] >= SPEEDUP_TARGET for r in slow)
    out["slow_mc"] = (f"Where the best Monte Carlo's tau_int exceeds {SLOW_MC_TAU:.0f} cycles ({len(slow)} rows) the "
                      f"chain is at least {SPEEDUP_TARGET:.0f} times cheaper in {ok} "
                      f"({'met' if ok == len(slow) else 'not met'}; smallest speedup "
                      f"{least['speedup_vs_best_mc']:.1f}, {_where(least)})." if slow else
                      f"No row has a best Monte Carlo tau_int above {SLOW_MC_TAU:.0f} cycles.")
    large = [r for r in rows if r["L"] >= 64]
    least = min(large, key=lambda r: r["new_map_speedup"]) if large else None
    ok = sum(r["new_map_speedup"] >= SPEEDUP_TARGET for r in large)
    out["new_map"] = (f"Per new map at L >= 64 the chain is at least {SPEEDUP_TARGET:.0f} times cheaper in {ok} of "
                      f"{len(large)} rows ({'met' if ok == len(large) else 'not met'}; smallest "
                      f"{least['new_map_speedup']:.1f}, {_where(least)}, where the chain's set-up alone takes "
                      f"{1e3 * least['setup_seconds']:.1f} ms and Monte Carlo's burn-in {least['mc_burn_in_cycles']} "
                      "cycles)." if large else "No row at L >= 64.")
    small = [r for r in rows if r["L"] == min(r["L"] for r in rows)]
    mc_wins = [r for r in small if r["speedup_vs_best_mc"] <= 1]
    ks = ", ".join(str(k) for k in sorted({r["best_mc_k"] for r in mc_wins}))
    out["smallest"] = (f"At L = {small[0]['L']} pick " + (
        f"Metropolis with k = {ks} over-relaxation sweeps per sweep: it is cheaper than the chain on every map and T "
        "here." if len(mc_wins) == len(small) else "the exact chain: it is cheaper on every map and T here."
        if not mc_wins else f"Metropolis + over-relaxation on {', '.join(_where(r) for r in mc_wins)}, the chain "
        "elsewhere."))
    ratio = [r["villain_seconds_per_independent"] / r["seconds_per_independent"] for r in rows]
    ratio_new = [r["villain_new_map_seconds"] / r["new_map_seconds"] for r in rows]
    out["learned"] = (f"Centred on the Villain field instead of the learned mean, the chain costs {min(ratio):.2f} to "
                      f"{max(ratio):.2f} times as much per independent field and {min(ratio_new):.2f} to "
                      f"{max(ratio_new):.2f} times as much per new map.")
    return out


#: the issue's targets: |z| at most this on every checked observable, C(r) R² at least this
Z_LIMIT, R2_TARGET = 3.0, 0.95


def summary(checks: dict[str, dict[float, dict]], rows: list[dict]) -> dict:
    """The results-JSON record: checks per map and T (keys as strings), cost rows, growth exponents of the chain's and
    the best Monte Carlo's cost per independent field per map and T, and the cost verdicts."""
    slope = {"exact": {}, "mc": {}}
    for who, key in (("exact", "seconds_per_independent"), ("mc", "best_mc_seconds_per_independent")):
        for name, T in sorted({(r["map"], r["T"]) for r in rows}):
            sel = [r for r in rows if r["map"] == name and r["T"] == T]
            if len(sel) > 1:
                slope[who][f"{name} {T}"] = growth_exponent([r["L"] for r in sel], [r[key] for r in sel])
    z = [abs(v) for by_T in checks.values() for c in by_T.values() for v in c["z"].values()]
    r2s = [c["corr_r2"] for by_T in checks.values() for c in by_T.values()]
    keep = ("acceptance", "z", "corr_r2", "exact_maps", "n_steps", "mc_sweeps", "block_over_tau")
    return {"checks": {name: {str(T): {k: c[k] for k in keep} for T, c in by_T.items()}
                       for name, by_T in checks.items()},
            "cost": rows, "growth_exponent": slope, "cost_verdicts": cost_verdicts(rows),
            "z_within": int(sum(v <= Z_LIMIT for v in z)), "z_n": len(z), "z_max": float(max(z)),
            "corr_r2_min": float(min(r2s)), "exact_maps_min": float(min(c["exact_maps"] for by_T in checks.values()
                                                                        for c in by_T.values())),
            "exact": bool(max(z) <= Z_LIMIT and min(r2s) >= R2_TARGET)}


def glue_values(s: dict) -> dict:
    """The values the chapter's answer quotes, from :func:`summary`."""
    n_cases = sum(len(by_T) for by_T in s["checks"].values())
    slopes = lambda who: ", ".join(f"{v:.2f} ({k})" for k, v in s["growth_exponent"][who].items()) or "n/a"  # noqa
    runs = [r["best_mc"]["run_over_tau"] for r in s["cost"]]
    return {"exact_n_cases": n_cases, "exact_z_within": s["z_within"], "exact_z_n": s["z_n"], "exact_z_max": s["z_max"],
            "exact_r2_min": s["corr_r2_min"], "exact_maps": f"{100 * s['exact_maps_min']:.0f} %",
            "exact_verdict": "met" if s["exact"] else "not met", "exact_slope": slopes("exact"),
            "mc_slope": slopes("mc"), "exact_mc_run_min": min(runs),
            **{f"cost_{k}": v for k, v in s["cost_verdicts"].items()}}
