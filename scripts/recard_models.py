"""Re-measure the evaluation block of every shipped model's card: clean Set5 and JPEG-75 Set5, each beside bicubic.

    python scripts/recard_models.py --val /path/to/Set5/HR

The .tflite files are not touched (their sha256 stays); the clean PSNR must come out as the card already says,
or the script stops, since that would mean the runtime's numbers moved.
"""

from __future__ import annotations

import argparse
import json

from sesr_core.evaluation.protocol import card_evaluation
from sesr_core.models.card import read_card, write_card
from sesr_core.models.catalog import list_models
from sesr_core.runtime.sr_model import SRModel


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--val", required=True, help="the HR folder the cards were measured on (Set5/HR)")
    args = parser.parse_args()
    for entry in (e for e in list_models() if e.shipped):
        card = read_card(entry.path)
        evaluation = card_evaluation(SRModel(entry.path).upscale_y, args.val, entry.scale)
        before = (card.get("evaluation") or {}).get("psnr")
        if before is not None and abs(before - evaluation["psnr"]) > 1e-3:
            raise SystemExit(f"{entry.name}: clean PSNR {evaluation['psnr']} differs from its card's {before}.")
        card["evaluation"] = evaluation
        write_card(entry.path, card)
        print(entry.name, json.dumps({k: evaluation[k] for k in ("psnr", "bicubic_psnr")}),
              json.dumps(evaluation["degraded"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
