"""A video that ends before its declared duration is refused (or, with --allow-truncated, upscaled with a note and
said so); output streams a container cannot hold are converted or refused before the first frame."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from sesr_core.cli.main import main
from sesr_core.jobs import LogEvent, Progress
from sesr_core.runtime.upscaler import Upscaler
from tests.runtime_clips import SAMPLE_RATE, make_clip


def cut_at_packet(source: Path, target: Path, keep_frames: int) -> Path:
    """``source`` cut at the boundary before its ``keep_frames``-th video packet (a download that stopped there)."""
    with av.open(str(source)) as container:
        positions = [p.pos for p in container.demux(video=0) if p.size]
    target.write_bytes(source.read_bytes()[:positions[keep_frames]])
    return target


@pytest.fixture(scope="module")
def x2(default_model_path) -> Upscaler:
    return Upscaler(default_model_path, threads=2)


@pytest.mark.parametrize("suffix", [".mkv", ".webm"])
def test_a_video_cut_at_a_packet_boundary_is_not_reported_as_success(default_model_path, tmp_path, suffix, capsys):
    codec = "libvpx-vp9" if suffix == ".webm" else "libx264"
    full = make_clip(tmp_path / f"full{suffix}", frames=50, codec=codec, audio=suffix == ".mkv")
    cut = cut_at_packet(full, tmp_path / f"t{suffix}", 25)
    out = tmp_path / f"out{suffix}"
    model = ["--model", str(default_model_path), "--codec", "vp9" if suffix == ".webm" else "h264"]
    assert main(["video", str(cut), "-o", str(out), *model]) == 1
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"'{cut}'" in err and "truncated" in err and "of its declared 2.00 s" in err and "--allow-truncated" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([full.name, cut.name])

    assert main(["video", str(cut), "-o", str(out), *model, "--allow-truncated"]) == 0
    captured = capsys.readouterr()
    assert "note:" in captured.err and "truncated" in captured.err and "25 frames" in captured.out
    with av.open(str(out)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 25


def test_a_complete_mkv_whose_audio_outlasts_its_video_is_not_called_truncated(x2, tmp_path):
    clip = make_clip(tmp_path / "long_audio.mkv", frames=20, audio=False)
    with_audio = tmp_path / "a.mkv"
    with av.open(str(clip)) as source, av.open(str(with_audio), "w") as target:
        video = target.add_stream_from_template(source.streams.video[0])
        sound = target.add_stream("aac", rate=SAMPLE_RATE)
        sound.layout = "mono"
        for packet in source.demux(video=0):
            if packet.size:
                packet.stream = video
                target.mux(packet)
        for start in range(0, int(1.5 * SAMPLE_RATE), 1024):  # 1.5 s of audio under 0.8 s of video
            chunk = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts = SAMPLE_RATE, start
            target.mux(sound.encode(chunk))
        target.mux(sound.encode(None))
    result = x2.upscale_video(with_audio, tmp_path / "out.mkv")
    assert result.frames == 20 and result.path.is_file()


def make_pcm_clip(path: Path, frames: int = 12) -> Path:
    """H.264 video with PCM s16le audio (fine in MKV, not allowed in MP4)."""
    clip = make_clip(path.with_name("video-only.mkv"), frames=frames, audio=False)
    with av.open(str(clip)) as source, av.open(str(path), "w") as target:
        video = target.add_stream_from_template(source.streams.video[0])
        sound = target.add_stream("pcm_s16le", rate=SAMPLE_RATE)
        sound.layout = "stereo"
        for packet in source.demux(video=0):
            if packet.size:
                packet.stream = video
                target.mux(packet)
        for start in range(0, int(frames / 25 * SAMPLE_RATE), 1024):
            chunk = av.AudioFrame.from_ndarray(np.zeros((1, 2048), np.int16), format="s16", layout="stereo")
            chunk.sample_rate, chunk.pts, chunk.time_base = SAMPLE_RATE, start, Fraction(1, SAMPLE_RATE)
            target.mux(sound.encode(chunk))
        target.mux(sound.encode(None))
    return path


def test_pcm_audio_into_mp4_is_converted_before_the_first_frame(x2, tmp_path):
    source = make_pcm_clip(tmp_path / "pcm.mkv")
    events = []
    result = x2.upscale_video(source, tmp_path / "x.mp4", on_event=events.append)
    first_frame = next(i for i, e in enumerate(events) if isinstance(e, Progress) and e.done)
    notes = [i for i, e in enumerate(events) if isinstance(e, LogEvent) and "pcm_s16le" in e.message]
    assert notes and notes[0] < first_frame
    assert "re-encoded to aac" in events[notes[0]].message
    with av.open(str(result.path)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
        assert sum(1 for _ in container.decode(video=0)) == 12
