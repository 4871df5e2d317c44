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
# # 05 · Latent space and new skyrmion lattices
#
# What does the VAE's latent space encode? PCA against topological charge Q, Mz and D; then new lattices from latent samples.
#
# We follow the thesis (§3.7–3.8): the latent means $\mu$ of the lattices are analysed with a principal component
# analysis, the first component PC0 is correlated with the physical quantities, and new lattices are decoded from
# latent samples. The thesis's sampler produced lattices with an order of magnitude more defects than real ones; we
# measure that failure here, explain it, and compare it with better samplers.

# %% tags=["parameters"]
profile = "cpu"
data_dir = "data"
seed = 0
device = "auto"
batch_size = 256  # lattices per forward pass
n_generate = 600  # lattices per sampler (thesis: 600)
samplers = ["thesis", "prior", "posterior", "gmm"]  # compared latent samplers (support.vae.sampling.SAMPLERS)
improved_sampler = "gmm"  # the sampler reported as "improved" (saved and in the results)
gmm_components = 10  # Gaussian-mixture components fitted to the training latent means
gmm_covariance = "full"  # scikit-learn covariance type of the mixture
gmm_on_posterior = False  # fit the mixture to posterior draws mu + sigma*eps instead of the means
posterior_scale = 1.0  # noise scale of the sampler "near training latents"
probe_folds = 5  # folds of the cross-validated linear probe
n_examples = 4  # generated lattices shown per sampler

# %%
import matplotlib.pyplot as plt
import numpy as np

from support.data import save_npz, update_results
from support.runtime import profile_dir, results_path, seed_everything, set_threads
from support.vae import figures
from support.vae import latent as lt
from support.vae import sampling
from support.vae.inference import load_vae
from support.vae.training import checkpoint_path, kl_key
from support.vae.upstream import load_upstream

set_threads()
seed_everything(seed)
out = profile_dir(data_dir, profile)
if "thesis" not in samplers or improved_sampler not in samplers or any(s not in sampling.SAMPLERS for s in samplers):
    raise ValueError(f"samplers must be a subset of {sampling.SAMPLERS} containing 'thesis' and "
                     f"improved_sampler={improved_sampler!r}, got {samplers}")

# %%
up = load_upstream(data_dir, profile)
sky = up["data"]
test, train = sky["is_test"], ~sky["is_test"]
x_train, x_test = sky["spins"][train], sky["spins"][test]
quantities = {"Q": sky["Q"], "Mz": sky["Mz"], "D": sky["D"], "B": sky["B"], "defects": sky["n_defects"]}
targets_test = {k: v[test] for k, v in quantities.items()}
best_kl = up["best_kl"]
model = load_vae(checkpoint_path(out, best_kl), device)
print(f"{len(x_train)} training and {len(x_test)} test lattices, L = {x_test.shape[-1]}; "
      f"model C_KL = {kl_key(best_kl)}, latent dimension {model.latent_dim}")

# %% [markdown]
# ## Principal components of the latent means (thesis Picture 3.14)
#
# The PCA is fitted on the training lattices' latent means and applied to the test lattices. How many directions
# does the encoder actually use?

# %%
ana = lt.pc0_analysis(model, x_train, x_test, targets_test, batch_size=batch_size)
evr, cum = ana["pca"]["explained_variance_ratio"], ana["pca"]["cumulative"]
k999 = ana["pca"]["components_for_threshold"]
figures.plot_explained_variance(evr, cum, k999)
plt.show()
print(f"components for 99.9 % of the variance: {k999} of {len(evr)}; first three ratios {np.round(evr[:3], 3)}")

# %% [markdown]
# ## What PC0 and PC1 encode (thesis Picture 3.15)
#
# The test lattices in the plane of the first two components, coloured by the physical quantities.

# %%
scores = ana["scores_test"]
figures.plot_pc_plane(scores, targets_test)
plt.show()

# %% [markdown]
# ## Pearson correlations of PC0 for every KL weight (thesis Tables 3.4, 3.5)
#
# The sign of a principal component is arbitrary, so only $|r|$ is meaningful across models. Table 3.4 of the thesis
# covers the models without augmentation (here in the canonical frame), Table 3.5 those with it (here: the fixed-frame
# model with augmentation at the best KL weight, as in the thesis).

# %%
analyses = {kl_key(w): ana if w == best_kl else lt.pc0_analysis(load_vae(checkpoint_path(out, w), device), x_train,
                                                                 x_test, targets_test, batch_size=batch_size)
            for w in up["kl_weights"] if checkpoint_path(out, w).exists()}
ana_aug = lt.pc0_analysis(load_vae(checkpoint_path(out, best_kl, augmented=True), device), x_train, x_test,
                          targets_test, batch_size=batch_size)
tables = {k: a["pearson_pc0"] for k, a in analyses.items()} | {kl_key(best_kl) + " fixed+aug": ana_aug["pearson_pc0"]}
print(f"{'C_KL':>14} " + " ".join(f"{k:>8}" for k in targets_test))
for name, row in tables.items():
    print(f"{name:>14} " + " ".join(f"{row[k]:8.3f}" for k in targets_test) + ("  <- best" if name == kl_key(best_kl) else ""))
names, cm = lt.correlation_matrix({k: targets_test[k] for k in ("D", "Q", "Mz")})
print("\nPearson among the physical quantities (test set):")
for a, row in zip(names, cm):
    print(f"{a:>3} " + " ".join(f"{r:7.3f}" for r in row))

# %% [markdown]
# ### Where the charge lies: the PC0–PC1 plane
#
# In this dataset $Q$ and $M_z$ are nearly uncorrelated (table above), and both change the lattice's look: $Q$
# counts the skyrmions, $M_z$ measures how much of the lattice is background. PCA ranks directions by variance
# alone, and when the first two components carry similar variance, PC0 can be any mixture of the two physical
# directions. The largest correlation of $Q$ with any direction in the PC0–PC1 plane (the multiple correlation,
# $\sqrt{r_0^2 + r_1^2}$ for uncorrelated scores) tells whether the charge is a leading direction of the latent
# space even where it is not PC0 itself.

# %%
q_pc1 = {k: lt.pearson(a["scores_test"][:, 1], targets_test["Q"]) for k, a in analyses.items()}
q_in_plane = {k: lt.multiple_correlation(a["scores_test"][:, :2], targets_test["Q"]) for k, a in analyses.items()}
print(f"{'C_KL':>14} {'|r(PC0,Q)|':>11} {'|r(PC1,Q)|':>11} {'best in PC0-PC1 plane':>22}")
for k, r in q_in_plane.items():
    print(f"{k:>14} {abs(tables[k]['Q']):11.3f} {abs(q_pc1[k]):11.3f} {r:22.3f}")
print(f"explained variance ratio of PC0, PC1 (best model): {evr[0]:.3f}, {evr[1]:.3f}")

# %% [markdown]
# ## Mean PC0 per topological charge (thesis Picture 3.16)

# %%
g = lt.mean_per_group(scores[:, 0], np.rint(targets_test["Q"]).astype(int))
figures.plot_group_means(g)
plt.show()

# %% [markdown]
# ## Beyond PC0: a linear probe
#
# PC0 is one direction chosen for its variance, not for its physics. A ridge regression from the whole latent mean
# to $Q$, $M_z$ and $D$, scored by cross-validated $R^2$ (out-of-fold predictions over all lattices), asks whether the
# information is there at all, linearly readable — for the best model (canonical frame) and the fixed-frame model with
# augmentation. A k-nearest-neighbour regression on the same folds is the non-linear control: if it reads a quantity
# that the ridge cannot, the latent holds it, but curled up (for example mixed with the lattice's translation phase,
# which the fixed-frame models must encode to reconstruct a lattice).

# %%
mu_all = np.concatenate([ana["mu_train"], ana["mu_test"]])
mu_all_aug = np.concatenate([ana_aug["mu_train"], ana_aug["mu_test"]])
probe_targets = {k: np.concatenate([quantities[k][train], quantities[k][test]]) for k in ("Q", "Mz", "D")}
probe = lt.linear_probe(mu_all, probe_targets, folds=probe_folds, seed=seed)
probe_aug = lt.linear_probe(mu_all_aug, probe_targets, folds=probe_folds, seed=seed)
probe_knn = lt.knn_probe(mu_all, probe_targets, folds=probe_folds, seed=seed)
probe_knn_aug = lt.knn_probe(mu_all_aug, probe_targets, folds=probe_folds, seed=seed)
for name, p, pk in (("canonical frame", probe, probe_knn), ("fixed frame + augmentation", probe_aug, probe_knn_aug)):
    print(f"{name:>26}: ridge R² " + ", ".join(f"{k} {v:.3f}" for k, v in p.items())
          + "  | kNN R² " + ", ".join(f"{k} {v:.3f}" for k, v in pk.items()))

# %% [markdown]
# ## What the canonical frame changes
#
# Chapter 03 trains the sweep in the lattices' canonical frame (`support.symmetry`) and, at the best $C_{KL}$, the
# thesis's model that sees each lattice where it happens to sit on the torus, without and with symmetry
# augmentation. The same PCA and probes on all three show what the encoder spends its latent directions on when
# nothing removes the translation and orientation of the lattice, and whether augmentation does the job instead.

# %%
fixed_ckpt = up["vae"].get("fixed_frame_checkpoint")
ana_fixed = (lt.pc0_analysis(load_vae(fixed_ckpt, device), x_train, x_test, targets_test, batch_size=batch_size)
             if fixed_ckpt else None)
probe_fixed = (lt.linear_probe(np.concatenate([ana_fixed["mu_train"], ana_fixed["mu_test"]]), probe_targets,
                               folds=probe_folds, seed=seed) if fixed_ckpt else None)
frame_rows = ({"fixed frame (thesis)": (ana_fixed["pearson_pc0"], probe_fixed)} if fixed_ckpt else {}) | {
    "fixed frame + augmentation": (ana_aug["pearson_pc0"], probe_aug), "canonical frame": (ana["pearson_pc0"], probe)}
print(f"{'model, C_KL = ' + kl_key(best_kl):>28} {'|r(PC0,Q)|':>11} {'|r(PC0,B)|':>11} {'probe Q':>8} {'probe Mz':>9} "
      f"{'probe D':>8}")
for name, (r, p) in frame_rows.items():
    print(f"{name:>28} {abs(r['Q']):11.3f} {abs(r['B']):11.3f} {p['Q']:8.3f} {p['Mz']:9.3f} {p['D']:8.3f}")

# %% [markdown]
# ## New lattices from latent samples (thesis §3.8)
#
# Four samplers, each decoded into `n_generate` lattices:
#
# - **thesis**: $z = \overline{\sigma} \odot \varepsilon + \overline{\mu}$ with the per-dimension means over the
#   training set. The noise is the *average posterior width*, which is much smaller than the spread of the means
#   between lattices, so every draw lands near the single average latent — the lattice "in the middle" of the data.
# - **prior**: $z \sim \mathcal N(0, I)$, the textbook VAE sampler; it only works as well as the KL term has shaped
#   the aggregate posterior into the prior.
# - **posterior** ("near training latents"): pick a training lattice $i$, draw $z = \mu_i + \sigma_i \odot \varepsilon$
#   — the latents the decoder saw in training, new only through the posterior noise.
# - **gmm**: a Gaussian mixture fitted to the training latent means — a smooth density over the region the data
#   occupies, which can interpolate between lattices.
#
# Every generated lattice is measured like the test set: $Q$, $M_z$, skyrmions and defects.

# %%
gen = sampling.generate(model, samplers, n_generate, mu=ana["mu_train"], logvar=ana["logvar_train"], seed=seed,
                        gmm_components=gmm_components, gmm_covariance=gmm_covariance,
                        gmm_on_posterior=gmm_on_posterior, posterior_scale=posterior_scale, batch_size=batch_size)
test_stats = {"Q": targets_test["Q"], "Mz": targets_test["Mz"], "n_defects": targets_test["defects"],
              "n_skyrmions": sky["n_skyrmions"][test]}
summary = {"test": sampling.summarize(test_stats), **{k: sampling.summarize(v) for k, v in gen.items()}}
sigma_bar = np.exp(0.5 * ana["logvar_train"]).mean(axis=0)
print(f"mean posterior width / spread of the means over lattices: "
      f"{np.mean(sigma_bar) / np.mean(ana['mu_train'].std(axis=0)):.3g}\n")
cols = ["mean_defects", "defects_per_skyrmion", "mean_skyrmions", "mean_Q", "std_Q", "mean_Mz", "std_Mz"]
print(f"{'':>10} " + " ".join(f"{c:>20}" for c in cols))
for name, row in summary.items():
    print(f"{name:>10} " + " ".join(f"{row[c]:20.3f}" for c in cols))

# %%
figures.plot_ensemble_histograms({"test": test_stats, **{k: gen[k] for k in samplers}})
plt.show()

# %% [markdown]
# ### The generated lattices along PC0 (thesis Picture 3.17, Table 3.6)
#
# The latent samples are projected on the PCA of the training means; $Q$, $M_z$ and defects of the decoded lattices
# against their PC0, with the Pearson coefficients.

# %%
pc0_gen = {name: ana["pca"]["pca"].transform(gen[name]["z"])[:, 0] for name in samplers}
figures.plot_along_pc0(pc0_gen, gen)
plt.show()
for name, x in pc0_gen.items():
    r = lt.pearson_table(x, {k: gen[name][k] for k in ("Q", "Mz", "n_defects")})
    print(f"{name:>10}: Pearson with PC0: " + ", ".join(f"{k} {v:.3f}" for k, v in r.items()))

# %% [markdown]
# ### Examples (thesis Picture 3.19)
#
# $S^z$ of generated lattices with skyrmion centres, Delaunay mesh and defects (red), next to test lattices.

# %%
figures.plot_examples({"test": x_test, **{k: gen[k]["spins"] for k in samplers}}, n_examples, seed)
plt.show()

# %%
save_npz(out / "results" / "vae_generated.npz", thesis=gen["thesis"]["spins"], improved=gen[improved_sampler]["spins"])
results = {
    "pearson_pc0": ana["pearson_pc0"], "pearson_pc0_augmented": ana_aug["pearson_pc0"],
    "probe_r2": probe, "probe_r2_augmented": probe_aug, "probe_r2_knn": probe_knn,
    "probe_r2_knn_augmented": probe_knn_aug,
    "explained_variance_ratio": [float(v) for v in evr[:10]], "components_for_0999": int(k999),
    "pearson_pc0_by_kl": tables, "q_in_pc01_plane_by_kl": q_in_plane, "q_in_pc01_plane": q_in_plane[kl_key(best_kl)],
    "pearson_pc0_fixed_frame": ana_fixed["pearson_pc0"] if ana_fixed else None, "probe_r2_fixed_frame": probe_fixed,
    "generated": {"thesis": {k: summary["thesis"][k] for k in ("mean_defects", "mean_Q")},
                  "improved": {k: summary[improved_sampler][k] for k in ("mean_defects", "mean_Q")},
                  "test": {k: summary["test"][k] for k in ("mean_defects", "mean_Q")}},
    "generated_all": summary, "improved_sampler": improved_sampler,
}
update_results(results_path(data_dir, profile, "05_latent_analysis"), **results)
ratio = summary[improved_sampler]["mean_defects"] / max(summary["test"]["mean_defects"], 1e-12)
print("targets (cpu profile):")
print(f"  |Pearson(PC0, Q)| = {abs(ana['pearson_pc0']['Q']):.3f}  (target >= 0.8)")
print(f"  linear-probe R²(Q) = {probe['Q']:.3f}  (target >= 0.9)")
print(f"  improved sampler ({improved_sampler}) defects / test defects = {ratio:.2f}  (target within 0.5 .. 2)")

# %%
# NBVAL_CHECK_OUTPUT
print("latent means:", ana["mu_train"].shape[1], "dimensions;", len(ana["mu_test"]), "test lattices")
print("generated:", {k: v["spins"].shape for k, v in gen.items()})
print("mean Q (integer):", {k: round(v["mean_Q"]) for k, v in summary.items()})
print(f"|Pearson(PC0, Q)| (1 digit): {abs(ana['pearson_pc0']['Q']):.1f}")

# %% [markdown]
# ## Closing note
#
# The numbers printed above are this run's and are stored in `05_latent_analysis.json`. Measured while this chapter
# was written (`cpu` profile: 648 training and 72 test lattices, L = 48, latent 64, best C_KL = 1.25e-5; the chapter
# takes ~30 s):
#
# | model | test MSE | \|r(PC0, Q)\| | \|r(PC0, B)\| | ridge R² Q / Mz / D | kNN R² Q |
# |---|---|---|---|---|---|
# | fixed frame (thesis), 20 epochs | 0.0165 | 0.20 | 0.31 | 0.08 / 0.71 / 0.06 | — |
# | fixed frame + augmentation, 50 epochs | 0.0059 | 0.06 | 0.17 | 0.00 / −0.07 / 0.00 | 0.73 |
# | canonical frame, 20 epochs | 0.0088 | **0.68** | 0.77 | **0.91** / 0.92 / 0.90 | 0.95 |
#
# - **The latent space of the thesis's model is organised by where the lattice sits.** Each lattice is annealed
#   from a random start and lands at a random translation and orientation; both are exact symmetries, and the
#   fixed-frame encoder must encode them to reconstruct. They take the leading principal components (a flat
#   spectrum of ~0.04 per component) and hide the physics from a linear read-out (ridge R²(Q) 0.08); augmentation
#   makes this worse, not better (0.00), because the model then sees every lattice at every position. The physics
#   is still there, curled up: a nearest-neighbour regression reads Q with R² 0.73.
# - **The canonical frame removes the nuisance exactly**, and Q, Mz and D become linearly readable (R² ≥ 0.90). PC0
#   now carries 14 % of the variance, but it follows the field B (|r| 0.77) and the charge only at |r| 0.68 (0.62–0.75
#   over the four KL weights): the target |Pearson(PC0, Q)| ≥ 0.8 (thesis 0.85–0.88) is **not reached**. In our data
#   Q is set mostly by D (r = −0.91) and B (−0.85), which vary together along the skyrmion-lattice phase, and the
#   VAE's leading direction is the skyrmion size (set by B at a given D) more than their number. What is left in
#   the frame (the sub-site position of the core, the orientation within its 15° window, defects) still takes
#   latent variance. The charge is nevertheless a leading direction: PC0 and PC1 carry similar variance (0.14 and
#   0.10), and the best direction in their plane correlates with Q at |r| 0.86 (0.86–0.87 for every KL weight),
#   the thesis's level. Which mixture of Q and M_z becomes PC0 is decided by a small variance difference, not by
#   the physics.
# - **Samplers.** The thesis sampler $\overline{\sigma} \odot \varepsilon + \overline{\mu}$ draws from a small
#   neighbourhood of the average latent (its width is printed above as a fraction of the spread of the means): it
#   decodes to one blurred "average" lattice (Q = −7.0 in every sample, 2.8 skyrmions detected, std Q 0). In the
#   fixed-frame model the same sampler gave almost uniform ferromagnets (0.0 defects); the thesis's 68–161 defects
#   are the opposite failure of the same idea. A Gaussian mixture fitted to the training latent means gives
#   lattices whose Q (−10.90 ± 3.2 against −10.88 ± 3.4), Mz (0.43 against 0.41) and defects (2.46 against 1.89 per
#   lattice, ratio 1.30, target within 2×) match the test set; sampling near training latents does the same but
#   only re-draws lattices the decoder has seen.
