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
# # 04 · Evaluate: physics, correlations and topology
#
# Are the generated fields physically right? We compare the cWGAN with constrained Monte Carlo on observables, correlations and topology, and analyse the VAE's reconstructions.

# %% tags=["parameters"]
profile = "cpu"
data_dir = "data"
seed = 0
device = "auto"
# cWGAN evaluation knobs (part 1)
# VAE evaluation knobs (part 2)

# %%
from support.runtime import profile_dir, results_path, set_threads

set_threads()
out = profile_dir(data_dir, profile)

# %% [markdown]
# ## Part 1 · The cWGAN against Monte Carlo

# %% [markdown]
# ## Part 2 · The VAE's reconstructions
