"""The model side of the runtime on real exported SESR models: loading, refusals, receptive field, luma path."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from sesr_core.errors import ModelError
from sesr_core.evaluation.pairs import y_channel
from sesr_core.models.catalog import shipped_models_dir
from sesr_core.runtime.luma import LumaNetwork, upscale_bicubic
from sesr_core.runtime.model_graph import macs_per_input_pixel, receptive_radius
from sesr_core.runtime.sr_model import SRModel
from sesr_core.runtime.upscaler import Upscaler


@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("precision", ["int8", "fp32"])
def test_receptive_field_comes_from_the_graph(tiny_models, scale, precision):
    model = SRModel(tiny_models.path(scale, precision))
    assert model.scale == scale and model.precision == precision
    assert receptive_radius(model.path.read_bytes()) == 2 + 1 + 2  # 5x5, one 3x3 block (m=1), 5x5
    assert model.receptive_radius == 5


def test_a_file_that_is_not_a_model_is_refused_with_one_sentence(tmp_path):
    for name, content in (("text.tflite", b"not a model at all\n"), ("noise.tflite", bytes(range(256)) * 40)):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ModelError) as info:
            Upscaler(path)
        message = str(info.value)
        assert str(path) in message and message.count(".") >= 1 and "\n" not in message
    with pytest.raises(ModelError, match="neither a model file nor a known model name"):
        Upscaler(tmp_path / "missing.tflite")


def test_a_model_of_the_wrong_scale_is_refused(tiny_models):
    with pytest.raises(ModelError, match=r"is an x4 model, not x2"):
        Upscaler(tiny_models.path(4), scale=2)
    assert Upscaler(tiny_models.path(4)).scale == 4


def test_models_are_found_by_catalog_name(tiny_models, tmp_path, monkeypatch):
    monkeypatch.setenv("SESR_STUDIO_HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    for suffix in (".tflite", ".json"):
        shutil.copy(tiny_models.path(4).with_suffix(suffix), tmp_path / "models")
    upscaler = Upscaler("tiny-x4-int8", scale=4)
    assert upscaler.scale == 4 and upscaler.name == "tiny-x4-int8"
    with pytest.raises(ModelError, match="known models: .*tiny-x4-int8"):
        Upscaler("no-such-model")
    if not (shipped_models_dir() / "defaults.txt").is_file():
        with pytest.raises(ModelError, match="No default x2 model"):
            Upscaler(scale=2)


def test_the_shipped_default_model_beats_bicubic(default_model_path, shared_data):
    from sesr_core.evaluation.metrics import psnr
    from sesr_core.evaluation.pairs import load_eval_pairs

    upscaler = Upscaler(default_model_path, scale=2)
    pair = load_eval_pairs(shared_data / "val" / "Set5" / "HR", 2)[0]
    sr = upscaler.luma.upscale_float(pair.lr * 255.0) / 255.0
    bicubic = upscale_bicubic(pair.lr, 2)
    assert psnr(sr, pair.hr, 2, 1.0) > psnr(bicubic, pair.hr, 2, 1.0) + 1.0  # Set5 x2: SESR gains 3+ dB


def test_int8_luma_adds_back_what_the_input_quantiser_drops(tiny_models):
    luma = LumaNetwork(SRModel(tiny_models.path(2)))
    assert luma.model.input_quant[0] == pytest.approx(1 / 255) and luma.model.input_quant[1] == -128
    _, residual = luma.tables_for(1.0, 0.0)
    assert residual is None  # an 8-bit plane maps one to one onto the int8 input: nothing to add back
    # A finer-than-8-bit plane (16-bit images) loses up to half a step to the quantiser; the residual restores it.
    whole, fraction = np.full((12, 12), 100.0, np.float32), np.full((12, 12), 100.4, np.float32)
    difference = luma.upscale_float(fraction) - luma.upscale_float(whole)
    np.testing.assert_allclose(difference, 0.4, atol=1e-3)


def test_int8_and_fp32_twins_agree_on_a_real_image(tiny_models, shared_data):
    from sesr_core.imaging.image_read import read_image

    y = y_channel(read_image(shared_data / "val" / "Set5" / "HR" / "baby.png").pixels)[:96, :96] * 255.0
    int8 = LumaNetwork(SRModel(tiny_models.path(2, "int8"))).upscale_float(y)
    fp32 = LumaNetwork(SRModel(tiny_models.path(2, "fp32"))).upscale_float(y)
    assert int8.shape == fp32.shape == (192, 192)
    mse = float(np.mean((int8 - fp32) ** 2))
    assert 10 * np.log10(255.0**2 / mse) > 30  # the int8 model has 10 more (QAT) steps: close, not equal


def test_eight_bit_planes_take_the_lookup_table_path_consistently(tiny_models):
    luma = LumaNetwork(SRModel(tiny_models.path(2)))
    plane = (np.arange(40 * 56).reshape(40, 56) % 220 + 16).astype(np.uint8)
    via_tables = luma.upscale_u8(plane)
    via_float = np.clip(np.rint(luma.upscale_float(plane.astype(np.float32))), 0, 255).astype(np.uint8)
    assert via_tables.dtype == np.uint8 and via_tables.shape == (80, 112)
    assert np.abs(via_tables.astype(int) - via_float).max() <= 1


def test_strips_of_a_plane_give_exactly_the_whole_plane(tiny_models):
    plane = (np.random.default_rng(2).random((70, 90)) * 219 + 16).astype(np.uint8)
    for precision in ("int8", "fp32"):
        luma = LumaNetwork(SRModel(tiny_models.path(4, precision)))
        whole = luma.upscale_u8(plane)
        luma.tile_pixels = 90 * 21  # strips of 11 rows of core: 7 of them
        assert np.array_equal(luma.upscale_u8(plane), whole)
        assert macs_per_input_pixel(luma.model.path.read_bytes()) == luma.model.card["macs_per_pixel"]


def test_an_exact_input_quantiser_takes_the_pure_lookup_path(tiny_models):
    luma = LumaNetwork(SRModel(tiny_models.path(2)))
    luma._in_gain, luma._in_offset, luma._in_step = 1.0, 0.0, 1.0  # as a model exported with input step 1/255
    model_input, residual = luma.tables_for(1.0, 0.0)
    assert residual is None
    plane = (np.random.default_rng(3).random((30, 40)) * 219 + 16).astype(np.uint8)
    fast = luma.upscale_u8(plane)
    raw = luma.run(model_input[plane].view(np.int8)).astype(np.float64)
    slow = np.clip(np.rint(raw * luma.output_gain + luma.output_offset), 0, 255)
    assert np.array_equal(fast, slow)
