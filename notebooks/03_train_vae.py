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
# # 03 · Train the residual VAE
#
# A residual variational autoencoder compresses skyrmion lattices; we sweep the KL weight and add one run with symmetry augmentation.

# %% tags=["parameters"]
profile = "cpu"
data_dir = "data"
seed = 0
device = "auto"

# %%
from support.runtime import profile_dir, results_path, set_threads

set_threads()
out = profile_dir(data_dir, profile)
