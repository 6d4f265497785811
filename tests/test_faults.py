"""Fault injection: a full disk, a read-only output, SIGTERM and SIGKILL at random points of image, video and
training jobs, and a corpus of damaged images and videos made here. docs/RELIABILITY.md states what each guarantees.

The random points come from ``SESR_FAULT_SEED`` (default 14, so CI is reproducible; set another to explore). A
delay before a signal is only a way to pick a point in the job; nothing here asserts how long anything takes.
"""

from __future__ import annotations

import errno
import io
import json
import os
import random
import shutil
import signal
import struct
import time
import zlib
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from sesr_core.errors import SesrError
from sesr_core.imaging.image_read import read_image
from sesr_core.imaging.image_write import write_image
from sesr_core.runtime.upscaler import Upscaler
from tests.disk_tools import FILLER, failing_syncs, fill, tmpfs
from tests.process_tools import (
    finish,
    has_hidden_file,
    hidden_files,
    history_steps,
    sesr,
    tiny_train_args,
    wait_until,
)
from tests.runtime_clips import make_clip

SEED = int(os.environ.get("SESR_FAULT_SEED", "14"))


def one_sentence(message: str, path: Path) -> bool:
    return f"'{path}" in message and "\n" not in message and message.endswith(".") and "internal error" not in message


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".") and p.name != FILLER)


@pytest.fixture(scope="module")
def x2(default_model_path) -> Upscaler:
    return Upscaler(default_model_path)


@pytest.fixture(scope="module")
def picture(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "photo.png"
    write_image(path, np.random.default_rng(2).integers(0, 256, (450, 600, 3), dtype=np.uint8))
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return make_clip(tmp_path_factory.mktemp("faults") / "clip.mp4", width=320, height=240, frames=60)


# ------------------------------------------------------------------------------------------- full / read-only disk


def test_a_full_disk_fails_the_image_with_one_sentence_and_leaves_nothing(x2, picture, tmp_path, monkeypatch):
    disk = tmp_path / "disk"
    with tmpfs(disk, 256) as mounted:
        if mounted:
            fill(disk)
        else:
            failing_syncs(monkeypatch, errno.ENOSPC)
        result = x2.upscale_files([picture], disk)
        (_source, reason), = result.failed
        assert "the disk is full" in reason and one_sentence(reason, disk / "photo_x2.png"), reason
        assert visible(disk) == [] and hidden_files(disk) == []


def test_a_full_disk_fails_the_video_with_one_sentence_and_leaves_nothing(x2, clip, tmp_path):
    disk = tmp_path / "disk"
    with tmpfs(disk, 256) as mounted:
        if not mounted:
            pytest.skip("needs a tmpfs mount (FFmpeg writes through its own file handle, which no wrapper reaches)")
        fill(disk)
        (disk / FILLER).unlink()
        (disk / "pad").write_bytes(b"\0" * (200 << 10))  # room for the header, not for the frames
        with pytest.raises(SesrError) as failure:
            x2.upscale_video(clip, disk / "out.mp4")
        assert "the disk is full" in str(failure.value) and one_sentence(str(failure.value), disk / "out.mp4")
        assert visible(disk) == ["pad"] and hidden_files(disk) == []


def test_a_read_only_output_is_refused_with_one_sentence(x2, picture, clip, tmp_path, monkeypatch):
    disk = tmp_path / "ro"
    with tmpfs(disk, 64, read_only=True) as mounted:
        if not mounted:
            failing_syncs(monkeypatch, errno.EROFS)
        result = x2.upscale_files([picture], disk)
        (_source, reason), = result.failed
        assert "read-only" in reason and one_sentence(reason, disk / "photo_x2.png"), reason
        if mounted:
            with pytest.raises(SesrError, match="read-only") as failure:
                x2.upscale_video(clip, disk / "out.mp4")
            assert one_sentence(str(failure.value), disk / "out.mp4")
        assert visible(disk) == [] and hidden_files(disk) == []


@pytest.fixture(scope="module")
def train_images(tmp_path_factory, shared_data) -> Path:
    folder = tmp_path_factory.mktemp("t91")
    for path in sorted((shared_data / "train" / "T91").glob("*.png"))[:4]:
        shutil.copy(path, folder)
    return folder


def latest_checkpoint_step(run: Path) -> int:
    text = (run / "checkpoints" / "fp32" / "checkpoint").read_text()
    return int(text.split('model_checkpoint_path: "ckpt-')[1].split('"')[0])


def test_a_disk_that_fills_up_during_training_says_so_and_keeps_the_last_checkpoint(train_images, tmp_path):
    disk = tmp_path / "disk"
    with tmpfs(disk, 300) as mounted:
        if not mounted:
            pytest.skip("needs a tmpfs mount (TensorFlow writes checkpoints through its own file layer)")
        run = disk / "run"
        args = tiny_train_args(train_images, run, steps=100000)
        args[args.index("--checkpoint-every") + 1] = "10"
        status, _out, err = finish(sesr(args))
        assert status == 1 and "the disk is full" in err and f"sesr train --resume {run}" in err, err
        assert "internal error" not in err and not list(run.rglob("*_temp*")) and hidden_files(run) == []
        assert json.loads((run / "state.json").read_text())["step"] <= latest_checkpoint_step(run)


# ------------------------------------------------------------------------------------ signals at random points


def stopped_as_by_the_signal(status: int, signum: int) -> bool:
    """Exit 128 + signal (our handler), killed by it (before the handler was installed), or 0 (it had finished)."""
    return status in (128 + signum, -signum, 0)


def image_is_whole(path: Path, shape: tuple[int, ...]) -> bool:
    return read_image(path).pixels.shape == shape


def frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_an_image_job_stopped_at_random_points(default_model_path, picture, tmp_path, signum):
    rng = random.Random(f"{SEED}-image-{signum}")
    out = tmp_path / "out"
    target = out / "photo_x2.png"
    for point in (rng.uniform(0.0, 2.5) for _ in range(3)):
        child = sesr(["upscale", picture, "-o", out, "--model", default_model_path, "--overwrite"])
        time.sleep(point)
        child.send_signal(signum)
        status, _out, err = finish(child)
        context = f"seed {SEED}, {signal.Signals(signum).name} at {point:.2f} s: {err}"
        assert stopped_as_by_the_signal(status, signum), context
        assert not target.exists() or image_is_whole(target, (900, 1200, 3)), context
        if signum != signal.SIGKILL:
            assert not out.exists() or hidden_files(out) == [], context
    if signum == signal.SIGKILL:  # and once for certain in the middle of the write, leaving a temporary file
        child = sesr(["upscale", picture, "-o", out, "--model", default_model_path, "--overwrite"])
        wait_until(has_hidden_file(out), child, "the write started")
        child.kill()
        finish(child)
        assert hidden_files(out) and (not target.exists() or image_is_whole(target, (900, 1200, 3)))
    status, _out, err = finish(sesr(["upscale", picture, "-o", out, "--model", default_model_path, "--overwrite"]))
    assert status == 0, err
    assert image_is_whole(target, (900, 1200, 3)) and hidden_files(out) == []  # a killed run's leftovers are gone


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_video_job_stopped_at_random_points(default_model_path, clip, tmp_path, signum):
    rng = random.Random(f"{SEED}-video-{signum}")
    out = tmp_path / "v"
    out.mkdir()
    target = out / "out.mp4"
    for point in (rng.uniform(0.0, 3.0) for _ in range(3)):
        child = sesr(["video", clip, "-o", target, "--model", default_model_path, "--overwrite"])
        time.sleep(point)
        child.send_signal(signum)
        status, _out, err = finish(child)
        context = f"seed {SEED}, {signal.Signals(signum).name} at {point:.2f} s: {err}"
        assert stopped_as_by_the_signal(status, signum), context
        assert not target.exists() or frame_count(target) == 60, context
        if signum != signal.SIGKILL:
            assert hidden_files(out) == [], context
    if signum == signal.SIGKILL:  # and once for certain while the partial file is being written
        child = sesr(["video", clip, "-o", target, "--model", default_model_path, "--overwrite"])
        wait_until(has_hidden_file(out), child, "the partial file appeared")
        child.kill()
        finish(child)
        assert hidden_files(out) and (not target.exists() or frame_count(target) == 60)
    status, _out, err = finish(sesr(["video", clip, "-o", target, "--model", default_model_path, "--overwrite"]))
    assert status == 0, err
    assert frame_count(target) == 60 and hidden_files(out) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_training_stopped_at_a_random_point_resumes_from_its_last_checkpoint(train_images, tmp_path, signum):
    rng = random.Random(f"{SEED}-train-{signum}")
    run = tmp_path / "run"
    args = tiny_train_args(train_images, run, steps=100000)
    args[args.index("--checkpoint-every") + 1] = "10"
    child = sesr(args)
    wait_until(lambda: any(step >= 10 for step in history_steps(run)), child, "step 10 was logged")
    point = rng.uniform(0.0, 1.5)
    time.sleep(point)
    child.send_signal(signum)
    status, _out, err = finish(child)
    context = f"seed {SEED}, {signal.Signals(signum).name} {point:.2f} s after step 10: {err}"
    assert status in (128 + signum, -signum), context
    checkpoint = latest_checkpoint_step(run)
    state = json.loads((run / "state.json").read_text())
    if signum == signal.SIGKILL:
        assert state["step"] <= checkpoint, context  # state.json is written after the checkpoint it names
    else:
        assert state["step"] == checkpoint and f"Stopped at step {checkpoint};" in (run / "train.log").read_text()
        assert hidden_files(run) == [] and not list(run.rglob("*_temp*")), context
        return  # resuming after SIGTERM is tested in test_stop_signals.py

    status, _out, err = finish(sesr(["train", "--resume", run, "--steps", str(checkpoint + 3), "--no-export"]))
    assert status == 0, f"{context}\n{err}"
    assert f"ckpt-{checkpoint} (optimiser step {checkpoint})" in (run / "train.log").read_text(), context
    final = json.loads((run / "state.json").read_text())
    assert final["finished"] and final["step"] == checkpoint + 3
    lines = (run / "history.jsonl").read_text().splitlines()
    assert all(json.loads(line) for line in lines) and history_steps(run)[-1] == checkpoint + 3
    assert hidden_files(run) == [] and not list(run.rglob("*_temp*")), context


# --------------------------------------------------------------------------------------- damaged media corpus


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def damaged_images(folder: Path) -> list[Path]:
    """Truncations, bit flips, wrong names, absurd headers and bombs, in every input format."""
    rng = np.random.default_rng(SEED)
    pixels = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    originals = {}
    for fmt, suffix in (("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp"), ("TIFF", ".tif"), ("BMP", ".bmp"),
                        ("GIF", ".gif")):
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, fmt)
        originals[suffix] = buffer.getvalue()
    corpus: dict[str, bytes] = {}
    for suffix, data in originals.items():
        name = suffix.lstrip(".")
        for fraction in (0.1, 0.5, 0.95):
            corpus[f"cut{int(fraction * 100)}-{name}{suffix}"] = data[: int(len(data) * fraction)]
        for index in range(3):
            flipped = bytearray(data)
            for offset in rng.integers(0, len(data), 8):
                flipped[offset] ^= 0xFF
            corpus[f"flip{index}-{name}{suffix}"] = bytes(flipped)
        corpus[f"header-zeroed-{name}{suffix}"] = b"\0" * 32 + data[32:]
    corpus["jpeg-named.png"] = originals[".jpg"]
    corpus["random.png"] = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    corpus["empty.jpg"] = b""
    png = originals[".png"]
    huge = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
    corpus["huge-header.png"] = png[:8] + huge + png[33:]
    bomb = _png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"\0" * (64 << 20), 9))
    corpus["ztxt-bomb.png"] = png[:33] + bomb + png[33:]
    paths = []
    for name, content in corpus.items():
        path = folder / name
        path.write_bytes(content)
        paths.append(path)
    return paths


def test_damaged_images_each_fail_alone_with_one_sentence(x2, tmp_path):
    source = tmp_path / "damaged"
    source.mkdir()
    inputs = damaged_images(source)
    out = tmp_path / "out"
    result = x2.upscale_files(inputs, out)
    assert len(result.written) + len(result.failed) == len(inputs)
    for path, reason in result.failed:
        assert one_sentence(reason, path), reason
    for written in result.written:  # a flipped bit that still decodes (perhaps to another size) gives a whole image
        assert read_image(written).pixels.size
    failed = {p.name for p, _ in result.failed}
    assert {"empty.jpg", "random.png", "huge-header.png", "ztxt-bomb.png", "cut10-png.png"} <= failed
    assert hidden_files(out) == []


def damaged_videos(folder: Path, rng: np.random.Generator) -> list[Path]:
    """Cuts (in the index, at packet boundaries and mid-packet), flipped bytes and zeroed headers."""
    sources = [make_clip(folder / "whole.mp4", frames=20), make_clip(folder / "whole-fast.mp4", frames=20,
                                                                      faststart=True),
               make_clip(folder / "whole.mkv", frames=20)]
    corpus: dict[str, bytes] = {}
    for source in sources:
        data = source.read_bytes()
        stem, suffix = source.stem, source.suffix
        for fraction in (0.05, 0.4, 0.8, 0.97):
            corpus[f"{stem}-cut{int(fraction * 100)}{suffix}"] = data[: int(len(data) * fraction)]
        with av.open(str(source)) as container:
            positions = [p.pos for p in container.demux(video=0) if p.size]
        corpus[f"{stem}-cut-at-packet{suffix}"] = data[: positions[len(positions) // 2]]
        flipped = bytearray(data)
        for offset in rng.integers(len(data) // 3, len(data), 16):
            flipped[offset] ^= 0xFF
        corpus[f"{stem}-flipped{suffix}"] = bytes(flipped)
        corpus[f"{stem}-header-zeroed{suffix}"] = b"\0" * 64 + data[64:]
        source.unlink()
    corpus["noise.mp4"] = rng.integers(0, 256, 8192, dtype=np.uint8).tobytes()
    corpus["empty.mkv"] = b""
    paths = []
    for name, content in corpus.items():
        path = folder / name
        path.write_bytes(content)
        paths.append(path)
    return paths


def test_damaged_videos_fail_with_one_sentence_or_come_out_whole(x2, tmp_path):
    source = tmp_path / "damaged"
    source.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    outcomes = {}
    for path in damaged_videos(source, np.random.default_rng(SEED)):
        try:
            result = x2.upscale_video(path, out / f"{path.stem}_x2.mkv")
        except SesrError as err:
            assert one_sentence(str(err), path) or one_sentence(str(err), out), str(err)
            outcomes[path.name] = "refused"
        else:
            assert frame_count(result.path) == result.frames > 0
            outcomes[path.name] = "written"
        assert hidden_files(out) == [], path.name
    for name in ("noise.mp4", "empty.mkv", "whole-cut5.mp4", "whole-cut-at-packet.mkv", "whole-fast-cut40.mp4"):
        assert outcomes[name] == "refused", outcomes
