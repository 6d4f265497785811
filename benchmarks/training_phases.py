"""How long each phase of a training job takes, to weight them in its time-left estimate (sesr_core.training.work).

Trains a short QAT run of a preset on real images (fp32 steps, then QAT steps, the last 20 with refined ranges), times
the steps of each phase from the run's history (skipping each phase's first steps, which trace and compile), the
range refinement before the frozen steps, then the int8 and fp32 exports. Prints seconds per fp32 step, the QAT/fp32
step ratio, and the refinement and each export in fp32 steps.

    python benchmarks/training_phases.py --data shared/data/train/T91 --val shared/data/val/Set5/HR [--preset M5]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--val", required=True)
    parser.add_argument("--preset", default="M5")
    parser.add_argument("--steps", type=int, default=60, help="fp32 steps (QAT: 40 more)")
    parser.add_argument("--skip", type=int, default=10, help="first steps of each phase left out of the timing")
    args = parser.parse_args()

    from sesr_core.training.export_run import export_run
    from sesr_core.training.run_folder import RunFolder
    from sesr_core.training.spec import new_run_spec
    from sesr_core.training.trainer import train

    spec = new_run_spec(preset=args.preset, qat=True, data_dirs=(args.data,), val_dir=args.val, steps=args.steps,
                        qat_steps=args.steps + 40, qat_frozen_steps=20, eval_every=10**6)
    freeze_at = spec.total_steps - 20
    with tempfile.TemporaryDirectory() as folder:
        run = RunFolder(Path(folder) / "run")
        train(spec, run.root)
        steps = {r.step: r.elapsed for r in run.read_history().steps}
        fp32 = (steps[args.steps] - steps[args.skip]) / (args.steps - args.skip)
        qat = (steps[freeze_at] - steps[args.steps + args.skip]) / (freeze_at - args.steps - args.skip)
        refinement = steps[freeze_at + 10] - steps[freeze_at] - 10 * qat
        exports = {}
        for precision in ("int8", "fp32"):
            started = time.monotonic()
            export_run(run.root, precision)
            exports[precision] = time.monotonic() - started
    report = {"preset": args.preset, "batch": spec.batch_size, "patch": spec.patch_size,
              "fp32_step_seconds": round(fp32, 4), "qat_step_seconds": round(qat, 4),
              "qat_over_fp32": round(qat / fp32, 2), "range_refinement_seconds": round(refinement, 1),
              "range_refinement_in_fp32_steps": round(refinement / fp32),
              "export_seconds": {k: round(v, 1) for k, v in exports.items()},
              "export_in_fp32_steps": {k: round(v / fp32) for k, v in exports.items()}}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
