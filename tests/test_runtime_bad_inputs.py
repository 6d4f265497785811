"""Bad inputs for image upscaling: each gives one sentence naming the file, no partial output, and a batch goes on."""

from __future__ import annotations

import errno
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import sesr_core.runtime.preflight as preflight
from sesr_core.errors import SesrError
from sesr_core.imaging.image_write import write_image
from sesr_core.runtime.upscaler import Upscaler


@pytest.fixture(scope="module")
def x2(tiny_models) -> Upscaler:
    return Upscaler(tiny_models.path(2), scale=2)


@pytest.fixture
def good(tmp_path) -> Path:
    path = tmp_path / "in" / "good.png"
    path.parent.mkdir()
    rng = np.random.default_rng(5)
    write_image(path, (rng.random((40, 48, 3)) * 255).astype(np.uint8))
    return path


def one_sentence(message: str, path: Path) -> bool:
    return str(path) in message and "\n" not in message and message.endswith(".") and "Traceback" not in message


def leftovers(folder: Path) -> list[str]:
    """Hidden temporary files or partial outputs in a folder."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def bad_files(folder: Path, good: Path) -> dict[str, Path]:
    data = good.read_bytes()
    jpeg = folder / "cut.jpg"
    Image.open(good).save(jpeg, quality=90)
    files = {
        "truncated png": data[: len(data) // 2],
        "truncated jpeg": jpeg.read_bytes()[: jpeg.stat().st_size // 2],
        "zero bytes": b"",
        "text named png": b"this is not an image\n",
    }
    paths = {}
    for index, (kind, content) in enumerate(files.items()):
        path = folder / f"{index}-{kind.replace(' ', '_')}{'.jpg' if 'jpeg' in kind else '.png'}"
        path.write_bytes(content)
        paths[kind] = path
    jpeg.unlink()
    return paths


def test_each_bad_image_fails_alone_and_the_batch_goes_on(x2, good, tmp_path):
    bad = bad_files(good.parent, good)
    out = tmp_path / "out"
    result = x2.upscale_files([*bad.values(), good], out)
    assert result.written == [out / "good_x2.png"]
    reasons = dict(result.failed)
    assert set(reasons) == set(bad.values())
    expected = {"truncated png": "truncated or corrupt", "truncated jpeg": "truncated or corrupt",
                "zero bytes": "empty (0 bytes)", "text named png": "not a supported image file"}
    for kind, path in bad.items():
        assert expected[kind] in reasons[path] and one_sentence(reasons[path], path), reasons[path]
    assert sorted(p.name for p in out.iterdir()) == ["good_x2.png"]


def write_huge_png(path: Path, width: int, height: int) -> None:
    """A valid all-black greyscale PNG, streamed row block by row block (no big array in memory)."""
    compressor = zlib.compressobj(1)
    row = b"\0" * (width + 1)
    body = b"".join(compressor.compress(row * 500) for _ in range(height // 500)) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def test_a_hundred_megapixel_image_is_checked_before_any_work(x2, tmp_path, monkeypatch):
    huge = tmp_path / "huge.png"
    write_huge_png(huge, 10_000, 10_000)
    header = preflight.read_header(huge)
    assert (header.width, header.height, header.channels) == (10_000, 10_000, 1)
    # A 100 MP image is upscaled tile by tile when memory allows (grey x2: about 1.3 GB) ...
    assert preflight.estimated_peak_bytes(header, 2) < 1.5e9
    # ... and refused at once, naming the file, when it does not fit the format or the free memory.
    with pytest.raises(SesrError, match="larger than WEBP allows") as info:
        x2.upscale_file(huge, format="webp")
    assert one_sentence(str(info.value), huge)
    monkeypatch.setattr(preflight, "available_memory", lambda: 300_000_000)
    with pytest.raises(SesrError, match=r"needs about 1\.\d GB of memory and only 0\.3 GB is free") as info:
        x2.upscale_file(huge)
    assert one_sentence(str(info.value), huge)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.png"]


def test_a_read_only_output_folder_is_reported_and_leaves_nothing(x2, good, tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_replace = os.replace

    def refuse_in_locked(src, dst, *args, **kwargs):
        if Path(dst).parent == locked:  # what a read-only folder does to a non-root user
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refuse_in_locked)
    result = x2.upscale_files([good], locked)
    (source, reason), = result.failed
    assert "read-only" in reason and one_sentence(reason, locked / "good_x2.png")
    assert list(locked.iterdir()) == []
    assert x2.upscale_files([good], tmp_path / "open").written  # other folders still work


def test_a_disk_that_fills_up_during_a_write_is_reported_and_the_batch_goes_on(x2, good, tmp_path, monkeypatch):
    second = good.with_name("second.png")
    second.write_bytes(good.read_bytes())
    out = tmp_path / "out"
    real_fsync, calls = os.fsync, []

    def full_once(fd):
        calls.append(fd)
        if len(calls) == 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_once)
    result = x2.upscale_files([good, second], out)
    (source, reason), = result.failed
    assert source == good and "disk is full" in reason and one_sentence(reason, out / "good_x2.png")
    assert result.written == [out / "second_x2.png"]
    assert sorted(p.name for p in out.iterdir()) == ["second_x2.png"]  # no temporary file left


def test_outputs_never_replace_inputs_or_existing_files(x2, good, tmp_path):
    before = good.read_bytes()
    with pytest.raises(SesrError, match="input file itself"):
        x2.upscale_file(good, good, overwrite=True)
    existing = good.with_name("good_x2.png")
    existing.write_bytes(b"keep me")
    result = x2.upscale_files([good])
    assert "already exists" in result.failed[0][1] and existing.read_bytes() == b"keep me"
    assert good.read_bytes() == before and leftovers(good.parent) == []


def test_cancel_stops_the_batch_between_files_without_partial_output(x2, good, tmp_path):
    from sesr_core.errors import CancelledError
    from sesr_core.jobs import ArtefactEvent, CancelToken, ItemEvent, ItemState

    copies = [good.with_name(f"copy{i}.png") for i in range(3)]
    for path in copies:
        path.write_bytes(good.read_bytes())
    cancel, events = CancelToken(), []

    def stop_after_first(event) -> None:
        events.append(event)
        if isinstance(event, ArtefactEvent):
            cancel.cancel()

    out = tmp_path / "out"
    with pytest.raises(CancelledError) as stopped:
        x2.upscale_files(copies, out, cancel=cancel, on_event=stop_after_first)
    assert stopped.value.partial.written == [out / "copy0_x2.png"]
    states = [(e.index, e.state) for e in events if isinstance(e, ItemEvent)]
    assert states == [(0, ItemState.WORKING), (0, ItemState.DONE), (1, ItemState.WAITING)]
    assert sorted(p.name for p in out.iterdir()) == ["copy0_x2.png"]
