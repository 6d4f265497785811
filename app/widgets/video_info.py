"""The Video page's properties panel: size, frame rate, duration, codecs, audio and subtitle tracks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QWidget

from app.formatting import duration, file_size

FIELDS = [("file", "File"), ("container", "Container"), ("size", "Frame size"), ("fps", "Frame rate"),
          ("duration", "Duration"), ("frames", "Frames"), ("video", "Video"), ("audio", "Audio"),
          ("subtitles", "Subtitles")]


def _audio_text(tracks: list[dict]) -> str:
    if not tracks:
        return "none"
    lines = []
    for number, track in enumerate(tracks, 1):
        channels = {1: "mono", 2: "stereo", 6: "5.1", 8: "7.1"}.get(track.get("channels") or 0,
                                                                 f"{track.get('channels')} ch")
        rate = f"{track['rate'] / 1000:g} kHz" if track.get("rate") else ""
        language = f" [{track['language']}]" if track.get("language") else ""
        lines.append(f"#{number} {track.get('codec', '?')} {channels} {rate}{language}".strip())
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

    def show_info(self, info: dict | None) -> None:
        if info is None:
            for value in self.values.values():
                value.setText("—")
            return
        name = info["path"].rsplit("/", 1)[-1]
        bit_rate = f", {info['bit_rate'] / 1e6:.1f} Mb/s" if info.get("bit_rate") else ""
        texts = {
            "file": f"{name} ({file_size(info.get('size_bytes', 0))})",
            "container": info.get("container", "?"),
            "size": f"{info['width']}×{info['height']}",
            "fps": f"{info['fps']:.3f}".rstrip("0").rstrip(".") + " fps" if info.get("fps") else "unknown",
            "duration": duration(info.get("duration")),
            "frames": f"{info['frames']:,}" if info.get("frames") else "unknown",
            "video": f"{info.get('codec', '?')} {info.get('pix_fmt', '')}{bit_rate}".strip(),
            "audio": _audio_text(info.get("audio") or []),
            "subtitles": ", ".join(f"{s.get('codec', '?')}" + (f" [{s['language']}]" if s.get("language") else "")
                                   for s in info.get("subtitles") or []) or "none",
        }
        for key, text in texts.items():
            self.values[key].setText(text)
