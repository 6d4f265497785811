"""Requests that cannot work are refused up front with one sentence: thread counts out of range, and inputs or
outputs that are not regular files (a FIFO, a device, a symlink loop)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from sesr_core.cli.main import main
from sesr_core.errors import SesrError
from sesr_core.imaging.image_write import write_image
from sesr_core.runtime.upscaler import Upscaler
from tests.process_tools import finish, sesr
from tests.runtime_clips import make_clip


@pytest.fixture
def picture(tmp_path) -> Path:
    path = tmp_path / "in.png"
    write_image(path, np.random.default_rng(3).integers(0, 256, (24, 32, 3), dtype=np.uint8))
    return path


def one_line(text: str) -> bool:
    """The error is one line (after the command's own "Upscaling ..." header), with no traceback."""
    lines = [line for line in text.strip().splitlines() if not line.startswith("Upscaling ")]
    return len(lines) == 1 and "Traceback" not in text and "internal error" not in text


@pytest.mark.parametrize("threads", ["-3", "0", "100000"])
@pytest.mark.parametrize("command", ["upscale", "video"])
def test_the_cli_refuses_a_thread_count_out_of_range(default_model_path, picture, command, threads, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, str(picture), "--model", str(default_model_path), "--threads", threads])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and one_line(err), err
    assert "--threads" in err and f"from 1 to {max(4, 4 * os.cpu_count())}" in err and threads in err


@pytest.mark.parametrize("threads", [-3, 0, 100000])
def test_the_upscaler_refuses_a_thread_count_out_of_range(default_model_path, threads):
    with pytest.raises(SesrError, match=f"from 1 to .*not {threads}"):
        Upscaler(default_model_path, threads=threads)


def test_a_fifo_named_png_is_refused_at_once(default_model_path, tmp_path):
    fifo = tmp_path / "f.png"
    os.mkfifo(fifo)
    status, out, err = finish(sesr(["upscale", fifo, "--model", default_model_path]))
    assert status == 1, err
    assert f"Cannot read '{fifo}': it is a named pipe (FIFO), not a regular file" in err


def test_a_fifo_named_mp4_is_refused_at_once(default_model_path, tmp_path):
    fifo = tmp_path / "f.mp4"
    os.mkfifo(fifo)
    status, out, err = finish(sesr(["video", fifo, "--model", default_model_path]))
    assert status == 1, err
    assert f"Cannot read '{fifo}': it is a named pipe (FIFO), not a regular file" in err and one_line(err), err


def special_inputs(folder: Path, suffix: str) -> dict[str, Path]:
    """A link to /dev/urandom, a link loop and a link to a missing file, each named like an image or video."""
    urandom, loop, dangling = folder / f"random{suffix}", folder / f"loop{suffix}", folder / f"gone{suffix}"
    urandom.symlink_to("/dev/urandom")
    loop.symlink_to(folder / f"loop2{suffix}")
    (folder / f"loop2{suffix}").symlink_to(loop)
    dangling.symlink_to(folder / f"missing{suffix}")
    return {"a character device": urandom, "a symbolic link loop": loop, "a link to": dangling}


def test_special_image_inputs_are_refused_with_what_they_are(default_model_path, tmp_path, capsys):
    inputs = special_inputs(tmp_path, ".png")
    assert main(["upscale", *map(str, inputs.values()), "--model", str(default_model_path), "-o",
                 str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    for kind, path in inputs.items():
        line = next(line for line in err.splitlines() if f"'{path}'" in line)
        assert kind in line and "internal error" not in line and "empty" not in line, line
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("kind", ["a character device", "a symbolic link loop", "a link to"])
def test_special_video_inputs_are_refused_with_what_they_are(default_model_path, tmp_path, kind, capsys):
    path = special_inputs(tmp_path, ".mp4")[kind]
    assert main(["video", str(path), "--model", str(default_model_path)]) == 1
    err = capsys.readouterr().err
    assert kind in err and f"'{path}'" in err and one_line(err), err


def test_an_output_that_is_a_fifo_is_never_replaced(default_model_path, picture, tmp_path, capsys):
    fifo = tmp_path / "out.png"
    os.mkfifo(fifo)
    assert main(["upscale", str(picture), "-o", str(fifo), "--overwrite", "--model", str(default_model_path)]) == 1
    err = capsys.readouterr().err
    assert f"'{fifo}': it is a named pipe (FIFO), not a regular file" in err
    assert fifo.is_fifo()


def test_a_video_output_that_is_a_fifo_is_never_replaced(default_model_path, tmp_path, capsys):
    clip = make_clip(tmp_path / "c.mp4", frames=3, audio=False)
    fifo = tmp_path / "out.mp4"
    os.mkfifo(fifo)
    assert main(["video", str(clip), "-o", str(fifo), "--overwrite", "--model", str(default_model_path)]) == 1
    assert f"'{fifo}': it is a named pipe (FIFO), not a regular file" in capsys.readouterr().err
    assert fifo.is_fifo()
