"""The Train page: the spec form, Start / Stop / Resume / Export this checkpoint, live plots, a log pane, elapsed time
and time left.

A model is promoted (selected on the Upscale page) only when its validation PSNR beats bicubic's on the same images;
otherwise the page says so and suggests more steps.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QTextCharFormat
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.catalog_store import CatalogStore
from app.formatting import duration
from app.jobs.threads import JobRunner
from app.jobs.training import (
    ExportedModel,
    TrainAndExportResult,
    TrainResult,
    default_runs_dir,
    export_run_checkpoint,
    install_message,
    new_run_dir,
    read_run,
    run_training,
    training_missing,
)
from app.settings import Settings
from app.theme import BAD, WARN
from app.widgets.banner import Banner
from app.widgets.folder_field import PathField
from app.widgets.panes import two_panes
from app.widgets.stat_strip import StatStrip
from app.widgets.train_plots import TrainPlots
from sesr_core.errors import SesrError
from sesr_core.jobs import ArtefactEvent, EvaluationEvent, LogEvent, Phase, Progress, StepEvent
from sesr_core.time_left import TimeLeft

MAX_LOG_LINES = 5000


class TrainPage(QWidget):
    """Trains a SESR model with live feedback; a finished run's int8 model lands in the catalog."""

    title = "Train"
    busy_changed = Signal(bool)
    model_added = Signal(str)
    status_message = Signal(str)

    def __init__(self, catalog: CatalogStore, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog, self.settings = catalog, settings
        self.runner = JobRunner(self)
        self.runner.busy_changed.connect(self._busy)
        self.run_dir: Path | None = None
        self.resumable = False
        self.exportable = False  # a stopped run whose checkpoint can be exported
        self._time_left = TimeLeft()
        self._started = 0.0
        self._elapsed_before = 0.0
        self._last_step: StepEvent | None = None
        self._best: float | None = None
        self.missing = training_missing()

        self.banner = Banner(closable=False)
        self.result = Banner()
        self.form = None
        self.plots = TrainPlots()
        self.log = QPlainTextEdit(readOnly=True)
        self.log.setMaximumBlockCount(MAX_LOG_LINES)
        self.log.setAcceptDrops(False)
        self.log.setPlaceholderText("The training log appears here.")
        self.runs_dir = PathField("folder", str(default_runs_dir()))
        self.runs_dir.set_path(settings.text("train/runs_dir", str(default_runs_dir())))
        self.start_button = QPushButton("Start training", objectName="primary")
        self.stop_button = QPushButton("Stop")
        self.resume_button = QPushButton("Resume…")
        self.export_button = QPushButton("Export this checkpoint")
        self.export_button.setToolTip("Add the stopped run's last checkpoint to the catalog as an int8 model")
        self.export_button.clicked.connect(self.export_checkpoint)
        self.open_run_button = QPushButton("Open run…")
        self.folder_button = QPushButton("Show run folder")
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.cancel)
        self.resume_button.clicked.connect(self.resume)
        self.open_run_button.clicked.connect(self.open_run)
        self.folder_button.clicked.connect(self._show_run_folder)
        self.stats = {key: QLabel("—") for key in ("step", "loss", "speed", "elapsed", "eta", "psnr")}
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._update_clock)
        self._build()
        self._update_buttons()

    # ------------------------------------------------------------------------------------------------ layout

    def _build(self) -> None:
        form_width = 400  # the left pane's first width: the form's own, where there is a form
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        if self.missing is None:
            from app.widgets.train_form import TrainForm

            self.form = TrainForm()
            self.form.init_from.refresh(self.runs_dir.path())
            self.form.restore(self.settings)
            self.runs_dir.changed.connect(self.form.init_from.refresh)
            scroll = QScrollArea(widgetResizable=True, frameShape=QScrollArea.Shape.NoFrame)
            scroll.setWidget(self.form)  # a window narrower than the form scrolls it rather than cut its edge off
            left_layout.addWidget(scroll, 1)
            form_width = self.form.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 6
        else:
            self.banner.show_message(install_message(self.missing), "info")
            note = QLabel("The training form appears here once TensorFlow is installed.", objectName="hint",
                          wordWrap=True)
            left_layout.addWidget(note)
            left_layout.addStretch(1)
        runs = QHBoxLayout()
        runs.addWidget(QLabel("Runs folder"))
        runs.addWidget(self.runs_dir, 1)
        left_layout.addLayout(runs)
        buttons = QGridLayout()
        buttons.addWidget(self.start_button, 0, 0, 1, 2)
        buttons.addWidget(self.stop_button, 0, 2)
        buttons.addWidget(self.resume_button, 1, 0)
        buttons.addWidget(self.open_run_button, 1, 1)
        buttons.addWidget(self.folder_button, 1, 2)
        buttons.addWidget(self.export_button, 2, 0, 1, 3)
        left_layout.addLayout(buttons)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(self._stats_row())
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.plots)
        splitter.addWidget(self.log)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 170])
        right_layout.addWidget(splitter, 1)

        body = two_panes(left, right, form_width, 800)  # the form whole, the plots the rest
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.result)
        layout.addWidget(body, 1)

    def _stats_row(self) -> StatStrip:
        names = (("step", "Step"), ("loss", "Loss"), ("speed", "Speed"), ("elapsed", "Elapsed"), ("eta", "ETA"),
                 ("psnr", "Best PSNR"))
        pairs = []
        for key, label in names:
            value = self.stats[key]
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.2)
            font.setBold(True)
            value.setFont(font)
            pairs.append((QLabel(label, objectName="hint"), value))
        self.stat_strip = StatStrip(pairs)
        return self.stat_strip

    # ------------------------------------------------------------------------------------------------ actions

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def start(self) -> None:
        """Start a new run from the form."""
        if self.busy or self.form is None:
            return
        try:
            spec = self.form.spec()
        except SesrError as err:
            self.result.show_message(str(err), "error")
            return
        self.form.save(self.settings, spec)
        self.settings.set("train/runs_dir", self.runs_dir.path())
        runs = Path(self.runs_dir.path() or default_runs_dir())
        name = self.form.model_name.text().strip() or f"{spec.model.name}-{time.strftime('%Y%m%d-%H%M')}"
        self._launch(spec, new_run_dir(runs, spec.model.name), name, resume=False)

    def resume(self) -> None:
        """Continue the stopped run, or a run folder the user picks."""
        if self.busy or self.missing is not None:
            return
        run_dir = self.run_dir if self.resumable else None
        if run_dir is None:
            chosen = QFileDialog.getExistingDirectory(self, "Choose a training run to resume", self.runs_dir.path())
            if not chosen:
                return
            run_dir = Path(chosen)
        self.resume_run(run_dir)

    def resume_run(self, run_dir: Path) -> None:
        try:
            view = read_run(run_dir)
        except SesrError as err:
            self.result.show_message(str(err), "error")
            return
        if self.form is not None:
            self.form.set_spec(view.spec)
        self.plots.load_history(view.history)
        self.plots.set_validation_degradation(view.spec.val_degrade)
        self._elapsed_before = view.state.elapsed_seconds
        self._launch(view.spec, Path(run_dir), self._model_name(Path(run_dir), view.spec.model.name), resume=True,
                     keep_plots=True)

    def _model_name(self, run_dir: Path, model: str) -> str:
        """The catalog name chosen when the run started (or one made from the model and the folder)."""
        return self.settings.text(f"train/model_name/{run_dir.name}") or f"{model}-{run_dir.name[-15:]}"

    def export_checkpoint(self) -> None:
        """Export the stopped run's last checkpoint into the catalog (the same bicubic guard as a finished run)."""
        if self.busy or self.run_dir is None or self.missing is not None:
            return
        run_dir = self.run_dir
        try:
            spec = read_run(run_dir).spec
        except SesrError as err:
            self.result.show_message(str(err), "error")
            return
        name = self._model_name(run_dir, spec.model.name)
        self.result.hide()
        self._time_left = TimeLeft()
        self._started = time.monotonic()
        thread = self.runner.start(lambda on_event, cancel: export_run_checkpoint(run_dir, name, on_event, cancel),
                                   "Export")
        thread.event.connect(self._on_event)
        thread.succeeded.connect(lambda model: self._model_exported(model, finished=False))
        thread.cancelled.connect(lambda _partial: self.result.show_message("Export cancelled.", "info"))
        thread.failed.connect(self._on_failed)
        self._append_log(f"Exporting the checkpoint of {run_dir.name} as '{name}'", "info")
        self.stats["eta"].setText("exporting…")
        thread.start()

    def open_run(self) -> None:
        """Show an existing run's spec and plots without training."""
        chosen = QFileDialog.getExistingDirectory(self, "Choose a training run folder", self.runs_dir.path())
        if chosen:
            self.show_run(Path(chosen))

    def show_run(self, run_dir: Path) -> bool:
        """Load a run folder's spec, history and log into the page; True when it is a run."""
        try:
            view = read_run(run_dir)
        except SesrError as err:
            self.result.show_message(str(err), "error")
            return False
        spec, history, state = view.spec, view.history, view.state
        if self.form is not None:
            self.form.set_spec(spec)
        self.run_dir = Path(run_dir)
        self.plots.load_history(history)
        self.plots.set_validation_degradation(spec.val_degrade)
        self.log.clear()
        log_file = Path(run_dir) / "train.log"
        if log_file.is_file():
            self.log.setPlainText("\n".join(log_file.read_text(errors="replace").splitlines()[-MAX_LOG_LINES:]))
            self.log.moveCursor(self.log.textCursor().MoveOperation.End)
        total = spec.total_steps
        last = history.steps[-1] if history.steps else None
        self.stats["step"].setText(f"{state.step:,} / {total:,}")
        self.stats["loss"].setText(f"{last.loss:.4f}" if last else "—")
        self.stats["elapsed"].setText(duration(state.elapsed_seconds))
        self._best = history.best_psnr
        self.stats["psnr"].setText(f"{self._best:.2f} dB" if self._best else "—")
        rate = history.steps_per_second()
        self.stats["speed"].setText(f"{rate:.1f} steps/s" if rate else "—")
        self.stats["eta"].setText("done" if state.finished else "stopped")
        self.resumable = not state.finished
        self.exportable = not state.finished and state.step > 0
        self._update_buttons()
        return True

    def shutdown(self, milliseconds: int = 30_000) -> None:
        """Stop training (it checkpoints first) and wait for it (the window is closing)."""
        self.runner.cancel()
        self.runner.wait(milliseconds)

    def cancel(self) -> None:
        if self.busy and self.stop_button.isEnabled():  # once: a second press would only repeat the log line
            self.runner.cancel()
            self.stop_button.setEnabled(False)
            self._append_log("Stopping after the current step…", "info")

    # ------------------------------------------------------------------------------------------------ job

    def _launch(self, spec, run_dir: Path, model_name: str, resume: bool, keep_plots: bool = False) -> None:
        self.run_dir = Path(run_dir)
        self.settings.set(f"train/model_name/{self.run_dir.name}", model_name)
        self.settings.set("train/last_run", str(self.run_dir))
        self.result.hide()
        self.plots.set_validation_degradation(spec.val_degrade)
        if not keep_plots:
            self.plots.clear()
            self.log.clear()
            self._elapsed_before = 0.0
        self._best = max(self.plots.eval_values) if self.plots.eval_values else None
        self._last_step = None
        self.exportable = False
        self._time_left = TimeLeft()
        self._started = time.monotonic()
        thread = self.runner.start(
            lambda on_event, cancel: run_training(spec, self.run_dir, model_name, resume, on_event, cancel),
            "Training")
        thread.event.connect(self._on_event)
        thread.succeeded.connect(self._on_succeeded)
        thread.cancelled.connect(self._on_cancelled)
        thread.failed.connect(self._on_failed)
        self._append_log(f"{'Resuming' if resume else 'Starting'} {spec.model.name} in {self.run_dir}", "info")
        self._tick.start()
        thread.start()

    def _on_event(self, event) -> None:
        if isinstance(event, StepEvent):
            self._last_step = event
            self.plots.add_step(event.step, event.loss)
            self.stats["step"].setText(f"{event.step:,} / {event.total_steps:,}")
            self.stats["loss"].setText(f"{event.loss:.4f}")
            if event.steps_per_second > 0:
                self.stats["speed"].setText(f"{event.steps_per_second:.1f} steps/s")
        elif isinstance(event, EvaluationEvent):
            if event.is_baseline:
                self.plots.set_baseline(event.mean_psnr)
            else:
                self.plots.add_evaluation(event.step, event.mean_psnr)
                self._best = max(self._best or event.mean_psnr, event.mean_psnr)
                self.stats["psnr"].setText(f"{self._best:.2f} dB")
        elif isinstance(event, LogEvent):
            self._append_log(event.message, event.level)
        elif isinstance(event, Progress):
            left = self._time_left.update(event.done, event.total)
            if left is not None:
                self.stats["eta"].setText(duration(left))
            elif event.phase == Phase.EXPORTING:
                self.stats["eta"].setText("exporting…")
        elif isinstance(event, ArtefactEvent) and event.kind == "model":
            self.status_message.emit(f"New model: {Path(event.path).name}")

    def _on_succeeded(self, result: TrainAndExportResult) -> None:
        self.resumable = False
        if self.form is not None:
            self.form.init_from.refresh(self.runs_dir.path())
        self.stats["eta"].setText("done")
        model = result.model("int8")
        if model is not None:
            self._model_exported(model, finished=True)
        self.plots.flush()

    def _model_exported(self, model: ExportedModel, finished: bool) -> None:
        """Add ``model`` to the catalog; select it on the Upscale page only when it beats bicubic."""
        self.exportable = False
        self._update_buttons()
        self.stats["eta"].setText("done")
        self.catalog.refresh()
        what = "Training finished: " if finished else "Checkpoint exported: "
        if model.beats_bicubic:
            self.model_added.emit(model.name)
            self.result.show_message(f"{what}'{model.name}' scores {model.psnr:.2f} dB on {model.dataset} (bicubic "
                                     f"{model.bicubic_psnr:.2f} dB); it is in the catalog and selected on the "
                                     "Upscale page.", "success")
        elif model.beats_bicubic is False:
            self.result.show_message(f"{what}'{model.name}' is not better than bicubic yet: {model.psnr:.2f} dB "
                                     f"against bicubic's {model.bicubic_psnr:.2f} dB on {model.dataset}. It is in "
                                     "the catalog but not selected; train it for more steps.", "info")
        else:
            self.result.show_message(f"{what}'{model.name}' is in the catalog. It was not measured (no validation "
                                     "folder), so it is not selected; choose it on the Upscale page to try it.",
                                     "info")

    def _on_cancelled(self, partial: TrainAndExportResult | None = None) -> None:
        run: TrainResult | None = partial.run if partial is not None else None
        self.resumable = True
        self.exportable = run is not None and run.step > 0
        self.stats["eta"].setText("stopped")
        where = f" at step {run.step:,}" if run is not None else ""
        best = f" (best {run.best_psnr:.2f} dB so far)" if run is not None and run.best_psnr else ""
        self.result.show_message(f"Training stopped{where}{best}; its last checkpoint is kept. Resume continues the "
                                 "run; Export this checkpoint adds it to the catalog as it is.", "info",
                                 "Resume", self.resume)
        self.plots.flush()
        self._update_buttons()

    def _on_failed(self, reason: str) -> None:
        self.resumable = bool(self.run_dir and (self.run_dir / "checkpoints").is_dir())
        self.stats["eta"].setText("failed")
        self._append_log(reason, "error")
        self.result.show_message(reason, "error")
        missing = training_missing()
        if missing is not None:
            self.banner.show_message(install_message(missing), "info")

    def _busy(self, busy: bool) -> None:
        if not busy:
            self._tick.stop()
            self._update_clock()
        self._update_buttons()
        self.busy_changed.emit(busy)

    def _update_buttons(self) -> None:
        can_train = self.form is not None
        self.start_button.setEnabled(can_train and not self.busy)
        self.stop_button.setEnabled(self.busy)
        self.resume_button.setEnabled(can_train and not self.busy)
        self.open_run_button.setEnabled(can_train and not self.busy)
        self.resume_button.setText("Resume" if self.resumable and self.run_dir else "Resume…")
        self.export_button.setEnabled(can_train and not self.busy and self.exportable and self.run_dir is not None)
        self.export_button.setVisible(self.exportable)
        self.folder_button.setEnabled(self.run_dir is not None)
        if self.form is not None:
            self.form.setEnabled(not self.busy)

    def _update_clock(self) -> None:
        if self._started and self.busy:
            self.stats["elapsed"].setText(duration(self._elapsed_before + time.monotonic() - self._started))

    def _append_log(self, message: str, level: str = "info") -> None:
        colours = {"warning": WARN, "error": BAD}
        fmt = QTextCharFormat()
        if level in colours:
            fmt.setForeground(QColor(colours[level]))
        cursor = self.log.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        cursor.insertText(("" if self.log.document().isEmpty() else "\n") + time.strftime("%H:%M:%S  ") + message,
                          fmt)
        self.log.ensureCursorVisible()

    def _show_run_folder(self) -> None:
        if self.run_dir is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.run_dir)))

    # ------------------------------------------------------------------------------------------------ window API

    def open_dialog(self) -> None:
        self.open_run()

    def accepts(self, path: Path) -> bool:
        return path.is_dir() and (path / "spec.json").is_file()

    def open_paths(self, paths: list[Path]) -> None:
        for path in paths:
            if self.accepts(path):
                self.show_run(path)
                return
