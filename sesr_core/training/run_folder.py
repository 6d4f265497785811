"""The layout of a training run folder and its small state files, read and written here only as typed records.

``state.json`` is a :class:`RunState`; ``history.jsonl`` holds one :class:`StepRecord` or :class:`EvalRecord` a line
(their JSON form, with a ``type`` key, is the file format other tools read). No TensorFlow here.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from sesr_core.atomic import remove_stale_temporaries, write_bytes_atomic
from sesr_core.errors import SesrError
from sesr_core.file_kinds import folder_problem


@dataclass(frozen=True)
class RunState:
    """Where a run stands: the step and phase of its last checkpoint, its training time, best PSNR per phase."""

    step: int = 0
    phase: str = "fp32"
    elapsed_seconds: float = 0.0
    finished: bool = False
    best_psnr_fp32: float | None = None
    best_psnr_qat: float | None = None
    qat_ranges_refined: bool = False
    chief_run_dir: str | None = None  # a non-chief task of a cluster: the chief's run folder

    def best_psnr(self, phase: str | None = None) -> float | None:
        """The best validation PSNR of ``phase`` (default: the current phase)."""
        return self.best_psnr_qat if (phase or self.phase) == "qat" else self.best_psnr_fp32

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RunState:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class StepRecord:
    """A training step in the history: its loss, learning rate and the run's elapsed seconds."""

    step: int
    phase: str
    loss: float
    lr: float
    elapsed: float

    def to_dict(self) -> dict:
        return {"type": "step", **asdict(self)}


@dataclass(frozen=True)
class EvalRecord:
    """A validation result in the history; ``baseline`` for bicubic (at step 0). ``images``: name -> (psnr, ssim)."""

    step: int
    mean_psnr: float
    mean_ssim: float
    images: dict[str, tuple[float, float]] = field(default_factory=dict)
    baseline: bool = False

    def to_dict(self) -> dict:
        return {"type": "baseline" if self.baseline else "eval", "step": self.step, "mean_psnr": self.mean_psnr,
                "mean_ssim": self.mean_ssim, "images": {k: list(v) for k, v in self.images.items()}}


HistoryRecord = StepRecord | EvalRecord


def _record_from_dict(data: dict) -> HistoryRecord | None:
    kind = data.get("type")
    if kind == "step":
        return StepRecord(int(data["step"]), data.get("phase", "fp32"), float(data["loss"]), float(data["lr"]),
                          float(data.get("elapsed", 0.0)))
    if kind in ("eval", "baseline"):
        images = {k: (float(v[0]), float(v[1])) for k, v in (data.get("images") or {}).items()}
        return EvalRecord(int(data["step"]), float(data["mean_psnr"]), float(data["mean_ssim"]), images,
                          kind == "baseline")
    return None


@dataclass(frozen=True)
class RunHistory:
    """A run's history records in file order, with the views its readers want."""

    records: tuple[HistoryRecord, ...] = ()

    @property
    def steps(self) -> list[StepRecord]:
        return [r for r in self.records if isinstance(r, StepRecord)]

    @property
    def evaluations(self) -> list[EvalRecord]:
        """The validation results of the trained model (not the bicubic baseline)."""
        return [r for r in self.records if isinstance(r, EvalRecord) and not r.baseline]

    @property
    def baseline(self) -> EvalRecord | None:
        return next((r for r in self.records if isinstance(r, EvalRecord) and r.baseline), None)

    @property
    def best_psnr(self) -> float | None:
        return max((r.mean_psnr for r in self.evaluations), default=None)

    @property
    def final_psnr(self) -> float | None:
        evaluations = self.evaluations
        return evaluations[-1].mean_psnr if evaluations else None

    def steps_per_second(self) -> float | None:
        """The mean training speed over the recorded steps, or None with fewer than two."""
        steps = self.steps
        if len(steps) < 2 or steps[-1].elapsed <= steps[0].elapsed:
            return None
        return (steps[-1].step - steps[0].step) / (steps[-1].elapsed - steps[0].elapsed)


@dataclass(frozen=True)
class RunFolder:
    """Paths inside one run folder, and its state and history as typed records."""

    root: Path

    @property
    def spec(self) -> Path:
        return self.root / "spec.json"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    @property
    def history(self) -> Path:
        return self.root / "history.jsonl"

    @property
    def log(self) -> Path:
        return self.root / "train.log"

    def checkpoints(self, phase: str) -> Path:
        """Rolling checkpoints of ``phase`` ("fp32" or "qat")."""
        return self.root / "checkpoints" / phase

    def best(self, phase: str) -> Path:
        return self.root / "checkpoints" / f"{phase}-best"

    @property
    def models(self) -> Path:
        return self.root / "models"

    def create(self, resume: bool) -> None:
        """Make the folder for a new run, or check an existing one for ``resume``."""
        blocked = folder_problem(self.root)
        if blocked:
            raise SesrError(f"Cannot use '{self.root}' as a run folder: {blocked}; choose another --out.")
        if resume:
            if not self.spec.is_file():
                raise SesrError(f"Cannot resume '{self.root}': it is not a training run folder (no spec.json).")
            return
        self.check_free()
        self.root.mkdir(parents=True, exist_ok=True)

    def check_free(self) -> None:
        """A new run needs a folder that is missing or empty."""
        if self.root.exists() and any(self.root.iterdir()):
            raise SesrError(f"The run folder '{self.root}' already holds files; pick a new --out or add --resume.")

    def remove_temporaries(self) -> None:
        """Delete half-saved checkpoints (TensorFlow's ``ckpt-N_temp`` folders) and the state's temporary files."""
        for folder in self.root.glob("checkpoints/*/*_temp"):
            shutil.rmtree(folder, ignore_errors=True)
        remove_stale_temporaries(self.state)

    def read_state(self) -> RunState:
        """The run's state (a fresh one before its first checkpoint)."""
        if not self.state.is_file():
            return RunState()
        try:
            return RunState.from_dict(json.loads(self.state.read_text()))
        except (ValueError, TypeError, AttributeError) as err:
            raise SesrError(f"The run state '{self.state}' is damaged ({err}); delete it to start the run "
                            "again from step 0.") from err

    def write_state(self, state: RunState | None = None, **changes) -> RunState:
        """Save ``state`` (default: the saved one) with ``changes`` (RunState fields); returns what was written."""
        state = replace(state or self.read_state(), **changes)
        write_bytes_atomic(self.state, (json.dumps(state.to_dict(), indent=2) + "\n").encode())
        return state

    def append_history(self, record: HistoryRecord) -> None:
        with self.history.open("a") as handle:
            handle.write(json.dumps(record.to_dict()) + "\n")

    def read_history(self) -> RunHistory:
        """The history's records; a line cut short by a killed process (only ever the last) is left out."""
        if not self.history.is_file():
            return RunHistory()
        records = []
        for line in self.history.read_text().splitlines():
            try:
                record = _record_from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError, IndexError, AttributeError):
                continue
            if record is not None:
                records.append(record)
        return RunHistory(tuple(records))

    def truncate_history(self, after_step: int) -> None:
        """Drop history records past ``after_step`` (work lost since the checkpoint a resume starts from)."""
        kept = [r for r in self.read_history().records if r.step <= after_step]
        self.history.write_text("".join(json.dumps(r.to_dict()) + "\n" for r in kept))

    def log_line(self, message: str) -> None:
        with self.log.open("a") as handle:
            handle.write(time.strftime("%Y-%m-%d %H:%M:%S ") + message + "\n")
