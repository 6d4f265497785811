"""Which engine (and which of a model's twins) runs a model: forced by name, or measured once per machine (auto).

``auto`` times each engine on the model and on its fp32 twin (``NAME-fp32.tflite`` beside it, when there is one) on
a small strip, interleaved, and keeps the fastest. The measurement takes about a second and is cached in the user
data folder (``engine-choice.json``), keyed by the CPU (model name and vector flags), the engines' versions, the
thread count, how the engines compile a file (``ENGINE_SETUP``) and the sha256 of both files: any change measures
again. Where OpenVINO cannot be imported, auto uses LiteRT and says so in one line (:attr:`EngineChoice.note`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sesr_core.atomic import write_bytes_atomic
from sesr_core.errors import EngineUnavailableError
from sesr_core.models.card import read_card, sha256_of
from sesr_core.models.catalog import user_data_dir
from sesr_core.runtime.cpu_info import cpu_identity
from sesr_core.runtime.engine import (
    ENGINE_LABELS,
    ENGINES,
    check_engine_name,
    engine_version,
    open_engine,
)
from sesr_core.runtime.interpreter import default_threads

CACHE_NAME = "engine-choice.json"
ENGINE_SETUP = 2  # how the engines compile a file (2: OpenVINO in f32, its tail in numpy): a change measures again
PROBE_SHAPE = (96, 1024)  # input pixels timed per run: a strip as the tiles are, about 30 ms for SESR-M5
ROUNDS = 5
FRAME_PIXELS = 1920 * 1080


@dataclass(frozen=True)
class EngineChoice:
    """The engine and file that run a model, why, and (for a fallback) one line to show the user."""

    engine: str
    path: Path
    reason: str
    note: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # "engine precision" -> ms per 1080p input frame

    @property
    def label(self) -> str:
        return ENGINE_LABELS[self.engine]


def twin_of(path: Path) -> Path | None:
    """The fp32 twin of an int8 model file (``NAME-fp32.tflite`` beside ``NAME.tflite``), if it exists."""
    if path.stem.endswith("-fp32"):
        return None
    twin = path.with_name(f"{path.stem}-fp32{path.suffix}")
    return twin if twin.is_file() else None


def cache_path() -> Path:
    return user_data_dir() / CACHE_NAME


def choose_engine(requested: str | None, path: Path, threads: int | None = None,
                  allow_twin: bool = True) -> EngineChoice:
    """The engine for ``requested`` (auto, openvino, litert; None: ``SESR_ENGINE`` or auto) and model ``path``."""
    name = check_engine_name(requested)
    if name != "auto":
        if engine_version(name) is None:
            raise EngineUnavailableError(f"{ENGINE_LABELS[name]} cannot be imported on this machine; use --engine "
                                         "auto or litert (or SESR_ENGINE), or install it with: pip install "
                                         "openvino==2026.4.1.")
        return EngineChoice(name, path, "chosen by name")
    return auto_choice(path, threads or default_threads(), allow_twin)


def auto_choice(path: Path, threads: int, allow_twin: bool = True, measure: bool = True) -> EngineChoice | None:
    """The fastest engine (and file) for ``path`` on this machine, from the cache or measured now; with
    ``measure=False`` None when it was never measured."""
    engines = [e for e in ENGINES if engine_version(e) is not None]
    note = None
    if "openvino" not in engines:
        note = "OpenVINO is not available on this machine; auto uses LiteRT."
    files = [path] + ([twin] if allow_twin and (twin := twin_of(path)) else [])
    key = cache_key(files, engines, threads)
    timings = read_cache().get(key)
    if timings is None:
        if not measure:
            return None
        timings = measure_engines(files, engines, threads)
        if not timings:
            return EngineChoice("litert", path, "no engine could be measured on this file", note)
        write_cache(key, timings)
    best = min(timings, key=timings.get)
    engine, file_name = best.split(" ", 1)
    chosen = path.with_name(file_name)
    others = ", ".join(f"{k} {v:.0f} ms" for k, v in sorted(timings.items(), key=lambda kv: kv[1]))
    return EngineChoice(engine, chosen, f"fastest here per 1080p frame: {others}", note,
                        {candidate_label(k, path): v for k, v in timings.items()})


def candidate_label(key: str, path: Path) -> str:
    """``OpenVINO int8`` / ``LiteRT fp32 twin`` for a cache key ``engine FILE`` of model ``path``."""
    engine, file_name = key.split(" ", 1)
    if file_name != path.name:
        return f"{ENGINE_LABELS[engine]} fp32 twin"
    return f"{ENGINE_LABELS[engine]} {(read_card(path) or {}).get('precision', 'as named')}"


def cache_key(files: list[Path], engines: list[str], threads: int) -> str:
    identity = {"cpu": cpu_identity(), "threads": threads, "setup": ENGINE_SETUP,
                "engines": {e: engine_version(e) for e in engines},
                "files": {f.name: sha256_of(f) for f in files}}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]


def read_cache() -> dict[str, dict[str, float]]:
    with contextlib.suppress(OSError, ValueError, TypeError):
        data = json.loads(cache_path().read_text())
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if isinstance(v, dict) and v}
    return {}


def write_cache(key: str, timings: dict[str, float]) -> None:
    """Add one measurement to the cache file; a cache that cannot be written only costs a measurement next time."""
    entries = read_cache()
    entries[key] = timings
    with contextlib.suppress(OSError):
        cache_path().parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(cache_path(), json.dumps(entries, indent=1, sort_keys=True).encode())


def measure_engines(files: list[Path], engines: list[str], threads: int) -> dict[str, float]:
    """Milliseconds per 1080p input frame of every engine on every file, best of :data:`ROUNDS` interleaved runs
    on a :data:`PROBE_SHAPE` strip (compilation not counted)."""
    from sesr_core.runtime.model_graph import analysis_interpreter

    rng = np.random.default_rng(0)
    runners, inputs = {}, {}
    for file in files:
        try:
            content = file.read_bytes()
            dtype = np.dtype(analysis_interpreter(content).get_input_details()[0]["dtype"])
        except Exception:  # not a model: SRModel says so in its own words
            continue
        inputs[file.name] = (rng.integers(-128, 128, PROBE_SHAPE).astype(np.int8) if dtype == np.int8
                             else rng.random(PROBE_SHAPE, dtype=np.float32))
        for engine in engines:
            try:
                runner = open_engine(engine, file, content, threads)
                runner.run(inputs[file.name])  # compile and warm up
            except Exception:  # an engine that cannot run this file is no candidate
                continue
            runners[f"{engine} {file.name}"] = runner
    best = dict.fromkeys(runners, float("inf"))
    for _ in range(ROUNDS):
        for key, runner in runners.items():
            started = time.perf_counter()
            runner.run(inputs[key.split(" ", 1)[1]])
            best[key] = min(best[key], time.perf_counter() - started)
    for runner in runners.values():
        runner.close()
    per_frame = FRAME_PIXELS / (PROBE_SHAPE[0] * PROBE_SHAPE[1]) * 1000
    return {key: round(seconds * per_frame, 1) for key, seconds in best.items()}
