"""A real two-task multi-worker cluster on localhost: a shared run folder and a folder per host, stop and resume.

Each test starts two ``sesr train --strategy multi-worker`` processes with ``TF_CONFIG`` on free ports, and checks
that only the chief writes (and exports) the run, that both exit cleanly, and that the weights equal those of one
process training on the same global batch.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import image_folder

pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")

from sesr_core.models.presets import preset_config  # noqa: E402
from sesr_core.training.run_folder import RunFolder  # noqa: E402
from sesr_core.training.spec import TrainSpec  # noqa: E402
from sesr_core.training.trainer import train  # noqa: E402
from sesr_core.training.transfer import restore_fp32_model  # noqa: E402

pytestmark = pytest.mark.slow

STEPS, BATCH, PATCH = 40, 8, 16
ARGS = ["--preset", "M3", "--scale", "2", "--steps", str(STEPS), "--batch-size", str(BATCH), "--patch-size",
        str(PATCH), "--strategy", "multi-worker", "--seed", "5"]
FINISHED_WITHIN = 600  # seconds: only so that a hung cluster fails the test instead of hanging CI


@pytest.fixture(scope="module")
def train_dir(tmp_path_factory, shared_data):
    """Six real T91 images."""
    return image_folder(tmp_path_factory, shared_data / "train" / "T91", 6)


@pytest.fixture(scope="module")
def reference_weights(tmp_path_factory, train_dir):
    """The weights one process reaches with the same spec and global batch."""
    spec = TrainSpec(model=preset_config("M3", 2), data_dirs=(str(train_dir),), steps=STEPS, batch_size=BATCH,
                     patch_size=PATCH, seed=5)
    run = tmp_path_factory.mktemp("single") / "run"
    train(spec, run)
    return restore_fp32_model(run)[0].get_weights()


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class Cluster:
    """Two ``sesr train`` tasks on localhost; each one's output goes to a log file."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.addresses = [f"localhost:{port}" for port in free_ports(2)]
        self.scratch = [tmp_path / "tmp-0", tmp_path / "tmp-1"]
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, commands: list[list[str]], name: str) -> None:
        self.processes, self.logs = [], []
        for index, command in enumerate(commands):
            self.scratch[index].mkdir(exist_ok=True)
            env = dict(os.environ, TMPDIR=str(self.scratch[index]), TF_CONFIG=json.dumps(
                {"cluster": {"worker": self.addresses}, "task": {"type": "worker", "index": index}}))
            log = self.tmp_path / f"{name}-{index}.log"
            self.logs.append(log)
            with log.open("w") as out:
                self.processes.append(subprocess.Popen([sys.executable, "-m", "sesr_core.cli", "train", *command],
                                                       stdout=out, stderr=subprocess.STDOUT, env=env))

    def wait(self) -> list[int]:
        return [p.wait(timeout=FINISHED_WITHIN) for p in self.processes]

    def output(self, index: int) -> str:
        return self.logs[index].read_text()

    def wait_for_output(self, index: int, text: str) -> None:
        while text not in self.output(index):
            assert self.processes[index].poll() is None, self.output(index)
            time.sleep(0.2)

    def kill(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()


@pytest.fixture
def cluster(tmp_path):
    running = Cluster(tmp_path)
    yield running
    running.kill()


def assert_same_weights(run_dir: Path, reference: list[np.ndarray]) -> None:
    for got, want in zip(restore_fp32_model(run_dir)[0].get_weights(), reference, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_a_shared_run_folder_is_written_and_exported_by_the_chief_alone(cluster, tmp_path, train_dir,
                                                                        reference_weights):
    run = tmp_path / "run"
    command = [*ARGS, "--data", str(train_dir), "--out", str(run)]
    cluster.start([command, command], "shared")
    assert cluster.wait() == [0, 0], cluster.output(0) + cluster.output(1)

    assert "waiting for the chief" in cluster.output(1)
    assert sorted(p.name for p in run.iterdir()) == ["checkpoints", "history.jsonl", "models", "spec.json",
                                                     "state.json", "train.log"]
    assert sorted(p.name for p in (run / "models").glob("*.tflite")) == ["SESR-M3-x2-fp32.tflite",
                                                                       "SESR-M3-x2-int8.tflite"]
    steps = [r.step for r in RunFolder(run).read_history().steps]
    assert steps == list(range(10, STEPS + 1, 10))
    assert_same_weights(run, reference_weights)
    assert list(cluster.scratch[1].iterdir()) == []  # the worker's temporary checkpoint copies are gone


def test_a_folder_per_host_stops_on_sigterm_to_one_task_and_resumes_on_both(cluster, tmp_path, train_dir,
                                                                           reference_weights):
    runs = [tmp_path / "host-0" / "run", tmp_path / "host-1" / "run"]
    cluster.start([[*ARGS, "--data", str(train_dir), "--out", str(run), "--no-export"] for run in runs], "per-host")
    cluster.wait_for_output(1, "step ")
    cluster.processes[1].send_signal(signal.SIGTERM)
    assert cluster.wait() == [130, 143], cluster.output(0) + cluster.output(1)  # 143: the task sent SIGTERM
    assert "asked on another task" in cluster.output(0) and "asked here" in cluster.output(1)
    stopped_at = RunFolder(runs[0]).read_state().step
    assert 0 < stopped_at < STEPS
    assert not runs[1].exists()  # the worker keeps nothing on its host

    cluster.start([["--resume", str(run), "--no-export"] for run in runs], "resumed")
    assert cluster.wait() == [0, 0], cluster.output(0) + cluster.output(1)
    assert f"Resumed the fp32 phase from {runs[0]}" in cluster.output(0)
    assert not runs[1].exists()
    steps = [r.step for r in RunFolder(runs[0]).read_history().steps]
    assert steps == list(range(10, STEPS + 1, 10))
    assert_same_weights(runs[0], reference_weights)
