"""Score the shipped models again and write the result into their cards (after an evaluation protocol change).

    python scripts/rescore_models.py --hr ../shared/data/val/Set5/HR [NAME ...]

Each card's ``evaluation`` block is replaced by the score of that exact file through the inference runtime, under
the current protocol (:func:`sesr_core.evaluation.protocol.evaluate`); nothing else in the card changes. Prints old
and new.
"""

from __future__ import annotations

import argparse

from sesr_core.evaluation.pairs import dataset_name, load_eval_pairs
from sesr_core.evaluation.protocol import evaluate
from sesr_core.models.card import read_card, write_card
from sesr_core.models.catalog import list_models
from sesr_core.runtime.sr_model import SRModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hr", required=True, help="HR validation images (Set5/HR)")
    parser.add_argument("names", nargs="*", help="shipped models to score (default: all)")
    args = parser.parse_args()
    for entry in list_models():
        if not entry.shipped or (args.names and entry.name not in args.names):
            continue
        model = SRModel(entry.path)
        result = evaluate(model.upscale_y, load_eval_pairs(args.hr, model.scale), model.scale)
        card = read_card(entry.path) or {}
        before = (card.get("evaluation") or {}).get("psnr")
        card["evaluation"] = result.card_entry(dataset_name(args.hr))
        write_card(entry.path, card)
        print(f"{entry.name}: PSNR {before} -> {card['evaluation']['psnr']}, SSIM {card['evaluation']['ssim']}")


if __name__ == "__main__":
    main()
