"""The README's before/after figure: one real JPEG photo upscaled x2 by bicubic, the clean model and the photo model.

    python scripts/jpeg_compare_figure.py [--photo resources/samples/rocket.jpg] [--quality 60] [--out docs/...]

The sample photo is saved again as a JPEG at ``--quality`` (what a web upload does to it), then each method upscales
that file; the figure shows the same crop of each, enlarged 2x with nearest-neighbour so the pixels stay visible.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sesr_core.imaging.matlab_imresize import imresize  # noqa: E402
from sesr_core.models.jpeg_variants import nearest_variant, variant_name  # noqa: E402
from sesr_core.runtime.upscaler import Upscaler  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", default=str(ROOT / "resources" / "samples" / "rocket.jpg"))
    parser.add_argument("--quality", type=int, default=60)
    parser.add_argument("--crop", default="290,122,64,72", help="x,y,w,h of the crop in the input photo")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "jpeg_compare.png"))
    args = parser.parse_args()
    with Image.open(args.photo) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=args.quality)
    buffer.seek(0)
    with Image.open(buffer) as saved:
        web = np.asarray(saved.convert("RGB"))
    x, y, w, h = (int(v) for v in args.crop.split(","))
    panels = [("JPEG input (nearest)", np.kron(web, np.ones((2, 2, 1), np.uint8))),
              ("bicubic", np.clip(np.round(imresize(web.astype(np.float64), scale=2)), 0, 255).astype(np.uint8))]
    # the photo family's file for this quality: what auto gives the saved JPEG (its tables say exactly this quality)
    photo = variant_name("SESR-M5-x2-photo", nearest_variant(args.quality))
    for label, name in (("clean model", "SESR-M5-x2"), ("photo model", photo)):
        upscaler = Upscaler(name, scale=2, engine="litert")
        panels.append((f"{label} ({name})", upscaler.upscale_array(web)[0]))
    tiles = []
    for label, pixels in panels:
        crop = pixels[2 * y:2 * (y + h), 2 * x:2 * (x + w)]
        tile = Image.fromarray(crop).resize((crop.shape[1] * 2, crop.shape[0] * 2), Image.NEAREST)
        canvas = Image.new("RGB", (tile.width, tile.height + 22), "white")
        canvas.paste(tile, (0, 22))
        ImageDraw.Draw(canvas).text((6, 5), label, fill="black")
        tiles.append(canvas)
    figure = Image.new("RGB", (sum(t.width for t in tiles) + 6 * (len(tiles) - 1), tiles[0].height), "white")
    left = 0
    for tile in tiles:
        figure.paste(tile, (left, 0))
        left += tile.width + 6
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    figure.save(args.out)
    print(f"wrote {args.out} ({figure.width}x{figure.height}) from {args.photo} saved at JPEG quality {args.quality}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
