"""The model ``sesr eval`` scores: a named file, or each file of a JPEG-aware family (:mod:`eval_family`)."""

from __future__ import annotations

import sys
from pathlib import Path

from sesr_core.errors import ModelError


def scored_model(path: Path, scale: int, engine: str | None = None, noted: set[str] | None = None):
    """(SRModel, engine choice) of the .tflite at ``path`` as eval scores it: on the engine ``--engine`` asks for, never
    its fp32 twin; its engine note printed once (per ``noted`` set, when given); a wrong scale is an error."""
    from sesr_core.runtime.engine_choice import choose_engine
    from sesr_core.runtime.sr_model import SRModel

    SRModel.check(path)
    choice = choose_engine(engine, path, allow_twin=False)
    if choice.note and (noted is None or choice.note not in noted):
        if noted is not None:
            noted.add(choice.note)
        print(f"note: {choice.note}", file=sys.stderr)
    sr_model = SRModel(path, engine=choice.engine)
    if sr_model.scale != scale:
        raise ModelError(f"'{path}' is an x{sr_model.scale} model, not x{scale}; fix --scale or pick another model.")
    return sr_model, choice
