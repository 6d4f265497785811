"""The layout of a training run folder and its small state files (spec, state, history, log)."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from sesr_core.atomic import remove_stale_temporaries, write_bytes_atomic
from sesr_core.errors import SesrError
from sesr_core.file_kinds import folder_problem


@dataclass(frozen=True)
class RunFolder:
    """Paths inside one run folder."""

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

    def read_state(self) -> dict:
        if not self.state.is_file():
            return {}
        return json.loads(self.state.read_text())

    def write_state(self, **values) -> None:
        state = {**self.read_state(), **values}
        write_bytes_atomic(self.state, (json.dumps(state, indent=2) + "\n").encode())

    def append_history(self, record: dict) -> None:
        with self.history.open("a") as handle:
            handle.write(json.dumps(record) + "\n")

    def read_history(self) -> list[dict]:
        """The history's records; a line cut short by a killed process (only ever the last) is left out."""
        if not self.history.is_file():
            return []
        records = []
        for line in self.history.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
        return records

    def truncate_history(self, after_step: int) -> None:
        """Drop history records past ``after_step`` (work lost since the checkpoint a resume starts from)."""
        kept = [r for r in self.read_history() if r.get("step", 0) <= after_step]
        self.history.write_text("".join(json.dumps(r) + "\n" for r in kept))

    def log_line(self, message: str) -> None:
        with self.log.open("a") as handle:
            handle.write(time.strftime("%Y-%m-%d %H:%M:%S ") + message + "\n")
