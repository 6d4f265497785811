"""``sesr upscale`` and ``sesr video`` end to end: exit codes, failure lists, one-line errors, Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sesr_core.cli.main import main
from sesr_core.imaging.image_write import write_image
from tests.runtime_clips import decoded_frames, make_clip


@pytest.fixture
def pictures(tmp_path, shared_data) -> Path:
    folder = tmp_path / "pictures"
    folder.mkdir()
    hr = shared_data / "val" / "Set5" / "HR"
    for name in ("bird.png", "head.png"):
        (folder / name).write_bytes((hr / name).read_bytes())
    return folder


def test_upscale_a_folder_lists_failures_and_exits_non_zero(tiny_models, pictures, tmp_path, capsys):
    (pictures / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    out = tmp_path / "out"
    code = main(["upscale", str(pictures), "-o", str(out), "--model", str(tiny_models.path(2)), "--format", "webp",
                 "--quality", "90", "--threads", "1"])
    captured = capsys.readouterr()
    assert code == 1
    assert sorted(p.name for p in out.iterdir()) == ["bird_x2.webp", "head_x2.webp"]
    assert "2 of 3 images written" in captured.err
    assert f"Cannot read '{pictures / 'broken.jpg'}'" in captured.err and "1 failed" in captured.err
    with Image.open(out / "bird_x2.webp") as image:
        assert image.size == (288 * 2, 288 * 2)


def test_upscale_one_file_to_a_named_output(tiny_models, pictures, tmp_path, capsys):
    target = tmp_path / "big.tif"
    assert main(["upscale", str(pictures / "bird.png"), "-o", str(target), "--model", str(tiny_models.path(4))]) == 0
    with Image.open(target) as image:
        assert image.format == "TIFF" and image.size == (288 * 4, 288 * 4)
    assert main(["upscale", str(pictures / "bird.png"), "-o", str(target), "--model", str(tiny_models.path(4))]) == 1
    assert "already exists" in capsys.readouterr().err


def test_user_errors_are_one_line(tiny_models, pictures, capsys):
    code = main(["upscale", str(pictures), "--model", str(tiny_models.path(4)), "--scale", "2"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.count("\n") == 0 and "is an x4 model, not x2" in err
    code = main(["video", str(pictures / "bird.png"), "--model", str(tiny_models.path(2))])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1 and "bird.png" in err and "still image" in err


def interrupt_when(condition, timeout: float = 30.0) -> threading.Thread:
    """Send SIGINT to this process (as Ctrl-C does) as soon as ``condition()`` holds."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.002)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_ctrl_c_stops_a_batch_at_once_leaving_only_whole_files(tiny_models, tmp_path, capsys):
    rng = np.random.default_rng(0)
    folder, out = tmp_path / "many", tmp_path / "out"
    folder.mkdir()
    for index in range(6):
        write_image(folder / f"p{index}.png", (rng.random((700, 900, 3)) * 255).astype(np.uint8))
    watcher = interrupt_when(lambda: out.is_dir() and any(not p.name.startswith(".") for p in out.iterdir()))
    code = main(["upscale", str(folder), "-o", str(out), "--model", str(tiny_models.path(2))])
    watcher.join()
    assert code == 130 and "stopped" in capsys.readouterr().err
    written = sorted(out.iterdir())
    assert 0 < len(written) < 6 and not any(p.name.startswith(".") for p in written)
    for path in written:
        with Image.open(path) as image:
            image.load()  # complete files only


def test_video_command_and_ctrl_c(tiny_models, tmp_path, capsys):
    clip = make_clip(tmp_path / "clip.mp4", width=320, height=240, frames=48)
    assert main(["video", str(clip), "--model", str(tiny_models.path(2)), "--crf", "30", "--preset",
                 "ultrafast"]) == 0
    assert "48 frames" in capsys.readouterr().out
    assert len(decoded_frames(tmp_path / "clip_x2.mp4")) == 48
    out = tmp_path / "out"
    out.mkdir()
    watcher = interrupt_when(lambda: any(out.iterdir()))
    code = main(["video", str(clip), "-o", str(out / "stopped.mp4"), "--model", str(tiny_models.path(2))])
    watcher.join()
    assert code == 130 and list(out.iterdir()) == []


def test_auto_uses_the_shipped_clean_default_for_a_png_when_no_model_is_named(default_model_path, pictures,
                                                                                 tmp_path, capsys):
    from sesr_core.models.catalog import default_model

    assert main(["upscale", str(pictures / "bird.png"), "-o", str(tmp_path)]) == 0
    err = capsys.readouterr().err  # "wrote .../bird_x2.png  (SESR-M5-x2: lossless PNG: clean model)"
    assert "(auto, x2" in err and f"bird_x2.png  ({default_model(2).name}: lossless PNG: clean model)" in err
    with Image.open(tmp_path / "bird_x2.png") as image:
        assert image.size == (576, 576)
