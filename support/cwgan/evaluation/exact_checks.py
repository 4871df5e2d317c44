"""Is the exact chain exact, and what does it cost? Its fields against long constrained Monte Carlo, side by side.

Both samplers are scored the same way on the same (map, T):

* **estimates with errors**: every observable of the paper's Fig. 4a that a fixed map has (``E/N``,
  ``|M|``, ``Upsilon``, ``chi``, ``C_v``) over the whole chain, its error from batch means over
  :data:`N_BLOCKS` consecutive blocks (valid when a block is much longer than ``tau_int``, which the
  cost rows show), and the z-score of the chain against Monte Carlo with both errors;
* **C(r)**: the R² of the chain's spin correlation against Monte Carlo's (:func:`support.xy.correlation_function`);
* **cost per independent field**: the chain's wall seconds (set-up and burn-in included) per stored
  state times ``2 max(tau_int(E), tau_int(|M|))``, ``tau_int`` with Sokal's window
  (:func:`~support.cwgan.evaluation.mc_reference.integrated_autocorrelation_time`); Monte Carlo is one
  constrained chain storing every sweep, measured the same way in the same process.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from support import xy
from support.cwgan.evaluation.mc_reference import integrated_autocorrelation_time
from support.cwgan.exact import sample_exact
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


def cost_case(generator, charges: np.ndarray, T: float, *, n_steps: int, mc_sweeps: int, mc_burn_in: int,
              seed: int) -> dict:
    """Cost per independent field of the exact chain and of constrained Monte Carlo on one (map, T), side by side.

    Monte Carlo stores a state every ``(L/16)^2 / 4`` sweeps (at least every sweep; memory at large ``L``);
    its ``tau_int`` is reported in sweeps, the chain's in steps.
    """
    L = int(charges.shape[-1])
    sample_exact(generator, charges, T, 2, seed=seed, burn_in_steps=2)   # compile the kernels, load the caches
    theta, info = sample_exact(generator, charges, T, n_steps, seed=seed)
    tau = autocorrelation(theta, T)
    between = max(1, (L // 16) ** 2 // 4)
    mc, mc_seconds = mc_chain(charges, T, mc_sweeps // between, burn_in=mc_burn_in, sweeps_between=between,
                              seed=seed + 7)
    mc_tau = autocorrelation(mc, T)
    ours, theirs = (cost_per_independent(info["seconds"], n_steps, tau),
                    cost_per_independent(mc_seconds, len(mc), mc_tau))
    mc_tau = {k: v * between for k, v in mc_tau.items()}
    return {"L": L, "T": float(T), "acceptance": info["acceptance"], "tau_int": tau,
            "seconds_per_step": info["seconds"] / n_steps, "seconds_per_independent": ours,
            "mc_tau_int": mc_tau, "mc_seconds_per_sweep": mc_seconds / (mc_burn_in + len(mc) * between),
            "mc_seconds_per_independent": theirs, "speedup": theirs / ours,
            "mc_run_over_tau": len(mc) * between / max(mc_tau["energy"], mc_tau["abs_m"])}


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


def cost_table(rows: list[dict]) -> pd.DataFrame:
    """One row per (L, T): acceptance, tau_int of both samplers (in steps or sweeps, and |M|'s in milliseconds),
    milliseconds per independent field, speedup."""
    out = [{"L": r["L"], "T": r["T"], "acceptance": r["acceptance"], "tau E (steps)": r["tau_int"]["energy"],
            "tau |M| (steps)": r["tau_int"]["abs_m"], "tau Y (steps)": r["tau_int"]["helicity"],
            "tau |M| (ms)": 1e3 * r["tau_int"]["abs_m"] * r["seconds_per_step"],
            "ms per independent": 1e3 * r["seconds_per_independent"],
            "MC tau |M| (sweeps)": r["mc_tau_int"]["abs_m"],
            "MC tau |M| (ms)": 1e3 * r["mc_tau_int"]["abs_m"] * r["mc_seconds_per_sweep"],
            "MC ms per independent": 1e3 * r["mc_seconds_per_independent"],
            "speedup": r["speedup"]} for r in rows]
    return pd.DataFrame(out).set_index(["L", "T"])


#: the issue's targets: |z| at most this on every checked observable, C(r) R² at least this
Z_LIMIT, R2_TARGET = 3.0, 0.95


def summary(checks: dict[str, dict[float, dict]], rows: list[dict]) -> dict:
    """The results-JSON record: checks per map and T (keys as strings), cost rows, growth exponents per T."""
    temps = sorted({r["T"] for r in rows})
    slope = {}
    for who, key in (("exact", "seconds_per_independent"), ("mc", "mc_seconds_per_independent")):
        slope[who] = {str(T): growth_exponent([r["L"] for r in rows if r["T"] == T],
                                              [r[key] for r in rows if r["T"] == T])
                      for T in temps if sum(r["T"] == T for r in rows) > 1}
    z = [abs(v) for by_T in checks.values() for c in by_T.values() for v in c["z"].values()]
    r2s = [c["corr_r2"] for by_T in checks.values() for c in by_T.values()]
    keep = ("acceptance", "z", "corr_r2", "exact_maps", "n_steps", "mc_sweeps", "block_over_tau")
    return {"checks": {name: {str(T): {k: c[k] for k in keep} for T, c in by_T.items()}
                       for name, by_T in checks.items()},
            "cost": [{"set": "unseen_class", **r} for r in rows], "growth_exponent": slope,
            "z_within": int(sum(v <= Z_LIMIT for v in z)), "z_n": len(z), "z_max": float(max(z)),
            "corr_r2_min": float(min(r2s)), "exact_maps_min": float(min(c["exact_maps"] for by_T in checks.values()
                                                                        for c in by_T.values())),
            "exact": bool(max(z) <= Z_LIMIT and min(r2s) >= R2_TARGET)}


def _speedups(rows: list[dict], L: int) -> str:
    got = [f"{r['speedup']:.0f} (T = {r['T']})" for r in rows if r["L"] == L]
    return ", ".join(got) if got else "not measured"


def glue_values(s: dict) -> dict:
    """The values the chapter's answer quotes, from :func:`summary`."""
    n_cases = sum(len(by_T) for by_T in s["checks"].values())
    slopes = lambda who: ", ".join(f"{v:.2f} (T = {T})" for T, v in s["growth_exponent"][who].items()) or "n/a"
    largest = max(r["L"] for r in s["cost"])
    return {"exact_n_cases": n_cases, "exact_z_within": s["z_within"], "exact_z_n": s["z_n"], "exact_z_max": s["z_max"],
            "exact_r2_min": s["corr_r2_min"], "exact_maps": f"{100 * s['exact_maps_min']:.0f} %",
            "exact_verdict": "met" if s["exact"] else "not met",
            "exact_speedup_64": _speedups(s["cost"], 64), "exact_speedup_128": _speedups(s["cost"], 128),
            "exact_slope": slopes("exact"), "mc_slope": slopes("mc"),
            "exact_mc_run_min": min(r["mc_run_over_tau"] for r in s["cost"] if r["L"] == largest)}
