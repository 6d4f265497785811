"""Upscaling images with real SESR models: colour, greyscale, alpha, 16 bits, tiles, metadata, formats, names."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from PIL import Image, ImageCms

from sesr_core.errors import ImageWriteError
from sesr_core.imaging.color import rgb_to_ycbcr, ycbcr_to_rgb
from sesr_core.imaging.image_read import read_image
from sesr_core.imaging.image_write import write_image
from sesr_core.runtime.upscaler import Upscaler


@pytest.fixture(scope="module")
def x2(tiny_models) -> Upscaler:
    return Upscaler(tiny_models.path(2), scale=2)


@pytest.fixture(scope="module")
def photo(shared_data) -> np.ndarray:
    """A real 8-bit RGB photo crop (Set5 butterfly, 96x120)."""
    return read_image(shared_data / "val" / "Set5" / "HR" / "butterfly.png").pixels[40:136, 30:150].copy()


def keys_bicubic_x2(plane: np.ndarray) -> np.ndarray:
    """The usual bicubic x2 (Keys a = -0.75, pixel centres aligned, edges replicated), written out in float64."""
    a = -0.75

    def kernel(x: np.ndarray) -> np.ndarray:
        x = np.abs(x)
        return np.where(x <= 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                        np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))

    def along(values: np.ndarray, axis: int) -> np.ndarray:
        size = values.shape[axis]
        position = (np.arange(2 * size) + 0.5) / 2 - 0.5
        base = np.floor(position).astype(int)
        out = 0.0
        for tap in range(-1, 3):
            index = np.clip(base + tap, 0, size - 1)
            weight = kernel(position - (base + tap))
            shape = [1] * values.ndim
            shape[axis] = -1
            out = out + np.take(values, index, axis=axis) * weight.reshape(shape)
        return out

    return along(along(plane.astype(np.float64), 0), 1)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_colour_goes_through_luma_and_matches_a_float64_reference(x2, photo):
    out, alpha = x2.upscale_array(photo)
    assert out.shape == (192, 240, 3) and out.dtype == np.uint8 and alpha is None
    # The same recipe in float64 numpy: network on Y, Cb/Cr bicubic (Keys a = -0.75), BT.601 back, rounded.
    ycc = rgb_to_ycbcr(photo.astype(np.float64))
    y = x2.luma.upscale_float(ycc[..., 0].astype(np.float32)).astype(np.float64)
    chroma = [keys_bicubic_x2(ycc[..., c]) for c in (1, 2)]
    reference = np.clip(np.rint(ycbcr_to_rgb(np.dstack([y, *chroma]))), 0, 255)
    assert np.abs(out - reference).max() <= 1
    assert np.mean(out != reference) < 0.01


@pytest.mark.parametrize("scale", [2, 4])
def test_tiles_give_exactly_the_whole_image(tiny_models, photo, scale):
    upscaler = Upscaler(tiny_models.path(scale))
    sixteen = photo.astype(np.uint16) * 257 + 101
    for pixels in (photo, photo[..., 1].copy(), sixteen):
        whole, _ = upscaler.upscale_array(pixels)
        for tile in (13, 40):
            tiled, _ = upscaler.upscale_array(pixels, tile_size=tile)
            assert np.array_equal(whole, tiled), (pixels.dtype, pixels.ndim, tile)


def test_greyscale_stays_greyscale_and_alpha_is_kept(x2, photo):
    grey = np.rint(photo @ np.array([0.299, 0.587, 0.114])).astype(np.uint8)  # ITU-R 601 luma
    out, _ = x2.upscale_array(grey)
    assert out.shape == (192, 240) and out.dtype == np.uint8
    # Grey through the colour path with equal channels gives the same picture.
    as_rgb, _ = x2.upscale_array(np.dstack([grey] * 3))
    assert np.abs(as_rgb.astype(int) - out[..., None]).max() <= 1
    alpha = np.tile(np.linspace(0, 255, 120).astype(np.uint8), (96, 1))
    _, up_alpha = x2.upscale_array(photo, alpha)
    assert up_alpha.shape == (192, 240)
    assert np.abs(up_alpha.astype(int) - np.clip(np.floor(keys_bicubic_x2(alpha) + 0.5), 0, 255)).max() == 0


def test_sixteen_bit_gradients_keep_their_levels(x2, tmp_path):
    ramp = np.rint(np.linspace(9000, 52000, 600)).astype(np.uint16)
    rgb = np.dstack([np.tile(ramp, (24, 1)), np.tile(ramp // 2 + 8000, (24, 1)), np.tile(ramp // 3, (24, 1))])
    source = tmp_path / "ramp16.png"
    write_image(source, rgb)
    written = x2.upscale_file(source)
    loaded = read_image(written)
    assert loaded.bit_depth == 16 and loaded.pixels.shape == (48, 1200, 3)
    row = loaded.pixels[24, 10:-10]
    assert all(len(np.unique(row[:, c])) > 900 for c in range(3))  # 8 bits would give at most 256
    eight_bit, _ = x2.upscale_array(np.rint(rgb / 257).astype(np.uint8))
    assert len(np.unique(eight_bit[24, 10:-10, 0])) <= 256
    # No banding added: the 16-bit result follows a bicubic upscale of the source within a few 8-bit levels.
    bicubic = np.dstack([keys_bicubic_x2(rgb[..., c]) for c in range(3)])[24, 10:-10]
    assert np.median(np.abs(row - bicubic)) / 257 < 6


def test_file_job_names_writes_and_carries_metadata(x2, photo, tmp_path):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated: stored sideways, shown upright after a 90 degree clockwise turn
    exif[0x010F] = "SESR test camera"
    source = tmp_path / "holiday.jpg"
    Image.fromarray(photo).save(source, quality=95, icc_profile=icc, exif=exif.tobytes())
    before = digest(source)

    written = x2.upscale_file(source)
    assert written == tmp_path / "holiday_x2.jpg" and digest(source) == before
    with Image.open(written) as image:
        assert image.format == "JPEG" and image.size == (96 * 2, 120 * 2)  # upright: width and height swapped
        assert image.info.get("icc_profile") == icc
        assert image.getexif().get(0x0112, 1) == 1 and image.getexif().get(0x010F) == "SESR test camera"
    with pytest.raises(ImageWriteError, match="already exists"):
        x2.upscale_file(source)
    assert x2.upscale_file(source, overwrite=True) == written


@pytest.mark.parametrize("fmt,pillow", [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP"), ("tiff", "TIFF"),
                                        ("bmp", "BMP")])
def test_every_output_format(x2, photo, tmp_path, fmt, pillow):
    source = tmp_path / "in.png"
    alpha = np.full(photo.shape[:2], 200, np.uint8)
    write_image(source, photo, alpha)
    written = x2.upscale_file(source, tmp_path / "out", format=fmt, quality=80)
    assert written.name == "in_x2" + {"png": ".png", "jpeg": ".jpg", "webp": ".webp", "tiff": ".tif",
                                      "bmp": ".bmp"}[fmt]
    with Image.open(written) as image:
        assert image.format == pillow and image.size == (240, 192)
        assert ("A" in image.mode) == (fmt in ("png", "webp", "tiff"))


def test_tiny_images_work(x2):
    for shape in [(1, 1, 3), (1, 1), (3, 4, 3), (2, 7)]:  # all smaller than the receptive field (5)
        pixels = np.full(shape, 140, np.uint8)
        out, _ = x2.upscale_array(pixels)
        assert out.shape == (shape[0] * 2, shape[1] * 2, *shape[2:])
        assert abs(float(out.mean()) - 140) < 25  # a barely trained model: near the input, not exact


def test_batch_of_folders_keeps_structure_and_goes_on_after_failures(x2, photo, tmp_path):
    folder = tmp_path / "shots"
    (folder / "day2").mkdir(parents=True)
    write_image(folder / "a.png", photo)
    write_image(folder / "day2" / "b.jpg", photo)
    (folder / "broken.png").write_bytes(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 30).getvalue())
    events = []
    result = x2.upscale_files([folder], recursive=True, on_event=events.append)
    out = tmp_path / "shots_x2"
    assert sorted(result.written) == [out / "a_x2.png", out / "day2" / "b_x2.jpg"]
    assert [p.name for p, _ in result.failed] == ["broken.png"]
    assert "broken.png" in result.failed[0][1] and not result.ok
    failed = [e for e in events if type(e).__name__ == "ItemEvent" and e.state == "failed"]
    assert [e.source.rsplit('/', 1)[-1] for e in failed] == ["broken.png"] and failed[0].error == result.failed[0][1]
    assert not any(type(e).__name__ in ("FinishedEvent", "FailedEvent") for e in events)
    progress = [e for e in events if type(e).__name__ == "Progress"]
    assert progress[-1].done == progress[-1].total > 0


def test_batch_progress_counts_reading_network_and_writing(x2, photo, tmp_path):
    """An item is at its end of the bar only once its file is written: writing has its share, announced as a
    phase; done never goes back and reaches total with the last file."""
    from sesr_core.jobs import ItemEvent, ItemState, Phase, Progress

    for name in ("a.png", "b.png"):
        write_image(tmp_path / name, photo)
    events = []
    x2.upscale_files([tmp_path / "a.png", tmp_path / "b.png"], tmp_path / "out", on_event=events.append)
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.done for p in progress] == sorted(p.done for p in progress)
    total = progress[-1].total
    for index in (0, 1):
        mine = [e for e in events if isinstance(e, Progress) and e.item == index]
        assert [p.phase for p in mine][:1] == [Phase.READING] and Phase.NETWORK in [p.phase for p in mine]
        writing = next(i for i, e in enumerate(events) if isinstance(e, Progress) and e.item == index
                       and e.phase == Phase.WRITING)
        done = next(i for i, e in enumerate(events) if isinstance(e, ItemEvent) and e.index == index
                    and e.state == ItemState.DONE)
        assert writing < done
        assert events[writing].done < (total if index == 1 else total / 2)  # the write is still ahead
    assert progress[-1].done == total


def test_tile_progress_is_in_order_and_a_cancel_stops_between_tiles(x2, photo):
    """The colour work of a tile runs beside the next tile's network; progress still comes in order, once per tile,
    and a cancel stops the image between tiles (after the tile in flight)."""
    from sesr_core.errors import CancelledError
    from sesr_core.jobs import CancelToken

    seen: list[tuple[int, int]] = []
    whole, _ = x2.upscale_array(photo, tile_size=40, on_progress=lambda done, total: seen.append((done, total)))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (96 * 120, 96 * 120) and len(seen) > 2
    cancel = CancelToken()
    reports: list[int] = []

    def stop_after_two(done: int, total: int) -> None:
        reports.append(done)
        if len(reports) == 2:
            cancel.cancel()

    with pytest.raises(CancelledError):
        x2.upscale_array(photo, tile_size=40, cancel=cancel, on_progress=stop_after_two)
    assert len(reports) <= 3 < len(seen)
