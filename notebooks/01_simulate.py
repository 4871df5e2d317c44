# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Simulate: XY Monte Carlo data and skyrmion lattices
#
# We generate all training data of the book: constrained Metropolis XY fields for the cWGAN (part 1) and annealed Heisenberg + DMI + Zeeman skyrmion lattices for the VAE (part 2), and validate both samplers against exact limits.

# %% tags=["parameters"]
profile = "cpu"
data_dir = "data"
seed = 0
device = "auto"
# XY knobs (part 1)
xy_L = 16  # lattice size of the cWGAN data set
xy_temperatures = [0.1, 0.5, 0.9]  # data-set temperatures
xy_n_maps = 96  # chains (random placements) per class (no pair + 12 distances) and temperature
xy_samples_per_map = 4  # samples stored per chain
xy_overrelax = 1  # over-relaxation sweeps after each Metropolis sweep (0: plain Metropolis)
xy_burn_in = 100  # cycles (1 Metropolis + xy_overrelax OR sweeps) before the first sample of a chain
xy_sweeps_between = 8  # cycles between samples of a chain (at least 2 tau_int)
xy_validation_L = 16  # lattice size of the unconstrained validation scan
xy_validation_temperatures = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0]
xy_validation_chains = 2  # independent chains per temperature (error bars)
xy_validation_samples = 1000  # samples per chain
xy_validation_burn_in = 1000
xy_validation_sweeps_between = 5
scheduler = None  # where the independent work runs: None here, "" a Dask LocalCluster, or "tcp://host:8786"
# skyrmion knobs (part 2)
sk_L = 48  # lattice size of the phase scan and the dataset (the VAE wants a multiple of 16)
sk_dmi = "neel"
sk_scan_D = [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 1.0]  # DMI values of the phase scan (units of J)
sk_scan_b = [0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8, 1.0]  # reduced fields b: the field B in units of D^2/J
sk_n_points = 129  # phase points drawn inside the skyrmion-lattice region of the scan (thesis: 572)
sk_configs_per_point = 4  # independent lattices per phase point (thesis: 5)
sk_sweeps = 2500  # Metropolis sweeps per anneal (plus as many over-relaxation sweeps)
sk_n_temps = 50  # geometric cooling steps
sk_T_start = 1.0
sk_T_final = 0.006  # the thesis's UppASD temperature
sk_size_L = [32, 48, 64]  # lattice sizes of chapter 05's size study (same points; the main size reuses the dataset)
sk_size_configs = 2  # lattices annealed per point at every size of the study, at most sk_configs_per_point

# %%
from support.book.runtime import profile_dir, results_path, set_threads

set_threads()
out = profile_dir(data_dir, profile)

# %% [markdown]
# ## Part 1 · The XY model and constrained Metropolis data
#
# Spins $\mathbf S_i = (\cos\theta_i, \sin\theta_i)$ on an $L\times L$ periodic square lattice with
# $H = -J\sum_{\langle ij\rangle}\cos(\theta_i-\theta_j)$ ($J = k_B = 1$). The vortex charge of a plaquette
# (eq. 2 of the cWGAN paper) is the sum of the four wrapped angle differences around it divided by $2\pi$,
# $k_p\in\{-1,0,1\}$; the smooth version (eq. 3), a quarter of the summed $z$ cross products
# $(\mathbf S_a\times\mathbf S_b)_z$ around the plaquette, is differentiable and feeds the cWGAN's physics loss.
#
# The training data come from Metropolis Monte Carlo (`support.samplers.xy`). With a prescribed charge map
# every move that would change the charge of one of the four plaquettes around the spin is rejected, so the
# map is kept *exactly* at any temperature. Chains start from the torus-periodic $T=0$ field of the map
# (the Villain / Coulomb-gas solution of a discrete Poisson equation, `xy.villain_field`). Each stored sample
# is rotated by a uniformly random global angle: the O(2) symmetry is exact, while a Metropolis chain at
# $T = 0.1$ hardly rotates as a whole.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from myst_nb import glue

from support import xy
from support.store.data import update_results
from support.samplers.xy import sample_xy, sample_xy_chains
from support.xy.checks import pair_excess_energies, plot_validation, villain_pair_energies
from support.xy.dataset import dataset_summary, default_dir, generate_xy_dataset, load_xy_dataset

res_file = results_path(data_dir, profile, "01_simulate")

# %% [markdown]
# ### Sample fields and their vortex maps
# Colour is the spin angle, arrows the spins, red circles $k=+1$, blue squares $k=-1$ (drawn at plaquette centres).
# The constrained chain at $T=0.1$ {glue:text}`example_keeps_map` the pair of its label; the unconstrained chains
# at $T = 0.9$ and $1.5$, around and above $T_{KT}\approx 0.893$, carry {glue:text}`example_vortices_09` and
# {glue:text}`example_vortices_15` vortices of both signs.

# %%
pair = xy.pair_map(xy_L, (0, 3), (xy_L // 2, xy_L // 2 - 2))
examples = [("T = 0: Villain field of a pair, d = 3", xy.villain_field(pair)),
            ("T = 0.1, constrained to that pair",
             sample_xy(xy_L, 0.1, 1, charges=pair, burn_in=xy_burn_in, seed=seed, overrelax=xy_overrelax)[0]),
            ("T = 0.9, unconstrained", sample_xy(xy_L, 0.9, 1, burn_in=xy_validation_burn_in, seed=seed)[0]),
            ("T = 1.5, unconstrained", sample_xy(xy_L, 1.5, 1, burn_in=xy_validation_burn_in, seed=seed)[0])]
fig, axes = plt.subplots(1, 4, figsize=(18, 4.6), constrained_layout=True)
for ax, (title, th) in zip(axes, examples):
    im = xy.plot_field(ax, th, title)
fig.colorbar(im, ax=axes, label=r"$\theta$ (rad)", shrink=0.8)
plt.show()
glue("example_keeps_map", "keeps" if xy.matches_map(examples[1][1][None], pair[None])[0] else "loses", display=False)
for key, (_, th) in zip(("example_vortices_09", "example_vortices_15"), examples[2:]):
    glue(key, int(np.abs(xy.vortices(th)).sum()), display=False)

# %% [markdown]
# ### Validating the sampler
# Unconstrained chains at $L = 16$ from $T = 0.1$ to $2$ (all temperatures run in parallel, several independent
# chains each for error bars). At low $T$ the spin-wave (harmonic) limits are $E/N \to -2 + T/2$ and
# $\Upsilon \to 1 - T/4$; at the lowest temperature of the scan they {glue:text}`spin_wave_verdict` (checked
# below). The helicity modulus should drop where it crosses the Nelson–Kosterlitz line $2T/\pi$, near
# $T_{KT}\approx 0.893$ (finite-size shifted at $L=16$), and the specific heat peak somewhat above $T_{KT}$: here it
# peaks at $T$ = {glue:text}`cv_peak_T`.

# %%
t0 = time.time()
Tv = np.asarray(xy_validation_temperatures, dtype=float)
runs = sample_xy_chains(xy_validation_L, np.repeat(Tv, xy_validation_chains), xy_validation_samples,
                        burn_in=xy_validation_burn_in, sweeps_between=xy_validation_sweeps_between, seed=seed,
                        progress=True)
runs = runs.reshape(len(Tv), xy_validation_chains, xy_validation_samples, xy_validation_L, xy_validation_L)
per_chain = [[xy.ensemble_observables(runs[a, c], T) for c in range(xy_validation_chains)] for a, T in enumerate(Tv)]
obs = {key: np.array([[s[key] for s in row] for row in per_chain]) for key in per_chain[0][0]}
mean = {key: v.mean(axis=1) for key, v in obs.items()}
err = {key: v.std(axis=1, ddof=1) / np.sqrt(v.shape[1]) if v.shape[1] > 1 else 0 * v[:, 0] for key, v in obs.items()}
update_results(res_file, xy_validation={"L": xy_validation_L, "T": Tv, "n_chains": xy_validation_chains,
                                        "samples_per_chain": xy_validation_samples,
                                        **{k: mean[k] for k in mean}, "errors": err})
print(f"validation scan: {time.time() - t0:.1f} s")

# %%
fig = plot_validation(Tv, mean, err, xy_validation_L)
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
lo = int(np.argmin(Tv))
print("temperatures:", len(Tv))
# agreement with the spin-wave limits at the lowest T (tolerances ~ the T^2 corrections at T = 0.1)
sw = {"E": bool(abs(mean["energy"][lo] - (-2 + Tv[lo] / 2)) < 0.01),
      "Upsilon": bool(abs(mean["helicity"][lo] - (1 - Tv[lo] / 4)) < 0.02)}
print(f"T={Tv[lo]:.1f}: |E/N - (-2 + T/2)| < 0.01:", sw["E"])
print(f"T={Tv[lo]:.1f}: |Upsilon - (1 - T/4)| < 0.02:", sw["Upsilon"])

# %%
glue("spin_wave_verdict", "both hold" if all(sw.values()) else "do not both hold", display=False)
glue("cv_peak_T", f"{Tv[np.argmax(mean['cv'])]:.1f}", display=False)

# %% [markdown]
# ### The cWGAN data set
# For every temperature: chains without defects and chains with one vortex–antivortex pair at each distance
# $d_\nu$ of the paper (1, 1.41, 2, 2.24, 2.83, 3, 3.16, 3.61, 4, 4.12, 4.47, 5) at random positions and
# orientations. Each chain alternates one constrained Metropolis sweep with `xy_overrelax` sweeps of constrained
# over-relaxation (every spin reflected about the sum of its neighbours, $\theta \to 2\phi - \theta$: the energy is
# unchanged and a reflection that would change a plaquette charge is rejected, so the chain stays exact for
# $e^{-E/T}$ on the map). The reflections carry spin waves across the lattice instead of letting them diffuse:
# at $L = 16$ the integrated autocorrelation time of $|M|$ drops from 35–58 Metropolis sweeps to about 2 cycles,
# and samples `xy_sweeps_between` cycles apart are independent (`benchmarks/bench_overrelax_tau.py`). Chunks are
# generated in parallel over chains with per-chunk seeds and written atomically; a rerun skips what is on disk.
# Every sample's vortex map is then checked against its label.

# %%
t0 = time.time()
ds_dir = default_dir(data_dir, profile)
generate_xy_dataset(ds_dir, L=xy_L, temperatures=xy_temperatures, n_maps=xy_n_maps,
                    samples_per_map=xy_samples_per_map, burn_in=xy_burn_in, sweeps_between=xy_sweeps_between,
                    overrelax=xy_overrelax, seed=seed, progress=True, scheduler=scheduler)
ds = load_xy_dataset(ds_dir)
constraint_ok = bool(np.array_equal(xy.vortices(ds["theta"]), ds["charges"]))
per_T = dataset_summary(ds, xy_temperatures)
update_results(res_file, xy_datasets={"L": xy_L, "path": str(ds_dir), "constraint_holds": constraint_ok,
                                      "per_T": per_T})
print(f"XY data set: {len(ds['T'])} samples in {time.time() - t0:.1f} s")

# %%
# NBVAL_CHECK_OUTPUT
print("every sample carries its label map:", constraint_ok)
for T, info in per_T.items():
    print(f"T={T}: {info['n_samples']} samples, {len(info['pair_distances'])} distance classes (incl. 0)")

# %% [markdown]
# Energy of a pair above the defect-free state, against its distance, with the Coulomb-gas law $2\pi J \ln d$ plus
# twice a core energy as a dotted guide (anchored at $d = 1$ of the lowest temperature). The $T = 0$ Villain field
# (dashed) minimises the *quadratic* energy, not the cosine energy of the chains.

# %%
fig, ax = plt.subplots(figsize=(6.5, 4.2), constrained_layout=True)
for T, (dvals, excess) in pair_excess_energies(ds, xy_temperatures).items():
    ax.plot(dvals, excess, "o-", label=f"MC, T = {T}")
d_ax, e0 = villain_pair_energies(xy_L)
ax.plot(d_ax, e0, "k--", label="T = 0 Villain field")
ax.plot(d_ax, ax.lines[0].get_ydata()[0] + 2 * np.pi * np.log(d_ax), "k:", label=r"$2\pi J\ln d$ + const")
ax.set_xlabel(r"pair distance $d_\nu$ (lattice units)")
ax.set_ylabel(r"$\langle E\rangle_d - \langle E\rangle_0$ (J)")
ax.legend()
plt.show()

# %%
d_mc, e_mc = pair_excess_energies(ds, [min(xy_temperatures)])[min(xy_temperatures)]
e_villain = np.interp(d_mc, d_ax, e0)
glue("pair_slope", f"{np.polyfit(np.log(d_mc), e_mc, 1)[0]:.2f}", display=False)
glue("villain_vs_mc", "lies above" if np.all(e_villain > e_mc) else "does not lie everywhere above", display=False)
axial = [e_mc[i] - np.interp(np.log(a), np.log(d_mc[[i - 1, i + 1]]), e_mc[[i - 1, i + 1]])
         for a in (3.0, 4.0) for i in np.flatnonzero(np.isclose(d_mc, a)) if 0 < i < len(d_mc) - 1]
glue("axial_vs_diagonal", "no axial pair between two diagonal ones" if not axial else
     ", ".join(f"{x:+.2f} J" for x in axial), display=False)

# %% [markdown]
# At the lowest temperature a straight-line fit of the excess against $\ln d$ has slope {glue:text}`pair_slope` J
# (the Coulomb-gas law: $2\pi J$). The axial pairs ($d$ = 3, 4) differ from the $\ln d$ interpolation between their
# diagonal neighbours by {glue:text}`axial_vs_diagonal` (negative: lower, lattice anisotropy). The Villain field's
# cosine energy {glue:text}`villain_vs_mc` the relaxed chains at every distance.

# %% [markdown]
# ## Part 2 · Chiral magnet: skyrmion lattices for the VAE

# %% [markdown]
# The second half of the book learns from skyrmion lattices of a chiral magnet: classical unit spins
# $\mathbf S_i$ on a periodic square lattice with
#
# $$H = -J\sum_{\langle ij\rangle}\mathbf S_i\cdot\mathbf S_j-\sum_{\langle ij\rangle}\mathbf D_{ij}\cdot(\mathbf S_i\times\mathbf S_j)-B\sum_i S_i^z,$$
#
# interfacial (Néel) DMI $\mathbf D_{ij}=D\,\hat z\times\mathbf u_{ij}$ and $J=1$. The thesis made its lattices with
# UppASD Monte Carlo at $T=0.006$; we anneal with our own numba sampler (`support.samplers.heisenberg`):
# geometric cooling from random spins, Metropolis moves in a cone whose width adapts to the temperature, and
# energy-conserving over-relaxation (reflection of a spin about its local field). One lattice at a time it needs
# {glue:text}`sk_ns_per_update` ns per attempted update (Metropolis and over-relaxation mixed, timed below at
# $L$ = {glue:text}`sk_L_timed`; `benchmarks/bench_heisenberg.py` times each move alone).
#
# First, exact checks: the Berg–Lüscher charge of an analytic Néel and Bloch skyrmion (core down) is $-1$,
# and annealing at $B=0$ with $D=\tan(2\pi/12)$ finds the commensurate spiral, whose energy per site
# $-J-\sqrt{J^2+D^2}$ lies $T_{\rm final}$ below the annealed one (two spin-wave modes per site, equipartition).

# %%
# NBVAL_CHECK_OUTPUT
import time

import matplotlib.pyplot as plt
import numpy as np

from support.chiral import dataset as skd
from support.chiral import magnet as hb
from support.chiral import phases as sph
from support.store.data import update_results
from support.vae import size_study
from support.samplers.heisenberg import anneal_heisenberg

for kind in ("neel", "bloch"):
    print(f"Q of an analytic {kind} skyrmion: {hb.topological_charge(hb.analytic_skyrmion(32, 5.0, kind=kind)):.3f}")
D_spiral = np.tan(2 * np.pi / 12)
spiral = anneal_heisenberg(12, D_spiral, 0.0, 2, T_final=sk_T_final, sweeps=1000, n_temps=25, seed=seed)
excess = hb.energy(spiral.astype(np.float64), 1.0, D_spiral, 0.0) / 144 + 1 + np.sqrt(1 + D_spiral**2)
print(f"annealed spiral: E/N - E_gs/N = {np.round(excess, 3)} (T_final = {sk_T_final})")

# %%
from myst_nb import glue

timed = []
for _ in range(3):  # best of three: the machine may be shared
    t0 = time.perf_counter()
    anneal_heisenberg(sk_L, 0.6, 0.12, 1, T_final=sk_T_final, sweeps=100, n_temps=10, seed=seed)
    timed.append(time.perf_counter() - t0)
glue("sk_ns_per_update", f"{min(timed) / (2 * 100 * sk_L**2) * 1e9:.0f}", display=False)  # Metropolis + over-relax.
glue("sk_L_timed", sk_L, display=False)

# %% [markdown]
# ### Where do skyrmion lattices form?
# A coarse scan over $D$ and the reduced field $b = BJ/D^2$ (continuum theory puts the skyrmion crystal near
# $b\approx 0.2$–$0.8$): one annealed lattice per point, classified by its charge. A point is a *skyrmion lattice*
# when $-Q$ reaches half the close-packed count $L^2/(\tfrac{\sqrt3}{2}\lambda^2)$ with the spiral period
# $\lambda = 2\pi/\arctan(D/J)$ and at most 15 % of the detected cores stretched (aspect ratio > 2: at low field
# stripe fragments and skyrmions coexist). Skyrmions are counted by the *core rule*
# (`support.chiral.magnet.CORE_RULE`): a core is a cluster of sites pointing against the background, $S^z<0$ (inside
# the $\theta=\pi/2$ contour), of at least two sites and a quarter of the lattice's median cluster. The thesis's rule
# (clusters of $\ge 7$ sites with $S^z<-0.8$) misses the small cores of large $D$: their centres reach $S^z\approx-1$,
# but on too few sites. The count is compared with $-Q$; the region the dataset samples is that of the
# skyrmion-lattice points where the two agree.

# %%
t0 = time.perf_counter()
anneal_kw = dict(sweeps=sk_sweeps, n_temps=sk_n_temps, T_start=sk_T_start, T_final=sk_T_final, dmi=sk_dmi)
scan = sph.cached_phase_scan(out / "skyrmion_scan", sk_L, sk_scan_D, sk_scan_b, seed=seed, scheduler=scheduler,
                             **anneal_kw)
points = skd.sample_region_points(scan, sk_n_points, seed=seed)
scan_seconds = time.perf_counter() - t0
fig = sph.plot_phase_scan(scan, points)
plt.show()

# %% [markdown]
# Phase and charge $Q$ per scan point (FM: ferromagnet, iso: isolated skyrmions, SkX: skyrmion lattice, sp: spiral
# or mixed):

# %%
short = dict(zip(sph.PHASES, ("FM", "iso", "SkX", "sp")))
cells = pd.DataFrame({"D": np.round(scan["D"], 2), "b = BJ/D²": np.round(scan["b"], 2),
                      "phase": [f"{short[p]} ({q:.0f})" for p, q in zip(scan["phase"], scan["Q"])]})
display(cells.pivot(index="b = BJ/D²", columns="D", values="phase"))
print(f"{len(sph.skyrmion_points(scan))} of {len(scan['D'])} scan points are skyrmion lattices where "
      "detection agrees with Q;")
print(f"{len(points)} dataset points drawn inside their region")

# %% [markdown]
# One annealed lattice per phase, with the detected skyrmion centres, their periodic Delaunay mesh and the
# lattice defects (gold: fewer than six neighbours, magenta: more than six).

# %%
examples = [next((k for k, p in enumerate(scan["phase"]) if p == ph), None) for ph in sph.PHASES]
examples = [k for k in examples if k is not None]
fig, axes = plt.subplots(1, len(examples), figsize=(4 * len(examples), 4), constrained_layout=True)
for ax, k in zip(np.atleast_1d(axes), examples):
    im = sph.plot_skyrmion_lattice(ax, scan["spins"][k], title=f"{scan['phase'][k]}\n"
                                   f"D={scan['D'][k]:.2f}, B={scan['B'][k]:.3f}, Q={scan['Q'][k]:.0f}")
fig.colorbar(im, ax=axes, label="$S^z$", shrink=0.8)
plt.show()

# %% [markdown]
# ### The skyrmion dataset: the thesis's design
# The thesis sampled its skyrmion-lattice region densely, 572 phase points with 5 lattices each. We follow that
# design: `sk_n_points` phase points $(D, B)$ drawn uniformly (in $D$ and $b = BJ/D^2$) inside the region the scan
# classifies as skyrmion lattice (`support.chiral.dataset.sample_region_points`, circles above), and
# `sk_configs_per_point` independently annealed lattices at each. Near the edge of the region a point can fall
# outside the phase, so a lattice enters the data only if it is a skyrmion lattice and the core rule counts
# exactly $-Q$ skyrmions (`is_skyrmion_lattice`). Many points with few lattices each let chapter 03 hold out whole
# phase points for testing. Generation is chunked and resumes after an interrupt.

# %%
t0 = time.perf_counter()
sk_dir = out / "skyrmions"
skd.generate_skyrmion_dataset(sk_dir, L=sk_L, points=points, configs_per_point=sk_configs_per_point, seed=seed,
                              scheduler=scheduler, **anneal_kw)
annealed = skd.load_skyrmion_dataset(sk_dir, lattices_only=False)
sky = skd.load_skyrmion_dataset(sk_dir)
dataset_seconds = time.perf_counter() - t0
thesis_count = np.mean([sph.expected_skyrmions(200, d) for d in sky["D"]])
print(f"skyrmion data: scan {scan_seconds:.0f} s + dataset {dataset_seconds:.0f} s")

# %%
# NBVAL_CHECK_OUTPUT
print("spins:", sky["spins"].shape, sky["spins"].dtype)
print(f"kept {len(sky['Q'])} of {len(annealed['Q'])} annealed lattices ({np.mean(annealed['is_lattice']):.1f}) "
      f"at {len(np.unique(sky['point']))} of {len(points)} phase points")
print(f"skyrmions per lattice (integer): {np.mean(sky['n_skyrmions']):.0f}")

# %%
print(f"Q: mean {sky['Q'].mean():.1f}, range [{sky['Q'].min():.0f}, {sky['Q'].max():.0f}]; Mz: mean {sky['Mz'].mean():.2f}")
print(f"skyrmions per lattice: {sky['n_skyrmions'].mean():.1f} here (L = {sk_L});")
print(f"a close-packed 200 x 200 lattice (the thesis's size) would hold {thesis_count:.0f} at the same D")
print(f"defects per lattice: mean {sky['n_defects'].mean():.1f}; "
      f"per detected skyrmion: {sky['n_defects'].sum() / max(sky['n_skyrmions'].sum(), 1):.2f}")

# %% [markdown]
# ### How widely does the charge spread?
# The latent analysis of chapter 05 reads $Q$ off the latent; that needs lattices whose $Q$ spreads, and not only
# along $D$. The thesis's dataset (skyrmion lattices only) has $r(D, Q) = -0.98$ and $r(Q, M_z) = 0.55$. The same
# annealed lattices filtered with the core rule (the data) and with the thesis's rule:

# %%
spreads = skd.filter_spreads(annealed, {"core rule (the data)": None, "thesis's rule": hb.THESIS_RULE})
for rule, key in (("core rule (the data)", "sk_core"), ("thesis's rule", "sk_thesis")):
    for name, value in spreads[rule].items():
        glue(f"{key}_{name}", value, display=False)
for name, x in (("b", sky["B"] / sky["D"] ** 2), ("D", sky["D"])):
    glue(f"sk_r_{name}_Mz", float(np.corrcoef(x, sky["Mz"])[0, 1]), display=False)
pd.DataFrame(spreads).T[["n_annealed", "n", "D_min", "D_max", "Q_mean", "Q_std", "Q_min", "Q_max", "r_D_Q",
                         "r_Q_Mz"]].round(3)

# %% [markdown]
# The kept lattices span $D$ from {glue:text}`sk_core_D_min:.2f` to {glue:text}`sk_core_D_max:.2f`, with $Q$ from
# {glue:text}`sk_core_Q_min:.0f` to {glue:text}`sk_core_Q_max:.0f` (mean {glue:text}`sk_core_Q_mean:.1f`, standard
# deviation {glue:text}`sk_core_Q_std:.1f`), $r(D, Q)$ = {glue:text}`sk_core_r_D_Q:.2f` and $r(Q, M_z)$ =
# {glue:text}`sk_core_r_Q_Mz:.2f`. The thesis's rule would keep {glue:text}`sk_thesis_n:.0f` of the same
# {glue:text}`sk_thesis_n_annealed:.0f` anneals, up to $D$ = {glue:text}`sk_thesis_D_max:.2f`, with a standard
# deviation of $Q$ of {glue:text}`sk_thesis_Q_std:.1f`. The design draws $D$ and $b = BJ/D^2$ independently: $b$ sets
# $M_z$ ($r(b, M_z)$ = {glue:text}`sk_r_b_Mz:.2f`, $r(D, M_z)$ = {glue:text}`sk_r_D_Mz:.2f`), so $Q$, set by $D$, is
# tied to $M_z$ only as far as $D$ is.

# %% [markdown]
# Dataset lattices with the fewest and the most defects, and the distribution of the dataset over $(D, B, Q, M_z)$
# (thesis Pictures 3.1 and 3.2): $-Q$ grows with $D$ (smaller skyrmions pack more densely), $M_z$ with the field.

# %%
order = np.argsort(sky["n_defects"], kind="stable")
picks = [order[0], order[len(order) // 2], order[-1]]
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), constrained_layout=True)
for ax, k in zip(axes, picks):
    im = sph.plot_skyrmion_lattice(ax, sky["spins"][k], title=f"D={sky['D'][k]:.2f}, B={sky['B'][k]:.3f}: "
                                   f"Q={sky['Q'][k]:.0f}, {sky['n_defects'][k]} defects")
fig.colorbar(im, ax=axes, label="$S^z$", shrink=0.8)
plt.show()

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
sc = axes[0].scatter(sky["D"], sky["Q"], c=sky["B"], s=12, cmap="viridis")
fig.colorbar(sc, ax=axes[0], label="field $B$ ($J$)")
axes[0].set(xlabel="DMI $D$ ($J$)", ylabel="topological charge $Q$")
sc = axes[1].scatter(sky["B"], sky["Mz"], c=sky["D"], s=12, cmap="plasma")
fig.colorbar(sc, ax=axes[1], label="DMI $D$ ($J$)")
axes[1].set(xlabel="field $B$ ($J$)", ylabel="magnetization $M_z$")
plt.show()

# %% [markdown]
# ### Lattices for the size study
# Does the VAE read the charge better from larger lattices, which hold more skyrmions? Chapter 05 answers with the
# same pipeline at the sizes `sk_size_L`: the same phase points, `sk_size_configs` lattices per point annealed
# with the same schedule at every size (at the main size, the first lattices of each point of the dataset above),
# the same filter. A short anneal timed at each size gives chapter 05 the growth of the annealing cost with $L$.

# %%
for L in sk_size_L:
    if L != sk_L:
        skd.generate_skyrmion_dataset(size_study.dataset_dir(out, L, sk_L), L=L, points=points, seed=seed,
                                      configs_per_point=sk_size_configs, scheduler=scheduler, **anneal_kw)
size_all = size_study.load_size_data(out, sk_size_L, sk_L, sk_size_configs, lattices_only=False)
anneal_cost = {L: skd.anneal_seconds(L, sweeps=300, n_temps=10, dmi=sk_dmi, seed=seed) for L in sk_size_L}
size_data = size_study.data_summary(size_all, anneal_cost, main_L=sk_L, configs_per_point=sk_size_configs,
                                    n_points=len(points), timed_sweeps=300)
size_study.data_table(size_data)

# %%
update_results(
    results_path(data_dir, profile, "01_simulate"),
    skyrmion_phase={k: scan[k] for k in ("D", "B", "b", "Q", "Mz", "n_skyrmions", "n_defects", "elongated_fraction",
                                         "phase", "detection_agrees")} | {"L": sk_L},
    skyrmion_datasets={"L": sk_L, "n_points": len(points), "configs_per_point": sk_configs_per_point,
                       "n_annealed": int(len(annealed["Q"])), "n_lattices": int(len(sky["Q"])),
                       "n_points_kept": int(len(np.unique(sky["point"]))),
                       "kept_fraction": float(np.mean(annealed["is_lattice"])),
                       "mean_skyrmions": float(sky["n_skyrmions"].mean()), "close_packed_200": float(thesis_count),
                       "mean_defects": float(sky["n_defects"].mean()), "mean_Q": float(sky["Q"].mean()),
                       "charge_spread": spreads["core rule (the data)"],
                       "charge_spread_thesis_rule": spreads["thesis's rule"],
                       "path": str(sk_dir), "seconds": {"scan": scan_seconds, "dataset": dataset_seconds}},
    skyrmion_size_data=size_data,
);  # the results file holds them; nothing to display
