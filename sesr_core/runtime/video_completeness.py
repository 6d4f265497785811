"""Did the whole input video make it through? The frame count from the container's index where it has one (MP4,
MOV), else the decoded duration against the declared one (MKV and WebM store no frame count).

A file cut short at a packet boundary (a download that stopped) decodes cleanly to its last whole packet, so only
this comparison can tell it from a complete file. The declared duration of the video track itself is used where the
container gives it (MP4's track duration, Matroska's per-track DURATION tag); the container's overall duration, which
audio may outlast, only with a wider margin.
"""

from __future__ import annotations

from sesr_core.runtime.video_probe import VideoInfo

STREAM_SLACK_FRAMES = 2  # a track may declare up to this many frame periods more than its frames show
CONTAINER_SLACK_SECONDS = 0.5
CONTAINER_SLACK_FRACTION = 0.05


def duration_slack(info: VideoInfo) -> float:
    """How far, in seconds, the decoded end may fall short of the declared duration before the file counts as cut."""
    period = 1 / float(info.rate) if info.rate else 0.04
    if info.duration_is_stream:
        return max(STREAM_SLACK_FRAMES * period, 0.1)
    return max(CONTAINER_SLACK_SECONDS, CONTAINER_SLACK_FRACTION * info.duration, STREAM_SLACK_FRAMES * period)


def missing_part(info: VideoInfo, decoded_frames: int, decoded_seconds: float) -> str | None:
    """What the input lacks, as a clause ("only 25 of its 50 frames could be read"), or None when it is whole."""
    if info.frames:
        if decoded_frames < info.frames:
            return f"only {decoded_frames} of its {info.frames} frames could be read"
        return None
    if info.duration and decoded_seconds and info.duration - decoded_seconds > duration_slack(info):
        return (f"it ends at {decoded_seconds:.2f} s of its declared {info.duration:.2f} s; {decoded_frames} frames "
                "could be read")
    return None
