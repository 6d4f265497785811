"""Tiny real SESR models for the runtime tests: trained for a few steps with the project's trainer, then exported.

The models are bad at super-resolution (20 fp32 steps and 10 QAT steps) but are genuine exported SESR .tflite files
with their cards, which is all the runtime needs to be tested on. They are built once per test session, cached in
``$SESR_TEST_MODEL_CACHE`` when that variable names a folder (handy while developing), and the tests that use them
skip when TensorFlow or the shared data folder is absent.

They are made without int8 range refinement (no frozen-range QAT phase, none at export): on a network this far
from trained, refinement clips ranges hard because clipping its bad residual raises PSNR, and the int8 file would no
longer be the twin of the fp32 one that the runtime tests compare it with. Refinement has its own tests
(tests/test_export.py).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

TRAIN_IMAGES = 6


@dataclass(frozen=True)
class TinyModels:
    """Exported tiny models: ``path(scale, precision)`` gives the .tflite file (its card lies beside it)."""

    folder: Path

    def path(self, scale: int = 2, precision: str = "int8") -> Path:
        return self.folder / f"tiny-x{scale}-{precision}.tflite"


def _train_and_export(work: Path, out: Path, train_dir: Path, scale: int) -> None:
    from sesr_core.models.presets import ModelConfig
    from sesr_core.training.export_run import export_run
    from sesr_core.training.spec import TrainSpec
    from sesr_core.training.trainer import train

    spec = TrainSpec(model=ModelConfig(m=1, f=8, p=16, scale=scale, activation="relu"), data_dirs=(str(train_dir),),
                     steps=20, qat=True, qat_steps=10, qat_frozen_steps=0, batch_size=8, patch_size=16, eval_every=1000,
                     checkpoint_every=1000, seed=1)
    run_dir = work / f"run-x{scale}"
    train(spec, run_dir)
    for precision in ("int8", "fp32"):
        export_run(run_dir, precision, out / f"tiny-x{scale}-{precision}.tflite", name=f"tiny-x{scale}-{precision}",
                   refine_ranges=False)


def build_tiny_models(out: Path, work: Path, shared_data: Path) -> TinyModels:
    """Train and export x2 and x4 tiny models (int8 and fp32) into ``out`` unless they are there already."""
    models = TinyModels(out)
    wanted = [models.path(s, p) for s in (2, 4) for p in ("int8", "fp32")]
    if all(p.is_file() and p.with_suffix(".json").is_file() for p in wanted):
        return models
    train_dir = work / "train"
    train_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted((shared_data / "train" / "T91").glob("*.png"))[:TRAIN_IMAGES]:
        shutil.copy(path, train_dir)
    out.mkdir(parents=True, exist_ok=True)
    for scale in (2, 4):
        _train_and_export(work, out, train_dir, scale)
    return models


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory, shared_data) -> TinyModels:
    """x2 and x4 tiny SESR models, int8 and fp32, exported by the project's own trainer."""
    cache = os.environ.get("SESR_TEST_MODEL_CACHE")
    out = Path(cache) if cache else tmp_path_factory.mktemp("tiny-models")
    if not (TinyModels(out).path(2).is_file() and TinyModels(out).path(4, "fp32").is_file()):
        pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is needed to make test models")
    return build_tiny_models(out, tmp_path_factory.mktemp("tiny-train"), shared_data)


@pytest.fixture(scope="session")
def default_model_path():
    """The shipped default x2 model, when resources/models/defaults.txt names one; skips otherwise."""
    from sesr_core.errors import ModelError
    from sesr_core.models.catalog import default_model, shipped_models_dir

    if not (shipped_models_dir() / "defaults.txt").is_file():
        pytest.skip("no shipped models yet (resources/models/defaults.txt is absent)")
    try:
        return default_model(2).path
    except ModelError as err:
        pytest.skip(str(err))
