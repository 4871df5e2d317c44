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
# skyrmion knobs (part 2)

# %%
from support.runtime import profile_dir, results_path, set_threads

set_threads()
out = profile_dir(data_dir, profile)

# %% [markdown]
# ## Part 1 · The XY model and constrained Metropolis data

# %% [markdown]
# ## Part 2 · Chiral magnet: skyrmion lattices for the VAE
