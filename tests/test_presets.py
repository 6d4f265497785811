"""Cost arithmetic of the presets against the paper, and ``sesr info``."""

from __future__ import annotations

import json

import pytest

from sesr_core.cli import main
from sesr_core.models.presets import PRESETS, collapsed_params, expanded_params, macs_per_pixel, preset_config

PAPER_MACS_X2 = {"M3": 8_912, "M5": 13_520, "M7": 18_128, "M11": 27_344, "XL": 105_376}


@pytest.mark.parametrize("name", PRESETS)
def test_macs_per_pixel_match_the_paper(name):
    assert macs_per_pixel(preset_config(name, 2)) == PAPER_MACS_X2[name]


def test_x4_output_block_has_sixteen_channels():
    assert macs_per_pixel(preset_config("M5", 4)) - macs_per_pixel(preset_config("M5", 2)) == 5 * 5 * 16 * 12


@pytest.mark.parametrize("name", ["M3", "M5", "XL"])
@pytest.mark.parametrize("activation", ["prelu", "relu"])
def test_parameter_counts_match_the_keras_models(name, activation):
    pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")
    from sesr_core.training.network import build_collapsed_model, build_training_model

    config = preset_config(name, 2, activation)
    assert build_collapsed_model(config).count_params() == collapsed_params(config)
    assert build_training_model(config).count_params() == expanded_params(config)


def test_info_prints_the_costs(capsys):
    assert main(["info", "M5", "--scale", "2"]) == 0
    out = capsys.readouterr().out
    assert "13,520" in out and "SESR-M5-x2" in out
    assert "1080p -> 4K" in out and "28.04" in out  # 13,520 MACs x 1920 x 1080


def test_info_json_and_custom():
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["info", "custom", "-m", "2", "-f", "8", "-p", "16", "--json"]) == 0
    info = json.loads(buffer.getvalue())
    assert info["macs_per_pixel"] == 5 * 5 * 8 + 2 * 9 * 8 * 8 + 5 * 5 * 8 * 4


def test_info_rejects_unknown_preset(capsys):
    assert main(["info", "M9"]) == 1
    assert "Unknown preset 'M9'" in capsys.readouterr().err
