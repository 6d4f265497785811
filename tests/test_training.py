"""The trainer on real images: events, run folder, cancel and exact resume, x2 -> x4 transfer, growth, data errors."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

from tests.conftest import image_folder

pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")

from sesr_core.errors import CancelledError, DatasetError, SesrError  # noqa: E402
from sesr_core.jobs import (  # noqa: E402
    ArtefactEvent,
    CancelToken,
    EvaluationEvent,
    Phase,
    Progress,
    StepEvent,
)
from sesr_core.models.presets import ModelConfig  # noqa: E402
from sesr_core.training._tf import tf  # noqa: E402
from sesr_core.training.data import load_pairs, patch_dataset  # noqa: E402
from sesr_core.training.network import build_training_model  # noqa: E402
from sesr_core.training.run_folder import RunFolder  # noqa: E402
from sesr_core.training.spec import TrainSpec  # noqa: E402
from sesr_core.training.trainer import train  # noqa: E402
from sesr_core.training.transfer import restore_fp32_model  # noqa: E402

TINY = ModelConfig(m=1, f=4, p=8, scale=2, activation="prelu")


@pytest.fixture(scope="module")
def train_dir(tmp_path_factory, shared_data):
    """Eight real T91 images in a folder of their own (loading all 291 would slow every test)."""
    return image_folder(tmp_path_factory, shared_data / "train" / "T91", 8)


@pytest.fixture(scope="module")
def val_dir(tmp_path_factory, shared_data):
    """Two Set5 images (baby and bird) for quick validation."""
    return image_folder(tmp_path_factory, shared_data / "val" / "Set5" / "HR", names=("baby.png", "bird.png"))


def tiny_spec(train_dir, val_dir=None, **changes) -> TrainSpec:
    values = dict(model=TINY, data_dirs=(str(train_dir),), val_dir=str(val_dir) if val_dir else None, steps=8,
                  batch_size=4, patch_size=16, learning_rate=1e-3, eval_every=4, checkpoint_every=4, seed=3)
    values.update(changes)
    return TrainSpec(**values)


def test_training_reports_events_and_fills_the_run_folder(tmp_path, train_dir, val_dir):
    events = []
    result = train(tiny_spec(train_dir, val_dir), tmp_path / "run", events.append)

    steps = [e for e in events if isinstance(e, StepEvent)]
    assert [e.step for e in steps] == list(range(1, 9))
    assert all(np.isfinite(e.loss) and e.learning_rate > 0 and e.total_steps == 8 for e in steps)
    evaluations = [e for e in events if isinstance(e, EvaluationEvent)]
    assert [e.is_baseline for e in evaluations] == [True, False, False]
    assert [e.step for e in evaluations[1:]] == [4, 8]
    assert set(evaluations[-1].per_image) == {"baby", "bird"}
    assert 20 < evaluations[0].mean_psnr < 40 and 0 < evaluations[0].mean_ssim < 1
    assert any(isinstance(e, ArtefactEvent) and e.kind == "checkpoint" for e in events)
    progress = [e for e in events if isinstance(e, Progress)]
    assert {e.phase for e in progress} == {Phase.TRAINING, Phase.EVALUATING}
    assert progress[-1].done == progress[-1].total == 8
    assert result.step == result.total_steps == 8 and result.finished and result.chief
    assert result.final_psnr == evaluations[-1].mean_psnr and result.baseline_psnr == evaluations[0].mean_psnr

    run = RunFolder(tmp_path / "run")
    assert TrainSpec.load(run.root) == tiny_spec(train_dir, val_dir)
    history = run.read_history()
    assert [r.step for r in history.evaluations] == [4, 8]
    assert history.baseline is not None and history.baseline.mean_psnr == result.baseline_psnr
    assert tf.train.latest_checkpoint(str(run.checkpoints("fp32"))).endswith("ckpt-8")
    assert tf.train.latest_checkpoint(str(run.best("fp32"))) is not None
    assert "Bicubic baseline" in run.log.read_text()


def final_weights(run_dir) -> list[np.ndarray]:
    model, _ = restore_fp32_model(run_dir)
    return model.get_weights()


def test_cancel_leaves_a_checkpoint_and_resume_matches_an_uninterrupted_run(tmp_path, train_dir):
    spec = tiny_spec(train_dir, steps=8, checkpoint_every=100)
    train(spec, tmp_path / "straight")

    cancel = CancelToken()
    events = []

    def stop_after_three(event) -> None:
        events.append(event)
        if isinstance(event, StepEvent) and event.step == 3:
            cancel.cancel()

    with pytest.raises(CancelledError) as stopped:
        train(spec, tmp_path / "resumed", stop_after_three, cancel)
    partial = stopped.value.partial
    assert partial.step == 3 and not partial.finished and partial.run_dir == tmp_path / "resumed"
    assert max(e.step for e in events if isinstance(e, StepEvent)) == 3
    run = RunFolder(tmp_path / "resumed")
    assert tf.train.latest_checkpoint(str(run.checkpoints("fp32"))).endswith("ckpt-3")

    resumed_events = []
    train(spec, run.root, resumed_events.append, resume=True)
    resumed_steps = [e for e in resumed_events if isinstance(e, StepEvent)]
    assert [e.step for e in resumed_steps] == [4, 5, 6, 7, 8]

    straight_history = RunFolder(tmp_path / "straight").read_history()
    resumed_history = run.read_history()
    assert [r.step for r in resumed_history.steps] == [r.step for r in straight_history.steps]
    # Same batches, same optimiser state, same schedule: the same weights.
    for a, b in zip(final_weights(tmp_path / "straight"), final_weights(run.root), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def qat_checkpoint_values(run_dir) -> dict[str, np.ndarray]:
    """Every model variable (weights and int8 ranges) of a run's last QAT checkpoint.

    The input quantiser's attributes carry its layer's process-unique name (``quantize_layer_2_min``): normalised.
    """
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(str(RunFolder(run_dir).checkpoints("qat"))))
    return {re.sub(r"quantize_layer(_\d+)?_", "quantize_layer_", k): reader.get_tensor(k)
            for k in reader.get_variable_to_shape_map() if k.startswith("model/") and "OPTIMIZER" not in k}


def test_resume_inside_the_frozen_range_phase_matches_an_uninterrupted_qat(tmp_path, train_dir):
    qat_model = ModelConfig(m=1, f=4, p=8, scale=2, activation="relu")
    spec = tiny_spec(train_dir, model=qat_model, steps=2, qat=True, qat_steps=8, checkpoint_every=100)
    assert spec.frozen_range_steps == 2
    train(spec, tmp_path / "straight")
    cancel = CancelToken()
    with pytest.raises(CancelledError):
        train(spec, tmp_path / "resumed",
              lambda e: cancel.cancel() if isinstance(e, StepEvent) and e.step == 9 else None, cancel)
    assert RunFolder(tmp_path / "resumed").read_state().qat_ranges_refined is True
    train(spec, tmp_path / "resumed", resume=True)
    log = (tmp_path / "resumed" / "train.log").read_text()
    assert log.count("frozen for the last 2 steps") == 1  # refined once; the resumed run only froze them again
    straight, resumed = qat_checkpoint_values(tmp_path / "straight"), qat_checkpoint_values(tmp_path / "resumed")
    assert straight.keys() == resumed.keys()
    for key, value in straight.items():
        np.testing.assert_allclose(resumed[key], value, rtol=1e-4, atol=1e-6, err_msg=key)


def test_resume_restores_the_learning_rate_schedule(tmp_path, train_dir):
    spec = tiny_spec(train_dir, steps=6, checkpoint_every=100, lr_schedule="cosine", final_lr_fraction=0.0)
    straight = []
    train(spec, tmp_path / "a", straight.append)
    cancel = CancelToken()
    with pytest.raises(CancelledError):
        train(spec, tmp_path / "b", lambda e: cancel.cancel() if isinstance(e, StepEvent) and e.step == 2 else None,
              cancel)
    resumed = []
    train(spec, tmp_path / "b", resumed.append, resume=True)
    rates = {e.step: e.learning_rate for e in straight if isinstance(e, StepEvent)}
    for event in (e for e in resumed if isinstance(e, StepEvent)):
        assert event.learning_rate == pytest.approx(rates[event.step], rel=1e-6)


def test_x4_model_starts_from_the_x2_weights(tmp_path, train_dir):
    train(tiny_spec(train_dir, steps=2), tmp_path / "x2")
    x2_model, _ = restore_fp32_model(tmp_path / "x2")
    x4_spec = tiny_spec(train_dir, steps=1, model=ModelConfig(m=1, f=4, p=8, scale=4, activation="prelu"),
                        init_from=str(tmp_path / "x2"))
    events = []
    train(x4_spec, tmp_path / "x4", events.append)
    assert any("Initialised" in getattr(e, "message", "") for e in events)

    x4_start = build_training_model(x4_spec.model)
    tf.train.Checkpoint(model=x4_start).restore(
        str(RunFolder(tmp_path / "x4").checkpoints("fp32") / "ckpt-0")).expect_partial()
    for name in ("input_block", "block_0", "act_0"):
        for got, want in zip(x4_start.get_layer(name).get_weights(), x2_model.get_layer(name).get_weights(),
                             strict=True):
            np.testing.assert_array_equal(got, want)
    assert x4_start.get_layer("output_block").get_weights()[2].shape == (8, 16)


def test_a_deeper_model_grows_from_a_trained_run(tmp_path, train_dir):
    train(tiny_spec(train_dir, steps=2), tmp_path / "small")
    small, _ = restore_fp32_model(tmp_path / "small")
    deeper = tiny_spec(train_dir, steps=1, model=ModelConfig(m=2, f=4, p=6, scale=2, activation="prelu"),
                       init_from=str(tmp_path / "small"))
    train(deeper, tmp_path / "deeper")
    start = build_training_model(deeper.model)
    tf.train.Checkpoint(model=start).restore(
        str(RunFolder(tmp_path / "deeper").checkpoints("fp32") / "ckpt-0")).expect_partial()
    x = np.random.default_rng(0).random((1, 20, 20, 1)).astype(np.float32)
    np.testing.assert_allclose(start(x).numpy(), small(x).numpy(), atol=1e-5)

    smaller = tiny_spec(train_dir, steps=1, model=ModelConfig(m=1, f=3, p=8, scale=2),
                        init_from=str(tmp_path / "small"))
    with pytest.raises(SesrError, match="fewer blocks or features"):
        train(smaller, tmp_path / "smaller")


def test_patches_are_aligned_augmented_pairs(train_dir):
    pairs = load_pairs([train_dir], scale=2, min_lr_size=16)
    lr, hr = next(iter(patch_dataset(pairs, scale=2, patch_size=16, batch_size=8, seed=1)))
    assert lr.shape == (8, 16, 16, 1) and hr.shape == (8, 32, 32, 1)
    # The LR patch is the bicubic downscale of its HR patch (up to borders): compare by 2x2 block means.
    block_means = tf.nn.avg_pool2d(hr, 2, 2, "VALID").numpy()[:, 2:-2, 2:-2]
    assert np.abs(block_means - lr.numpy()[:, 2:-2, 2:-2]).mean() < 0.02
    again, _ = next(iter(patch_dataset(pairs, scale=2, patch_size=16, batch_size=8, seed=1)))
    np.testing.assert_array_equal(lr.numpy(), again.numpy())
    skipped, _ = next(iter(patch_dataset(pairs, scale=2, patch_size=16, batch_size=8, seed=1, start_step=1)))
    assert not np.array_equal(lr.numpy(), skipped.numpy())


def test_bad_data_is_named(tmp_path, train_dir):
    with pytest.raises(DatasetError, match="does not exist"):
        load_pairs([tmp_path / "missing"], scale=2)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="holds no images"):
        load_pairs([tmp_path / "empty"], scale=2)
    mixed = tmp_path / "mixed"
    shutil.copytree(train_dir, mixed)
    (mixed / "notes.png").write_text("not an image")
    warnings = []
    pairs = load_pairs([mixed], scale=2, min_lr_size=60, warn=warnings.append)
    assert any("notes.png" in w for w in warnings)
    assert any("smaller than one training patch" in w for w in warnings)
    assert 0 < len(pairs) < 8


def test_spec_rejects_qat_with_prelu():
    with pytest.raises(SesrError, match="ReLU"):
        TrainSpec(model=TINY, data_dirs=("x",), qat=True, qat_steps=5)


def test_mirrored_strategy_trains_on_the_local_devices(tmp_path, train_dir):
    events = []
    train(tiny_spec(train_dir, steps=2, strategy="mirrored"), tmp_path / "run", events.append)
    assert [e.step for e in events if isinstance(e, StepEvent)] == [1, 2]


def test_tf_config_names_the_chief_and_bad_configs_are_one_sentence():
    import json

    from sesr_core.training.tf_config import cluster_role

    def role(jobs, task_type, index):
        config = {"cluster": {job: [f"h{i}:1" for i in range(2)] for job in jobs}, "task": {"type": task_type,
                                                                                            "index": index}}
        return cluster_role({"TF_CONFIG": json.dumps(config)})

    assert cluster_role({}).num_tasks == 1 and cluster_role({}).is_chief
    assert role(["worker"], "worker", 0).is_chief and not role(["worker"], "worker", 1).is_chief
    assert role(["chief", "worker"], "chief", 0).is_chief and not role(["chief", "worker"], "worker", 0).is_chief
    assert role(["chief", "worker"], "worker", 1).num_tasks == 4
    for bad, message in (("{not json", "not a valid cluster"), (json.dumps({"cluster": {"ps": ["a:1"]}, "task": {
            "type": "ps", "index": 0}}), "'ps' task"), (json.dumps({"cluster": {"worker": ["a:1"]}, "task": {
            "type": "worker", "index": 3}}), "lists 1 worker")):
        with pytest.raises(SesrError, match=message):
            cluster_role({"TF_CONFIG": bad})


def test_cli_trains_stops_and_resumes(tmp_path, train_dir, capsys):
    from sesr_core.cli import main

    run = tmp_path / "run"
    common = ["--preset", "custom", "-m", "1", "-f", "4", "-p", "8", "--batch-size", "4", "--patch-size", "16"]
    assert main(["train", *common, "--data", str(train_dir), "--steps", "3", "--out", str(run), "--no-export"]) == 0
    assert "Finished 3 steps" in capsys.readouterr().out
    assert main(["train", "--resume", str(run), "--steps", "5", "--no-export"]) == 0
    assert "Finished 5 steps" in capsys.readouterr().out
    assert [r.step for r in RunFolder(run).read_history().steps] == [3, 5]
    assert TrainSpec.load(run).steps == 5
    assert main(["train", *common, "--data", str(train_dir), "--steps", "3", "--out", str(run)]) == 1
    assert "already holds files" in capsys.readouterr().err


def test_train_and_export_counts_qat_refinement_and_export_in_its_progress(tmp_path, train_dir, val_dir):
    from sesr_core.training.train_and_export import ExportRequest, train_and_export
    from sesr_core.training.work import TrainingWork

    qat_model = ModelConfig(m=1, f=4, p=8, scale=2, activation="relu")
    spec = tiny_spec(train_dir, val_dir, model=qat_model, steps=4, qat=True, qat_steps=4, qat_frozen_steps=2)
    events = []
    result = train_and_export(spec, tmp_path / "run", (ExportRequest("int8"),), events.append)

    work = TrainingWork.of(spec, ["int8"])
    progress = [e for e in events if isinstance(e, Progress)]
    assert {e.total for e in progress} == {work.total}
    done = [e.done for e in progress]
    assert done == sorted(done) and done[-1] == work.total
    phases = [e.phase for e in progress]
    assert {Phase.TRAINING, Phase.QAT, Phase.EVALUATING, Phase.EXPORTING} <= set(phases)
    assert phases[phases.index(Phase.EXPORTING):] == [Phase.EXPORTING] * 2  # exporting comes last
    trained = work.done_at(spec.total_steps)
    assert trained > spec.total_steps  # the range refinement counts
    assert work.total - trained == pytest.approx(work.export_costs[0]) and work.export_costs[0] > trained
    model = result.model("int8")
    assert result.run.finished and model is not None and model.path.is_file()
    assert model.bicubic_psnr == model.card["evaluation"]["bicubic_psnr"] and model.beats_bicubic is not None
