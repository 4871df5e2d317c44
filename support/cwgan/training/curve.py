"""A learning curve of a U-Net: exact-map rate and energy error against generator steps.

:func:`support.cwgan.training.wgan.train_cwgan` calls a ``curve`` callback at a few log-spaced
generator steps; :func:`curve_scorer` makes that callback from a monitor (e.g.
:func:`support.cwgan.evaluation.heldout.monitor` on validation maps), :func:`curve_glue` turns the rows
into the chapter's words, :func:`plot_learning_curve` draws them on a log axis.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np

#: validation maps scored per curve point (a few hundred generated fields at the cpu profile's 4 per map)
CURVE_MAPS = 64
#: the words of :func:`curve_glue`
GLUE_KEYS = ("curve_first_step", "curve_last_step", "curve_exact_first", "curve_exact_last", "curve_dE_first",
             "curve_dE_last", "curve_trend")


def curve_scorer(monitor: Callable[[object], dict]) -> Callable[[object], dict[str, float]]:
    """``generator -> {"exact_map", "dE_per_site", "seconds"}`` from a monitor that returns ``charge_match_rate``,
    ``energy_gen`` and ``energy_mc`` (generated minus Monte Carlo energy per site; ``seconds``: the scoring's time)."""
    def score(generator) -> dict[str, float]:
        t0 = time.perf_counter()
        m = monitor(generator)
        return {"exact_map": float(m["charge_match_rate"]), "dE_per_site": float(m["energy_gen"] - m["energy_mc"]),
                "seconds": time.perf_counter() - t0}
    return score


def curve_glue(rows: list[dict]) -> dict[str, str]:
    """The chapter's words about a curve, computed from its rows (sorted by step).

    Returns:
        ``curve_first_step``, ``curve_last_step``, ``curve_exact_first``, ``curve_exact_last``,
        ``curve_dE_first``, ``curve_dE_last`` (formatted numbers) and ``curve_trend``: whether the
        exact-map rate still rises between the last two points (``"still rising"``, ``"flat"`` or
        ``"falling"``); ``"a single point"`` with one row; without rows every word is ``"not measured"``.
    """
    if not rows:
        return dict.fromkeys(GLUE_KEYS, "not measured")
    rows = sorted(rows, key=lambda r: r["step"])
    first, last = rows[0], rows[-1]
    out = {"curve_first_step": f"{first['step']}", "curve_last_step": f"{last['step']}",
           "curve_exact_first": f"{first['exact_map']:.2f}", "curve_exact_last": f"{last['exact_map']:.2f}",
           "curve_dE_first": f"{first['dE_per_site']:+.3f}", "curve_dE_last": f"{last['dE_per_site']:+.3f}"}
    if len(rows) < 2:
        return out | {"curve_trend": "a single point"}
    change = last["exact_map"] - rows[-2]["exact_map"]
    out["curve_trend"] = "still rising" if change > 0 else ("flat" if change == 0 else "falling")
    return out


def plot_learning_curve(rows: list[dict], title: str = "paper U-Net, validation maps"):
    """Exact-map rate and ΔE/N (generated − MC) against generator steps, log step axis; returns the figure."""
    steps = np.array([r["step"] for r in rows])
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    axes[0].plot(steps, [r["exact_map"] for r in rows], "o-")
    axes[0].set(ylabel="exact-map rate", ylim=(-0.02, 1.02))
    axes[1].plot(steps, [r["dE_per_site"] for r in rows], "o-")
    axes[1].axhline(0, color="k", lw=0.8, ls="--")
    axes[1].set(ylabel=r"$\Delta E/N$ (generated − MC, J)")
    for ax in axes:
        ax.set(xscale="log", xlabel="generator steps")
    fig.suptitle(title)
    return fig
