"""JPEG-aware training on real images: patches carry their JPEG quality, the conditioned network folds exactly into
plain convs at any quality, and a QAT run exports one ordinary int8 file per quality with a card that says which."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import image_folder

pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")

from sesr_core.errors import SesrError  # noqa: E402
from sesr_core.imaging.degradation import parse_degradation  # noqa: E402
from sesr_core.jobs import EvaluationEvent, Phase, Progress, StepEvent  # noqa: E402
from sesr_core.models.jpeg_variants import LOSSLESS, VARIANT_QUALITIES, lossiness, nearest_variant  # noqa: E402
from sesr_core.models.presets import ModelConfig  # noqa: E402
from sesr_core.training._tf import tf  # noqa: E402
from sesr_core.training.data import degraded_patch_dataset, load_hr_images  # noqa: E402
from sesr_core.training.degrade import MARGIN, SEEDS_NEEDED, degrade_patch  # noqa: E402
from sesr_core.training.network import LOSSINESS_INPUT, build_training_model, collapsed_from_training  # noqa: E402
from sesr_core.training.spec import TrainSpec  # noqa: E402

TINY_RELU = ModelConfig(m=1, f=4, p=8, scale=2, activation="relu")


@pytest.fixture(scope="module")
def train_dir(tmp_path_factory, shared_data):
    """Six real T91 images in a folder of their own."""
    return image_folder(tmp_path_factory, shared_data / "train" / "T91", 6)


@pytest.fixture(scope="module")
def val_dir(tmp_path_factory, shared_data):
    return image_folder(tmp_path_factory, shared_data / "val" / "Set5" / "HR", names=("bird.png",))


def test_a_degraded_patch_reports_the_quality_it_was_saved_at(shared_data):
    images = load_hr_images([shared_data / "val" / "Set5" / "HR"], 2, 16 + 2 * MARGIN)
    hr = tf.constant(images[0][1][:(16 + 2 * MARGIN) * 2, :(16 + 2 * MARGIN) * 2])
    seeds = tf.random.experimental.stateless_split(tf.constant([4, 1], tf.int64), SEEDS_NEEDED)
    assert float(degrade_patch(hr, 2, 16, parse_degradation("jpeg=60"), seeds)[2]) == 60.0
    assert float(degrade_patch(hr, 2, 16, parse_degradation("noise=2"), seeds)[2]) == LOSSLESS

    stream = degraded_patch_dataset(images, 2, 16, 8, parse_degradation("jpeg=50@0.5"), seed=2, jpeg_aware=True)
    conditions = np.concatenate([lr[LOSSINESS_INPUT].numpy().ravel() for lr, _ in stream.take(4)])
    assert set(np.round(conditions, 6)) == {0.0, lossiness(50)}  # half the patches JPEG at 50, half not


def test_the_network_folded_at_a_quality_is_the_conditioned_network(shared_data):
    model = build_training_model(TINY_RELU, jpeg_aware=True)
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if layer.name.startswith("film_"):
            layer.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in layer.get_weights()])
    images = load_hr_images([shared_data / "val" / "Set5" / "HR"], 2, 32)
    lr = (images[1][1][:40, :40].mean(axis=2, keepdims=True)[None] / 255.0).astype(np.float32)
    outputs = {}
    for quality in (30, 75, LOSSLESS):
        u = np.array([[lossiness(quality)]], np.float32)
        conditioned = model({"lr_y": lr, LOSSINESS_INPUT: u}).numpy()
        folded = collapsed_from_training(model, TINY_RELU, lossiness(quality))(lr).numpy()
        np.testing.assert_allclose(folded, conditioned, atol=2e-5)
        outputs[quality] = folded
    assert np.abs(outputs[30] - outputs[LOSSLESS]).max() > 1e-3  # the condition changes the network


def test_nearest_variant_rounds_to_the_gentler_quality_on_a_tie():
    assert nearest_variant(50) == 45 and nearest_variant(75) == 75 and nearest_variant(80) == 85
    assert nearest_variant(None) == LOSSLESS and nearest_variant(98) == LOSSLESS and nearest_variant(96) == 95


def test_jpeg_aware_needs_a_jpeg_recipe(train_dir):
    with pytest.raises(SesrError, match="--degrade"):
        TrainSpec(model=TINY_RELU, data_dirs=(str(train_dir),), jpeg_aware=True, degrade="noise=0-2")


def test_a_jpeg_aware_qat_run_exports_one_plain_file_per_quality(tmp_path, train_dir, val_dir):
    from sesr_core.runtime.sr_model import SRModel
    from sesr_core.training.train_and_export import ExportRequest, train_and_export

    spec = TrainSpec(model=TINY_RELU, data_dirs=(str(train_dir),), val_dir=str(val_dir), steps=3, batch_size=4,
                     patch_size=16, learning_rate=1e-3, eval_every=3, checkpoint_every=3, seed=3, qat=True,
                     qat_steps=2, qat_frozen_steps=0, degrade="jpeg=25-98@0.7", val_degrade="jpeg=75",
                     jpeg_aware=True)
    events = []
    result = train_and_export(spec, tmp_path / "run", (ExportRequest("int8", name="Tiny-photo"),), events.append)

    cards = {m.card["jpeg_variant"]["quality"]: m for m in result.models}
    assert sorted(cards) == sorted((*VARIANT_QUALITIES, LOSSLESS))
    assert cards[LOSSLESS].name == "Tiny-photo" and cards[75].name == "Tiny-photo-q75"
    assert {m.card["jpeg_variant"]["family"] for m in result.models} == {"Tiny-photo"}
    for model in result.models:
        assert SRModel(model.path).precision == "int8"  # an ordinary int8 SESR file
    assert len({m.card["sha256"] for m in result.models}) == len(result.models)
    progress = [e for e in events if isinstance(e, Progress)]
    assert [e.done for e in progress] == sorted(e.done for e in progress)
    assert progress[-1].done == progress[-1].total and progress[-1].phase == Phase.EXPORTING
    steps = [e.step for e in events if isinstance(e, StepEvent)]  # one step count across the variant runs
    assert steps == list(range(1, 3 + 2 * len(cards) + 1))
    assert {e.total_steps for e in events if isinstance(e, StepEvent)} == {3 + 2 * len(cards)}
    curve = [e for e in events if isinstance(e, EvaluationEvent) and not e.is_baseline]
    assert [e.step for e in curve] == [3]  # the plotted curve is the parent's, at the validation's JPEG quality

    again = train_and_export(spec, tmp_path / "run", (), resume=True)  # every variant run is finished: no training
    assert again.run.finished and not again.models
