"""Can a stream be copied into a container? Asked of FFmpeg itself, before the first frame is upscaled.

FFmpeg's codec query says yes to some pairs that fail only when the file is finished (PCM audio in MP4 fails in the
trailer: "unsupported channel layout"), so the stream's first packets are muxed into an in-memory file of the same
format and that file is finished; whatever FFmpeg refuses there it would refuse at the end of the real job.
"""

from __future__ import annotations

import contextlib
import io
import itertools

import av

SAMPLE_PACKETS = 3
SCAN_PACKETS = 500  # packets of all streams read at most to find the sample (a subtitle may start late)


def _first_packets(input_path: str, index: int) -> list[av.Packet]:
    with av.open(input_path, metadata_errors="replace") as source:
        found: list[av.Packet] = []
        for packet in itertools.islice(source.demux(), SCAN_PACKETS):
            if packet.stream.index == index and packet.size:
                found.append(packet)
                if len(found) == SAMPLE_PACKETS:
                    break
        return found


def copy_refusal(input_path: str, stream, format_name: str) -> str | None:
    """FFmpeg's reason for refusing ``stream`` (of ``input_path``) copied into a ``format_name`` file, or None."""
    probe = av.open(io.BytesIO(), "w", format=format_name)
    try:
        out = probe.add_stream_from_template(stream)
        probe.start_encoding()
        for packet in _first_packets(input_path, stream.index):
            packet.stream = out
            probe.mux(packet)
        probe.close()
    except (ValueError, av.error.FFmpegError) as err:
        log = getattr(err, "log", None)
        detail = log[2] if isinstance(log, tuple) and len(log) > 2 and log[2] else str(err)
        return str(detail).strip()
    finally:
        with contextlib.suppress(ValueError, av.error.FFmpegError):
            probe.close()
    return None
