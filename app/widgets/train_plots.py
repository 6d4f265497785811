"""Live training plots (pyqtgraph): loss per step, validation PSNR per evaluation, the bicubic baseline as a line.

Points are collected as events arrive and drawn at most a few times a second, so a fast trainer cannot flood the
GUI thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from app.jobs.training import RunHistory
from app.theme import plot_colours

REDRAW_MS = 250
SMOOTHING = 0.9


def smoothed(values: list[float]) -> np.ndarray:
    """Exponential moving average (debiased, as TensorBoard draws it) of a noisy loss curve."""
    out = np.empty(len(values))
    average = 0.0
    for index, value in enumerate(values):
        average = SMOOTHING * average + (1 - SMOOTHING) * value
        out[index] = average / (1 - SMOOTHING ** (index + 1))
    return out


class TrainPlots(QWidget):
    """Two stacked plots sharing the step axis."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.loss_steps: list[float] = []
        self.loss_values: list[float] = []
        self.eval_steps: list[float] = []
        self.eval_values: list[float] = []
        self.baseline: float | None = None
        self.validation_degradation: str | None = None
        self._dirty = False
        self.loss_plot = pg.PlotWidget()
        self.psnr_plot = pg.PlotWidget()
        self.psnr_plot.setXLink(self.loss_plot)
        for plot in (self.loss_plot, self.psnr_plot):
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setMinimumHeight(150)
            plot.setMenuEnabled(False)
            plot.getPlotItem().getViewBox().setMouseEnabled(x=True, y=False)
            for axis in ("left", "bottom"):
                # Values as they are (a loss of 0.02 reads 0.02). Only here, while the axes still span 0..1: this
                # pyqtgraph recomputes the SI scale when it is switched off, so switching it off again once data
                # are shown would freeze a scale of 1000 behind a label without its prefix.
                plot.getPlotItem().getAxis(axis).enableAutoSIPrefix(False)
        self.loss_plot.setClipToView(True)
        self.loss_plot.setDownsampling(auto=True, mode="mean")
        self.loss_curve = self.loss_plot.plot([], [], name="L1 loss")
        self.smooth_curve = self.loss_plot.plot([], [], name="smoothed")
        self.psnr_curve = self.psnr_plot.plot([], [], name="validation PSNR", symbol="o", symbolSize=6)
        self.baseline_line = pg.InfiniteLine(angle=0, movable=False)
        self.baseline_line.setVisible(False)
        self.psnr_plot.addItem(self.baseline_line)
        self._legend = self.psnr_plot.addLegend(offset=(10, 10))
        plots = QWidget()
        plots_layout = QVBoxLayout(plots)
        plots_layout.setContentsMargins(0, 0, 0, 0)
        plots_layout.addWidget(self.loss_plot, 1)
        plots_layout.addWidget(self.psnr_plot, 1)
        self.empty = QLabel("Fill in the form and press Start training, or open a run folder to see its curves.\n\n"
                            "The loss appears here step by step, and the validation PSNR at every evaluation,\n"
                            "with the bicubic baseline to beat.", alignment=Qt.AlignmentFlag.AlignCenter,
                            objectName="hint", wordWrap=True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(plots)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._timer = QTimer(self, interval=REDRAW_MS)
        self._timer.timeout.connect(self._redraw)
        self._timer.start()
        self.apply_palette()

    def apply_palette(self) -> None:
        """Colours from the widget palette (light or dark)."""
        colours = plot_colours(self.palette())
        degraded = f" (LR {self.validation_degradation})" if self.validation_degradation else ""
        for plot, title, unit in ((self.loss_plot, "Training loss (L1)", "loss"),
                                  (self.psnr_plot, f"Validation PSNR{degraded}", "dB")):
            plot.setBackground(colours["background"])
            item = plot.getPlotItem()
            item.setTitle(title, color=colours["foreground"].name(), size="10pt")
            for axis in ("left", "bottom"):
                item.getAxis(axis).setPen(colours["foreground"])
                item.getAxis(axis).setTextPen(colours["foreground"])
            item.setLabel("left", unit, color=colours["foreground"].name())
            item.setLabel("bottom", "step", color=colours["foreground"].name())
        faint = QColor(colours["loss"])
        faint.setAlpha(90)
        self.loss_curve.setPen(pg.mkPen(faint, width=1))
        self.smooth_curve.setPen(pg.mkPen(colours["loss"], width=2.5))
        self.psnr_curve.setPen(pg.mkPen(colours["psnr"], width=2))
        self.psnr_curve.setSymbolBrush(colours["psnr"])
        self.psnr_curve.setSymbolPen(colours["psnr"])
        self.baseline_line.setPen(pg.mkPen(colours["baseline"], width=1.5, style=Qt.PenStyle.DashLine))
        self._update_legend(colours)

    def _update_legend(self, colours=None) -> None:
        colours = colours or plot_colours(self.palette())
        self._legend.clear()
        self._legend.setLabelTextColor(colours["foreground"])
        self._legend.addItem(self.psnr_curve, "SESR")
        if self.baseline is not None:
            self._legend.addItem(pg.PlotDataItem(pen=self.baseline_line.pen), f"bicubic {self.baseline:.2f} dB")

    def set_validation_degradation(self, degradation: str | None) -> None:
        """Name the validation images' fixed degradation (e.g. "jpeg=75") in the PSNR plot's title."""
        self.validation_degradation = degradation
        self.apply_palette()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.type() == event.Type.PaletteChange:
            self.apply_palette()
        super().changeEvent(event)

    # ------------------------------------------------------------------------------------------------ data

    def clear(self) -> None:
        self.loss_steps.clear()
        self.loss_values.clear()
        self.eval_steps.clear()
        self.eval_values.clear()
        self.set_baseline(None)
        self._dirty = True
        self._redraw()

    def add_step(self, step: int, loss: float) -> None:
        if loss > 0:
            self.loss_steps.append(step)
            self.loss_values.append(loss)
            self._dirty = True

    def add_evaluation(self, step: int, psnr: float) -> None:
        self.eval_steps.append(step)
        self.eval_values.append(psnr)
        self._dirty = True

    def set_baseline(self, psnr: float | None) -> None:
        self.baseline = psnr
        self._dirty = True
        self.baseline_line.setVisible(psnr is not None)
        if psnr is not None:
            self.baseline_line.setValue(psnr)
        self._update_legend()

    def load_history(self, history: RunHistory) -> None:
        """Fill the plots from a run folder's history."""
        self.clear()
        for step in history.steps:
            self.add_step(step.step, step.loss)
        for evaluation in history.evaluations:
            self.add_evaluation(evaluation.step, evaluation.mean_psnr)
        if history.baseline is not None:
            self.set_baseline(history.baseline.mean_psnr)
        self._redraw()

    def point_counts(self) -> tuple[int, int]:
        """(loss points, PSNR points) as drawn so far."""
        return len(self.loss_curve.xData if self.loss_curve.xData is not None else []), \
            len(self.psnr_curve.xData if self.psnr_curve.xData is not None else [])

    def _redraw(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        has_data = bool(self.loss_values or self.eval_values or self.baseline is not None)
        self.stack.setCurrentIndex(1 if has_data else 0)
        self.loss_curve.setData(self.loss_steps, self.loss_values)
        self.smooth_curve.setData(self.loss_steps, smoothed(self.loss_values))
        self.psnr_curve.setData(self.eval_steps, self.eval_values)
        if self.eval_values and self.baseline is not None:
            low = min(min(self.eval_values), self.baseline) - 0.3
            high = max(max(self.eval_values), self.baseline) + 0.3
            self.psnr_plot.setYRange(low, high, padding=0)
        else:
            self.psnr_plot.enableAutoRange(axis="y")

    def flush(self) -> None:
        """Draw pending points now (tests and screenshots)."""
        self._redraw()
