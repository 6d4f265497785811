"""Export: fp32 and fully int8 .tflite files with cards; the int8 file matches the fake-quant model."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")

from sesr_core.cli import main  # noqa: E402
from sesr_core.evaluation.pairs import load_eval_pairs  # noqa: E402
from sesr_core.evaluation.protocol import evaluate  # noqa: E402
from sesr_core.models.card import read_card, sha256_of  # noqa: E402
from sesr_core.models.presets import ModelConfig  # noqa: E402
from sesr_core.runtime.engine import open_engine  # noqa: E402
from sesr_core.runtime.litert_engine import LiteRTEngine  # noqa: E402
from sesr_core.runtime.model_graph import analysis_interpreter  # noqa: E402
from sesr_core.runtime.sr_model import SRModel  # noqa: E402
from sesr_core.runtime.tflite_cleanup import without_identity_ops  # noqa: E402
from sesr_core.training._tf import tf  # noqa: E402
from sesr_core.training.calibration import calibration_pairs, representative_patches  # noqa: E402
from sesr_core.training.export_run import _fp32_history, _parent_run_summary, _quantized_model, export_run  # noqa: E402
from sesr_core.training.network import collapsed_from_training  # noqa: E402
from sesr_core.training.range_search import activation_ranges, mean_psnr, refine_activation_ranges  # noqa: E402
from sesr_core.training.run_folder import RunFolder  # noqa: E402
from sesr_core.training.spec import TrainSpec  # noqa: E402
from sesr_core.training.tflite_convert import fp32_converter, int8_converter  # noqa: E402
from sesr_core.training.trainer import train  # noqa: E402
from sesr_core.training.transfer import restore_fp32_model  # noqa: E402

MODEL = ModelConfig(m=2, f=8, p=16, scale=2, activation="relu")


@pytest.fixture(scope="module")
def folders(tmp_path_factory, shared_data):
    train_dir, val_dir = tmp_path_factory.mktemp("train"), tmp_path_factory.mktemp("val")
    for path in sorted((shared_data / "train" / "T91").glob("*.png"))[:8]:
        shutil.copy(path, train_dir)
    for name in ("bird.png", "butterfly.png"):
        shutil.copy(shared_data / "val" / "Set5" / "HR" / name, val_dir)
    return train_dir, val_dir


@pytest.fixture(scope="module")
def qat_run(tmp_path_factory, folders):
    train_dir, val_dir = folders
    run = tmp_path_factory.mktemp("runs") / "qat"
    spec = TrainSpec(model=MODEL, data_dirs=(str(train_dir),), val_dir=str(val_dir), steps=30, qat=True,
                     qat_steps=10, batch_size=8, patch_size=24, learning_rate=2e-3, eval_every=40)
    train(spec, run)
    return run


def op_list(content: bytes) -> list[str]:
    """The operators of a .tflite file as written, in order (no delegate applied)."""
    return [op["op_name"] for op in analysis_interpreter(content)._get_ops_details()]


def op_names(path) -> set[str]:
    """The operators of a .tflite file as written (no delegate applied)."""
    return set(op_list(path.read_bytes()))


def test_int8_file_is_fully_quantised_builtin_and_carded(qat_run, folders):
    path, card = export_run(qat_run, "int8")
    model = SRModel(path)
    assert model.precision == "int8" and model.scale == 2
    ops = op_names(path)
    assert ops <= {"CONV_2D", "DEPTH_TO_SPACE", "ADD", "RELU", "MINIMUM", "MAXIMUM", "RELU_0_TO_1"}, ops
    assert not any("Flex" in op or "CUSTOM" in op for op in ops)
    details = analysis_interpreter(path.read_bytes()).get_input_details()[0]
    assert list(details["shape_signature"]) == [1, -1, -1, 1]
    assert model.input_quant[0] == pytest.approx(1 / 255) and model.input_quant[1] == -128
    # The output is on the image's own 8-bit grid too: int8 value q is grey level q + 128, no second rounding.
    assert model.output_quant[0] == pytest.approx(1 / 255, rel=1e-6) and model.output_quant[1] == -128

    assert read_card(path) == card
    assert card["sha256"] == sha256_of(path)
    assert card["precision"] == "int8" and card["quantization"]["method"] == "qat"
    assert card["quantization"]["output_scale"] == pytest.approx(model.output_quant[0])
    assert card["macs_per_pixel"] == 5 * 5 * 8 + 2 * 9 * 64 + 5 * 5 * 8 * 4
    assert card["training"]["steps"] == 30 and card["training"]["qat_steps"] == 10
    refinement = card["quantization"]["range_refinement"]
    assert refinement["calibration_psnr_after"] >= refinement["calibration_psnr_before"]
    measured = evaluate(model.upscale_y, load_eval_pairs(folders[1], 2), 2)
    assert card["evaluation"]["psnr"] == pytest.approx(measured.mean_psnr, abs=1e-3)


def test_qat_fake_quantises_every_kernel_as_the_int8_file_holds_it(qat_run):
    """Every conv of the QAT model trains with its kernel fake-quantised, and the clip is pinned to [0, 1].

    tfmot hands a Conv2D followed by a separate ReLU layer a no-op config (its LayerReLUQuantize pattern): the
    kernels of the middle blocks then trained in float and met int8 only at export.
    """
    quantized = _quantized_model(RunFolder(qat_run), TrainSpec.load(qat_run), "last")
    convs = [layer for layer in quantized.layers if type(getattr(layer, "layer", None)).__name__ == "Conv2D"]
    assert len(convs) == MODEL.m + 2
    for layer in convs:
        names = {w.name.split("/")[-1].split(":")[0] for w in layer.weights}
        assert {"kernel_min", "kernel_max"} <= names, (layer.name, names)
    clip = quantized.get_layer("quant_clip")
    (quantizer,) = clip.quantize_config.get_output_quantizers(clip.layer)
    assert (quantizer.init_min, quantizer.init_max) == (0.0, 1.0)


def test_range_refinement_narrows_ranges_and_never_loses_calibration_psnr(qat_run):
    spec = TrainSpec.load(qat_run)
    quantized = _quantized_model(RunFolder(qat_run), spec, "last")
    pairs = calibration_pairs(spec, count=3)
    assert all(p.lr.shape[0] <= 128 and p.lr.shape[1] <= 128 for p in pairs)
    ranges = activation_ranges(quantized)
    assert len(ranges) == MODEL.m + 3  # every conv's output and the long residual
    before = {name: (float(lo.numpy()), float(hi.numpy())) for name, (lo, hi) in ranges.items()}
    result = refine_activation_ranges(quantized, pairs, MODEL.scale, factors=(1.0, 0.8, 0.5), passes=1)
    assert result.psnr_after >= result.psnr_before
    assert mean_psnr(quantized, pairs, MODEL.scale) == pytest.approx(result.psnr_after, abs=1e-9)
    for name, (lo, hi) in ranges.items():
        factor = result.factors[name]
        assert factor in (1.0, 0.8, 0.5)
        assert float(hi.numpy()) == pytest.approx(before[name][1] * factor)
        assert float(lo.numpy()) == pytest.approx(before[name][0] * factor)


def fake_quant_as_exported(run, card: dict):
    """The run's fake-quant model with the refined ranges its int8 file carries (the factors its card records)."""
    fake_quant = _quantized_model(RunFolder(run), TrainSpec.load(run), "last")
    for name, (lo, hi) in activation_ranges(fake_quant).items():
        factor = card["quantization"]["range_refinement"]["factors"][name]
        lo.assign(lo * factor)
        hi.assign(hi * factor)
    return fake_quant


def test_int8_file_matches_the_fake_quant_model_within_one_step(qat_run, folders):
    path, card = export_run(qat_run, "int8")
    model = SRModel(path)
    fake_quant = fake_quant_as_exported(qat_run, card)
    lr = load_eval_pairs(folders[1], 2)[0].lr
    expected = fake_quant(lr[None, :, :, None], training=False).numpy()[0, :, :, 0]
    got = model.upscale_y(lr)
    steps = np.rint(np.abs(got - expected) / model.output_quant[0])
    # Integer requantisation rounds where the float simulation does not: a pixel may differ by one output step,
    # and an intermediate off-by-one can rarely add up to more (measured: about 2 pixels in 100,000).
    assert np.mean(steps <= 1) > 0.999
    assert np.mean(steps == 0) > 0.5
    assert steps.max() <= 3


def test_fp32_file_equals_the_collapsed_model(qat_run, folders):
    path, card = export_run(qat_run, "fp32")
    model = SRModel(path)
    assert model.precision == "fp32" and card["quantization"]["method"] == "none"
    keras_model, spec = restore_fp32_model(qat_run)
    collapsed = collapsed_from_training(keras_model, spec.model)
    lr = load_eval_pairs(folders[1], 2)[1].lr
    expected = collapsed(lr[None, :, :, None]).numpy()[0, :, :, 0]
    np.testing.assert_allclose(model.upscale_y(lr), expected, atol=1e-5)


@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_export_drops_the_clip_the_output_grid_already_makes_and_no_output_value_moves(
        qat_run, folders, tmp_path, precision):
    spec = TrainSpec.load(qat_run)
    if precision == "int8":
        converter = int8_converter(_quantized_model(RunFolder(qat_run), spec, "last"),
                                   representative_patches(spec, count=4))
    else:
        fp32_model, _ = restore_fp32_model(qat_run)
        converter = fp32_converter(collapsed_from_training(fp32_model, spec.model))
    raw = converter.convert()
    cleaned, dropped = without_identity_ops(raw)
    # int8: the ADD's own [0, 1] grid clips, so MINIMUM(x, 1) and RELU go; fp32: the RELU after ADD+RELU and MIN goes.
    assert dropped == (["MINIMUM", "RELU"] if precision == "int8" else ["RELU"])
    before, after = op_list(raw), op_list(cleaned)
    assert len(after) == len(before) - len(dropped) and after[-1] == "DEPTH_TO_SPACE"
    assert without_identity_ops(cleaned) == (cleaned, [])
    assert op_list(export_run(qat_run, precision, tmp_path / f"m-{precision}.tflite")[0].read_bytes()) == after
    paths = {}
    for name, content in (("raw", raw), ("cleaned", cleaned)):
        paths[name] = tmp_path / f"{name}.tflite"
        paths[name].write_bytes(content)
    planes = [p.hr for p in load_eval_pairs(folders[1], 2)]
    inputs = [plane.astype(np.float32) if precision == "fp32" else (np.rint(plane * 255) - 128).astype(np.int8)
              for plane in planes]
    openvino_raw, openvino_clean = (open_engine("openvino", paths[n], paths[n].read_bytes(), 2)
                                    for n in ("raw", "cleaned"))
    litert = open_engine("litert", paths["raw"], raw, 2)  # the engine drops them from what it loads
    assert litert.dropped == dropped
    raw_litert = LiteRTEngine(raw, 2, as_written=True)  # every operator as written
    for x in inputs:
        assert np.array_equal(openvino_raw.run(x), openvino_clean.run(x))
        as_written = raw_litert.run(x)
        assert np.array_equal(as_written, LiteRTEngine(cleaned, 2, as_written=True).run(x))
        assert np.array_equal(as_written, litert.run(x))


def test_run_without_qat_exports_int8_by_post_training_quantisation(tmp_path, folders):
    spec = TrainSpec(model=MODEL, data_dirs=(str(folders[0]),), steps=5, batch_size=4, patch_size=16)
    train(spec, tmp_path / "run")
    path, card = export_run(tmp_path / "run", "int8", tmp_path / "ptq.tflite", val_dir=folders[1])
    assert card["quantization"]["method"] == "post-training"
    model = SRModel(path)
    assert model.precision == "int8"
    assert model.input_quant[0] == pytest.approx(1 / 255) and model.input_quant[1] == -128


def test_cli_export_and_eval(qat_run, folders, tmp_path, capsys):
    out = tmp_path / "m.tflite"
    assert main(["export", str(qat_run), "--int8", "-o", str(out), "--val", str(folders[1])]) == 0
    assert out.is_file() and out.with_suffix(".json").is_file()
    capsys.readouterr()
    assert main(["eval", "--model", str(out), "--scale", "2", "--hr", str(folders[1]), "--json"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert from_file["mean_psnr"] == pytest.approx(read_card(out)["evaluation"]["psnr"], abs=1e-3)
    assert main(["eval", "--model", str(qat_run), "--scale", "2", "--hr", str(folders[1]), "--json"]) == 0
    from_checkpoint = json.loads(capsys.readouterr().out)
    assert [i["name"] for i in from_checkpoint["images"]] == ["bird", "butterfly"]
    assert main(["eval", "--model", str(out), "--scale", "4", "--hr", str(folders[1])]) == 1
    assert "x2 model, not x4" in capsys.readouterr().err


def test_qat_ends_with_refined_ranges_frozen(qat_run):
    """The default QAT spends its last quarter (here 2 of 10 steps) with refined ranges that no longer move."""
    spec = TrainSpec.load(qat_run)
    assert spec.frozen_range_steps == 2
    assert RunFolder(qat_run).read_state().qat_ranges_refined is True
    assert "frozen for the last 2 steps" in (qat_run / "train.log").read_text()
    folder = RunFolder(qat_run).checkpoints("qat")

    def ranges(step: int) -> dict[str, float]:
        reader = tf.train.load_checkpoint(str(folder / f"ckpt-{step}"))
        keys = [k for k in reader.get_variable_to_shape_map()
                if k.startswith("model/") and ("activation_m" in k or "output_m" in k) and "OPTIMIZER" not in k]
        assert len(keys) == 2 * (MODEL.m + 3), keys
        return {k: float(reader.get_tensor(k)) for k in keys}

    freeze_at, end = spec.total_steps - 2, spec.total_steps
    assert ranges(freeze_at) == ranges(end)
    assert ranges(spec.steps) != ranges(freeze_at)  # before the freeze the moving averages moved


def test_card_of_a_run_started_from_another_records_the_parent(qat_run, folders, tmp_path):
    train_dir, val_dir = folders
    spec = TrainSpec(model=MODEL, data_dirs=(str(train_dir),), val_dir=str(val_dir), steps=0, qat=True,
                     qat_steps=4, batch_size=8, patch_size=24, init_from=str(qat_run), eval_every=40)
    train(spec, tmp_path / "child")
    _, card = export_run(tmp_path / "child", "int8")
    parent = card["training"]["parent_run"]
    assert parent["name"] == qat_run.name and parent["model"] == MODEL.name
    assert parent["steps"] == 30 and parent["wall_time_seconds"] > 0
    assert card["training"]["qat_steps"] == 4 and card["training"]["steps"] == 0
    # A run started from the QAT-only child takes fp32 weights that 30 steps of the grandparent made
    grandchild = _parent_run_summary(spec.with_changes(init_from=str(tmp_path / "child")))
    assert grandchild["name"] == "child" and grandchild["steps"] == 30
    assert grandchild["wall_time_seconds"] == parent["wall_time_seconds"]


def test_a_record_retrained_from_itself_counts_its_parent_runs_steps(qat_run, tmp_path):
    """A shipped record re-made by a QAT-only run started from it names itself as ``init_from``; its fp32 history
    is then the one kept in ``parent-run/``, not a loop over itself."""
    record = tmp_path / "SESR-T"
    shutil.copytree(qat_run, record / "parent-run", ignore=shutil.ignore_patterns("checkpoints", "models", "best"))
    TrainSpec.load(qat_run).with_changes(steps=0, qat_steps=4, init_from=str(record)).save(record)
    (record / "state.json").write_text(json.dumps({"step": 34, "elapsed_seconds": 9.0}))
    parent = _parent_run_summary(TrainSpec.load(qat_run).with_changes(init_from=str(record)))
    assert parent["steps"] == 30
    assert parent["wall_time_seconds"] == pytest.approx(RunFolder(qat_run).read_state().elapsed_seconds, abs=0.1)


def residual_quant(path) -> tuple[float, int]:
    """(scale, zero point) of the int8 residual the file adds to its input: the output block's output."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
    adds = [op for op in interpreter._get_ops_details() if op["op_name"] == "ADD"]
    scale, zero = tensors[adds[-1]["inputs"][0]]["quantization"]
    return float(scale), int(zero)


def test_residual_grid_puts_the_residual_on_whole_grey_levels(qat_run, folders, tmp_path):
    """With --qat-residual-grid the output block's int8 step is one grey level (zero at 0): input, residual and
    output share one grid, so the global residual's sum is exact. Its range is not refined (nothing to learn)."""
    spec = TrainSpec(model=MODEL, data_dirs=(str(folders[0]),), val_dir=str(folders[1]), steps=0, qat=True,
                     qat_steps=8, qat_residual_grid=True, batch_size=8, patch_size=24, eval_every=40,
                     init_from=str(qat_run))
    train(spec, tmp_path / "grid")
    path, card = export_run(tmp_path / "grid", "int8")
    assert residual_quant(path) == (pytest.approx(1 / 255, rel=1e-6), 0)
    assert not any("output_block" in name for name in card["quantization"]["range_refinement"]["factors"])
    learnt = residual_quant(export_run(qat_run, "int8", tmp_path / "learnt.tflite")[0])
    assert learnt[0] != pytest.approx(1 / 255, rel=1e-3)  # without the flag the range is learnt
    model = SRModel(path)
    lr = load_eval_pairs(folders[1], 2)[0].lr
    fake_quant = fake_quant_as_exported(tmp_path / "grid", card)
    expected = fake_quant(lr[None, :, :, None], training=False).numpy()[0, :, :, 0]
    steps = np.rint(np.abs(model.upscale_y(lr) - expected) / model.output_quant[0])
    assert np.mean(steps <= 1) > 0.999 and steps.max() <= 3


def test_every_shipped_record_counts_the_fp32_steps_its_card_states():
    """A run started from a shipped record inherits the record's fp32 history: the chain of ``parent-run/`` copies
    must add up to what the model's card says (its own fp32 steps plus its parent's), also for records re-made in
    place whose ``init_from`` names themselves."""
    from sesr_core.models.catalog import list_models

    shipped = [e for e in list_models() if e.shipped and e.precision == "int8"]
    records = [(e, e.path.parent / "records" / e.name) for e in shipped]
    records = [(e, r) for e, r in records if (r / "spec.json").is_file()]
    if not records:
        pytest.skip("no shipped training records in resources/models/records")
    for entry, record in records:
        training = entry.card["training"]
        parent = training.get("parent_run") or {}
        steps, _ = _fp32_history(record)
        assert steps == training["steps"] + parent.get("steps", 0), entry.name


def test_no_shipped_model_holds_an_operator_that_cannot_change_its_output():
    from sesr_core.models.catalog import shipped_models_dir

    files = sorted(shipped_models_dir().glob("*.tflite"))
    assert len(files) >= 12
    for path in files:
        assert without_identity_ops(path.read_bytes())[1] == [], path.name
        assert "MINIMUM" not in op_list(path.read_bytes()) or "fp32" in path.name, path.name
