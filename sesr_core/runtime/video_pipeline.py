"""Decode, upscale and encode as three threads joined by bounded queues: the stages overlap, memory stays flat.

The decoder thread demuxes the input and sends decoded frames and the packets of the other streams, in file
order, to the upscaler; the upscaler runs the network on the Y plane and resizes the chroma planes straight into a
new frame (no RGB round trip) and passes everything on to the writer; the writer encodes frames and muxes them
with the copied (or re-encoded) packets. FFmpeg, LiteRT and numpy all release the GIL while they work. The first
error in any thread, or a cancel, stops all three.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

import av
import numpy as np

from sesr_core.errors import CancelledError
from sesr_core.jobs import CancelToken
from sesr_core.runtime.luma import LumaNetwork
from sesr_core.runtime.video_chroma import upscale_chroma_420
from sesr_core.runtime.video_output import OutputPlan
from sesr_core.runtime.video_probe import NATIVE_PIXEL_FORMATS, VideoInfo, VideoReadError

DECODED_QUEUE = 8  # input-size frames waiting for the network
UPSCALED_QUEUE = 4  # output-size frames waiting for the encoder
_POLL = 0.1
_END = object()


class _Stopped(Exception):
    """Raised inside a stage when another stage failed or the job was cancelled."""


def plane_array(plane) -> np.ndarray:
    """A frame plane as an HxW uint8 view (line padding cut off); writable when the frame is."""
    return np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)[:, :plane.width]


def upscale_frame(luma: LumaNetwork, frame: av.VideoFrame) -> av.VideoFrame:
    """A yuv420p frame upscaled: the network on Y, each chroma plane resized, written straight into a new frame."""
    scale = luma.scale
    out = av.VideoFrame(frame.width * scale, frame.height * scale, "yuv420p")
    luma.upscale_u8(plane_array(frame.planes[0]), out=plane_array(out.planes[0]), bucketed=False)
    for index in (1, 2):
        target = plane_array(out.planes[index])
        upscale_chroma_420(np.ascontiguousarray(plane_array(frame.planes[index])), scale, target.shape[1],
                           target.shape[0], out=target)
    out.pts, out.time_base = frame.pts, frame.time_base
    for name in ("color_range", "colorspace", "color_primaries", "color_trc"):
        value = getattr(frame, name)
        if value:
            setattr(out, name, value)
    return out


class VideoPipeline:
    """Runs one video through the three stages; counters are readable while it runs."""

    def __init__(self, input_container, info: VideoInfo, plan: OutputPlan, luma: LumaNetwork,
                 cancel: CancelToken | None = None) -> None:
        self.input = input_container
        self.info = info
        self.plan = plan
        self.luma = luma
        self.cancel = cancel or CancelToken()
        self.decoded = 0
        self.upscaled = 0
        self.encoded = 0
        self.decode_errors = 0
        self.decoded_end = 0.0  # seconds: where the last decoded frame ends
        self.stage_seconds = {"decode": 0.0, "upscale": 0.0, "encode": 0.0}  # busy time of each stage
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._decoded: queue.Queue = queue.Queue(DECODED_QUEUE)
        self._upscaled: queue.Queue = queue.Queue(UPSCALED_QUEUE)
        self._resamplers: dict[int, av.AudioResampler] = {}
        self._last_pts: int | None = None

    # ---------------------------------------------------------------------------------------------- driver

    def run(self, on_tick: Callable[[], None] | None = None, tick_seconds: float = 0.25) -> None:
        """Run to the end; calls ``on_tick`` from this thread while waiting. Raises the first stage error, or
        :class:`CancelledError` when cancelled."""
        threads = [threading.Thread(target=self._guarded, args=(stage,), name=f"sesr-video-{stage.__name__}",
                                    daemon=True) for stage in (self._decode, self._upscale, self._encode)]
        try:
            for thread in threads:
                thread.start()
            while any(thread.is_alive() for thread in threads):
                threads[-1].join(tick_seconds)
                if self.cancel.cancelled:
                    self._stop.set()
                if on_tick is not None:
                    on_tick()
        except BaseException:  # Ctrl-C in the caller's thread: stop the stages before the containers close
            self._stop.set()
            while any(thread.is_alive() for thread in threads):
                with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C must not orphan a stage
                    for thread in threads:
                        if thread.is_alive():
                            thread.join()
            raise
        if self._error is not None:
            raise self._error
        if self.cancel.cancelled:
            raise CancelledError()

    def _guarded(self, stage: Callable[[], None]) -> None:
        try:
            stage()
        except _Stopped:
            pass
        except BaseException as err:  # handed to the driver thread
            if self._error is None:
                self._error = err
            self._stop.set()

    def _put(self, target: queue.Queue, item: Any) -> None:
        while True:
            if self._stop.is_set():
                raise _Stopped
            try:
                target.put(item, timeout=_POLL)
                return
            except queue.Full:
                continue

    def _get(self, source: queue.Queue) -> Any:
        while True:
            if self._stop.is_set():
                raise _Stopped
            try:
                return source.get(timeout=_POLL)
            except queue.Empty:
                continue

    # ---------------------------------------------------------------------------------------------- stages

    def _decode(self) -> None:
        try:
            self._demux_and_decode()
        except av.error.FFmpegError:
            raise VideoReadError(f"Cannot read '{self.info.path}' to the end: it is truncated or corrupt after "
                                 f"{self.decoded} frames; re-export or re-download it.") from None

    def _demux_and_decode(self) -> None:
        video = self.input.streams[self.info.video_index]
        video.thread_type = "AUTO"
        wanted = {self.info.video_index, *self.plan.copies, *self.plan.reencodes}
        streams = [s for s in self.input.streams if s.index in wanted]
        started = time.perf_counter()
        for packet in self.input.demux(streams):
            if self._stop.is_set():
                raise _Stopped
            index = packet.stream.index
            if index != self.info.video_index:
                if packet.size or index in self.plan.reencodes:  # empty packets only flush decoders
                    self._put(self._decoded, packet)
                continue
            try:
                frames = packet.decode()
            except (av.error.InvalidDataError, av.error.EOFError):
                self.decode_errors += 1  # a damaged packet; the frame count check tells whether it mattered
                continue
            for frame in frames:
                self._stamp(frame)
                if frame.format.name not in NATIVE_PIXEL_FORMATS:
                    frame = frame.reformat(format="yuv420p")
                self.decoded += 1
                self.stage_seconds["decode"] += time.perf_counter() - started
                self._put(self._decoded, frame)
                started = time.perf_counter()
        self._put(self._decoded, _END)

    def _stamp(self, frame: av.VideoFrame) -> None:
        """Give a frame without a timestamp (raw H.264, some AVI files) the next one at the nominal rate."""
        if frame.time_base is None:
            frame.time_base = self.info.time_base
        if frame.pts is None:
            step = max(1, round(1 / (float(self.info.rate or 25) * float(frame.time_base))))
            frame.pts = 0 if self._last_pts is None else self._last_pts + step
        self._last_pts = frame.pts
        period = float(frame.duration * frame.time_base) if frame.duration else 1 / float(self.info.rate or 25)
        self.decoded_end = max(self.decoded_end, float(frame.pts * frame.time_base) + period)

    def _upscale(self) -> None:
        while (item := self._get(self._decoded)) is not _END:
            if not isinstance(item, av.VideoFrame):
                self._put(self._upscaled, item)
                continue
            started = time.perf_counter()
            out = upscale_frame(self.luma, item)
            self.stage_seconds["upscale"] += time.perf_counter() - started
            self.upscaled += 1
            self._put(self._upscaled, out)
        self._put(self._upscaled, _END)

    def _encode(self) -> None:
        container, video = self.plan.container, self.plan.video
        while (item := self._get(self._upscaled)) is not _END:
            started = time.perf_counter()
            if isinstance(item, av.VideoFrame):
                container.mux(video.encode(item))
                self.encoded += 1
            else:
                self._mux_other(item)
            self.stage_seconds["encode"] += time.perf_counter() - started
        container.mux(video.encode(None))
        for index, stream in self.plan.reencodes.items():
            self._reencode(index, stream, None)
            container.mux(stream.encode(None))

    def _mux_other(self, packet: av.Packet) -> None:
        index = packet.stream.index
        if index in self.plan.copies:
            if packet.dts is None and packet.pts is None:
                return  # nothing to place it in time
            packet.stream = self.plan.copies[index]
            self.plan.container.mux(packet)
        elif index in self.plan.reencodes:
            self._reencode(index, self.plan.reencodes[index], packet)

    def _reencode(self, index: int, stream, packet: av.Packet | None) -> None:
        """Decode an audio packet (an empty one flushes the decoder) and encode it for the output's audio codec;
        None flushes the resampler."""
        resampler = self._resamplers.setdefault(index, av.AudioResampler(
            format=stream.codec_context.format.name, layout=stream.codec_context.layout.name,
            rate=stream.codec_context.sample_rate))
        frames = packet.decode() if packet is not None else [None]
        for frame in frames:
            for converted in resampler.resample(frame):
                converted.pts = None  # the encoder counts samples itself
                self.plan.container.mux(stream.encode(converted))
