"""``sesr info --engines``: each engine's measured time per 1080p frame on the default models, and auto's pick."""

from __future__ import annotations

import json

from sesr_core.models.presets import SCALES


def engines_report(threads: int | None = None) -> dict:
    """The engines, their versions, this CPU, and per default model the timings auto measured (or cached)."""
    from sesr_core.errors import ModelError
    from sesr_core.models.catalog import default_model
    from sesr_core.runtime.cpu_info import cpu_identity
    from sesr_core.runtime.engine import ENGINES, engine_version
    from sesr_core.runtime.engine_choice import auto_choice, candidate_label
    from sesr_core.runtime.interpreter import default_threads
    from sesr_core.runtime.tflite_cleanup import cleanup_available

    threads = threads or default_threads()
    report = {"cpu": cpu_identity(), "threads": threads,
              "engines": {name: engine_version(name) or "not available" for name in ENGINES},
              "reads_tflite": cleanup_available(), "models": []}
    for scale in SCALES:
        try:
            entry = default_model(scale)
        except ModelError:
            continue
        choice = auto_choice(entry.path, threads)
        report["models"].append({"model": entry.name, "ms_per_1080p_frame": choice.timings,
                                 "auto": candidate_label(f"{choice.engine} {choice.path.name}", entry.path),
                                 "note": choice.note})
    return report


def print_engines_report(as_json: bool, threads: int | None = None) -> int:
    report = engines_report(threads)
    if as_json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"CPU: {report['cpu']}, {report['threads']} threads")
    print("Engines: " + ", ".join(f"{name} {version}" for name, version in report["engines"].items()))
    for model in report["models"]:
        print(f"{model['model']} (ms per 1080p input frame, network alone, measured on first use):")
        for label, ms in sorted(model["ms_per_1080p_frame"].items(), key=lambda kv: kv[1]):
            print(f"  {label:<24} {ms:>8.0f}")
        print(f"  auto uses: {model['auto']}")
        if model["note"]:
            print(f"  note: {model['note']}")
    return 0
