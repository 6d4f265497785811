"""The Video page: pick or drop a video, see its properties, preview one frame before and after, convert it."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.catalog_store import CatalogStore
from app.formatting import duration
from app.jobs import runtime_bridge
from app.jobs.threads import JobRunner
from app.jobs.upscale import keep_both_name
from app.jobs.video import FramePreview, VideoSummary, preview_frame, run_video, video_model
from app.pages.job_page import JobPage
from app.settings import Settings
from app.widgets.compare_panel import ComparePanel
from app.widgets.empty_state import EmptyState
from app.widgets.folder_field import PathField
from app.widgets.panes import two_panes
from app.widgets.video_info import VideoInfoPanel
from sesr_core.errors import SesrError
from sesr_core.jobs import LogEvent, Phase, Progress
from sesr_core.time_left import TimeLeft, describe_time_left

VIDEO_FILTER = "Videos (" + " ".join(f"*{e}" for e in runtime_bridge.VIDEO_EXTENSIONS) + ")"


class VideoPage(JobPage):
    """One video at a time: properties, a one-frame before/after preview, and the conversion with progress."""

    title = "Video"

    def __init__(self, catalog: CatalogStore, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(catalog, settings, "Upscale video", parent=parent)
        self.preview_runner = JobRunner(self)
        self.path: Path | None = None
        self.info: VideoSummary | None = None
        self.result: Path | None = None
        self._earlier: Path | None = None  # the result before the running job (still there if it stops)
        self._frame: FramePreview | None = None
        self._notes: list[str] = []
        self._preview_again = False
        self._time_left = TimeLeft()
        self.file_label = QLabel("No video open: drop one on the window or press Ctrl+O.", objectName="hint")
        self.info_panel = VideoInfoPanel()
        self.codecs = {c.name: c for c in runtime_bridge.video_codecs()}
        self.codec = QComboBox()
        for info in self.codecs.values():
            self.codec.addItem(info.label, info.name)
        self.crf = QSpinBox()
        self.crf.setToolTip("Constant rate factor: lower is better quality and a bigger file")
        self.preset = QComboBox()
        self.preset.setToolTip("Encoder speed: faster presets make bigger files at the same quality")
        self.codec.currentIndexChanged.connect(lambda _i: self._codec_changed())
        self._codec_changed()
        self.output = PathField("save", "Beside the input", VIDEO_FILTER)
        self.output.edit.setToolTip("Empty: saved beside the input, named NAME_x2.mp4")
        self.overwrite = QCheckBox("Replace an existing file")
        self.compare = ComparePanel("Open a video to preview a frame")
        self.compare_view = self.compare.view
        EmptyState(self.compare_view, "video", "Open a video to upscale it, or drop one anywhere on the window.",
                   "Open video…", self.open_dialog).follow_view(self.compare_view)
        self.slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=1000)
        self.time_label = QLabel("0:00")
        self.preview_button = QPushButton("Preview frame")
        self.open_button = QPushButton("Play result")
        self.folder_button = QPushButton("Show in folder")
        self.open_button.clicked.connect(lambda: self._open(self.result))
        self.folder_button.clicked.connect(lambda: self._open(self.result.parent if self.result else None))
        self.preview_button.clicked.connect(self.preview)
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderReleased.connect(self.preview)
        self.compare.bicubic_toggled.connect(lambda _on: self._show_frame(keep_view=True))
        self.picker.changed.connect(lambda _e: self.selection_changed.emit())
        self._build()
        self._restore()
        self._update_buttons()

    # ------------------------------------------------------------------------------------------------ layout

    def _build(self) -> None:
        output_box = QGroupBox("Output")
        form = QFormLayout(output_box)
        form.addRow(self.picker)
        form.addRow("Codec", self.codec)
        form.addRow("Quality (CRF)", self.crf)
        form.addRow("Speed preset", self.preset)
        form.addRow("Save as", self.output)
        form.addRow("", self.overwrite)
        open_button = QPushButton("Open video…")
        open_button.clicked.connect(self.open_dialog)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.addWidget(open_button)
        left_layout.addWidget(self.info_panel)
        left_layout.addWidget(output_box)
        left_layout.addStretch(1)
        frame_row = QHBoxLayout()
        frame_row.addWidget(QLabel("Frame at"))
        frame_row.addWidget(self.slider, 1)
        frame_row.addWidget(self.time_label)
        frame_row.addWidget(self.preview_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(self.compare, 1)
        right_layout.addLayout(frame_row)
        splitter = two_panes(left, right, 380, 880)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.file_label)
        layout.addWidget(splitter, 1)
        layout.addLayout(self.bottom_bar(self.open_button, self.folder_button))

    # ------------------------------------------------------------------------------------------------ input

    def accepts(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in runtime_bridge.VIDEO_EXTENSIONS

    def open_paths(self, paths: list[Path]) -> None:
        if paths:
            self.open_video(paths[0])

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a video", self.settings.text("video/open_dir"),
                                              f"{VIDEO_FILTER};;All files (*)")
        if path:
            self.open_video(Path(path))

    def open_video(self, path: Path) -> bool:
        """Read a video's properties and preview its middle frame; False (and a message) when it cannot be read."""
        if self.busy:
            self.banner.show_message("A video is being converted; cancel it before opening another.", "info")
            return False
        try:
            info = runtime_bridge.probe_video(Path(path))
        except SesrError as err:
            self.banner.show_message(str(err), "error")
            return False
        self.path, self.info, self.result, self._frame = Path(path), info, None, None
        self.settings.set("video/open_dir", str(self.path.parent))
        self.banner.hide()
        self.file_label.setText(str(self.path))
        self.info_panel.show_info(info)
        scale = self.picker.scale
        frames = f"{info.frames:,} frames" if info.frames else "the frames"
        width, height = info.output_size(scale)
        self.reset_progress(f"Ready: {frames} at {info.width}×{info.height} → {width}×{height}; press Upscale video "
                            "(Ctrl+Return).")
        self.slider.blockSignals(True)
        self.slider.setValue(500 if info.duration else 0)
        self.slider.blockSignals(False)
        self._slider_moved(self.slider.value())
        self._update_buttons()
        self.preview()
        return True

    def frame_time(self) -> float:
        length = self.info.duration if self.info is not None else 0.0
        return length * self.slider.value() / 1000

    def _slider_moved(self, _value: int) -> None:
        self.time_label.setText(duration(self.frame_time()))

    def output_path(self) -> Path | None:
        if self.output.path():
            return Path(self.output.path()).expanduser()
        if self.path is None:
            return None
        return runtime_bridge.default_video_output(self.path, self.picker.scale, self.codec.currentData())

    def _codec_changed(self, crf: int | None = None, preset: str | None = None) -> None:
        """CRF range and presets follow the codec (x264 CRF 0-51 and named presets; VP9 0-63 and speeds 0-8...)."""
        info = self.codecs[self.codec.currentData()]
        self.crf.setRange(*info.crf_range)
        self.crf.setValue(info.crf if crf is None else crf)
        self.preset.clear()
        self.preset.addItems(list(info.presets))
        self.preset.setCurrentText(preset if preset in info.presets else info.preset)

    # ------------------------------------------------------------------------------------------------ preview

    def preview(self) -> None:
        """Upscale the frame under the slider with the chosen model (in the background)."""
        entry = self.picker.entry()
        if self.path is None:
            return
        if self.preview_runner.busy:
            self.preview_runner.cancel()
            self._preview_again = True
            return
        self._preview_again = False
        path, seconds, bicubic = self.path, self.frame_time(), self.compare.bicubic
        chosen = video_model(path, entry) if entry else None
        model, name = (chosen.path, chosen.name) if chosen else (None, "")
        threads = self.settings.integer("runtime/threads", 0) or None
        self.compare_view.set_message(f"Upscaling the frame at {duration(seconds)}…")
        thread = self.preview_runner.start(
            lambda on_event, cancel: preview_frame(path, seconds, model, threads, bicubic, on_event, cancel, name),
            "Frame preview")
        thread.succeeded.connect(self._frame_ready)
        thread.failed.connect(lambda reason: self.compare_view.set_message(reason))
        thread.ended.connect(lambda: self.preview() if self._preview_again else None)
        thread.start()

    def _frame_ready(self, frame: FramePreview) -> None:
        same = self._frame is not None and self._frame.original.size() == frame.original.size()
        self._frame = frame
        self._show_frame(keep_view=same)

    def _show_frame(self, keep_view: bool = False) -> None:
        frame = self._frame
        if frame is None:
            return
        if self.compare.bicubic and frame.bicubic is None:
            self.preview()
            return
        before = frame.bicubic if self.compare.bicubic else frame.original
        label = f"Bicubic ×{frame.scale}" if self.compare.bicubic else "Original"
        after_label = f"{frame.model or 'model'} ×{frame.scale}" if frame.upscaled else ""
        self.compare.caption.setText(f"Frame at {duration(frame.seconds)}")
        self.compare_view.set_images(before, frame.upscaled, label, after_label, keep_view=keep_view)
        self.compare_view.set_message("" if frame.upscaled else "Choose a model to preview the result")

    # ------------------------------------------------------------------------------------------------ convert

    def start(self, existing: str = "") -> None:
        """Upscale the open video. When the output exists (and "Replace an existing file" is off) the banner asks
        first: ``existing`` is the answer, "replace" or "keep" (keep both: ``NAME_x2 (2).mp4``)."""
        if self.busy or self.path is None or self.model_missing():
            return
        entry = self.picker.entry()
        target = self.output_path()
        overwrite = self.overwrite.isChecked() or existing == "replace"
        if target is not None and target.exists() and not overwrite:
            if existing != "keep":
                self.banner.show_message(f"'{target.name}' already exists. Replace it, or keep both (the new file is "
                                         f"named '{keep_both_name(target).name}')?", "info", "Replace",
                                         lambda: self.start("replace"),
                                         second=("Keep both", lambda: self.start("keep")))
                return
            target = keep_both_name(target)
        chosen = video_model(self.path, entry)
        self._save()
        self._earlier = self.result
        self.result = None
        self._notes: list[str] = []
        self.banner.hide()
        self._time_left = TimeLeft()
        source, codec, crf, preset = self.path, self.codec.currentData(), self.crf.value(), self.preset.currentText()
        threads = self.settings.integer("runtime/threads", 0) or None
        self.preview_runner.cancel()
        thread = self.runner.start(
            lambda on_event, cancel: run_video(source, target, chosen.path, threads, codec, crf, preset, overwrite,
                                               on_event, cancel), "Video upscaling")
        thread.event.connect(self._on_event)
        thread.succeeded.connect(self._finished)
        thread.cancelled.connect(self._cancelled)
        thread.failed.connect(self._job_failed)
        self.reset_progress("Starting…")
        if chosen.name != entry.name:
            self.status_message.emit(f"Upscaling with {chosen.name}: {chosen.reason}")
        thread.start()

    def _cancelled(self, _partial: object = None) -> None:
        self._stopped("Cancelled; no partial file was left.")

    def _job_failed(self, reason: str) -> None:
        super()._job_failed(reason)
        self._stopped("Stopped by an error.")

    def _stopped(self, text: str) -> None:
        """The job ended without a new file: an empty bar, and the earlier result (if still there) to play."""
        self.reset_progress(text)
        if self._earlier is not None and self._earlier.is_file():
            self.result = self._earlier
        self._update_buttons()

    def shutdown(self, milliseconds: int = 15_000) -> None:
        """Stop the conversion and the frame preview and wait for them (the window is closing)."""
        self._preview_again = False
        for runner in (self.runner, self.preview_runner):
            runner.cancel()
        for runner in (self.runner, self.preview_runner):
            runner.wait(milliseconds)

    def _on_event(self, event) -> None:
        if isinstance(event, LogEvent) and event.level in ("warning", "error"):
            self._notes.append(event.message)
            self.status_message.emit(event.message)
        if not isinstance(event, Progress) or not self.busy:
            return
        frames = self.info.frames if self.info is not None else 0
        if event.total:
            self.progress.setValue(int(1000 * min(1.0, event.done / event.total)))
        if event.phase == Phase.WRITING:
            self.progress.setFormat("Finishing the file…")
        elif frames:
            self.progress.setFormat(f"Frame {int(event.done):,} of {frames:,}")
        else:
            self.progress.setFormat(f"Frame {int(event.done):,}")
        left = self._time_left.update(event.done, event.total)
        elapsed = self._time_left.elapsed
        fps = f"{event.done / elapsed:.1f} fps  ·  " if elapsed > 0 and event.phase == Phase.ENCODING else ""
        self.progress_text.setText(f"{fps}elapsed {duration(elapsed)}  ·  {describe_time_left(left)}")

    def _finished(self, result) -> None:
        target = Path(result.path)
        self.result = target
        for message in getattr(result, "messages", []):
            self.status_message.emit(message)
        self.progress.setValue(1000)
        fps = f" ({result.fps:.1f} fps)" if getattr(result, "fps", 0) else ""
        frames = f"Frame {result.frames:,} of {result.frames:,}  ·  " if result.frames else ""
        self.progress.setFormat(f"{frames}done")
        self.progress_text.setText(f"Done in {duration(self._time_left.elapsed)}{fps}: {target}")
        notes = "".join(f"\n{note}" for note in self._notes)
        self.banner.show_message(f"Saved {target.name}.{notes}", "success", "Play", lambda: self._open(target))
        self.status_message.emit(f"Video saved: {target}")
        self._update_buttons()

    def _update_buttons(self) -> None:
        ready = self.path is not None and not self.busy
        self.start_button.setEnabled(ready and self.picker.entry() is not None)
        self.cancel_button.setEnabled(self.busy)
        self.preview_button.setEnabled(self.path is not None)
        self.open_button.setEnabled(self.result is not None and self.result.is_file())
        self.folder_button.setEnabled(self.result is not None)
        for widget in (self.picker, self.codec, self.crf, self.preset, self.output, self.overwrite):
            widget.setEnabled(not self.busy)

    def _open(self, path: Path | None) -> None:
        if path is not None and path.exists():
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    # ------------------------------------------------------------------------------------------------ settings

    def status_info(self):
        return self.picker.entry(), self.picker.scale, self.settings.integer("runtime/threads", 0) or os.cpu_count()

    def _restore(self) -> None:
        self.picker.set_scale(self.settings.integer("video/scale", 2))
        if self.settings.text("video/model"):
            self.picker.select(self.settings.text("video/model"))
        self.codec.blockSignals(True)
        self.codec.setCurrentIndex(max(0, self.codec.findData(self.settings.text("video/codec", "h264"))))
        self.codec.blockSignals(False)
        info = self.codecs[self.codec.currentData()]
        self._codec_changed(self.settings.integer("video/crf", info.crf), self.settings.text("video/preset"))
        self.overwrite.setChecked(self.settings.flag("video/overwrite", False))

    def _save(self) -> None:
        entry = self.picker.entry()
        self.settings.set("video/scale", self.picker.scale)
        if entry is not None:
            self.settings.set("video/model", entry.name)
        self.settings.set("video/codec", self.codec.currentData())
        self.settings.set("video/crf", self.crf.value())
        self.settings.set("video/preset", self.preset.currentText())
        self.settings.set("video/overwrite", self.overwrite.isChecked())

    def save_settings(self) -> None:
        self._save()
