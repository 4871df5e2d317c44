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
# # 02 · Train the conditional WGAN
#
# **Question.** Can a generator learn, on a CPU budget, to turn a vortex-charge map $k$ and a temperature $T$ into
# XY spin fields that carry exactly that map and the thermal statistics of the constrained ensemble — on maps it
# has never seen?
#
# **Method.** A conditional Wasserstein GAN with a U-Net generator (Klos et al.). We train two variants with the
# same WGAN-GP loop and compare them on *held-out* maps — pair placements never seen in training — against the
# constrained Monte Carlo fields of chapter 01:
#
# * **paper**: the paper's U-Net (four encoder / four decoder levels, skips, circular padding), inputs $k$ and a
#   temperature channel, noise only at the bottleneck, unit-vector output;
# * **prior** (our extension): the same U-Net also receives a *physics prior* of the map — the harmonic
#   (Laplace) approximation of its constrained ensemble at $T$, described below, conditioned on the map and
#   rotated by a random global angle — and outputs a residual angle (zero at initialisation), with noise maps at
#   every decoder level.
#
# **The prior's $T=0$ part is the true fixed-map ground state** (`support.cwgan.models.fixed_map.fixed_map_minima`). At
# fixed vortex map every bond angle must stay inside $(-\pi, \pi)$ — a bond reaching $\pi$ is where a vortex
# hops — and the pair's attraction presses close vortices against that wall: the constrained minimum has bonds
# pinned at $\pi$ and is *not* a stationary point of the cosine energy, so gradient descent from the Villain
# (Coulomb-gas) field stalls short of it. We find it by constrained Metropolis anneals from several seeds
# ($T = 0.3 \to 0.01$) and an interior-point Newton minimisation of $E - \mu\sum_b \log(\pi^4 - b^4)$,
# $\mu \to 10^{-4}$, keeping the distinct minima within 1 J of the lowest plus their images under the map's
# lattice symmetries. The Villain-relaxed field used by the first version of the prior lies well above this minimum
# for straight pairs and, for the diagonal pair $d = \sqrt2$, is a mirror-symmetric *saddle* between two
# mirror-image minima (the energies and static currents are checked in `tests/test_cwgan_fixed_map.py`).
# The static current dominates the helicity modulus at low $T$, which is why this matters.
#
# At $T > 0$ (`thermal_basins`) a pinned bond, held against a hard wall by a force $f$, sits on average $T/f$
# away from it — where the barrier with $\mu = T$ puts it — so each minimum is moved to the minimum of that
# barrier energy, and the fluctuations are Gaussian with covariance $T H^{-1}$, $H$ its Hessian (bond stiffness
# $\cos\Delta\theta$, soft near the pair, plus the wall's curvature), instead of the uniform lattice's spin
# waves; minima are drawn with their Boltzmann weights $e^{-E_i/T}$. The bond stiffness is renormalised by the
# bond's own fluctuations, $\cos\Delta\theta \to e^{-\langle\delta^2\rangle/2}\cos\Delta\theta$, solved to
# self-consistency (the self-consistent harmonic approximation, `self_consistent_hessian`): the cosine is softer
# than its curvature, and the plain harmonic theory underestimates the bond-angle variance ($T/2$ instead of
# $T/2\,(1 + T/4 + \dots)$ per bond, energy $-2 + T/2$ instead of $-2 + T/2 + T^2/16$ per site) and with it the
# large-angle tail that the topological measures of chapter 04 see. Maps are cached up to translation. Chapter 04
# measures what the minima and the self-consistent stiffness do to the prior's observables against Monte Carlo.
#
# Why the prior: the paper's U-Net must learn vortex placement and spin waves from the data alone, while the
# harmonic theory already knows the site-level spin waves at low $T$, so the network only has to learn what is
# beyond it. Both variants are trained and scored below; a learning curve shows how far the paper's recipe gets
# on this budget.

# %% tags=["parameters"]
profile = "cpu"
data_dir = "data"
seed = 0
device = "auto"
threads = 1  # torch threads (0: all cores; 1 is faster on a machine shared with other jobs)
variants = ["paper", "prior"]  # variants to train
holdout_fraction = 0.25  # fraction of the placements of every training class held out (seen_class evaluation)
validation_fraction = 0.1  # fraction of the placements of every training class kept for choosing the variant
target_T = 0.1  # temperature of the targets
monitor_maps = 24  # held-out maps at target_T for the per-epoch monitors
eval_batch_size = 256  # generation batch size
paper_model = {"gen_widths": [16, 32, 64, 64], "gen_dec_widths": [64, 64, 32, 16], "noise_channels": 16,
               "critic_widths": [16, 32, 64], "critic_full_res_layers": 2, "critic_instance_norm": False}
paper_training = {"epochs": 15, "steps_per_epoch": 20, "batch_size": 64, "n_critic": 4, "lr": 1.0e-4,
                  "gp_lambda": 10.0, "critic_warmup": 100, "physics_start_epoch": 10, "physics_lr": 1.0e-5,
                  "physics_weight": 1.0}
prior_model = {"gen_widths": [8, 16, 32, 32], "gen_dec_widths": [32, 32, 16, 8], "noise_channels": 4,
               "critic_widths": [16, 32, 64], "critic_full_res_layers": 2, "critic_instance_norm": False}
prior_training = {"epochs": 6, "steps_per_epoch": 20, "batch_size": 64, "n_critic": 3, "lr": 1.0e-4,
                  "g_lr": 2.0e-5, "gp_lambda": 10.0, "critic_warmup": 100, "residual_penalty": 10.0,
                  "physics_start_epoch": None}
prior_settings = {}  # overrides of support.cwgan.models.prior.DEFAULT_PRIOR (the prior variant's settings)
learned_model = {"widths": [8, 16, 32, 32], "self_consistent": True, "max_tries": 64}  # LearnedGenerator kwargs
learned_training = {"steps": 3200, "batch_size": 32, "lr": 2.0e-3}  # overrides of learned_training.DEFAULT_TRAINING
learned_seeds = [0, 1]  # training seeds of the learned generator (the first one's checkpoint is the headline)

# %%
import time
from pprint import pformat

import matplotlib.pyplot as plt
import numpy as np
import torch
from IPython.display import display
from myst_nb import glue

from support.cwgan import generate
from support.cwgan.evaluation import heldout as he
from support.cwgan.figures import plot_fields, plot_history
from support.cwgan.models.unet import UNetGenerator
from support.cwgan import tables
from support.cwgan.split import monitor_set, split_maps, split_record
from support.cwgan.training.curve import CURVE_MAPS, curve_glue, curve_scorer, plot_learning_curve
from support.cwgan.training.wgan import smooth_charge_targets, train_cwgan
from support.store.data import update_results
from support.book.runtime import (pick_device, profile_dir, repo_relative, require_upstream, results_path,
                                  set_threads)
from support.xy.dataset import default_dir, load_xy_dataset, temperature_key

require_upstream(data_dir, profile, "02_train_cwgan", ["01_simulate"])

# %%
t_chapter = time.perf_counter()
set_threads()
if threads:
    torch.set_num_threads(int(threads))
dev = pick_device(device)
out = profile_dir(data_dir, profile)
res_file = results_path(data_dir, profile, "02_train_cwgan")
models = {"paper": paper_model, "prior": prior_model}
trainings = {"paper": paper_training, "prior": prior_training}
unknown = set(variants) - set(models)
if unknown:
    raise ValueError(f"unknown variants {sorted(unknown)}; choose from {sorted(models)}")

# %% [markdown]
# ## Data: training maps, validation maps and two kinds of held-out maps
# Chapter 01's constrained Metropolis fields, split once by `support.cwgan.split.split_maps` (chapter 04 calls
# the same function). Three whole pair-distance classes — one short, one middle, one long distance, drawn by the
# seed — are never trained on, with all their symmetry images (`unseen_class`): on a torus a translated or
# mirrored placement of a training map is the same map to a translation-equivariant network, so only these test
# new maps. Of every other class a quarter of the placements is held out (`seen_class`) and a tenth kept for
# choosing the variant (`validation`). The single no-pair map stays in training.

# %%
data = load_xy_dataset(default_dir(data_dir, profile))
parts = split_maps(data["map_id"], data["distance_class"], holdout_fraction=holdout_fraction,
                   validation_fraction=validation_fraction, seed=seed)
train, validation, test, unseen = ({k: v[parts[p]] for k, v in data.items()}
                                   for p in ("train", "validation", "seen_class", "unseen_class"))
monitor = monitor_set(test, target_T, monitor_maps, seed)
targets = smooth_charge_targets(train["theta"], train["charges"], train["T"])
_ = update_results(res_file, split=split_record(data, parts, holdout_fraction, validation_fraction, seed),
                   smooth_charge_targets=targets)

# %%
# NBVAL_CHECK_OUTPUT
for name, part in (("train", train), ("validation", validation), ("seen_class", test), ("unseen_class", unseen)):
    print(f"{name}: {len(part['T'])} fields of {len(np.unique(part['map_id']))} maps, "
          f"distances {sorted({round(float(d), 2) for d in part['distance']})}")
print("temperatures:", [round(float(t), 2) for t in np.unique(data["T"])])

# %% [markdown]
# The physics loss (eq. 1 with the smooth charge of eq. 3) asks for the smooth charge that *real* vortices have,
# measured on the training fields (mean of $k\,q_{\rm smooth}$ at the vortices, per temperature): thermal
# fluctuations and the lattice core keep it below the integer 1 (here at most {glue:text}`smooth_target_max`), so a
# target of 1 would pull cores sharper than Monte Carlo.

# %%
# not compared by nbval: the Monte Carlo chains with over-relaxation are chaotic, so on a CPU that rounds
# differently these digits move (the results regression holds the numbers to their measured spread)
print({T: round(v, 3) for T, v in targets.items()})

# %%
glue("smooth_target_max", f"{max(targets.values()):.3f}", display=False)

# %% [markdown]
# ## The prior alone
# Before any training, the prior variant returns its prior (the residual head starts at zero). How far does the
# harmonic theory get on the held-out maps?

# %%
g0 = UNetGenerator(int(data["theta"].shape[-1]), "prior", widths=prior_model["gen_widths"],
                   dec_widths=prior_model["gen_dec_widths"], noise_channels=prior_model["noise_channels"],
                   prior=prior_settings)
summaries = {"prior (untrained)": he.summarize(he.evaluate_generator(g0, test, seed=seed), target_T, 0.0)}
print("prior settings:", pformat(g0.config["prior"], width=84, compact=True))
tables.targets_frame(summaries)

# %% [markdown]
# ## Training
# WGAN-GP ($\lambda = 10$), Adam, a fixed number of critic steps per generator step; training fields are rotated by
# a random global angle (an exact symmetry). A checkpoint is written every epoch (`cwgan/<variant>/`), a rerun
# resumes from it, and a NaN or exploding loss stops training with the last good checkpoint kept. After every
# epoch a monitor callback scores the generator on a fixed set of held-out maps at the target temperature.
#
# The critic first trains alone for `critic_warmup` batches: an untrained critic's gradients are noise. The prior
# variant starts at a good solution, so its generator moves slowly (`g_lr`) and pays for its residual angle
# (`residual_penalty` × mean $\delta^2$): it leaves the prior only where the critic insists, and does not follow
# the noise of a critic that cannot yet tell real from fake.
#
# The paper variant is also scored during training, at a few generator steps spaced evenly in log: the exact-map
# rate and the energy per site (generated minus Monte Carlo) on validation maps at the target temperature — the
# learning curve below. Its scoring time is not counted as training time.

# %%
curve_maps = monitor_set(validation, target_T, CURVE_MAPS, seed)
results = {}
for variant in variants:
    t0 = time.perf_counter()
    results[variant] = train_cwgan(train, variant=variant, out_dir=out / "cwgan" / variant, model=models[variant],
                                   training=trainings[variant], prior=prior_settings if variant == "prior" else None,
                                   monitor=he.monitor(monitor, seed=int(seed)), seed=seed, device=dev, progress=True,
                                   curve=curve_scorer(he.monitor(curve_maps, seed=int(seed))) if variant == "paper"
                                   else None)
    print(f"{variant}: {len(results[variant]['history'])} epochs, "
          f"{results[variant]['train_seconds']:.0f} s of training ({time.perf_counter() - t0:.0f} s this run)")

# %% [markdown]
# ### Monitors per epoch (paper Fig. 3)
# On the fixed monitor maps: the exact-map match rate, the number of vortices, the mean $|M|$ and the within-map
# spread of the energy, generated (solid) against Monte Carlo (dashed), and the critic's Wasserstein estimate.

# %%
plot_history({v: r["history"] for v, r in results.items()})
plt.show()

# %% [markdown]
# ### Learning curve of the paper U-Net
# The paper trained its U-Net for 120 epochs of 250 000 fields at widths 64–256 (their numbers). Here it trains
# {glue:text}`curve_last_step` generator steps at encoder widths {glue:text}`paper_widths`, scored at
# {glue:text}`curve_n_points` steps on {glue:text}`curve_n_fields` generated fields of validation maps at the target
# temperature (never test maps): the exact-map rate and $\Delta E/N$, generated minus Monte Carlo.

# %%
curve_rows = results["paper"]["curve"] if "paper" in results else []
_ = update_results(res_file, paper_learning_curve=curve_rows)
for key, val in curve_glue(curve_rows).items():
    glue(key, val, display=False)
glue("curve_n_points", len(curve_rows), display=False)
glue("curve_n_fields", len(curve_maps["T"]), display=False)
glue("paper_widths", f"{min(paper_model['gen_widths'])}–{max(paper_model['gen_widths'])}", display=False)
if curve_rows:
    plot_learning_curve(curve_rows)
    plt.show()
    display(tables.curve_frame(curve_rows))
print(f"scoring the curve took {sum(r['seconds'] for r in curve_rows):.1f} s in all")

# %% [markdown]
# From step {glue:text}`curve_first_step` to step {glue:text}`curve_last_step` the exact-map rate goes from
# {glue:text}`curve_exact_first` to {glue:text}`curve_exact_last` and $\Delta E/N$ from {glue:text}`curve_dE_first`
# to {glue:text}`curve_dE_last` J; between the last two points the exact-map rate is {glue:text}`curve_trend`. The
# curve shows where this budget leaves the paper's recipe, not where the paper's budget would.

# %% [markdown]
# (cwgan-heldout)=
# ## Held-out evaluation
# For every held-out (map, $T$), as many generated fields as Monte Carlo has, on the held-out placements of the
# training classes (`seen_class`), on the three classes never trained on (`unseen_class`) and on the validation
# placements (used only to choose the variant below). Means are pooled over the maps; fluctuations are within-map
# standard deviations (a generator returning one field per map scores 0). Each target is stated at $T = 0.1$:
# exact-map match $\ge 95\,\%$, energy per site within 2 %, $\langle|M|\rangle$ within 0.02, within-map standard
# deviations of $E/N$ and $|M|$ within 25 % of Monte Carlo's. Chapter 04 scores every variant on these and three
# more evaluation sets (several pairs, another temperature, a larger lattice).

# %%
held_parts = {"seen_class": test, "unseen_class": unseen, "validation": validation}
by_part = he.summarize_trained(results, held_parts, target_T=target_T, seed=seed + 1, batch_size=eval_batch_size,
                               device=dev)
by_part["prior (untrained)"] = he.summarize_parts(g0, {"unseen_class": unseen}, target_T=target_T,
                                                  train_seconds=0.0, seed=seed)
summaries.update({v: s["seen_class"] for v, s in by_part.items() if "seen_class" in s})
unseen_summaries = {v: s["unseen_class"] for v, s in by_part.items()}
train_rate = {v: he.training_rate(r, trainings[v]) for v, r in results.items()}
checks = {v: he.check_targets(s) for v, s in summaries.items()}
display(tables.targets_frame(summaries).rename_axis(f"T = {target_T}, seen classes"))
display(tables.targets_frame(unseen_summaries).rename_axis(f"T = {target_T}, unseen classes"))
for v in results:
    print(f"{v}: training {train_rate[v]:.0f} samples/s (critic + generator batches), "
          f"generation {summaries[v]['generate_samples_per_second']:.0f} samples/s on {dev}")

# %% [markdown]
# The exact-map match rate at every temperature of the data set (the other targets are stated at the target $T$):

# %%
tables.match_rate_frame(summaries)

# %% [markdown]
# ### Fields of one held-out map
# A held-out pair at the target temperature: Monte Carlo, the paper variant and the prior variant, with the exact
# vortices marked (red $+1$, blue $-1$).

# %%
sel = np.flatnonzero(np.isclose(test["T"], target_T) & (test["distance"] > 2))[:1]
fields = {"Monte Carlo": test["theta"][sel][0]}
for v, r in results.items():
    fields[v] = generate(r["generator"], test["charges"][sel], test["T"][sel], seed=seed)[0]
plot_fields(fields)
plt.show()

# %% [markdown]
# ### Which variant goes on to chapter 04
# The trained variant that meets most targets on the *validation* placements, ties broken by the exact-map match
# rate at the target temperature (`heldout_evaluation.choose_best_variant`, tested); the untrained prior is not a
# candidate, and no evaluation set enters the choice.

# %%
trained = {v: summaries[v] for v in results}
best_variant = he.choose_best_variant({v: by_part[v]["validation"] for v in results})
_ = update_results(res_file, **{v: dict(s, training_samples_per_second=train_rate[v]) for v, s in trained.items()},
                   prior_untrained=summaries["prior (untrained)"], targets=checks, best_variant=best_variant,
                   unseen_class=unseen_summaries, validation={v: by_part[v]["validation"] for v in results},
                   checkpoints={v: repo_relative(out / "cwgan" / v / "generator.pt") for v in results},
                   chapter_seconds=time.perf_counter() - t_chapter)
n_met = {v: int(sum(c["met"] for c in checks[v].values())) for v in summaries}
glue("n_targets", len(he.TARGETS), display=False)
for v, n in n_met.items():  # met_prior_untrained, met_paper, met_prior
    glue("met_" + v.replace(" (untrained)", "_untrained"), n, display=False)

# %%
# NBVAL_CHECK_OUTPUT
print("variants trained:", sorted(results), "| epochs:", {v: len(r["history"]) for v, r in results.items()})
print("best variant:", best_variant)
at = temperature_key(target_T)
print(f"exact-map match at T = {at}:", {v: round(s["by_T"][at]["charge_match_rate"], 2) for v, s in summaries.items()})

# %%
# not compared by nbval: on a CPU that rounds differently the smoke run's prior variant lands on the other side
# of a target (the results regression holds these numbers to their measured spread instead)
print("targets met:", n_met)
print("energy rel. error:", {v: round(s["energy_rel_error"], 3) for v, s in summaries.items()})

# %% [markdown]
# ## A learned generator
# **Question.** Neither trained variant above is a learned map from $(k, T, \text{noise})$ to a field that keeps
# the map on this budget: the paper U-Net keeps it on {glue:text}`curve_exact_last` of the validation fields after
# {glue:text}`curve_last_step` steps (learning curve above), the prior variant needs a per-map solve. Can a network whose inference is one forward pass plus FFTs
# learn what the cheap physics misses, on pair distances it never saw?
#
# **Method** (`support.cwgan.models.learned`). A field is $\theta_V(k) + \delta(k, T) + w_T + \varphi$: the FFT Villain
# field
# of the map, a learned correction (a small circular U-Net of the map, $T$ and the Villain bond angles), Gaussian spin
# waves drawn in Fourier space at the self-consistent stiffness $J_{\rm eff} = e^{-T/4J_{\rm eff}}$, and a uniform
# global angle. A field on a wrong map is redrawn (new waves and angle, at most `max_tries`; every try is counted).
# $\delta$ is trained **without data** (`support.cwgan.training.learned`): it minimises the smooth fixed-map free
# energy $e^{-T/4}E_{\cos} - T\sum_b \log\Phi\big((\pi-|b|)/\sqrt{T/2}\big)$ plus a stiff wall that keeps every bond
# below $\pi$, over random single pairs and 2–3-pair maps at $T \in [0.1, 0.9]$. Three pair classes, one per band of
# distances (`split.unseen_classes`), are never drawn. Scored against every Monte Carlo field of chapter 01, the
# same generator with $\delta$ switched off (same draws) is the baseline.

# %%
from support.cwgan.figures import plot_learned_curves
from support.cwgan.models.learned import correction_rms
from support.cwgan.evaluation.heldout import class_curves, headline, learned_fields, learned_glue, score_block, seed_mean
from support.cwgan.training.learned import train_learned
from support.cwgan.split import unseen_classes

unseen_cls = list(unseen_classes(seed))
learned_runs = {s: train_learned(learned_model, learned_training, excluded_classes=unseen_cls, seed=s,
                                 checkpoint=out / "cwgan" / "learned" / f"seed{s}.pt", progress=True)
                for s in learned_seeds}
print("unseen classes:", unseen_cls)
print("training seconds:", {s: round(r["train_seconds"]) for s, r in learned_runs.items()})

# %%
seen_cls = [c for c in np.unique(data["distance_class"]).tolist() if c not in unseen_cls]
max_tries = learned_model["max_tries"]
learned_by_name = {"physics only": learned_fields(learned_runs[learned_seeds[0]]["generator"], data, seed=seed + 1,
                                         use_correction=False)}
for s, r in learned_runs.items():
    learned_by_name[f"trained (seed {s})"] = learned_fields(r["generator"], data, seed=seed + 1)
blocks = {name: {part: score_block(f, cls, max_tries) for part, cls in (("seen", seen_cls), ("unseen", unseen_cls))}
          for name, f in learned_by_name.items()}
at = temperature_key(target_T)
for part in ("unseen", "seen"):
    frame = tables.headline_frame({n: headline(b[part], at) for n, b in blocks.items()})
    display(frame.rename_axis(f"{part} classes, T = {at}"))

# %% [markdown]
# Observables versus pair distance at the target temperature (unseen classes shaded): Monte Carlo, the physics layers
# alone and the trained generator (first seed).

# %%
T0 = float(np.unique(data["T"])[np.argmin(np.abs(np.unique(data["T"]) - target_T))])
names = ["physics only", f"trained (seed {learned_seeds[0]})"]
curves = {n: class_curves(learned_by_name[n], T0) for n in names}
plot_learned_curves({n: c["generated"] for n, c in curves.items()}, curves[names[0]]["MC"], unseen_cls)
plt.show()

# %%
trained_names = [n for n in blocks if n != "physics only"]
rms = correction_rms(learned_runs[learned_seeds[0]]["generator"], data["charges"][data["T"] == T0], T0)
learned_summary = dict(checkpoint=repo_relative(out / "cwgan" / "learned" / f"seed{learned_seeds[0]}.pt"),
                       train_seconds=learned_runs[learned_seeds[0]]["train_seconds"], seeds=learned_seeds,
                       unseen_classes=unseen_cls, seen_classes=seen_cls, correction_rms=rms,
                       physics_only=blocks["physics only"], trained=blocks[trained_names[0]],
                       trained_by_seed={n: blocks[n] for n in trained_names},
                       trained_seed_mean=seed_mean(blocks, trained_names, at))
_ = update_results(res_file, learned=learned_summary)

# %%
# NBVAL_CHECK_OUTPUT
print("RMS of the learned correction (rad):", round(rms, 3))

# %%
tables.seed_mean_frame(learned_summary["trained_seed_mean"]).rename_axis("mean ± spread over seeds")

# %%
for key, val in learned_glue(learned_summary, at).items():
    glue(key, val, display=False)
lower = [learned_summary["trained_seed_mean"]["seen"][k][0] < learned_summary["trained_seed_mean"]["unseen"][k][0]
         for k in ("R2 helicity", "R2 chi")]
glue("seen_r2_vs_unseen", "lower there" if all(lower) else "not lower there in both", display=False)

# %% [markdown]
# **Answer.** On the unseen classes at $T = 0.1$ the trained generator keeps the map at the first try for
# {glue:text}`learned_first_try` of the fields ({glue:text}`learned_tries` tries on average, redraws counted),
# misses $\langle E\rangle/N$ by {glue:text}`learned_dE` % (physics layers alone: {glue:text}`physics_dE` %) and reaches
# $R^2$ = {glue:text}`learned_r2_abs_m` for $\langle|M|\rangle$, {glue:text}`learned_r2_energy` for $\langle E\rangle$,
# {glue:text}`learned_r2_helicity` for $\Upsilon$ and {glue:text}`learned_r2_chi` for $\chi$, against
# {glue:text}`physics_r2_abs_m`, {glue:text}`physics_r2_energy`, {glue:text}`physics_r2_helicity` and
# {glue:text}`physics_r2_chi` for the physics layers alone (targets: $\geq .95$, $.95$, $.9$, $.85$; mean over the
# training seeds, spread in the table above). The correction moves the angles by {glue:text}`learned_rms` rad (RMS):
# it presses the vortices of close pairs against the plaquette walls, to remove the Villain field's excess static
# current (the helicity modulus; compare the $R^2$ of $\Upsilon$ with and without it). Pressed vortices cost
# redraws: on the seen classes, which include the straight close pairs, the first try keeps the map for
# {glue:text}`learned_seen_first_try` of the fields ({glue:text}`learned_seen_tries` tries on average), and $R^2$ of
# $\Upsilon$ and $\chi$ is {glue:text}`seen_r2_vs_unseen` ({glue:text}`learned_seen_r2_helicity` and
# {glue:text}`learned_seen_r2_chi`): near the walls the constrained
# ensemble is not Gaussian, and where several minima mix (the diagonal pairs' mirror images) a deterministic
# correction with Gaussian waves returns one field between them. Chapter 04 scores this generator on maps with
# several pairs, at another temperature and at $L = 32$.

# %% [markdown]
# ## Answer
# Of the {glue:text}`n_targets` targets, the untrained prior meets {glue:text}`met_prior_untrained`, the trained
# paper variant {glue:text}`met_paper` and the trained prior variant {glue:text}`met_prior` (table above, held-out
# maps, $T = 0.1$); chapter 04 goes on with the best variant printed above. On this budget the paper variant
# learns vortex placement and spin waves from scratch in {glue:text}`curve_last_step` generator steps, where the
# paper trained 120 GPU epochs; its exact-map rate on validation maps is {glue:text}`curve_trend` at the last point
# of its learning curve. The prior variant starts from the physics and trains with a small generator learning rate
# (`g_lr`); chapter 04 measures how far the trained generator moved from its prior on observables and topology.
# Timings (training and generation samples/s) depend on the machine and its load;
# they are printed above and stored in `results/02_train_cwgan.json`.
