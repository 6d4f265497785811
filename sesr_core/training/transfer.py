"""Start a model from another run's trained weights: fine-tuning, x2 -> x4 transfer, or growth to a bigger model."""

from __future__ import annotations

from pathlib import Path

from sesr_core.errors import SesrError
from sesr_core.models.presets import ModelConfig
from sesr_core.training._tf import keras, tf
from sesr_core.training.grow import grow_weights
from sesr_core.training.network import block_names, build_training_model, is_jpeg_aware
from sesr_core.training.run_folder import RunFolder
from sesr_core.training.spec import TrainSpec


def restore_fp32_model(run_dir: str | Path, which: str = "last") -> tuple[keras.Model, TrainSpec]:
    """The fp32 training model of a run, with its ``which`` ("last" or "best") fp32 checkpoint loaded."""
    run = RunFolder(Path(run_dir))
    spec = TrainSpec.load(run.root)
    folder = run.best("fp32") if which == "best" else run.checkpoints("fp32")
    latest = tf.train.latest_checkpoint(str(folder))
    if latest is None and which == "best":
        latest = tf.train.latest_checkpoint(str(run.checkpoints("fp32")))
    if latest is None:
        raise SesrError(f"The run '{run_dir}' has no fp32 checkpoint yet; train it first or resume it.")
    model = build_training_model(spec.model, spec.linear_block, jpeg_aware=spec.jpeg_aware)
    tf.train.Checkpoint(model=model).restore(latest).expect_partial()
    return model, spec


def transfer_weights(source: keras.Model, source_config: ModelConfig,
                     target: keras.Model, target_config: ModelConfig) -> list[str]:
    """Copy or grow ``source``'s weights into ``target``; returns the names of the layers set.

    The same architecture (m, f, p) is copied weight for weight: everything at the same scale, everything but the
    output block (its channels are scale^2) for x2 -> x4. A deeper or wider target (or another expansion p) starts
    as the same function by :func:`~sesr_core.training.grow.grow_weights`.
    """
    if any(getattr(source_config, n) != getattr(target_config, n) for n in ("m", "f", "p")):
        return grow_weights(source, source_config, target, target_config)
    names = block_names(target_config)
    if source_config.scale != target_config.scale:
        names.remove("output_block")
    if source_config.activation == target_config.activation == "prelu":
        names += [f"act_{i}" for i in range(target_config.m)]
    if is_jpeg_aware(source) and is_jpeg_aware(target):
        names += [f"film_{name}" for name in names if name in block_names(target_config)]
    for name in names:
        target.get_layer(name).set_weights(source.get_layer(name).get_weights())
    return names
