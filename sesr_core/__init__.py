"""SESR Studio core: the SESR model family, its training, evaluation and int8 inference."""

__version__ = "0.1.0"
