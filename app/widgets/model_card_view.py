"""A model card rendered as readable HTML: what the model is, how it was trained, how good it is."""

from __future__ import annotations

import html

from app.formatting import compact, count, duration
from sesr_core.models.catalog import SHARPER_BY_DB, CatalogEntry, family_summary, family_variants
from sesr_core.models.jpeg_variants import variant_label


def _rows(pairs: list[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><td style='padding-right:14px;color:gray'>{html.escape(k)}</td>"
                    f"<td>{html.escape(str(v))}</td></tr>" for k, v in pairs if v not in (None, "", [], {}))
    return f"<table cellspacing='2'>{cells}</table>" if cells else "<p style='color:gray'>—</p>"


def _started_from(parent: dict, own_name: str) -> str:
    """The run a model started from: its name (and model when the run is named otherwise; "an earlier version" when
    it is this model's own record, re-trained), the fp32 steps behind its weights and the wall time of the runs that
    made them."""
    label = parent["name"] if parent["name"] == parent["model"] else f"{parent['name']} ({parent['model']})"
    if parent["name"] in (own_name, own_name.removesuffix("-fp32")):
        label = f"an earlier {label}"
    text = f"{label}: {count(parent['steps'])} fp32 steps"
    if parent.get("wall_time_seconds"):
        text += f", {duration(parent['wall_time_seconds'])} of training"
    return text


def card_html(entry: CatalogEntry) -> str:
    """The card of ``entry`` as an HTML fragment."""
    card = entry.card
    model = card.get("model") or {}
    training = card.get("training") or {}
    quant = card.get("quantization") or {}
    evaluation = card.get("evaluation") or {}
    source = "shipped" + (f" (default {entry.purpose} model for its scale)" if entry.default else "") \
        if entry.shipped else "your model"
    if entry.experimental:
        source += f"; experimental: not {SHARPER_BY_DB:g} dB sharper than the next smaller model for its extra cost"
    if entry.is_family:
        source += f"; {family_summary(entry)}"
    elif entry.is_variant:
        source += f"; {entry.jpeg_variant.family}'s file for JPEG quality {entry.jpeg_variant.quality}"
    shape = f"m={model['m']}, f={model['f']}, p={model['p']}, {model.get('activation', '')}" if model else None
    overview = _rows([
        ("Preset", entry.preset), ("Scale", f"×{entry.scale}"), ("Precision", entry.precision), ("Shape", shape),
        ("Parameters", count(entry.params) if entry.params else None),
        ("MACs per LR pixel", count(entry.macs_per_pixel) if entry.macs_per_pixel else None),
        ("Source", source), ("File", str(entry.path)), ("SHA-256", (card.get("sha256") or "")[:16] + "…"),
    ])
    qat_steps = training.get("qat_steps") if training.get("qat") else 0
    fp32_steps = training.get("steps")
    parent = training.get("parent_run") or {}
    started_from = _started_from(parent, entry.name) if parent else training.get("init_from")
    trained = _rows([
        ("Data", ", ".join(training.get("data") or [])),
        ("Steps (fp32)", count(fp32_steps) if fp32_steps else None),
        ("QAT steps", count(qat_steps) if qat_steps else None),
        ("Batch / patch", f"{training['batch_size']} / {training['patch_size']}" if "batch_size" in training
         else None),
        ("Learning rate", training.get("learning_rate") if fp32_steps else None),  # fp32 rate: unused by QAT alone
        ("Schedule", training.get("lr_schedule")),
        ("Linear blocks", training.get("linear_block")), ("Started from", started_from),
        ("Training time", duration(training["wall_time_seconds"]) if training.get("wall_time_seconds") else None),
        ("Imported from", training.get("imported_from")), ("Notes", training.get("notes")),
        ("Quantisation", quant.get("method")),
    ])
    parts = [f"<h2 style='margin-bottom:2px'>{html.escape(entry.name)}</h2>",
             "<h4>Model</h4>", overview, "<h4>Training</h4>", trained]
    if entry.is_family:
        parts += ["<h4>JPEG-aware family: the file each input gets</h4>", _family_rows(entry)]
    if evaluation:
        images = evaluation.get("images") or {}
        rows = [("Mean", f"{evaluation.get('psnr', 0):.2f} dB · SSIM {evaluation.get('ssim', 0):.4f}")]
        if evaluation.get("bicubic_psnr"):
            rows.append(("Bicubic", f"{evaluation['bicubic_psnr']:.2f} dB"))
        degraded = evaluation.get("degraded") or {}
        if degraded.get("psnr"):
            rows.append((f"LR {degraded.get('degradation', 'degraded')}",
                         f"{degraded['psnr']:.2f} dB (bicubic {degraded.get('bicubic_psnr', 0):.2f})"))
        rows += [(name, f"{v[0]:.2f} dB · SSIM {v[1]:.4f}") for name, v in images.items()]
        parts += [f"<h4>Evaluation on {html.escape(str(evaluation.get('dataset', 'validation')))} "
                  "(Y channel, border shaved)</h4>", _rows(rows)]
    else:
        parts += ["<h4>Evaluation</h4><p style='color:gray'>Not evaluated.</p>"]
    return "".join(parts)


def _family_rows(entry: CatalogEntry) -> str:
    """One row per file of ``entry``'s family: the input it serves, its name and its PSNR on JPEG-degraded LR."""
    rows = []
    for quality, variant in family_variants(entry).items():
        degraded = ((variant.card.get("evaluation") or {}).get("degraded") or {})
        score = f" · {degraded['psnr']:.2f} dB on LR {degraded.get('degradation', '')}" if degraded.get("psnr") else ""
        label = variant_label(quality)
        rows.append((label[0].upper() + label[1:], f"{variant.name}{score}"))
    return _rows(rows)


PSNR_COLUMN = 5


def psnr_dataset(entries: list[CatalogEntry]) -> str | None:
    """The one data set every measured model was evaluated on, or None when they differ."""
    sets = {e.eval_dataset or "an unnamed data set" for e in entries if e.set5_psnr}
    return sets.pop() if len(sets) == 1 else None


def psnr_heading(entries: list[CatalogEntry]) -> str:
    """'PSNR (dB) / on Set5' (two lines); '/ data set' when the models were measured on different ones."""
    dataset = psnr_dataset(entries)
    return f"PSNR (dB)\non {dataset}" if dataset else "PSNR (dB)\n& data set"


def table_values(entry: CatalogEntry, common_dataset: str | None = "Set5") -> list[str]:
    """The catalog table's cells for ``entry``; the PSNR names its data set unless it is the column's."""
    source = ("shipped" + (", default" if entry.default else "")) if entry.shipped else "user"
    if entry.experimental:
        source += ", experimental"
    if entry.is_family:
        source += f", JPEG-aware ({entry.family_files or len(family_variants(entry))} files)"
    psnr = f"{entry.set5_psnr:.2f}" if entry.set5_psnr else "—"
    if entry.set5_psnr and common_dataset is None:
        psnr += f" on {entry.eval_dataset or 'an unnamed data set'}"
    return [entry.name, f"×{entry.scale}", entry.preset, entry.precision, compact(entry.macs_per_pixel), psnr,
            source]  # the parameter count is on the card
