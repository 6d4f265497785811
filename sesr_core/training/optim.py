"""Optimiser and learning-rate schedule of a run (Adam with AMSGrad, as the seed used)."""

from __future__ import annotations

from sesr_core.training._tf import keras


def learning_rate_schedule(kind: str, base: float, steps: int, warmup_steps: int = 0, final_fraction: float = 0.01):
    """A schedule over ``steps`` optimiser steps: constant, cosine (with optional linear warm-up) or step decay.

    The schedule is a function of the optimiser's own step counter, so restoring the optimiser restores it too.
    """
    steps = max(1, steps)
    if kind == "constant":
        return base
    if kind == "step":
        return keras.optimizers.schedules.PiecewiseConstantDecay(
            [int(steps * 0.5), int(steps * 0.75)], [base, base * 0.5, base * 0.25])
    warmup = min(warmup_steps, steps - 1)
    if warmup > 0:
        return keras.optimizers.schedules.CosineDecay(
            0.0, steps - warmup, alpha=final_fraction, warmup_target=base, warmup_steps=warmup)
    return keras.optimizers.schedules.CosineDecay(base, steps, alpha=final_fraction)


def make_optimizer(schedule) -> keras.optimizers.Optimizer:
    """Adam (AMSGrad) on ``schedule``."""
    return keras.optimizers.Adam(learning_rate=schedule, amsgrad=True)


def current_learning_rate(optimizer: keras.optimizers.Optimizer) -> float:
    """The learning rate the next step will use."""
    rate = optimizer.learning_rate
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        return float(rate(optimizer.iterations))
    return float(rate.numpy() if hasattr(rate, "numpy") else rate)
