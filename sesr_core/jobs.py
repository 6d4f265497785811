"""Job plumbing shared by the CLI and the GUI: the job protocol, its typed events, and a cancel token.

The protocol, the same for every job (upscale a batch, a video, train, export, evaluate):

- A job is a function ``job(..., on_event, cancel) -> Result`` where ``Result`` is a typed dataclass.
- It ends in exactly one of three ways: it returns its result; it raises :class:`CancelledError` when the token was
  cancelled (after cleaning up; ``err.partial`` holds the typed result of what was finished, e.g. the files already
  written or the last checkpoint); or it raises :class:`SesrError` (one sentence for the user) or a bug's exception.
- Events report progress only, never the end: :class:`Progress` (with its :class:`Phase`), :class:`ItemEvent`
  (one item of a batch changed state), :class:`StepEvent` and :class:`EvaluationEvent` (training),
  :class:`LogEvent` and :class:`ArtefactEvent`.
- ``Progress.done`` and ``Progress.total`` count every phase of the job (reading, network, encoding, writing,
  exporting...), so that ``done == total`` only when the job's last file is written.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sesr_core.errors import CancelledError


class CancelToken:
    """A thread-safe flag a job polls to stop early; ``raise_if_cancelled`` raises :class:`CancelledError`."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop as soon as it can."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise CancelledError()


class Phase(enum.StrEnum):
    """What a job is doing now, for labels and for estimating the time left."""

    READING = "reading"
    NETWORK = "network"
    ENCODING = "encoding"
    WRITING = "writing"
    TRAINING = "training"
    QAT = "qat"
    EVALUATING = "evaluating"
    EXPORTING = "exporting"


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` units of work (total 0 when unknown), in ``phase``; ``item`` is the batch item's index
    when the work belongs to one."""

    done: float
    total: float
    message: str = ""
    phase: Phase | None = None
    item: int | None = None

    @property
    def fraction(self) -> float | None:
        """done / total in [0, 1], or None when the total is unknown."""
        return min(1.0, max(0.0, self.done / self.total)) if self.total else None


class ItemState(enum.StrEnum):
    """Where one item of a batch stands."""

    WAITING = "waiting"
    WORKING = "working"
    DONE = "done"
    SKIPPED = "skipped"  # a previous run had already completed its output
    FAILED = "failed"


@dataclass(frozen=True)
class ItemEvent:
    """Item ``index`` of a batch changed state. ``model`` and ``reason`` say which model runs it and why (``--model
    auto``); ``output`` is the file written (done, skipped); ``error`` the sentence of a failure."""

    index: int
    state: ItemState
    source: str
    output: str = ""
    model: str | None = None
    reason: str = ""
    error: str = ""
    seconds: float | None = None


@dataclass(frozen=True)
class StepEvent:
    """One training step: loss, learning rate and throughput."""

    step: int
    total_steps: int
    loss: float
    learning_rate: float
    steps_per_second: float


@dataclass(frozen=True)
class EvaluationEvent:
    """Validation result at a training step; ``per_image`` maps image name to (psnr, ssim)."""

    step: int
    mean_psnr: float
    mean_ssim: float
    per_image: dict[str, tuple[float, float]] = field(default_factory=dict)
    is_baseline: bool = False


@dataclass(frozen=True)
class LogEvent:
    """A line for the log pane or the terminal."""

    message: str
    level: str = "info"


@dataclass(frozen=True)
class ArtefactEvent:
    """A file the job wrote (checkpoint, model, image, video)."""

    path: str
    kind: str


Event = Progress | ItemEvent | StepEvent | EvaluationEvent | LogEvent | ArtefactEvent
EventCallback = Callable[[Event], None]


def ignore_events(_event: Event) -> None:
    """An event callback that drops everything."""
