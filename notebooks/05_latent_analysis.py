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

# %% tags=["parameters"]
profile = "cpu"
data_dir = "data"
seed = 0
device = "auto"

# %%
from support.runtime import profile_dir, results_path, set_threads

set_threads()
out = profile_dir(data_dir, profile)
