"""SESR training: the network, its data, the trainer, quantisation-aware training and export (needs TensorFlow).

Import the submodules you need; this package itself imports nothing, so that ``spec`` stays usable without
TensorFlow.
"""
