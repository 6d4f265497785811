"""SIGTERM and SIGHUP stop every long ``sesr`` job as Ctrl-C does: no partial file, a resumable checkpoint for
training, exit status 128 + the signal's number."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import numpy as np
import pytest

from sesr_core.imaging.image_read import read_image
from sesr_core.imaging.image_write import write_image
from tests.process_tools import (
    finish,
    handles,
    has_hidden_file,
    hidden_files,
    history_steps,
    sesr,
    tiny_train_args,
    wait_until,
)
from tests.runtime_clips import make_clip


@pytest.fixture(scope="module")
def noisy_image(tmp_path_factory) -> Path:
    """A noise image whose x2 PNG takes long enough to encode for a signal to land during the write."""
    path = tmp_path_factory.mktemp("signals") / "big.png"
    write_image(path, np.random.default_rng(1).integers(0, 256, (900, 1200, 3), dtype=np.uint8))
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("signals") / "in.mp4", width=320, height=240, frames=150)


@pytest.fixture(scope="module")
def train_images(tmp_path_factory, shared_data) -> Path:
    folder = tmp_path_factory.mktemp("t91")
    for path in sorted((shared_data / "train" / "T91").glob("*.png"))[:4]:
        shutil.copy(path, folder)
    return folder


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_the_image_write_leaves_no_partial_file(default_model_path, noisy_image, tmp_path, signum):
    out = tmp_path / "out"
    child = sesr(["upscale", noisy_image, "-o", out, "--model", default_model_path])
    wait_until(has_hidden_file(out), child, "the encoder started writing")
    child.send_signal(signum)
    status, _out, err = finish(child)
    assert status == 128 + signum, err
    assert list(out.iterdir()) == [], hidden_files(out)
    assert "stopped" in err and "Traceback" not in err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_a_video_leaves_no_partial_file(default_model_path, clip, tmp_path, signum):
    out = tmp_path / "v"
    out.mkdir()
    child = sesr(["video", clip, "-o", out / "out.mp4", "--model", default_model_path])
    wait_until(has_hidden_file(out), child, "the partial output appeared")
    child.send_signal(signum)
    status, _out, err = finish(child)
    assert status == 128 + signum, err
    assert list(out.iterdir()) == [], hidden_files(out)


def test_sigterm_stops_an_evaluation(default_model_path, shared_data):
    hr = shared_data / "train" / "BSD200"  # 200 images: long enough to be stopped in the middle
    child = sesr(["eval", "--model", default_model_path, "--scale", "2", "--hr", hr])
    wait_until(handles(child, signal.SIGTERM), child, "the stop handler was installed")
    child.send_signal(signal.SIGTERM)
    status, out, err = finish(child)
    assert status == 143 and "stopped by SIGTERM" in err and out == "", err


def test_sigterm_checkpoints_training_where_the_history_ends_and_it_resumes(train_images, tmp_path):
    run = tmp_path / "run"
    child = sesr(tiny_train_args(train_images, run, steps=100000))
    wait_until(lambda: any(step >= 20 for step in history_steps(run)), child, "step 20 was logged")
    child.send_signal(signal.SIGTERM)
    status, out, err = finish(child)
    assert status == 143, err
    noise = [line for line in err.splitlines() if any(word in line for word in (
        "absl", "cuda", "oneDNN", "cuInit", "I0000", "E0000", "W0000", "TF_ENABLE"))]
    assert noise == [], "TensorFlow's start-up noise reached the user:\n" + "\n".join(noise)
    state = json.loads((run / "state.json").read_text())
    assert f"Stopped at step {state['step']};" in (run / "train.log").read_text()
    assert state["step"] >= history_steps(run)[-1] >= 20
    assert (run / "checkpoints" / "fp32" / f"ckpt-{state['step']}.index").is_file()
    assert f"sesr train --resume {run}" in out
    assert hidden_files(run) == []

    status, _out, err = finish(sesr(["train", "--resume", run, "--steps", "9"]))
    assert status == 1 and f"it is already at step {state['step']}; give --steps {state['step']} or more" in err
    resumed = sesr(["train", "--resume", run, "--steps", str(state["step"] + 5), "--no-export"])
    status, out, err = finish(resumed)
    assert status == 0, err
    assert f"optimiser step {state['step']})" in (run / "train.log").read_text()
    final = json.loads((run / "state.json").read_text())
    assert final["finished"] and final["step"] == state["step"] + 5


_APP_DRIVER = """
import sys
from PySide6.QtCore import QTimer
from app import window
from app.main import main

show = window.MainWindow.show
def show_and_start(self):
    show(self)
    QTimer.singleShot(300, self.upscale.start)
window.MainWindow.show = show_and_start
sys.exit(main(sys.argv[1:]))
"""


def test_sigterm_to_the_app_cancels_its_job_and_quits(default_model_path, noisy_image, tmp_path):
    pytest.importorskip("PySide6")
    import subprocess
    import sys

    folder = tmp_path / "pictures"
    folder.mkdir()
    image = shutil.copy(noisy_image, folder / "big.png")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SESR_STUDIO_HOME": str(tmp_path / "home"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    child = subprocess.Popen([sys.executable, "-c", _APP_DRIVER, str(image)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    wait_until(has_hidden_file(folder), child, "the app's job started writing")
    child.send_signal(signal.SIGTERM)
    status, _out, err = finish(child)
    assert status == 143, err
    assert hidden_files(folder) == []
    written = folder / "big_x2.png"
    if written.exists():  # the cancel came after the last check inside the write: the file is whole
        assert read_image(written).pixels.shape == (1800, 2400, 3)
