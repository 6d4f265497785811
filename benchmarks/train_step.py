"""Collapsed against expanded linear-block training: time and peak memory of the forward pass and the whole step.

SESR-M5 x2, a batch of 32 random 64x64 LR patches. Each measurement runs in its own process so that its peak
resident memory (ru_maxrss) is its own; a process that only builds the model gives the baseline to subtract.
Writes a Markdown table to stdout (paste it into docs/benchmarks.md) and JSON with --json.

    python benchmarks/train_step.py [--repeats 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

FORMS = ("collapsed", "expanded")
MODES = ("baseline", "forward", "step")


def worker(form: str, mode: str, repeats: int, batch: int, patch: int) -> dict:
    import numpy as np

    from sesr_core.models.presets import preset_config
    from sesr_core.training._tf import tf
    from sesr_core.training.optim import make_optimizer
    from sesr_core.training.trainer import _make_train_step

    config = preset_config("M5", 2)
    from sesr_core.training.network import build_training_model

    model = build_training_model(config, form)
    rng = np.random.default_rng(0)
    lr = tf.constant(rng.random((batch, patch, patch, 1), np.float32))
    hr = tf.constant(rng.random((batch, patch * 2, patch * 2, 1), np.float32))
    if mode == "baseline":
        model(lr[:1, :8, :8])
        return {"seconds": 0.0}
    if mode == "forward":
        run = tf.function(lambda x: model(x, training=True))

        def call():
            return run(lr).numpy()
    else:
        optimizer = make_optimizer(1e-4)
        dataset = tf.data.Dataset.from_tensors((lr, hr)).repeat()
        iterator = iter(dataset)
        step = _make_train_step(model, optimizer, tf.distribute.get_strategy(), batch)

        keep_going = tf.constant(0.0)

        def call():
            return step(iterator, keep_going)[0].numpy()
    for _ in range(2):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return {"seconds": float(np.median(times))}


def run_child(form: str, mode: str, repeats: int, batch: int, patch: int) -> dict:
    """Run one measurement in a child and read its own peak RSS from wait4."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        os.dup2(write_fd, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.execv(sys.executable, [sys.executable, __file__, "--worker", form, mode, "--repeats", str(repeats),
                                  "--batch", str(batch), "--patch", str(patch)])
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        out = pipe.read()
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise RuntimeError(f"the {form} {mode} measurement failed (status {status})")
    return {**json.loads(out.strip().splitlines()[-1]), "peak_mb": usage.ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=2, metavar=("FORM", "MODE"))
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--patch", type=int, default=64)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker, args.repeats, args.batch, args.patch)))
        return
    results = {(form, mode): run_child(form, mode, args.repeats, args.batch, args.patch)
               for mode in MODES for form in FORMS}
    if args.json:
        print(json.dumps({f"{f}/{m}": v for (f, m), v in results.items()}, indent=2))
        return
    print(f"SESR-M5 x2, batch {args.batch} of {args.patch}x{args.patch} LR patches, median of {args.repeats}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print()
    print("| measure | collapsed | expanded | expanded / collapsed |")
    print("|---|---|---|---|")
    for mode in ("forward", "step"):
        c, e = results[("collapsed", mode)], results[("expanded", mode)]
        print(f"| {mode} time (s) | {c['seconds']:.3f} | {e['seconds']:.3f} | {e['seconds'] / c['seconds']:.1f}x |")
    for mode in ("forward", "step"):
        base = {f: results[(f, "baseline")]["peak_mb"] for f in FORMS}
        c = results[("collapsed", mode)]["peak_mb"] - base["collapsed"]
        e = results[("expanded", mode)]["peak_mb"] - base["expanded"]
        print(f"| {mode} peak memory above baseline (MB) | {c:.0f} | {e:.0f} | {e / max(c, 1):.1f}x |")


if __name__ == "__main__":
    main()
