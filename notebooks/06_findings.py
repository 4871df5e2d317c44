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
# # Findings of this run
#
# **Question.** Work by work, what does this run of the book find, against the book's targets and beside the source
# works' own figures?
#
# **Method.** This page computes nothing. It reads the results files that chapters 02, 04 and 05 wrote for this
# profile (`data/<profile>/results/NN_name.json`), takes each work's headline numbers from them and judges every
# number against the target its chapter states (`support.book.findings`: *met*, *missed*, or *undefined* where
# the run has no finite value or did not measure it at this profile's sizes). A count ("k of n sets") meets its
# target only when every item does: for the evaluation sets, chapter 04's test (the generator cannot be told from
# Monte Carlo) is asked of every set, its strictest reading. The source works' figures are theirs,
# as the chapters cite them, at their settings (a GPU budget, 200 × 200 lattices): they are context, not targets.
# Each row links to the section that measures it; the numbers and their spread are there.

# %% tags=["parameters"]
profile = "cpu"
data_dir = "data"
seed = 0  # unused: the page computes nothing (the profile's common section sets it for every chapter)
device = "auto"  # unused, as seed

# %%
from myst_nb import glue

from support.book import findings
from support.book.runtime import require_upstream, results_path
from support.store.data import update_results

require_upstream(data_dir, profile, "06_findings", list(findings.NEEDS))

# %%
rows = findings.collect(findings.read_results(data_dir, profile), profile)
_ = update_results(results_path(data_dir, profile, "06_findings"), rows=rows, tally=findings.tally(rows))
for key, text in findings.glue_values(rows).items():
    glue(key, text, display=False)

# %%
# not compared by nbval: the Monte Carlo chains with over-relaxation are chaotic, so on a CPU that rounds
# differently these digits move (the results regression holds the numbers to their measured spread)
print(findings.verdict_lines(rows))

# %%
# NBVAL_CHECK_OUTPUT
print("rows per work:", {work: n["rows"] for work, n in findings.tally(rows).items()})

# %% [markdown]
# ## The conditional WGAN for the XY model (Klos et al.)
#
# Chapter 02 trains the paper's U-Net, our U-Net on a physics prior and a learned generator (one forward pass plus
# FFTs); chapter 04 scores them on eight evaluation sets against constrained Monte Carlo, each with a noise floor,
# and puts the learned generator inside an exact Markov chain.
#
# | finding | this run | target | verdict | source work | measured in |
# |---|---|---|---|---|---|
# | {glue:text}`paper_heldout_finding` | {glue:text}`paper_heldout_value` | {glue:text}`paper_heldout_target` | {glue:text}`paper_heldout_verdict` | {glue:text}`paper_heldout_source` | {ref}`02 · held-out evaluation <cwgan-heldout>` |
# | {glue:text}`prior_heldout_finding` | {glue:text}`prior_heldout_value` | {glue:text}`prior_heldout_target` | {glue:text}`prior_heldout_verdict` | {glue:text}`prior_heldout_source` | {ref}`02 · held-out evaluation <cwgan-heldout>` |
# | {glue:text}`noise_floor_finding` | {glue:text}`noise_floor_value` | {glue:text}`noise_floor_target` | {glue:text}`noise_floor_verdict` | {glue:text}`noise_floor_source` | {ref}`04 · evaluation sets <cwgan-sets>` |
# | {glue:text}`learned_sets_finding` | {glue:text}`learned_sets_value` | {glue:text}`learned_sets_target` | {glue:text}`learned_sets_verdict` | {glue:text}`learned_sets_source` | {ref}`04 · evaluation sets <cwgan-sets>` |
# | {glue:text}`paper_sets_finding` | {glue:text}`paper_sets_value` | {glue:text}`paper_sets_target` | {glue:text}`paper_sets_verdict` | {glue:text}`paper_sets_source` | {ref}`04 · evaluation sets <cwgan-sets>` |
# | {glue:text}`prior_sets_finding` | {glue:text}`prior_sets_value` | {glue:text}`prior_sets_target` | {glue:text}`prior_sets_verdict` | {glue:text}`prior_sets_source` | {ref}`04 · evaluation sets <cwgan-sets>` |
# | {glue:text}`exact_sets_finding` | {glue:text}`exact_sets_value` | {glue:text}`exact_sets_target` | {glue:text}`exact_sets_verdict` | {glue:text}`exact_sets_source` | {ref}`04 · evaluation sets <cwgan-sets>` |
# | {glue:text}`indepth_targets_finding` | {glue:text}`indepth_targets_value` | {glue:text}`indepth_targets_target` | {glue:text}`indepth_targets_verdict` | {glue:text}`indepth_targets_source` | {ref}`04 · verdict on the targets <cwgan-indepth-targets>` |
# | {glue:text}`exact_check_finding` | {glue:text}`exact_check_value` | {glue:text}`exact_check_target` | {glue:text}`exact_check_verdict` | {glue:text}`exact_check_source` | {ref}`04 · exact fields <cwgan-exact>` |
# | {glue:text}`exact_speedup_finding` | {glue:text}`exact_speedup_value` | {glue:text}`exact_speedup_target` | {glue:text}`exact_speedup_verdict` | {glue:text}`exact_speedup_source` | {ref}`04 · exact fields <cwgan-exact>` |

# %% [markdown]
# ## The residual VAE for skyrmion lattices (Dušek's thesis)
#
# Chapter 03 trains the VAE on several splits of the phase points; chapter 05 scores it on phase points it never
# saw (means over the splits) and generates new lattices from latent samples. Where the chapters cite a figure of
# the thesis, the column *source work* gives it and the next one says where this run lies against it.
#
# | finding | this run | target | verdict | source work | this run against it | measured in |
# |---|---|---|---|---|---|---|
# | {glue:text}`test_mse_finding` | {glue:text}`test_mse_value` | {glue:text}`test_mse_target` | {glue:text}`test_mse_verdict` | {glue:text}`test_mse_source` | {glue:text}`test_mse_versus` | {ref}`05 · scores on unseen points <vae-scores>` |
# | {glue:text}`probe_Q_finding` | {glue:text}`probe_Q_value` | {glue:text}`probe_Q_target` | {glue:text}`probe_Q_verdict` | {glue:text}`probe_Q_source` | {glue:text}`probe_Q_versus` | {ref}`05 · scores on unseen points <vae-scores>` |
# | {glue:text}`probe_skill_Q_finding` | {glue:text}`probe_skill_Q_value` | {glue:text}`probe_skill_Q_target` | {glue:text}`probe_skill_Q_verdict` | {glue:text}`probe_skill_Q_source` | {glue:text}`probe_skill_Q_versus` | {ref}`05 · scores on unseen points <vae-scores>` |
# | {glue:text}`pc0_Q_finding` | {glue:text}`pc0_Q_value` | {glue:text}`pc0_Q_target` | {glue:text}`pc0_Q_verdict` | {glue:text}`pc0_Q_source` | {glue:text}`pc0_Q_versus` | {ref}`05 · scores on unseen points <vae-scores>` |
# | {glue:text}`direction_Q_finding` | {glue:text}`direction_Q_value` | {glue:text}`direction_Q_target` | {glue:text}`direction_Q_verdict` | {glue:text}`direction_Q_source` | {glue:text}`direction_Q_versus` | {ref}`05 · scores on unseen points <vae-scores>` |
# | {glue:text}`mse_defects_finding` | {glue:text}`mse_defects_value` | {glue:text}`mse_defects_target` | {glue:text}`mse_defects_verdict` | {glue:text}`mse_defects_source` | {glue:text}`mse_defects_versus` | {ref}`05 · error and defects <vae-defects>` |
# | {glue:text}`novel_fraction_finding` | {glue:text}`novel_fraction_value` | {glue:text}`novel_fraction_target` | {glue:text}`novel_fraction_verdict` | {glue:text}`novel_fraction_source` | {glue:text}`novel_fraction_versus` | {ref}`05 · new lattices <vae-generation>` |
# | {glue:text}`skx_fraction_finding` | {glue:text}`skx_fraction_value` | {glue:text}`skx_fraction_target` | {glue:text}`skx_fraction_verdict` | {glue:text}`skx_fraction_source` | {glue:text}`skx_fraction_versus` | {ref}`05 · new lattices <vae-generation>` |
# | {glue:text}`defects_ratio_finding` | {glue:text}`defects_ratio_value` | {glue:text}`defects_ratio_target` | {glue:text}`defects_ratio_verdict` | {glue:text}`defects_ratio_source` | {glue:text}`defects_ratio_versus` | {ref}`05 · new lattices <vae-generation>` |

# %% [markdown]
# ## Answer
#
# {glue:text}`answer_cwgan` {glue:text}`answer_vae` The rows are stored in `results/06_findings.json`; the
# chapters' answers say why each number is what it is.
