"""Ship a finished training run as SESR Studio models: int8 and fp32 .tflite with cards, plus the training record.

    python scripts/ship_model.py RUN_DIR --name SESR-M5-x2 [--default]

Writes resources/models/NAME.tflite (int8) and NAME-fp32.tflite with their cards (evaluated on the run's validation
folder, normally Set5), and resources/models/records/NAME/: the run's spec, history, log and state, and its final fp32
checkpoint with the expanded linear-block weights (model only, no optimiser), so that the record is itself a run
folder that `sesr train --init-from` and the Train page accept for fine-tuning or x2 -> x4 transfer. When the run
started from another run (`--init-from`), that run's spec, history, log and state go into `parent-run/` (with that
run's own `parent-run/`, and so on).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from sesr_core.models.card import read_card, write_card
from sesr_core.models.catalog import RESOURCES
from sesr_core.models.jpeg_variants import LOSSLESS, nearest_variant, variant_name
from sesr_core.training._tf import tf
from sesr_core.training.export_run import export_run
from sesr_core.training.jpeg_aware_runs import VARIANTS_FOLDER, variant_dir, variant_file, variant_qualities
from sesr_core.training.run_folder import RunFolder
from sesr_core.training.spec import TrainSpec
from sesr_core.training.transfer import restore_fp32_model

RECORD_FILES = ("spec.json", "history.jsonl", "train.log", "state.json")


def copy_run_files(source: Path, target: Path) -> None:
    """Copy a run's small files (spec, history, log, state) into a new folder ``target``."""
    target.mkdir(parents=True)
    for name in RECORD_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, target / name)


def write_record(run: RunFolder, record: Path) -> None:
    """Copy the run's small files and save its final fp32 weights as a model-only checkpoint.

    The run it started from goes into ``parent-run/`` with that run's own ``parent-run/`` (so the chain of runs
    behind a model stays readable when the runs themselves are gone). It may be the very record being replaced (a
    new QAT of a shipped model): its files are read before the old record is removed.
    """
    model, spec = restore_fp32_model(run.root, "last")
    step = min(run.read_state().step or spec.steps, spec.steps)
    with tempfile.TemporaryDirectory() as stash:
        parent, parent_files = Path(spec.init_from or ""), Path(stash) / "parent-run"
        if spec.init_from and (parent / "spec.json").is_file():
            copy_run_files(parent, parent_files)
            if (parent / "parent-run").is_dir():
                shutil.copytree(parent / "parent-run", parent_files / "parent-run")
        if record.exists():
            shutil.rmtree(record)
        copy_run_files(run.root, record)
        if parent_files.is_dir():
            shutil.move(parent_files, record / "parent-run")
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(model=model), str(RunFolder(record).checkpoints("fp32")),
                                         max_to_keep=1, checkpoint_name="ckpt")
    manager.save(checkpoint_number=step)


def set_default(name: str) -> None:
    """Make ``name`` the default model of its scale and purpose in defaults.txt (one clean and one photo default per
    scale)."""
    from sesr_core.models.catalog import list_models

    defaults_file = RESOURCES / "defaults.txt"
    current = defaults_file.read_text().split() if defaults_file.is_file() else []
    kind_of = {m.name: (m.scale, m.purpose) for m in list_models() if m.shipped}
    kept = [n for n in current if kind_of.get(n) != kind_of[name] and n != name]
    defaults_file.write_text("\n".join(sorted(kept + [name])) + "\n")


def ship_family(run: RunFolder, name: str) -> None:
    """Ship a JPEG-aware run: every variant's int8 file and fp32 twin as the run exported them (renamed ``NAME``,
    ``NAME-q75``, ...; their cards say so), the parent's record with each variant run's small files in
    ``variants/qNN/``.

    The lossless file's card also says what the family scores on JPEG-75 LR: the score of the variant the runtime
    picks there (:func:`~sesr_core.models.jpeg_variants.nearest_variant`), not the lossless file's own.
    """
    cards = {}
    model_name = TrainSpec.load(run.root).model.name
    for quality in variant_qualities():
        variant = variant_name(name, quality)
        for precision, file_name in (("int8", variant), ("fp32", f"{variant}-fp32")):
            exported = variant_file(run.models / f"{model_name}-{precision}.tflite", quality)
            if not exported.is_file():
                raise SystemExit(f"{exported} is missing: finish the run first (sesr train --resume {run.root}).")
            path = RESOURCES / f"{file_name}.tflite"
            shutil.copyfile(exported, path)
            card = {**read_card(exported), "name": file_name, "file": path.name,
                    "jpeg_variant": {"family": name, "quality": quality}}
            write_card(path, card)
            cards[quality, precision] = (path, card)
            evaluation = card["evaluation"]
            print(f"{path.name}: Set5 {evaluation.get('psnr')} dB, JPEG-75 {evaluation['degraded']['psnr']} dB")
    write_record(run, RESOURCES / "records" / name)
    for quality in variant_qualities():
        copy_run_files(variant_dir(run.root, quality), RESOURCES / "records" / name / VARIANTS_FOLDER / f"q{quality}")
    for precision in ("int8", "fp32"):
        path, card = cards[LOSSLESS, precision]
        at_75 = cards[nearest_variant(75), precision][1]
        card["evaluation"]["degraded"] = {**at_75["evaluation"]["degraded"], "model": at_75["name"]}
        write_card(path, card)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--name", required=True, help="catalog name of the int8 model, e.g. SESR-M5-x2")
    parser.add_argument("--default", action="store_true",
                        help="make it the default model of its scale and purpose (clean, or photo for a run trained "
                        "with --degrade)")
    args = parser.parse_args()
    run = RunFolder(args.run_dir)
    RESOURCES.mkdir(parents=True, exist_ok=True)
    if TrainSpec.load(run.root).trains_variants:
        ship_family(run, args.name)
        if args.default:
            set_default(args.name)
        print(f"Shipped the JPEG-aware family {args.name}; record in {RESOURCES / 'records' / args.name}")
        return
    for precision, name in (("int8", args.name), ("fp32", f"{args.name}-fp32")):
        path, card = export_run(run.root, precision, RESOURCES / f"{name}.tflite", name=name)
        print(f"{path.name}: Set5 {card['evaluation'].get('psnr')} dB / {card['evaluation'].get('ssim')}")
    write_record(run, RESOURCES / "records" / args.name)
    if args.default:
        set_default(args.name)
    print(f"Shipped {args.name}; record in {RESOURCES / 'records' / args.name}")


if __name__ == "__main__":
    main()
