"""scaffold: a head start on porting a transformers model from PyTorch to TensorFlow."""

__version__ = "0.1.0"
