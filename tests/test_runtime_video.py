"""Video upscaling with a real SESR model: frames, timestamps, streams, metadata, odd sizes, bad files, cancel."""

from __future__ import annotations

import errno
import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

import sesr_core.runtime.video_file as video_job
from sesr_core.errors import CancelledError, SesrError
from sesr_core.jobs import ArtefactEvent, CancelToken, LogEvent, Phase, Progress
from sesr_core.runtime.upscaler import Upscaler
from sesr_core.runtime.video_pipeline import plane_array
from tests.runtime_clips import decoded_frames, make_audio_only, make_clip, packets

VFR_PTS = [0, 40, 60, 150, 160, 300, 310, 400, 433, 480]


@pytest.fixture(scope="module")
def x2(tiny_models) -> Upscaler:
    return Upscaler(tiny_models.path(2), scale=2)


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "audio": make_clip(folder / "holiday.mp4", rotation=90),
        "faststart": make_clip(folder / "streamable.mp4", faststart=True),
        "vfr": make_clip(folder / "vfr.mp4", pts=VFR_PTS, time_base=Fraction(1, 1000), audio=False),
        "odd": make_clip(folder / "odd.mkv", codec="ffv1", width=63, height=47, frames=12, subtitles=True),
        "no video": make_audio_only(folder / "voice.mp4"),
    }


def frame_times(path: Path) -> list[float]:
    return [float(frame.time) for frame in decoded_frames(path)]


def test_a_clip_keeps_frames_timing_audio_rotation_and_colour(x2, clips, tmp_path):
    events = []
    result = x2.upscale_video(clips["audio"], tmp_path / "big.mp4", on_event=events.append)
    out = tmp_path / "big.mp4"
    assert result.path == out and result.frames == 20
    source_frames, frames = decoded_frames(clips["audio"]), decoded_frames(out)
    assert len(frames) == 20 and (frames[0].width, frames[0].height) == (128, 96)
    assert [f.time for f in frames] == [f.time for f in source_frames]
    assert frames[0].rotation == 90
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264" and video.codec_context.pix_fmt == "yuv420p"
        context = video.codec_context
        assert (context.color_primaries, context.color_trc, context.colorspace, context.color_range) == (1, 1, 1, 1)
    assert packets(out, "audio") == packets(clips["audio"], "audio")  # copied packet for packet
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # faststart
    # Luma is the network's: the encoded result is close to the model run on the decoded input.
    expected = x2.luma.upscale_u8(np.ascontiguousarray(plane_array(source_frames[5].planes[0])))
    got = plane_array(frames[5].planes[0]).astype(float)
    assert 10 * np.log10(255**2 / np.mean((got - expected) ** 2)) > 33
    progress = [e for e in events if isinstance(e, Progress)]
    frames_done = [p for p in progress if p.phase == Phase.ENCODING]
    assert frames_done and max(p.done / p.total for p in frames_done) < 1  # the finishing steps are still ahead
    assert progress[-1].phase == Phase.WRITING and progress[-1].done == progress[-1].total
    assert isinstance(events[-1], ArtefactEvent)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.mp4"]


def test_variable_frame_rate_timestamps_are_kept(x2, clips, tmp_path):
    out = x2.upscale_video(clips["vfr"], tmp_path).path
    assert out == tmp_path / "vfr_x2.mp4"
    assert frame_times(out) == pytest.approx([p / 1000 for p in VFR_PTS], abs=1e-3)


def test_odd_sizes_subtitles_and_containers(x2, clips, tmp_path):
    kept = x2.upscale_video(clips["odd"], tmp_path / "odd_x2.mkv")
    frames = decoded_frames(kept.path)
    assert len(frames) == 12 and (frames[0].width, frames[0].height) == (126, 94)
    assert packets(kept.path, "subtitles") == packets(clips["odd"], "subtitles")
    # MP4 cannot hold SubRip: the stream is left out and the job says so.
    events = []
    dropped = x2.upscale_video(clips["odd"], tmp_path / "odd_x2.mp4", on_event=events.append)
    notes = [e.message for e in events if isinstance(e, LogEvent)]
    assert any("subtitle stream" in n and "left out" in n for n in notes) and dropped.messages == notes
    with av.open(str(dropped.path)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]


def test_webm_output_reencodes_audio_it_cannot_hold(x2, clips, tmp_path):
    result = x2.upscale_video(clips["audio"], tmp_path / "web.webm", codec="vp9", preset="8", crf=40)
    assert any("re-encoded to opus" in m for m in result.messages)
    with av.open(str(result.path)) as container:
        assert [(s.type, s.codec_context.name) for s in container.streams] == [("video", "vp9"), ("audio", "opus")]
        assert container.streams.audio[0].duration or container.duration
    assert len(decoded_frames(result.path)) == 20
    with pytest.raises(SesrError, match="cannot hold h264 video"):
        x2.upscale_video(clips["audio"], tmp_path / "web2.webm")


def one_sentence(message: str, path: Path) -> bool:
    return str(path) in message and "\n" not in message and message.endswith(".")


def test_bad_videos_get_one_clear_sentence(x2, clips, tmp_path):
    truncated = tmp_path / "cut.mp4"  # index at the end: cut off with the file's tail
    data = clips["audio"].read_bytes()
    truncated.write_bytes(data[: len(data) * 2 // 3])
    cut_frames = tmp_path / "short.mp4"  # index at the front: frames missing at the end
    data = clips["faststart"].read_bytes()
    cut_frames.write_bytes(data[: len(data) // 2])
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    cases = {clips["no video"]: "no video stream", truncated: "truncated or not a video file",
             cut_frames: r"truncated or corrupt \(only \d+ of its 20 frames could be read\)",
             text: "not a video file", empty: r"empty \(0 bytes\)", tmp_path / "missing.mp4": "does not exist"}
    for path, expected in cases.items():
        events = []
        with pytest.raises(SesrError, match=expected) as info:
            x2.upscale_video(path, tmp_path / "out", on_event=events.append)
        assert one_sentence(str(info.value), path), str(info.value)
        assert not any(isinstance(e, ArtefactEvent) for e in events)
    assert list((tmp_path / "out").iterdir()) == []


def test_existing_outputs_need_overwrite(x2, clips, tmp_path):
    target = tmp_path / "taken.mp4"
    target.write_bytes(b"keep")
    with pytest.raises(SesrError, match="already exists"):
        x2.upscale_video(clips["vfr"], target)
    assert target.read_bytes() == b"keep"
    x2.upscale_video(clips["vfr"], target, overwrite=True)
    assert len(decoded_frames(target)) == len(VFR_PTS)
    with pytest.raises(SesrError, match="input file itself"):
        x2.upscale_video(clips["vfr"], clips["vfr"], overwrite=True)


def test_a_full_disk_or_read_only_folder_leaves_no_partial_file(x2, clips, tmp_path, monkeypatch):
    made = []

    def temporary_on_full_disk(target: Path) -> Path:
        link = target.parent / f".{target.stem}.partial{target.suffix}"
        os.symlink("/dev/full", link)  # every write fails with ENOSPC, as on a full disk
        made.append(link)
        return link

    monkeypatch.setattr(video_job, "_temporary_name", temporary_on_full_disk)
    with pytest.raises(SesrError, match="the disk is full") as info:
        x2.upscale_video(clips["audio"], tmp_path / "full.mp4")
    assert one_sentence(str(info.value), tmp_path / "full.mp4")
    assert made and list(tmp_path.iterdir()) == []
    monkeypatch.undo()

    real_replace = os.replace

    def refuse(src, dst, *args, **kwargs):
        if Path(dst).suffix == ".mp4":
            raise PermissionError(errno.EACCES, "Permission denied", str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(SesrError, match="read-only"):
        x2.upscale_video(clips["audio"], tmp_path / "locked.mp4")
    assert list(tmp_path.iterdir()) == []


def test_cancel_leaves_no_partial_file(x2, clips, tmp_path):
    cancel, events = CancelToken(), []

    def cancel_at_first_progress(event) -> None:
        events.append(event)
        if isinstance(event, Progress):
            cancel.cancel()

    with pytest.raises(CancelledError) as stopped:
        x2.upscale_video(clips["audio"], tmp_path / "stop.mp4", cancel=cancel, on_event=cancel_at_first_progress)
    assert stopped.value.partial is None
    assert list(tmp_path.iterdir()) == []


def test_frames_without_timestamps_get_them_at_the_nominal_rate(x2, tmp_path):
    raw = make_clip(tmp_path / "camera.h264", frames=8, audio=False)  # a raw H.264 stream has no timestamps
    assert all(frame.pts is None for frame in decoded_frames(raw))
    out = x2.upscale_video(raw, tmp_path / "camera_x2.mp4").path
    assert frame_times(out) == pytest.approx([i / 25 for i in range(8)], abs=1e-3)
