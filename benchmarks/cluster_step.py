"""Step time of one training process against a two-task multi-worker cluster on this host, interleaved.

SESR-M3 x2, global batch 32 of 64x64 LR patches (the default), T91. Each round trains a single process and then a
two-task cluster on localhost (``TF_CONFIG``, free ports), the same spec; the step time is the chief's wall time
between steps ``--skip`` and ``--steps`` from its history. Interleaving spreads the noise of a shared machine over
both. Prints a Markdown table and the CPU flags that matter.

    python benchmarks/cluster_step.py [--rounds 3] [--steps 200] [--data /work/shared/data/train/T91]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

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
    history = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines()]
    elapsed = {r["step"]: r["elapsed"] for r in history if r.get("type") == "step"}
    return (elapsed[steps] - elapsed[skip]) / (steps - skip)


def train(run: Path, tasks: int, args) -> float:
    command = [sys.executable, "-m", "sesr_core.cli", "train", "--preset", "M3", "--scale", "2", "--steps",
               str(args.steps), "--batch-size", str(args.batch), "--data", args.data, "--no-export"]
    if tasks == 1:
        subprocess.run([*command, "--out", str(run)], check=True, capture_output=True)
    else:
        addresses = [f"localhost:{p}" for p in free_ports(tasks)]
        processes = []
        for index in range(tasks):
            env = dict(os.environ, TF_CONFIG=json.dumps({"cluster": {"worker": addresses},
                                                         "task": {"type": "worker", "index": index}}))
            out = run if index == 0 else run.with_name(run.name + f"-task{index}")
            processes.append(subprocess.Popen([*command, "--strategy", "multi-worker", "--out", str(out)], env=env,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if any(p.wait() != 0 for p in processes):
            raise SystemExit("a cluster task failed")
    return seconds_per_step(run, args.skip, args.steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--skip", type=int, default=50, help="steps left out at the start (tracing, warm-up)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--data", default="/work/shared/data/train/T91")
    args = parser.parse_args()
    times: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as work:
        for round_ in range(args.rounds):
            for tasks in (1, 2):
                times[tasks].append(train(Path(work) / f"r{round_}-{tasks}", tasks, args))
                print(f"round {round_ + 1}, {tasks} task(s): {times[tasks][-1] * 1000:.1f} ms/step", file=sys.stderr)
    print(f"CPU: {cpu_summary()}\n")
    print(f"| processes | ms per step (global batch {args.batch}), median | each round |")
    print("|---|---|---|")
    for tasks, values in times.items():
        print(f"| {tasks} | {statistics.median(values) * 1000:.1f} | "
              f"{', '.join(f'{v * 1000:.1f}' for v in values)} |")


if __name__ == "__main__":
    main()
