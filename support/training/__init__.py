"""Training loops (cWGAN-GP, VAE) and checkpointing."""
