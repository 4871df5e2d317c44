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
# From a vortex-charge map and a temperature, a conditional Wasserstein GAN with a U-Net generator produces XY spin fields. We train the paper's variant and a physics-prior variant and compare them on held-out maps.

# %% tags=["parameters"]
profile = "cpu"
data_dir = "data"
seed = 0
device = "auto"

# %%
from support.runtime import profile_dir, results_path, set_threads

set_threads()
out = profile_dir(data_dir, profile)
