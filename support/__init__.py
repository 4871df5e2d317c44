"""Support package of the book: physics, samplers, models, training, analysis and the runner."""

__version__ = "0.1.0"
