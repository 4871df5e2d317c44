"""Figures of the cWGAN chapters: training monitors, fields, observables, correlations, topology, polish, cost.

Each function draws one figure from precomputed scores and returns it; nothing is computed here.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from support import xy
from support.cwgan.evaluation.exact_checks import OBSERVABLES as OBSERVABLES_Z
from support.cwgan.evaluation.scores import OBSERVABLES, class_distance
from support.topology import filtration as tda
from support.topology import persistence as tda_persistence

#: line styles of the sources drawn against Monte Carlo (the GRF is added where it is on scale)
STYLES = {"generator": dict(color="C0", marker="o", ms=4), "paper": dict(color="C4", marker="x", ms=4, ls="-"),
          "prior": dict(color="C2", ls="--"), "villain": dict(color="C1", ls=":")}
GRF_STYLE = dict(color="C3", ls="-.")


def source_names(variant: str) -> dict[str, str]:
    """Display names of the sources of chapter 04 (the generator's with its variant)."""
    return {"MC": "Monte Carlo", "generator": "learned generator" if variant == "learned" else f"cWGAN ({variant})", "villain": "T = 0 field",
            "grf": "Gaussian random field", "prior": "physics prior", "MC halves": "MC half vs half (floor)",
            "paper": "paper U-Net"}


def _present(styles: dict[str, dict], data: dict) -> dict[str, dict]:
    """The styles of the sources present in ``data`` (a profile may train only some variants)."""
    return {name: st for name, st in styles.items() if name in data}


def plot_history(histories: dict[str, list[dict]]):
    """Per-epoch monitors (paper Fig. 3) of each variant, generated (solid) versus MC (dashed)."""
    panels = [("charge_match_rate", None, "exact-map match rate"), ("vortices_gen", "vortices_mc", "vortices per field"),
              ("magnetization_gen", "magnetization_mc", r"$\langle|M|\rangle$"),
              ("energy_std_gen", "energy_std_mc", r"within-map std of $E/N$ (J)"), ("w_distance", None, "critic W-distance")]
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.0), constrained_layout=True)
    for (key, ref, label), ax in zip(panels, axes):
        for i, (name, hist) in enumerate(histories.items()):
            ep = [h["epoch"] for h in hist]
            line, = ax.plot(ep, [h.get(key, np.nan) for h in hist], "o-", ms=3, label=name)
            if ref:
                ax.plot(ep, [h.get(ref, np.nan) for h in hist], "--", color=line.get_color(),
                        label=f"MC ({name} monitor)" if i == 0 else None)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
    axes[0].legend(fontsize=7)
    return fig


def plot_fields(fields: dict[str, np.ndarray]):
    """One panel per named field ``(L, L)``: spins as arrows coloured by angle, exact vortices circled."""
    fig, axes = plt.subplots(1, len(fields), figsize=(3.4 * len(fields), 3.4), constrained_layout=True)
    for ax, (name, th) in zip(np.atleast_1d(axes), fields.items()):
        ax.quiver(np.cos(th), np.sin(th), np.mod(th, 2 * np.pi), cmap="twilight", pivot="mid", scale=22)
        k = xy.vortices(th)
        for q, c in ((1, "red"), (-1, "blue")):
            i, j = np.nonzero(k == q)
            ax.scatter(j + 0.5, i + 0.5, s=60, facecolors="none", edgecolors=c)
        ax.set_title(name)
        ax.set_xlabel("j (sites)")
        ax.set_ylabel("i (sites)")
        ax.set_aspect("equal")
    return fig


def plot_observables(tables: dict[str, dict], T_key: str, names: dict[str, str]):
    """The six observables versus pair distance at one temperature: MC (squares) and the :data:`STYLES` sources."""
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.5))
    for ax, obs in zip(axes.flat, OBSERVABLES):
        ref = tables["MC"][T_key]
        ax.plot(ref["d"], ref[obs], "ks", ms=6, mfc="none", label="Monte Carlo")
        for name, st in _present(STYLES, tables).items():
            ax.plot(tables[name][T_key]["d"], tables[name][T_key][obs], label=names[name], **st)
        ax.set_xlabel(r"pair distance $d_\nu$ (lattice spacings; 0 = no pair)")
        ax.set_ylabel(OBSERVABLES[obs])
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"Observables versus pair distance at T = {T_key} J (GRF off scale, see table)")
    fig.tight_layout()
    return fig


def plot_correlations(curves: dict[str, dict], names: dict[str, str]):
    """``C(r)`` per class (one panel each): MC (squares) and the :data:`STYLES` sources."""
    class_ids = list(curves["MC"])
    fig, axes = plt.subplots(1, len(class_ids), figsize=(4 * len(class_ids), 3.4), squeeze=False)
    for ax, c in zip(axes[0], class_ids):
        ax.plot(*curves["MC"][c], "ks", mfc="none", ms=5, label="Monte Carlo")
        for name, st in _present(STYLES, curves).items():
            ax.plot(*curves[name][c], label=names[name], **st)
        ax.set_title(f"d = {class_distance([c])[0]:g}" if c else "no pair")
        ax.set_xlabel("distance r (lattice spacings)")
        ax.set_ylabel(r"$\langle S_i\cdot S_j\rangle$")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_topology(thresholds: np.ndarray, curves: dict[str, dict], class_id: int, names: dict[str, str], title: str):
    """The five Θ-filtration measures of one class: MC (squares), the :data:`STYLES` sources and the GRF."""
    row = int(np.flatnonzero(curves["MC"]["class"] == class_id)[0])
    units = {"area": " (plaquettes)", "perimeter": " (edges)", "radius": " (bonds)", "diameter": " (bonds)"}
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.3))
    for ax, m in zip(axes, tda.MEASURES):
        ax.plot(thresholds, curves["MC"][m][row], "ks", mfc="none", ms=5, label="Monte Carlo")
        for name, st in _present({**STYLES, "grf": GRF_STYLE}, curves).items():
            ax.plot(thresholds, curves[name][m][row], label=names[name], **st)
        ax.set_xlabel(r"threshold $\Theta$ (rad)")
        ax.set_ylabel(m + units.get(m, ""))
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_euler_z(thresholds: np.ndarray, deviation: dict[str, np.ndarray], label: str = "cWGAN"):
    """Euler-characteristic deviation of a generator from MC in combined standard errors, one line per class."""
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    for c in range(len(deviation["class"])):
        ax.plot(thresholds, deviation["z"][c], color="C0", alpha=0.5, lw=1,
                label=f"{label}, one line per class" if c == 0 else None)
    ax.axhspan(-3, 3, color="0.85", label="|z| ≤ 3")
    ax.set_xlabel(r"threshold $\Theta$ (rad)")
    ax.set_ylabel("Euler characteristic: (gen − MC) / SE")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_h1_diagrams(diagrams: dict[str, dict], class_id: int, names: dict[str, str], sources=("MC", "generator")):
    """Pooled H1 persistence diagrams of one class, one panel per source."""
    fig, axes = plt.subplots(1, len(sources), figsize=(4 * len(sources), 3.8))
    for ax, name in zip(axes, sources):
        pts = np.concatenate([tda_persistence.finite(d[1]) for d in diagrams[name][class_id]])
        ax.scatter(pts[:, 0], pts[:, 1], s=6, alpha=0.4)
        ax.plot([0, np.pi], [0, np.pi], "k--", lw=0.8)
        ax.set_title(f"{names[name]}: $H_1$, d ≈ {class_distance([class_id])[0]:g}, "
                     f"{len(diagrams[name][class_id])} fields", fontsize=9)
        ax.set_xlabel(r"birth $\Theta$ (rad)")
        ax.set_ylabel(r"death $\Theta$ (rad)")
    fig.tight_layout()
    return fig


def plot_polish(polish: dict[str, list[dict]], names: dict[str, str], unit: str = "sweeps"):
    """C_v and χ during the MC polish: class-mean ratio to MC (left) and R² versus d (right); ``unit`` names what
    the polish counts (sweeps, or cycles with over-relaxation)."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for name, rows in polish.items():
        sw = np.array([r["sweeps"] for r in rows]) + 0.5
        for o, ls in (("cv", "-"), ("chi", "--")):
            kw = dict(color=STYLES[name]["color"], label=f"{names[name]}: {o}")
            axes[0].semilogx(sw, [r[f"{o}_ratio"] for r in rows], ls, **kw)
            axes[1].semilogx(sw, [r[f"r2_{o}"] for r in rows], ls, **kw)
    axes[0].axhline(1, color="k", lw=0.8)
    axes[0].set_ylabel("mean ratio to Monte Carlo")
    axes[1].set_ylabel(r"$R^2$ versus $d$")
    axes[1].set_ylim(-1, 1.05)
    for ax in axes:
        ax.set_xlabel(f"constrained MC {unit} + 0.5")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig

def plot_learned_curves(curves: dict[str, dict], mc: dict, unseen: list[int],
                        observables=("abs_m", "energy", "helicity", "chi")):
    """Observables versus pair distance: Monte Carlo and each learned-generator source, unseen classes shaded."""
    fig, axes = plt.subplots(1, len(observables), figsize=(3.3 * len(observables), 3.0), constrained_layout=True)
    d_unseen = class_distance(unseen)
    for key, ax in zip(observables, axes):
        for d in d_unseen:
            ax.axvspan(d - 0.07, d + 0.07, color="0.85", lw=0)
        ax.plot(mc["d"], mc[key], "k-", lw=2, label="Monte Carlo")
        for i, (name, table) in enumerate(curves.items()):
            ax.plot(table["d"], table[key], "o--" if i == 0 else "s-", ms=3, color=f"C{i}", label=name)
        ax.set_xlabel("pair distance d (lattice units)")
        ax.set_ylabel(OBSERVABLES[key])
    axes[0].legend(fontsize=7, title="grey: unseen classes", title_fontsize=7)
    return fig


def plot_exact(checks: dict[str, dict], rows: list[dict], z_limit: float = 3.0):
    """Left: z of the exact chain against long Monte Carlo per observable, one marker per (map, T), with the ±limit
    band. Right: the chain's speedup over the best Monte Carlo against L (log-log), per independent field (filled)
    and per new map (open), one colour per map and a line style per T, with the targets' levels."""
    fig, (ax_z, ax_c) = plt.subplots(1, 2, figsize=(11, 3.8))
    names = list(OBSERVABLES_Z)
    for m, (name, by_T) in enumerate(checks.items()):
        for t, (T, c) in enumerate(by_T.items()):
            ax_z.plot(np.arange(len(names)) + 0.08 * (3 * m + t - 3), [c["z"][o] for o in names], "os^"[m % 3],
                      color=f"C{t}", ls="none", label=f"{name}, T = {T}")
    ax_z.axhspan(-z_limit, z_limit, color="0.9", zorder=0)
    ax_z.set(xticks=range(len(names)), xticklabels=names, ylabel="z (exact chain − MC) / σ",
             title="exactness against long Monte Carlo")
    ax_z.legend(fontsize=7, ncol=2)
    maps = list(dict.fromkeys(r["map"] for r in rows))
    for t, T in enumerate(sorted({r["T"] for r in rows})):
        for m, name in enumerate(maps):
            sel = sorted((r for r in rows if r["T"] == T and r["map"] == name), key=lambda r: r["L"])
            L = [r["L"] for r in sel]
            ax_c.loglog(L, [r["speedup_vs_best_mc"] for r in sel], "o", ls="-:"[t % 2], color=f"C{m}",
                        label=f"{name.replace('_', ' ')}, T = {T}")
            ax_c.loglog(L, [r["new_map_speedup"] for r in sel], "o", ls="-:"[t % 2], color=f"C{m}", mfc="none",
                        alpha=0.6)
    for level, text in ((1.0, "equal cost"), (1 / 1.25, "1/1.25"), (3.0, "3x")):
        ax_c.axhline(level, color="0.6", lw=0.8, ls="--")
        ax_c.annotate(text, (1.0, level), xycoords=("axes fraction", "data"), fontsize=7, ha="right", va="bottom")
    ax_c.set(xlabel="L", ylabel="best MC cost / chain cost",
             title="speedup over Metropolis + k OR (filled: per field, open: per new map)")
    ax_c.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig
