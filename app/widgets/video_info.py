"""The Video page's properties panel: size, frame rate, duration, codecs, audio and subtitle tracks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from app.formatting import duration, file_size
from app.jobs.video import VideoSummary

FIELDS = [("file", "File"), ("container", "Container"), ("size", "Frame size"), ("fps", "Frame rate"),
          ("duration", "Duration"), ("frames", "Frames"), ("video", "Video"), ("audio", "Audio"),
          ("subtitles", "Subtitles")]


def _audio_text(tracks) -> str:
    if not tracks:
        return "none"
    lines = []
    for number, track in enumerate(tracks, 1):
        channels = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}.get(track.channels, f"{track.channels} ch")
        rate = f"{track.rate / 1000:g} kHz" if track.rate else ""
        language = f" [{track.language}]" if track.language else ""
        lines.append(f"#{number} {track.codec} {channels} {rate}{language}".strip())
    return "\n".join(lines) + "\n(copied unchanged)"


class VideoInfoPanel(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Properties", parent)
        self.values: dict[str, QLabel] = {}
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, label in FIELDS:
            value = QLabel("—", wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = value
            form.addRow(label, value)

    def show_info(self, info: VideoSummary | None) -> None:
        """Show a video's properties (dashes for None)."""
        if info is None:
            for value in self.values.values():
                value.setText("—")
            return
        bit_rate = f", {info.bit_rate / 1e6:.1f} Mb/s" if info.bit_rate else ""
        texts = {
            "file": f"{info.path.name} ({file_size(info.size_bytes)})",
            "container": info.container,
            "size": f"{info.width}×{info.height}",
            "fps": f"{info.fps:.3f}".rstrip("0").rstrip(".") + " fps" if info.fps else "unknown",
            "duration": duration(info.duration or None),
            "frames": f"{info.frames:,}" if info.frames else "unknown",
            "video": f"{info.codec} {info.pixel_format}{bit_rate}".strip(),
            "audio": _audio_text(info.audio),
            "subtitles": ", ".join(s.codec + (f" [{s.language}]" if s.language else "") for s in info.subtitles)
            or "none",
        }
        for key, text in texts.items():
            self.values[key].setText(text)
