"""Image reading (modes, bit depths, EXIF orientation, bad files) and atomic writing."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageFile, ImageOps

from sesr_core.atomic import UMASK
from sesr_core.errors import ImageReadError, ImageWriteError
from sesr_core.imaging import image_read, image_write
from sesr_core.imaging.image_read import IMAGE_EXTENSIONS, list_images, read_image
from sesr_core.imaging.image_write import write_image

RNG = np.random.default_rng(0)
RGB8 = RNG.integers(0, 256, (12, 17, 3), dtype=np.uint8)
ALPHA8 = RNG.integers(0, 256, (12, 17), dtype=np.uint8)
RGB16 = RNG.integers(0, 65536, (12, 17, 3), dtype=np.uint16)
GREY16 = RNG.integers(0, 65536, (12, 17), dtype=np.uint16)
ALPHA16 = RNG.integers(0, 65536, (12, 17), dtype=np.uint16)


def _srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    return exif.tobytes()


def _stray_files(folder: Path, expected: set[str]) -> set[str]:
    return {p.name for p in folder.iterdir()} - expected


# ------------------------------------------------------------------------------------------------ reading


def test_exif_orientation_is_applied_and_reset(tmp_path: Path) -> None:
    array = np.zeros((10, 20, 3), np.uint8)
    array[:, :10] = 255  # left half white
    path = tmp_path / "rotated.jpg"
    Image.fromarray(array).save(path, quality=95, exif=_exif(6))
    loaded = read_image(path)
    assert loaded.pixels.shape == (20, 10, 3)  # rotated 90 degrees clockwise
    assert loaded.pixels[:10].mean() > 200 and loaded.pixels[10:].mean() < 50  # left half went to the top
    exif = Image.Exif()
    exif.load(loaded.exif)
    assert exif[0x0112] == 1 and exif[0x010F] == "TestCam"
    assert loaded.source_format == "JPEG" and loaded.bit_depth == 8 and not loaded.has_alpha


@pytest.mark.parametrize("orientation", range(1, 9))
def test_numpy_orientation_matches_pillow(orientation: int) -> None:
    array = np.arange(3 * 5 * 3, dtype=np.uint8).reshape(3, 5, 3)
    image = Image.fromarray(array)
    exif = image.getexif()
    exif[0x0112] = orientation
    image.info["exif"] = exif.tobytes()
    expected = np.asarray(ImageOps.exif_transpose(image))
    assert np.array_equal(image_read._apply_orientation(array, orientation), expected)


def test_sixteen_bit_rgb_png_orientation(tmp_path: Path) -> None:
    path = tmp_path / "rot16.png"
    write_image(path, RGB16, exif=_exif(6))
    loaded = read_image(path)
    assert loaded.pixels.dtype == np.uint16
    assert np.array_equal(loaded.pixels, np.rot90(RGB16, -1))


def test_greyscale_stays_two_dimensional(tmp_path: Path) -> None:
    path = tmp_path / "grey.png"
    Image.fromarray(RGB8[..., 0]).save(path)
    loaded = read_image(path)
    assert loaded.pixels.shape == (12, 17) and loaded.pixels.dtype == np.uint8
    assert np.array_equal(loaded.pixels, RGB8[..., 0]) and loaded.alpha is None


def test_rgba_keeps_alpha(tmp_path: Path) -> None:
    path = tmp_path / "rgba.png"
    Image.fromarray(np.dstack([RGB8, ALPHA8])).save(path)
    loaded = read_image(path)
    assert loaded.has_alpha and np.array_equal(loaded.alpha, ALPHA8)
    assert np.array_equal(loaded.pixels, RGB8)


def test_grey_with_alpha(tmp_path: Path) -> None:
    path = tmp_path / "la.png"
    Image.fromarray(np.dstack([RGB8[..., 0], ALPHA8]), mode="LA").save(path)
    loaded = read_image(path)
    assert loaded.pixels.shape == (12, 17) and np.array_equal(loaded.alpha, ALPHA8)


def test_palette_images(tmp_path: Path) -> None:
    plain = Image.fromarray(RGB8).quantize(16)
    plain.save(tmp_path / "palette.png")
    loaded = read_image(tmp_path / "palette.png")
    assert loaded.pixels.shape == (12, 17, 3) and loaded.alpha is None
    assert np.array_equal(loaded.pixels, np.asarray(plain.convert("RGB")))
    plain.save(tmp_path / "palette_transparent.png", transparency=0)
    loaded = read_image(tmp_path / "palette_transparent.png")
    assert loaded.pixels.shape == (12, 17, 3) and loaded.has_alpha
    assert set(np.unique(loaded.alpha)) <= {0, 255}


def test_colour_key_transparency_becomes_alpha(tmp_path: Path) -> None:
    Image.fromarray(RGB8).save(tmp_path / "keyed.png", transparency=tuple(int(v) for v in RGB8[0, 0]))
    loaded = read_image(tmp_path / "keyed.png")
    assert np.array_equal(loaded.pixels, RGB8) and loaded.alpha[0, 0] == 0 and loaded.alpha.max() == 255


def test_other_modes(tmp_path: Path) -> None:
    Image.fromarray(RGB8).convert("CMYK").save(tmp_path / "cmyk.jpg", quality=95)
    assert read_image(tmp_path / "cmyk.jpg").pixels.shape == (12, 17, 3)
    Image.fromarray(RGB8[..., 0] > 127).save(tmp_path / "bilevel.png")
    bilevel = read_image(tmp_path / "bilevel.png").pixels
    assert bilevel.dtype == np.uint8 and set(np.unique(bilevel)) <= {0, 255}
    Image.fromarray((GREY16 / 65535).astype(np.float32), mode="F").save(tmp_path / "float.tif")
    floats = read_image(tmp_path / "float.tif")
    assert floats.bit_depth == 16 and np.max(np.abs(floats.pixels.astype(int) - GREY16)) <= 1


def test_sixteen_bit_grey_png_round_trip(tmp_path: Path) -> None:
    path = write_image(tmp_path / "grey16.png", GREY16)
    loaded = read_image(path)
    assert loaded.bit_depth == 16 and loaded.pixels.dtype == np.uint16
    assert np.array_equal(loaded.pixels, GREY16)


@pytest.mark.parametrize("name", ["rgb16.png", "rgb16.tif"])
def test_sixteen_bit_rgb_round_trip(tmp_path: Path, name: str) -> None:
    loaded = read_image(write_image(tmp_path / name, RGB16))
    assert loaded.bit_depth == 16 and np.array_equal(loaded.pixels, RGB16) and loaded.alpha is None


def test_sixteen_bit_alpha_round_trip(tmp_path: Path) -> None:
    rgba = read_image(write_image(tmp_path / "rgba16.png", RGB16, ALPHA16))
    assert np.array_equal(rgba.pixels, RGB16) and np.array_equal(rgba.alpha, ALPHA16)
    grey_alpha = read_image(write_image(tmp_path / "la16.png", GREY16, ALPHA16))
    assert np.array_equal(grey_alpha.pixels, GREY16) and np.array_equal(grey_alpha.alpha, ALPHA16)


def _png16_rgb_every_filter(rgb: np.ndarray) -> bytes:
    """A 16-bit RGB PNG written by hand (not by sesr_core), its rows using filters None, Sub, Up, Average, Paeth."""
    height, width, _ = rgb.shape
    raw = rgb.astype(">u2").view(np.uint8).reshape(height, width * 6).astype(np.int32)
    left = np.zeros_like(raw)
    left[:, 6:] = raw[:, :-6]
    up = np.zeros_like(raw)
    up[1:] = raw[:-1]
    up_left = np.zeros_like(raw)
    up_left[1:, 6:] = raw[:-1, :-6]
    p = left + up - up_left
    pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - up_left)
    paeth = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, up_left))
    predictions = [np.zeros_like(raw), left, up, (left + up) // 2, paeth]
    rows = b"".join(bytes([row % 5]) + ((raw[row] - predictions[row % 5][row]) % 256).astype(np.uint8).tobytes()
                    for row in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def test_sixteen_bit_rgb_png_from_another_encoder_is_read_losslessly(tmp_path: Path) -> None:
    path = tmp_path / "other16.png"
    path.write_bytes(_png16_rgb_every_filter(RGB16))
    assert np.array_equal(read_image(path).pixels, RGB16)


@pytest.mark.parametrize("name", ["icc.png", "icc.jpg", "icc.webp", "icc.tif", "icc16.png"])
def test_icc_profile_is_carried(tmp_path: Path, name: str) -> None:
    profile = _srgb_profile()
    pixels = RGB16 if "16" in name else RGB8
    loaded = read_image(write_image(tmp_path / name, pixels, icc_profile=profile))
    assert loaded.icc_profile == profile


def test_icc_profile_is_read_from_pillow_files(tmp_path: Path) -> None:
    profile = _srgb_profile()
    Image.fromarray(RGB8).save(tmp_path / "p.png", icc_profile=profile)
    assert read_image(tmp_path / "p.png").icc_profile == profile


@pytest.mark.parametrize("name", ["e.jpg", "e.png", "e.webp"])
def test_exif_is_carried(tmp_path: Path, name: str) -> None:
    loaded = read_image(write_image(tmp_path / name, RGB8, exif=_exif(1)))
    exif = Image.Exif()
    exif.load(loaded.exif)
    assert exif[0x010F] == "TestCam"


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.png", b""),
        ("notes.png", b"these are my notes, not a picture\n"),
        ("cut.png", _png_bytes()[:-200]),
        ("cut.jpg", _jpeg_bytes()[: len(_jpeg_bytes()) // 2]),
    ],
)
def test_bad_files_raise_read_error_naming_the_file(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImageReadError, match=name) as info:
        read_image(path)
    assert "Traceback" not in str(info.value) and str(info.value).count(".") >= 1
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImageReadError, match="missing.png"):
        read_image(tmp_path / "missing.png")
    with pytest.raises(ImageReadError, match="folder"):
        read_image(tmp_path)


def test_decompression_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A valid PNG header claiming 30000 x 30000 pixels (900 MP) with almost no data.
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
    bomb = tmp_path / "bomb.png"
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    with pytest.raises(ImageReadError, match="bomb.png.*too large"):
        read_image(bomb)
    small = write_image(tmp_path / "small.png", RGB8)
    monkeypatch.setattr(image_read, "MAX_PIXELS", 100)
    with pytest.raises(ImageReadError, match="small.png.*too large"):
        read_image(small)


def test_list_images(tmp_path: Path) -> None:
    for name in ["b.png", "a.JPG", "c.webp", "notes.txt", ".hidden.png", "d.tiff"]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "e.bmp").write_bytes(b"x")
    assert [p.name for p in list_images(tmp_path)] == ["a.JPG", "b.png", "c.webp", "d.tiff"]
    assert [p.name for p in list_images(tmp_path, recursive=True)] == ["a.JPG", "b.png", "c.webp", "d.tiff", "e.bmp"]
    assert ".png" in IMAGE_EXTENSIONS and ".tif" in IMAGE_EXTENSIONS


# ------------------------------------------------------------------------------------------------ writing


@pytest.mark.parametrize("name", ["out.png", "out.tif", "out.bmp", "out.webp"])
def test_lossless_round_trips(tmp_path: Path, name: str) -> None:
    quality = 100 if name.endswith(".webp") else None
    loaded = read_image(write_image(tmp_path / name, RGB8, quality=quality))
    assert np.array_equal(loaded.pixels, RGB8)


def test_jpeg_quality_and_alpha_dropped(tmp_path: Path) -> None:
    smooth = np.repeat(np.linspace(0, 255, 64, dtype=np.uint8)[None, :, None], 48, axis=0).repeat(3, axis=2)
    high = write_image(tmp_path / "high.jpg", smooth, np.full((48, 64), 128, np.uint8))
    low = write_image(tmp_path / "low.jpg", smooth, quality=20)
    assert read_image(high).alpha is None
    assert np.max(np.abs(read_image(high).pixels.astype(int) - smooth)) <= 4
    assert low.stat().st_size < high.stat().st_size


def test_sixteen_bit_to_eight_bit_format(tmp_path: Path) -> None:
    loaded = read_image(write_image(tmp_path / "from16.bmp", RGB16))
    assert loaded.pixels.dtype == np.uint8
    assert np.max(np.abs(loaded.pixels.astype(float) - RGB16 / 257)) <= 0.5


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "exists.png"
    path.write_bytes(b"keep me")
    with pytest.raises(ImageWriteError, match="exists.png.*already exists"):
        write_image(path, RGB8)
    assert path.read_bytes() == b"keep me"
    write_image(path, RGB8, overwrite=True)
    assert np.array_equal(read_image(path).pixels, RGB8)
    assert _stray_files(tmp_path, {"exists.png"}) == set()


def test_new_file_permissions_follow_umask(tmp_path: Path) -> None:
    path = write_image(tmp_path / "mode.png", RGB8)
    assert path.stat().st_mode & 0o777 == 0o666 & ~UMASK


def test_unsupported_format_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ImageWriteError, match="out.gif"):
        write_image(tmp_path / "out.gif", RGB8)
    with pytest.raises(ImageWriteError, match="out.png"):
        write_image(tmp_path / "out.png", RGB8, format="XYZ")
    with pytest.raises(ImageWriteError, match="does not exist"):
        write_image(tmp_path / "nope" / "out.png", RGB8)
    with pytest.raises(ImageWriteError, match="quality"):
        write_image(tmp_path / "q.jpg", RGB8, quality=101)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt(), RuntimeError("boom")])
def test_failed_write_leaves_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    def failing_save(self: Image.Image, fp: object, *args: object, **kwargs: object) -> None:
        fp.write(b"partial data")  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(Image.Image, "save", failing_save)
    with pytest.raises((ImageWriteError, KeyboardInterrupt, RuntimeError)) as info:
        write_image(tmp_path / "out.png", RGB8)
    if isinstance(error, OSError):
        assert info.type is ImageWriteError and "disk is full" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_failed_sixteen_bit_write_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "other.png").write_bytes(b"x")

    def failing_encode(*args: object, **kwargs: object) -> bytes:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(image_write.sixteen_bit, "encode", failing_encode)
    with pytest.raises(ImageWriteError, match="read-only"):
        write_image(tmp_path / "out16.png", RGB16)
    assert _stray_files(tmp_path, {"other.png"}) == set()


def test_read_only_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(image_write, "create_exclusive", read_only)  # root ignores a read-only folder
    with pytest.raises(ImageWriteError, match="read-only"):
        write_image(tmp_path / "out.png", RGB8)
    assert not os.listdir(tmp_path)


def test_an_interrupt_as_the_temporary_file_is_created_leaves_nothing(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A signal can land after the temporary file exists but before its creator returns: it is still removed."""
    real_create = image_write.create_exclusive

    def created_then_interrupted(path: Path) -> int:
        os.close(real_create(path))
        raise KeyboardInterrupt

    monkeypatch.setattr(image_write, "create_exclusive", created_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_image(tmp_path / "out.png", RGB8)
    assert not os.listdir(tmp_path)
