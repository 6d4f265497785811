"""Job plumbing shared by the CLI and the GUI: typed events, an event callback type and a cancel token."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` units of work (total 0 when unknown)."""

    done: int
    total: int
    message: str = ""


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


@dataclass(frozen=True)
class FinishedEvent:
    """The job ended normally (or by cancel, when ``cancelled``)."""

    summary: dict[str, Any] = field(default_factory=dict)
    cancelled: bool = False


@dataclass(frozen=True)
class FailedEvent:
    """The job failed; ``reason`` is one user-facing sentence."""

    reason: str


Event = Progress | StepEvent | EvaluationEvent | LogEvent | ArtefactEvent | FinishedEvent | FailedEvent
EventCallback = Callable[[Event], None]


def ignore_events(_event: Event) -> None:
    """An event callback that drops everything."""
