"""``sesr models``: list the shipped and user models; import, rename and delete user models."""

from __future__ import annotations

import json

from sesr_core.errors import ModelError
from sesr_core.models.catalog import (
    SHARPER_BY_DB,
    CatalogEntry,
    family_summary,
    family_variants,
    list_models,
    listed,
    user_models_dir,
)


def register(commands) -> None:
    parser = commands.add_parser("models", help="list, import, rename or delete models",
                                 description="List the shipped and user models, or manage the user models.")
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.add_argument("--all", action="store_true",
                        help="also list each JPEG-aware family's files for one JPEG quality (NAME-q75...), which "
                        "its family's name stands for")
    parser.set_defaults(run=run_list)
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    add = actions.add_parser("import", help="copy a .tflite (and its card) into the user models")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--name", help="name in the catalog (default: the card's or the file's)")
    add.set_defaults(run=run_import)
    rename = actions.add_parser("rename", help="rename a user model")
    rename.add_argument("name")
    rename.add_argument("new_name")
    rename.set_defaults(run=run_rename)
    delete = actions.add_parser("delete", help="delete a user model and its card")
    delete.add_argument("name")
    delete.set_defaults(run=run_delete)


def _entry(name: str) -> CatalogEntry:
    for entry in list_models():
        if entry.name == name:
            return entry
    known = ", ".join(e.name for e in list_models()) or "none installed"
    raise ModelError(f"There is no model named '{name}'; known models: {known}.")


def run_import(args) -> int:
    from sesr_core.runtime.model_import import import_model

    entry = import_model(args.file, args.name)
    print(f"Imported '{entry.name}' (x{entry.scale}, {entry.precision}) into {entry.path.parent}.")
    return 0


def run_rename(args) -> int:
    from sesr_core.models.user_models import rename_model

    entry = rename_model(_entry(args.name), args.new_name)
    print(f"Renamed '{args.name}' to '{entry.name}'.")
    return 0


def run_delete(args) -> int:
    from sesr_core.models.user_models import delete_model

    delete_model(_entry(args.name))
    print(f"Deleted '{args.name}'.")
    return 0


def _as_json(entry: CatalogEntry, catalog: list[CatalogEntry]) -> dict:
    data = entry.to_dict()
    if entry.is_family:
        data["variants"] = {str(q): e.name for q, e in family_variants(entry, entries=catalog).items()}
    return data


def run_list(args) -> int:
    catalog = list_models()
    models = catalog if getattr(args, "all", False) else listed(catalog)
    if args.json:
        print(json.dumps([_as_json(m, catalog) for m in models], indent=2))
        return 0
    if not models:
        print("No models installed; train one with 'sesr train' or copy a .tflite and its card to "
              f"{user_models_dir()}.")
        return 0
    print(f"{'name':<28}{'scale':>6}{'prec.':>7}{'for':>7}{'MACs/px':>10}{'params':>9}{'PSNR':>8}  "
          f"{'on':<10}source")
    for m in models:
        psnr = f"{m.set5_psnr:.2f}" if m.set5_psnr else "-"
        notes = ["shipped" if m.shipped else "user"] + ["default"] * m.default + ["experimental"] * m.experimental
        notes += [summary] if (summary := family_summary(m, catalog)) else []
        notes += [f"{m.jpeg_variant.family}'s file for JPEG quality {m.jpeg_variant.quality}"] if m.is_variant else []
        print(f"{m.name:<28}{'x' + str(m.scale):>6}{m.precision:>7}{m.purpose:>7}{m.macs_per_pixel or 0:>10,}"
              f"{m.params or 0:>9,}{psnr:>8}  {m.eval_dataset or '-':<10}{', '.join(notes)}")
    if any(m.experimental for m in models):
        print(f"experimental: not at least {SHARPER_BY_DB:g} dB better than the next smaller model of its kind on "
              "the same data set, at a higher cost.")
    hidden = len(catalog) - len(models)
    if hidden:
        print(f"{hidden} files of JPEG-aware families (one per JPEG quality) are not listed (--all lists them): a "
              "family's name picks one per input; each can also be named directly.")
    return 0
