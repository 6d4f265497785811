"""The output container: the encoder for the upscaled video and, for every other stream, copy or re-encode.

Audio, subtitle and data streams are copied packet for packet. When the output container cannot carry a stream's
codec (AAC in WebM, PCM in MP4, say: :mod:`stream_copy_check` asks FFmpeg before the first frame), audio is
re-encoded to one it can (AAC where it can, else Opus, Vorbis or FLAC) and the other kinds are
left out; each such decision is reported as a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av

from sesr_core.errors import SesrError
from sesr_core.runtime.stream_copy_check import copy_refusal
from sesr_core.runtime.video_probe import VideoInfo

X26X_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")


@dataclass(frozen=True)
class CodecChoice:
    """One ``--codec`` value: FFmpeg encoder, CRF range and default, preset option and default."""

    encoder: str
    crf_range: tuple[int, int]
    crf: int
    preset_option: str
    preset: str
    presets: tuple[str, ...]
    extra: dict[str, str] = field(default_factory=dict)


CODECS = {
    "h264": CodecChoice("libx264", (0, 51), 18, "preset", "veryfast", X26X_PRESETS),
    "hevc": CodecChoice("libx265", (0, 51), 20, "preset", "veryfast", X26X_PRESETS, {"x265-params": "log-level=error"}),
    "vp9": CodecChoice("libvpx-vp9", (0, 63), 31, "cpu-used", "5", tuple(str(i) for i in range(9)),
                       {"b": "0", "row-mt": "1", "deadline": "good"}),
    "av1": CodecChoice("libsvtav1", (1, 63), 30, "preset", "10", tuple(str(i) for i in range(14))),
}
_STREAMING_FORMATS = ("mp4", "mov")  # containers where faststart (index at the front) applies


def encoder_options(codec: str, crf: int | None, preset: str | None) -> tuple[CodecChoice, dict[str, str]]:
    """The encoder and its options for ``codec``; raises :class:`SesrError` for an unknown codec, CRF or preset."""
    choice = CODECS.get(codec.lower())
    if choice is None:
        raise SesrError(f"Unknown video codec '{codec}'; use {', '.join(CODECS)}.")
    crf = choice.crf if crf is None else crf
    low, high = choice.crf_range
    if not low <= crf <= high:
        raise SesrError(f"The CRF for {codec} must be from {low} to {high}, not {crf}.")
    preset = choice.preset if preset is None else str(preset)
    if preset not in choice.presets:
        raise SesrError(f"Unknown {codec} preset '{preset}'; use one of {', '.join(choice.presets)}.")
    return choice, {"crf": str(crf), choice.preset_option: preset, **choice.extra}


@dataclass
class OutputPlan:
    """The opened output container and what to do with each input stream index."""

    container: av.container.OutputContainer
    video: av.video.stream.VideoStream
    copies: dict[int, av.stream.Stream] = field(default_factory=dict)  # input index -> output stream
    reencodes: dict[int, av.audio.stream.AudioStream] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def format_name_for(path: Path) -> str:
    """The FFmpeg muxer for ``path``'s suffix (the file is not created), or raise :class:`SesrError`."""
    try:
        probe = av.open(str(path), "w")
    except (ValueError, av.error.FFmpegError):
        raise SesrError(f"Cannot write '{path}': '{path.suffix or 'no extension'}' is not a video container name; "
                        "use .mp4, .mkv, .mov or .webm.") from None
    name = probe.format.name
    probe.close()
    return name


def open_output(temp_path: Path, final_path: Path, info: VideoInfo, input_container, scale: int, codec: str,
                crf: int | None, preset: str | None) -> OutputPlan:
    """Create the output container at ``temp_path`` with the video encoder and the other streams set up."""
    choice, options = encoder_options(codec, crf, preset)
    format_name = format_name_for(temp_path)
    container_options = {"movflags": "+faststart"} if format_name in _STREAMING_FORMATS else {}
    container = av.open(str(temp_path), "w", format=format_name, options=container_options)
    try:
        if choice.encoder not in container.supported_codecs:
            raise SesrError(f"Cannot write '{final_path}': a {final_path.suffix} file cannot hold {codec} video; "
                            "choose another --codec or name a .mp4 or .mkv output.")
        video = container.add_stream(choice.encoder, rate=info.rate or Fraction(25), options=options)
        _configure_video(video, info, scale, format_name)
        plan = OutputPlan(container, video)
        for index in info.other_streams:
            _add_other_stream(plan, input_container.streams[index], format_name, final_path, str(info.path))
        return plan
    except BaseException:
        container.close()
        raise


def _configure_video(video, info: VideoInfo, scale: int, format_name: str) -> None:
    context = video.codec_context
    video.width, video.height = info.width * scale, info.height * scale
    video.pix_fmt = "yuv420p"
    video.time_base = info.time_base
    context.time_base = info.time_base
    for name, value in info.colour.items():
        if value:
            setattr(context, name, value)
    if info.sample_aspect_ratio:
        context.sample_aspect_ratio = info.sample_aspect_ratio
    if info.display_matrix:
        video.set_display_matrix(list(info.display_matrix))
    if format_name in _STREAMING_FORMATS and video.codec_context.name == "libx265":
        context.codec_tag = "hvc1"  # what Apple players expect for HEVC in MP4/MOV


def _add_other_stream(plan: OutputPlan, stream, format_name: str, final_path: Path, input_path: str) -> None:
    codec_name = stream.codec_context.name if stream.codec_context is not None else None
    label = f"{stream.type} stream {stream.index}" + (f" ({codec_name})" if codec_name else "")
    try:
        if copy_refusal(input_path, stream, format_name):
            raise ValueError(f"a {format_name} file cannot hold {label}")
        out = plan.container.add_stream_from_template(stream)
    except (ValueError, av.error.FFmpegError):
        if stream.type == "audio":
            _add_reencoded_audio(plan, stream, format_name, final_path, label)
        else:
            plan.messages.append(f"The {label} cannot be stored in a {final_path.suffix} file and was left out; "
                                 "name a .mkv output to keep it.")
        return
    out.metadata.update(stream.metadata)
    out.disposition = stream.disposition
    plan.copies[stream.index] = out


STANDARD_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def standard_layout(layout) -> str:
    """A layout encoders accept for ``layout``'s channel count ("stereo" for an unordered "2 channels")."""
    channels = layout.nb_channels if layout is not None else 2
    return STANDARD_LAYOUTS.get(channels, "stereo")


def _add_reencoded_audio(plan: OutputPlan, stream, format_name: str, final_path: Path, label: str) -> None:
    supported = plan.container.supported_codecs
    target = next((c for c in ("aac", "libopus", "libvorbis", "flac") if c in supported), None)
    if target is None:
        plan.messages.append(f"The {label} cannot be stored in a {final_path.suffix} file and was left out.")
        return
    rate = 48000 if target == "libopus" else (stream.codec_context.sample_rate or 48000)
    out = plan.container.add_stream(target, rate=rate)
    out.layout = standard_layout(stream.codec_context.layout)
    out.metadata.update(stream.metadata)
    plan.reencodes[stream.index] = out
    plan.messages.append(f"The {label} cannot be stored in a {final_path.suffix} file as it is, so it was "
                         f"re-encoded to {target.removeprefix('lib')}.")
