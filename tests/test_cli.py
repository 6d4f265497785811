"""The ``sesr`` CLI: the evaluation protocol, and user errors as one sentence with a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sesr_core.cli import main

BICUBIC_SET5 = {2: 33.66, 4: 28.42}


@pytest.mark.parametrize("scale", [2, 4])
def test_bicubic_on_set5_matches_the_published_baseline(shared_data, scale, capsys):
    set5 = shared_data / "val" / "Set5"
    argv = ["eval", "--model", "bicubic", "--scale", str(scale), "--hr", str(set5 / "HR"), "--json"]
    assert main(argv + ["--lr", str(set5 / "LR_bicubic" / f"X{scale}")]) == 0
    with_matlab_lr = json.loads(capsys.readouterr().out)
    assert with_matlab_lr["mean_psnr"] == pytest.approx(BICUBIC_SET5[scale], abs=0.02)
    assert len(with_matlab_lr["images"]) == 5
    assert main(argv) == 0  # LR made by our own bicubic: the same images, so the same numbers
    assert json.loads(capsys.readouterr().out)["mean_psnr"] == pytest.approx(with_matlab_lr["mean_psnr"], abs=1e-6)


def test_eval_prints_a_table(shared_data, capsys):
    assert main(["eval", "--model", "bicubic", "--scale", "2", "--hr", str(shared_data / "val" / "Set5" / "HR")]) == 0
    out = capsys.readouterr().out
    assert "butterfly" in out and out.strip().splitlines()[-1].startswith("mean")


@pytest.mark.parametrize("argv, message", [
    (["eval", "--model", "bicubic", "--scale", "2", "--hr", "/no/such/folder"], "'/no/such/folder' does not exist"),
    (["eval", "--model", "nomodel", "--scale", "2", "--hr", "."], "neither a model file nor a known model name"),
    (["export", "/no/such/run", "--int8"], "not a training run folder"),
    (["train", "--data", "/no/such/images", "--steps", "1", "--out", "/tmp/sesr-unused-run"],
     "'/no/such/images' does not exist"),
    (["train", "--out", "/tmp/sesr-unused-run"], "--data DIR"),
])
def test_user_errors_are_one_sentence(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_wrong_arguments_exit_non_zero_without_traceback():
    result = subprocess.run([sys.executable, "-m", "sesr_core.cli", "eval", "--scale", "3"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "--help" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_every_command_has_help():
    for command in ("info", "train", "export", "eval", "models"):
        result = subprocess.run([sys.executable, "-m", "sesr_core.cli", command, "--help"], capture_output=True,
                                text=True)
        assert result.returncode == 0 and "usage: sesr " + command in result.stdout


@pytest.mark.parametrize(("flags", "expected"), [
    (["--scale", "2", "--qat"], True),  # measured at x2: the residual on the image grid is the default
    (["--scale", "4", "--qat"], False),  # x4 residuals reach past the +-0.5 the grid holds
    (["--scale", "2", "--qat", "--no-qat-residual-grid"], False),
    (["--scale", "4", "--qat", "--qat-residual-grid"], True),
    (["--scale", "2"], False),
])
def test_train_pins_the_int8_residual_to_the_grid_by_default_at_x2(flags, expected, tmp_path):
    from sesr_core.cli.main import build_parser
    from sesr_core.cli.train_cmd import spec_from_args
    from sesr_core.training.spec import TrainSpec

    args = build_parser().parse_args(["train", "--data", str(tmp_path), "--out", str(tmp_path / "run"), *flags])
    spec = spec_from_args(args)
    assert spec.qat_residual_grid is expected
    spec.save(tmp_path)
    saved = json.loads((tmp_path / "spec.json").read_text())
    assert saved.pop("qat_residual_grid") is expected
    (tmp_path / "spec.json").write_text(json.dumps(saved))  # a spec written before the option existed
    assert TrainSpec.load(tmp_path).qat_residual_grid is False
