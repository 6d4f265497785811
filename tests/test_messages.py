"""Each message a user sees says what actually happened (issue 14, defect 7): the model's scale, memory, a full
disk, the real output name, a file where a folder should be, decompression bombs, animated images, no library
warnings (no TensorFlow noise: tests/test_stop_signals.py)."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sesr_core.cli.main import main
from sesr_core.imaging.image_write import write_image
from tests.disk_tools import FILLER, fill, tmpfs
from tests.process_tools import finish, sesr, tiny_train_args
from tests.runtime_clips import make_clip


@pytest.fixture
def picture(tmp_path) -> Path:
    path = tmp_path / "in.png"
    write_image(path, np.random.default_rng(3).integers(0, 256, (40, 48, 3), dtype=np.uint8))
    return path


def last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else ""


def test_a_model_of_the_other_scale_is_named_as_such(picture, capsys):
    assert main(["upscale", str(picture), "--scale", "4", "--model", "SESR-M5-x2"]) == 1
    err = capsys.readouterr().err
    assert "'SESR-M5-x2' is an x2 model" in err and "--scale 2" in err and "neither" not in err


def test_a_full_disk_under_a_tiff_says_the_disk_is_full(default_model_path, picture, tmp_path, capfd):
    disk = tmp_path / "disk"
    with tmpfs(disk, 64) as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here (the fault suite covers full disks with a write wrapper)")
        fill(disk)
        (disk / FILLER).unlink()  # room for a small file but not for the TIFF
        (disk / "pad").write_bytes(b"\0" * (60 * 1024))
        status = main(["upscale", str(picture), "-o", str(disk / "out.tif"), "--model", str(default_model_path)])
        err = capfd.readouterr().err
        assert status == 1 and "the disk is full" in err, err
        assert "TIFF" not in err.replace(".tif", "") and "refused" not in err
        assert sorted(p.name for p in disk.iterdir()) == ["pad"]


def test_a_video_output_with_a_bad_suffix_names_the_output_not_the_temp_file(default_model_path, tmp_path, capsys):
    clip = make_clip(tmp_path / "c.mp4", frames=3, audio=False)
    target = tmp_path / "vout" / "x.txt"
    target.parent.mkdir()
    assert main(["video", str(clip), "-o", str(target), "--model", str(default_model_path)]) == 1
    err = last_line(capsys.readouterr().err)
    assert f"'{target}'" in err and "partial" not in err and ".x." not in err, err
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize("command", ["video", "upscale"])
def test_a_file_where_the_output_folder_should_be_is_called_a_file(default_model_path, picture, tmp_path, command,
                                                                    capsys):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    source = make_clip(tmp_path / "c.mp4", frames=3, audio=False) if command == "video" else picture
    name = "x.mp4" if command == "video" else "x.png"
    assert main([command, str(source), "-o", str(afile / name), "--model", str(default_model_path)]) == 1
    err = last_line(capsys.readouterr().err)
    assert f"'{afile}' is a file, not a folder" in err and "does not exist" not in err, err


@pytest.mark.parametrize("flag", ["--hr", "--lr"])
def test_a_file_given_as_an_evaluation_folder_is_called_a_file(shared_data, tmp_path, flag, capsys):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    folders = {"--hr": str(shared_data / "val" / "Set5" / "HR"), "--lr": None, flag: str(afile)}
    args = [item for name, value in folders.items() if value for item in (name, value)]
    assert main(["eval", "--model", "bicubic", "--scale", "2", *args]) == 1
    err = last_line(capsys.readouterr().err)
    assert f"'{afile}' is a file, not a folder" in err and "does not exist" not in err, err


def test_a_training_run_folder_inside_a_file_is_called_a_file(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    images = tmp_path / "images"
    images.mkdir()
    write_image(images / "a.png", np.zeros((64, 64, 3), np.uint8))
    assert main(tiny_train_args(images, afile / "run", steps=1)) == 1
    err = last_line(capsys.readouterr().err)
    assert f"'{afile}' is a file, not a folder" in err and "internal" not in err and "Training failed" not in err


def png_with_ztxt_bomb(path: Path) -> Path:
    """A 16x16 PNG whose zTXt chunk inflates to 64 MB (a decompression bomb in the metadata)."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, "PNG")
    data = buffer.getvalue()
    chunk = b"zTXt" + b"Comment\0\0" + zlib.compress(b"\0" * (64 << 20), 9)
    packed = struct.pack(">I", len(chunk) - 4) + chunk + struct.pack(">I", zlib.crc32(chunk) & 0xFFFFFFFF)
    path.write_bytes(data[:33] + packed + data[33:])
    return path


def test_a_ztxt_bomb_is_called_a_decompression_bomb(default_model_path, tmp_path, capsys):
    bomb = png_with_ztxt_bomb(tmp_path / "bomb.png")
    assert main(["upscale", str(bomb), "--model", str(default_model_path)]) == 1
    err = last_line(capsys.readouterr().err)
    assert "decompression bomb" in err and "truncated" not in err, err


def test_an_animated_gif_says_only_its_first_frame_is_upscaled(default_model_path, tmp_path, capsys):
    frames = [Image.new("RGB", (16, 12), (i * 60, 10, 10)) for i in range(3)]
    gif = tmp_path / "anim.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:])
    assert main(["upscale", str(gif), "--model", str(default_model_path)]) == 0
    err = capsys.readouterr().err
    assert f"'{gif}' has 3 frames; only the first" in err


def test_a_jpeg_with_damaged_exif_leaks_no_library_warning(default_model_path, tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "Camera"
    jpeg = tmp_path / "bad_exif.jpg"
    Image.new("RGB", (16, 16), (90, 20, 20)).save(jpeg, exif=b"Exif\0\0" + exif.tobytes()[:20] + b"\0\0")
    status, _out, err = finish(sesr(["upscale", jpeg, "--model", default_model_path]))
    assert status == 0, err
    assert "Warning" not in err and "warnings.warn" not in err, err


_OUT_OF_MEMORY_DRIVER = """
import re, resource, sys
from sesr_core.cli.main import main
from sesr_core.runtime.upscaler import Upscaler

Upscaler(sys.argv[1], threads=1).upscale_array(__import__("numpy").zeros((64, 64), "uint8"))  # load everything
size = int(re.search(r"VmSize:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) * 1024
resource.setrlimit(resource.RLIMIT_AS, (size + (96 << 20), resource.RLIM_INFINITY))
sys.exit(main(["upscale", sys.argv[2], "-o", sys.argv[3], "--model", sys.argv[1], "--threads", "1"]))
"""


def test_running_out_of_memory_in_the_network_says_memory(default_model_path, tmp_path):
    big = tmp_path / "big.png"
    write_image(big, np.random.default_rng(0).integers(0, 256, (1200, 1600), dtype=np.uint8))
    child = subprocess.Popen([sys.executable, "-c", _OUT_OF_MEMORY_DRIVER, str(default_model_path), str(big),
                              str(tmp_path / "out.png")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    status, _out, err = finish(child)
    assert status == 1, err
    assert "memory" in err and "internal error" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.png"]
