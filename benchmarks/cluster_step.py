"""Step time of one training process against a two-task multi-worker cluster on this host, interleaved.

SESR-M3 x2, global batch 32 of 64x64 LR patches (the default), T91. Each round trains a single process and then a
two-task cluster on localhost (``TF_CONFIG``, free ports), the same spec; the step time is the chief's wall time
between steps ``--skip`` and ``--steps`` from its history, and the cores busy meanwhile is the CPU time of the run's
processes over that wall time. Interleaving spreads the noise of a shared machine over both. Prints a Markdown table
and the CPU flags that matter.

    python benchmarks/cluster_step.py [--rounds 3] [--steps 200] [--data /work/shared/data/train/T91]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sesr_core.training.run_folder import RunFolder

FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "fma")


def cpu_summary() -> str:
    model, flags = "?", set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and model == "?":
            model = line.split(":", 1)[1].strip()
        if line.startswith("flags") and not flags:
            flags = set(line.split(":", 1)[1].split())
    return f"{model}, {os.cpu_count()} CPUs, flags: {' '.join(f for f in FLAGS if f in flags)}"


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def seconds_per_step(run: Path, skip: int, steps: int) -> float:
    elapsed = {r.step: r.elapsed for r in RunFolder(run).read_history().steps}
    return (elapsed[steps] - elapsed[skip]) / (steps - skip)


def cpu_seconds(processes: list[subprocess.Popen]) -> float:
    """User + system CPU time of the processes so far (all their threads)."""
    total = 0
    for process in processes:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def last_step(run: Path) -> int:
    with contextlib.suppress(OSError):
        return max((r.step for r in RunFolder(run).read_history().records), default=0)
    return 0


def train(run: Path, tasks: int, args) -> tuple[float, float]:
    """Seconds per step and the cores the run's processes used meanwhile (CPU seconds / wall seconds)."""
    command = [sys.executable, "-m", "sesr_core.cli", "train", "--preset", "M3", "--scale", "2", "--steps",
               str(args.steps), "--batch-size", str(args.batch), "--data", args.data, "--no-export"]
    addresses = [f"localhost:{p}" for p in free_ports(tasks)]
    processes = []
    for index in range(tasks):
        env = dict(os.environ)
        extra = []
        if tasks > 1:
            task = {"type": "worker", "index": index}
            env["TF_CONFIG"] = json.dumps({"cluster": {"worker": addresses}, "task": task})
            extra = ["--strategy", "multi-worker"]
        out = run if index == 0 else run.with_name(run.name + f"-task{index}")
        processes.append(subprocess.Popen([*command, *extra, "--out", str(out)], env=env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    marks = []
    while any(p.poll() is None for p in processes):
        if len(marks) == 0 and last_step(run) >= args.skip or len(marks) == 1 and last_step(run) >= args.steps:
            marks.append((cpu_seconds(processes), time.monotonic()))
        time.sleep(0.05)
    if any(p.returncode != 0 for p in processes) or len(marks) < 2:
        raise SystemExit("a training task failed")
    (cpu0, wall0), (cpu1, wall1) = marks
    return seconds_per_step(run, args.skip, args.steps), (cpu1 - cpu0) / (wall1 - wall0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--skip", type=int, default=50, help="steps left out at the start (tracing, warm-up)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--data", default="/work/shared/data/train/T91")
    args = parser.parse_args()
    times: dict[int, list[float]] = {1: [], 2: []}
    cores: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as work:
        for round_ in range(args.rounds):
            for tasks in (1, 2):
                load = os.getloadavg()[0]
                step, used = train(Path(work) / f"r{round_}-{tasks}", tasks, args)
                times[tasks].append(step)
                cores[tasks].append(used)
                print(f"round {round_ + 1}, {tasks} task(s): {step * 1000:.1f} ms/step, {used:.2f} cores busy, "
                      f"load average before {load:.1f}", file=sys.stderr)
    print(f"CPU: {cpu_summary()}\n")
    print(f"| processes | ms per step (global batch {args.batch}), median | each round | cores busy, median "
          "| CPU ms per step (ms x cores), median |")
    print("|---|---|---|---|---|")
    for tasks, values in times.items():
        work = [v * c * 1000 for v, c in zip(values, cores[tasks], strict=True)]
        print(f"| {tasks} | {statistics.median(values) * 1000:.1f} | "
              f"{', '.join(f'{v * 1000:.1f}' for v in values)} | {statistics.median(cores[tasks]):.2f} | "
              f"{statistics.median(work):.0f} |")


if __name__ == "__main__":
    main()
