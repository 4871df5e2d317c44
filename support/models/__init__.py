"""Neural networks: U-Net generator and critic (cWGAN), residual VAE."""
