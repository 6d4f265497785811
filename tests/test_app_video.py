"""The Video page: a generated clip with sound shows its properties (a typed record), previews one frame, converts
with audio kept, and a cancel leaves no partial file; Replace / Keep both, the earlier result still playable after a
cancel, and no "Frame 24 of 24" left beside "Stopped by an error"."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")
av = pytest.importorskip("av")

from app.demo_media import make_clip  # noqa: E402
from app.jobs.video import VideoSummary  # noqa: E402
from sesr_core.imaging.image_read import read_image  # noqa: E402
from sesr_core.jobs import Progress  # noqa: E402

pytest_plugins = ("tests.app_fixtures",)
SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture
def clip(tmp_path) -> Path:
    """A 1-second 160x120 H.264 clip at 24 fps with a stereo AAC tone."""
    return make_clip(tmp_path / "clip.mp4", read_image(SAMPLES / "coffee.png").pixels, seconds=1.0, size=(160, 120))


def test_a_clip_with_audio_is_shown_previewed_and_converted(qtbot, window, x2_model, clip, tmp_path):
    page = window.video
    page.select_model("tiny-x2")
    window.open_paths([clip])  # as a drop would
    assert window.current_page() is page
    values = {key: label.text() for key, label in page.info_panel.values.items()}
    assert values["size"] == "160×120" and values["fps"] == "24 fps" and values["frames"] == "24"
    assert values["video"].startswith("h264") and "aac stereo 44.1 kHz" in values["audio"]
    qtbot.waitUntil(lambda: not page.preview_runner.busy and page.compare_view.content_size() == (320, 240),
                    timeout=30_000)
    assert page.compare_view.before_image is not None and page.compare_view.after_image is not None

    out = tmp_path / "out" / "clip_x2.mp4"
    out.parent.mkdir()
    page.output.set_path(str(out))
    progress = []
    page.start()
    page.runner.current.event.connect(lambda e: progress.append(e) if isinstance(e, Progress) else None)
    qtbot.waitUntil(lambda: not page.busy, timeout=120_000)
    assert page.banner.kind == "success", page.banner.message()
    assert page.result == out and page.open_button.isEnabled()
    assert "Frame" in page.progress.format()
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (320, 240)
        assert len(container.streams.audio) == 1
        assert sum(1 for _ in container.decode(video=0)) == 24


def test_cancelling_a_video_leaves_no_partial_file(qtbot, window, x2_model, tmp_path):
    longer = make_clip(tmp_path / "long.mp4", read_image(SAMPLES / "astronaut.png").pixels, seconds=12.0,
                       size=(320, 240), audio=False)
    page = window.video
    page.select_model("tiny-x2")
    assert page.open_video(longer)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    page.output.set_path(str(out_dir / "long_x2.mp4"))
    page.codec.setCurrentIndex(page.codec.findData("h264"))
    page.preset.setCurrentText("medium")  # slow enough to cancel midway
    page.start()
    seen = []
    page.runner.current.event.connect(lambda e: seen.append(e) if isinstance(e, Progress) and e.done else None)
    qtbot.waitUntil(lambda: bool(seen), timeout=60_000)
    page.cancel()
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    assert "Cancelled" in page.progress_text.text()
    assert list(out_dir.iterdir()) == []


def test_a_file_that_is_not_a_video_is_refused_with_a_sentence(window, tmp_path):
    fake = tmp_path / "holiday.mp4"
    fake.write_text("not a video")
    assert not window.video.open_video(fake)
    assert "holiday.mp4" in window.video.banner.message() and window.video.banner.kind == "error"


def convert(qtbot, page) -> None:
    page.start()
    assert page.busy
    qtbot.waitUntil(lambda: not page.busy, timeout=120_000)


def test_the_probe_is_a_typed_record(window, x2_model, clip):
    page = window.video
    assert page.open_video(clip)
    info = page.info
    assert isinstance(info, VideoSummary)
    assert (info.width, info.height, info.frames, info.codec) == (160, 120, 24, "h264")
    assert info.audio and info.audio[0].channels == 2 and info.audio[0].codec == "aac"
    assert page.info_panel.values["audio"].text().startswith("#1 aac stereo")


def test_keep_both_and_replace_an_existing_result(qtbot, window, x2_model, clip, tmp_path):
    page = window.video
    page.select_model("tiny-x2")
    assert page.open_video(clip)
    convert(qtbot, page)
    first = page.result
    assert first == tmp_path / "clip_x2.mp4" and first.is_file()
    page.start()
    assert not page.busy and "already exists" in page.banner.message() and "--overwrite" not in page.banner.message()
    assert (page.banner.action.text(), page.banner.second_action.text()) == ("Replace", "Keep both")
    page.banner.second_action.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=120_000)
    assert page.result == tmp_path / "clip_x2 (2).mp4" and first.is_file()
    page.start()
    page.banner.action.click()  # Replace
    qtbot.waitUntil(lambda: not page.busy, timeout=120_000)
    assert page.result == first and sorted(p.name for p in tmp_path.glob("clip_x2*")) == ["clip_x2 (2).mp4",
                                                                                           "clip_x2.mp4"]


def test_play_result_stays_enabled_after_a_cancel_when_the_earlier_result_exists(qtbot, window, x2_model, clip):
    page = window.video
    page.select_model("tiny-x2")
    assert page.open_video(clip)
    convert(qtbot, page)
    earlier = page.result
    assert page.open_button.isEnabled()
    page.overwrite.setChecked(True)
    page.start()
    page.cancel()  # before its first frame: nothing new is written
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert "Cancelled" in page.progress_text.text()
    assert page.result == earlier and earlier.is_file() and page.open_button.isEnabled()
    assert page.progress.value() == 0 and page.progress.format() == ""


def test_an_error_after_the_last_frame_leaves_no_full_bar(qtbot, window, x2_model, tmp_path):
    from tests.runtime_clips import make_clip as make_test_clip

    whole = make_test_clip(tmp_path / "whole.mp4", width=160, height=120, frames=24, audio=False, faststart=True)
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the index (at the front) says 24 frames, fewer are there
    page = window.video
    page.select_model("tiny-x2")
    if not page.open_video(cut):
        pytest.skip(f"this cut is refused when opened: {page.banner.message()}")
    page.start()
    frames = []
    page.runner.current.event.connect(lambda e: frames.append(e) if isinstance(e, Progress) and e.done else None)
    qtbot.waitUntil(lambda: not page.busy, timeout=120_000)
    assert frames, "the job read frames before it stopped"
    assert page.banner.kind == "error" and "cut.mp4" in page.banner.message()
    assert page.progress_text.text() == "Stopped by an error."
    assert page.progress.format() == "" and page.progress.value() == 0


def test_a_family_picked_for_a_low_rate_clip_uses_the_file_sesr_video_uses(qtbot, photo_family, window, tmp_path):
    from sesr_core.runtime.model_choice import VIDEO_PHOTO_BELOW_BPP, choose_model, video_variant_quality
    from tests.test_model_choice import _clip

    starved = Path(_clip(tmp_path / "low.mp4", int(160 * 128 * 25 * VIDEO_PHOTO_BELOW_BPP / 4)))
    page = window.video
    page.select_model(photo_family.family.name)
    assert page.open_video(starved)
    qtbot.waitUntil(lambda: not page.preview_runner.busy and page._frame is not None, timeout=30_000)
    rate = choose_model(starved, 2, "video").quality.bits_per_pixel
    expected = photo_family.name(video_variant_quality(rate))  # what `sesr video --model FAMILY` names
    assert page._frame.model == expected and page.compare_view._after_label == f"{expected} ×2"
    messages = []
    page.status_message.connect(messages.append)
    page.output.set_path(str(tmp_path / "out.mp4"))
    page.start()
    qtbot.waitUntil(lambda: not page.busy, timeout=120_000)
    assert page.banner.kind == "success", page.banner.message()
    assert any(m.startswith(f"Upscaling with {expected}: chosen in the model picker; h264 video at") for m in messages)
