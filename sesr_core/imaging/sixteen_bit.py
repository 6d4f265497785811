"""16-bit-per-channel PNG and TIFF through FFmpeg's image codecs (PyAV), for the layouts Pillow cannot handle.

Pillow decodes 16-bit colour (and grey + alpha) PNG/TIFF to 8 bits and cannot write them. FFmpeg's ``png`` and
``tiff`` codecs read and write every 16-bit layout losslessly: RGB, RGBA, grey, grey + alpha. PyAV is imported on
first use only, so reading and writing ordinary images never loads FFmpeg.
"""

from __future__ import annotations

import numpy as np

# FFmpeg pixel format -> (channels, byte order) for the packed 16-bit layouts read back as arrays.
_PACKED = {
    "rgb48be": (3, ">"), "rgb48le": (3, "<"), "rgba64be": (4, ">"), "rgba64le": (4, "<"),
    "gray16be": (1, ">"), "gray16le": (1, "<"), "ya16be": (2, ">"), "ya16le": (2, "<"),
}
# What each codec writes for 1..4 channels (the TIFF encoder takes little-endian samples, PNG big-endian).
_WRITE_FORMATS = {
    "PNG": ("png", {1: "gray16be", 2: "ya16be", 3: "rgb48be", 4: "rgba64be"}, {}),
    "TIFF": ("tiff", {1: "gray16le", 3: "rgb48le", 4: "rgba64le"}, {"compression_algo": "lzw"}),
}


class CodecError(ValueError):
    """FFmpeg could not decode the file, or encode the pixels."""


def decode(data: bytes, fmt: str) -> np.ndarray:
    """Decode a PNG or TIFF file's bytes to an HxWxC uint16 array (C = 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA)."""
    import av

    try:
        context = av.CodecContext.create("png" if fmt == "PNG" else "tiff", "r")
        frames = context.decode(av.Packet(data)) + context.decode(None)
    except (av.FFmpegError, ValueError) as err:
        raise CodecError(str(err)) from None
    if not frames:
        raise CodecError("no image in the file")
    frame = frames[0]
    if frame.format.name not in _PACKED:  # planar or 8-bit layouts: convert losslessly to a packed 16-bit one
        alpha = any(component.is_alpha for component in frame.format.components)
        frame = frame.reformat(format="rgba64le" if alpha else "rgb48le")
    channels, order = _PACKED[frame.format.name]
    plane = frame.planes[0]
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(frame.height, plane.line_size)
    samples = rows[:, :frame.width * channels * 2].view(f"{order}u2")
    return samples.reshape(frame.height, frame.width, channels).astype(np.uint16)


def encode(pixels: np.ndarray, alpha: np.ndarray | None, fmt: str) -> bytes:
    """Encode HxW (grey) or HxWx3 (RGB) uint16 ``pixels`` and optional HxW ``alpha`` as a PNG or TIFF file.

    The samples are written straight into FFmpeg's frame (no other full-size copy). Grey + alpha is a grey + alpha
    PNG, and RGBA as TIFF (FFmpeg's TIFF encoder has no grey + alpha).
    """
    import av

    codec, formats, options = _WRITE_FORMATS[fmt]
    height, width = pixels.shape[:2]
    colour = 3 if pixels.ndim == 3 or (fmt == "TIFF" and alpha is not None) else 1
    channels = colour + (alpha is not None)
    pixel_format = formats[channels]
    frame = av.VideoFrame(width, height, pixel_format)
    plane = frame.planes[0]
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(height, plane.line_size)
    samples = rows[:, :width * channels * 2].view(f"{_PACKED[pixel_format][1]}u2").reshape(height, width, channels)
    samples[..., :colour] = pixels.reshape(height, width, -1)  # a grey plane fills all colour channels
    if alpha is not None:
        samples[..., colour] = alpha
    try:
        context = av.CodecContext.create(codec, "w")
        context.width, context.height, context.pix_fmt = width, height, pixel_format
        context.options = dict(options)
        packets = context.encode(frame) + context.encode(None)
    except (av.FFmpegError, ValueError) as err:
        raise CodecError(str(err)) from None
    return b"".join(bytes(packet) for packet in packets)
