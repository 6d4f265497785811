"""Re-ship models without the operators that cannot change their output (see sesr_core/runtime/tflite_cleanup.py).

    python scripts/drop_identity_ops.py [--images DIR ...] [MODEL.tflite ...]

Without model paths, every shipped model in resources/models is rewritten. A file is replaced (atomically, its card's
sha256 updated) only after both engines gave byte-identical outputs for it before and after, on the sample
photos in resources/samples and on every image of each ``--images`` folder; otherwise the script stops and
names the file. Exports made since this step already come out without these operators; re-running changes nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from sesr_core.atomic import write_bytes_atomic
from sesr_core.models.card import read_card, sha256_of, write_card
from sesr_core.runtime.engine import open_engine
from sesr_core.runtime.litert_engine import LiteRTEngine
from sesr_core.runtime.tflite_cleanup import without_identity_ops

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}


def luma_planes(folders: list[Path]) -> list[np.ndarray]:
    """The grey plane (0-255, float32) of every image in ``folders``."""
    paths = sorted(p for folder in folders for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    return [np.asarray(Image.open(p).convert("L"), np.float32) for p in paths]


def network_input(plane: np.ndarray, fp32: bool) -> np.ndarray:
    return (plane / 255).astype(np.float32) if fp32 else (plane.astype(np.int16) - 128).astype(np.int8)


def differing_values(old: Path, new: Path, planes: list[np.ndarray], fp32: bool) -> dict[str, int]:
    """Per engine, how many output values differ between the ``old`` and the ``new`` file over ``planes``."""
    inputs = [network_input(p, fp32) for p in planes]
    before, after = open_engine("openvino", old, b"", 2), open_engine("openvino", new, b"", 2)
    try:
        counts = {"openvino": sum(int(np.count_nonzero(before.run(x) != after.run(x))) for x in inputs)}
    finally:
        before.close()
        after.close()
    before, after = (LiteRTEngine(f.read_bytes(), 2, as_written=True) for f in (old, new))  # every operator
    counts["litert"] = sum(int(np.count_nonzero(before.run(x) != after.run(x))) for x in inputs)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", type=Path, help="model files (default: every shipped model)")
    parser.add_argument("--images", nargs="*", type=Path, default=[], help="more image folders to compare on")
    args = parser.parse_args()
    models = args.models or sorted((RESOURCES / "models").glob("*.tflite"))
    planes = luma_planes([RESOURCES / "samples", *args.images])
    for path in models:
        old = path.read_bytes()
        new, dropped = without_identity_ops(old)
        if not dropped:
            print(f"{path.name}: nothing to drop")
            continue
        card = read_card(path) or {}
        with tempfile.TemporaryDirectory() as folder:  # OpenVINO reads models from a path
            scratch = Path(folder) / path.name
            scratch.write_bytes(new)
            counts = differing_values(path, scratch, planes, card.get("precision") == "fp32")
        if any(counts.values()):
            print(f"{path.name}: dropping {dropped} changes outputs ({counts}); left as it is.", file=sys.stderr)
            return 1
        write_bytes_atomic(path, new)
        if card:
            card["sha256"] = sha256_of(path)
            write_card(path, card)
        print(f"{path.name}: dropped {', '.join(dropped)}; {len(old)} -> {len(new)} bytes, outputs identical "
              f"on both engines ({len(planes)} images)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
