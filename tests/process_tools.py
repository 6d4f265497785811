"""Helpers for tests that run ``sesr`` as a child process and stop it with a signal.

The child is started with :class:`subprocess.Popen` (not ``cmd &`` from a shell, which would make it ignore SIGINT
and hide the bug). Waits are watchdogs that fail the test when the child hangs, never assertions on timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

WATCHDOG_SECONDS = 180.0
_POLL = 0.005


def sesr(args: Sequence[str | os.PathLike[str]], **env: str) -> subprocess.Popen:
    """Start ``sesr ARGS`` in its own process group with its output captured."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
    environment.pop("SESR_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "sesr_core.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment, start_new_session=True)


def wait_until(condition: Callable[[], bool], child: subprocess.Popen, what: str) -> None:
    """Poll ``condition`` until it holds; fail if the child ends first or the watchdog expires."""
    deadline = time.monotonic() + WATCHDOG_SECONDS
    while not condition():
        if child.poll() is not None:
            out, err = child.communicate()
            raise AssertionError(f"the child ended (status {child.returncode}) before {what}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            child.kill()
            raise AssertionError(f"watchdog: {what} never happened")
        time.sleep(_POLL)


def handles(child: subprocess.Popen, signum: int) -> Callable[[], bool]:
    """A condition: the child has installed a handler for ``signum`` (Linux: the SigCgt mask in /proc)."""

    def check() -> bool:
        try:
            status = Path(f"/proc/{child.pid}/status").read_text()
        except OSError:
            return False
        caught = next((line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), "0")
        return bool(int(caught, 16) >> (signum - 1) & 1)

    return check


def finish(child: subprocess.Popen) -> tuple[int, str, str]:
    """(status, stdout, stderr) once the child has ended; kills it and fails when the watchdog expires."""
    try:
        out, err = child.communicate(timeout=WATCHDOG_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        out, err = child.communicate()
        raise AssertionError(f"watchdog: the child did not stop after the signal:\n{out}\n{err}") from None
    return child.returncode, out, err


def hidden_files(folder: Path) -> list[str]:
    """Names of hidden (temporary or partial) files in ``folder``, recursively."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))


def has_hidden_file(folder: Path) -> Callable[[], bool]:
    return lambda: folder.is_dir() and any(p.name.startswith(".") for p in folder.iterdir())


def history_steps(run_dir: Path) -> list[int]:
    """Step numbers of the complete step records in a run's history.jsonl."""
    from sesr_core.training.run_folder import RunFolder

    return [record.step for record in RunFolder(run_dir).read_history().steps]


def tiny_train_args(data: Path, run_dir: Path, steps: int) -> list[str]:
    """A ``sesr train`` command line for a tiny model that runs many fast steps."""
    return ["train", "--preset", "custom", "-m", "1", "-f", "8", "-p", "16", "--activation", "relu", "--data",
            str(data), "--steps", str(steps), "--batch-size", "4", "--patch-size", "16", "--checkpoint-every",
            "100000", "--eval-every", "100000", "--no-export", "--out", str(run_dir)]
