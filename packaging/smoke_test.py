"""Smoke-test a built SESR Studio bundle the way a user runs it: unpack the archive, then run the executable.

    python packaging/smoke_test.py [--archive dist/sesr-studio-*.tar.gz | --bundle dist/sesr-studio] [--flavor lite]
                                   [--models DIR] [--train]

Checks, each printed as ok / SKIP / FAIL:
- ``sesr-studio --version`` names this checkout's version;
- ``sesr-studio info --engines --json`` lists OpenVINO (and LiteRT) among the bundled engines, with a measured time
  on the default x2 model, and says the bundle can read .tflite files (to drop an older file's identity operators);
- ``sesr-studio models --json`` lists the shipped models from inside the bundle, the same files as the source tree's;
- a headless ``sesr-studio upscale`` of sample images (PNG and JPEG) with the bundled default model (engine: auto)
  gives exactly the pixels that the source tree's ``sesr upscale`` gives with the same model on the engine the
  bundle's auto chose; a ``sesr-studio video`` upscale of a short clip with sound gives a clip of twice the size with
  every frame and the audio; (both SKIP, with the reason, when the bundle ships no default x2 model yet);
- ``sesr-studio --smoke-test``: the window opens offscreen, and on an Xvfb server through Qt's xcb plugin when Xvfb
  is installed, paints, closes, exit status 0; the Train page says how to get the full bundle (lite) or shows the
  training form (full);
- ``sesr-studio`` with no arguments keeps its window open (still running after 4 s);
- ``sesr-studio --screenshots DIR`` renders every page;
- lite: ``sesr-studio train`` explains that the lite bundle does not train; full with ``--train``: a 5-step SESR-M3
  run (plus 5 QAT steps) from the bundled CLI exports an int8 model that the bundle then upscales with.
The source tree's side runs with this Python (the checkout's venv). The bundle runs with a scratch HOME, no
PYTHONPATH and QT_QPA_PLATFORM=offscreen, so nothing of the user's or of the venv can stand in for the bundle.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "resources" / "samples"
UPSCALE_SAMPLES = ("astronaut.png", "rocket.jpg")
LITE_TRAIN_MESSAGE = "lite SESR Studio bundle"


class SmokeFailure(Exception):
    pass


class Bundle:
    """The unpacked bundle's executable, run with a clean environment."""

    def __init__(self, folder: Path, scratch: Path) -> None:
        self.folder = folder
        self.executable = folder / ("sesr-studio.exe" if sys.platform == "win32" else "sesr-studio")
        if sys.platform == "win32":  # the windowed .exe has no console: the command line is its -cli twin
            self.executable = folder / "sesr-studio-cli.exe"
        if not self.executable.is_file():
            raise SmokeFailure(f"{self.executable} does not exist")
        home = scratch / "home"
        home.mkdir(parents=True, exist_ok=True)
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith(("PYTHON", "VIRTUAL_ENV", "QT_", "XDG_", "SESR_"))}
        self.env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local"),
                        XDG_CACHE_HOME=str(home / ".cache"), SESR_STUDIO_HOME=str(home / "sesr-studio"),
                        QT_QPA_PLATFORM="offscreen")

    def run(self, *args: str, timeout: float = 300, check: bool = True, env: dict | None = None
            ) -> subprocess.CompletedProcess:
        result = subprocess.run([str(self.executable), *args], env=env or self.env, capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise SmokeFailure(f"sesr-studio {' '.join(args)} exited with {result.returncode}:\n"
                               f"{result.stdout[-2000:]}{result.stderr[-4000:]}")
        return result


def source_sesr(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The source tree's ``sesr`` (this Python, this checkout)."""
    result = subprocess.run([sys.executable, "-m", "sesr_core.cli", *args], cwd=ROOT, capture_output=True,
                            text=True, env=env, timeout=600)
    if result.returncode != 0:
        raise SmokeFailure(f"source tree: sesr {' '.join(args)} exited with {result.returncode}:\n"
                           f"{result.stdout[-2000:]}{result.stderr[-4000:]}")
    return result


def load_pixels(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image)


# ------------------------------------------------------------------------------------------------------------- checks

def check_version(bundle: Bundle) -> str:
    sys.path.insert(0, str(ROOT))
    from sesr_core import __version__

    out = bundle.run("--version").stdout.strip()
    if out != f"SESR Studio {__version__}":
        raise SmokeFailure(f"--version printed {out!r}, expected 'SESR Studio {__version__}'")
    return out


def shipped_models(bundle: Bundle, models_dir: Path) -> list[dict]:
    models = json.loads(bundle.run("models", "--json", "--all").stdout)  # every file, a family's too
    internal = bundle.folder.resolve()
    for model in models:
        path = Path(model["path"]).resolve()
        if model["shipped"] and internal not in path.parents:
            raise SmokeFailure(f"shipped model {model['name']} is read from {path}, outside the bundle")
        source = models_dir / path.name
        if model["shipped"] and not source.is_file():
            raise SmokeFailure(f"the bundle ships {path.name}, which {models_dir} does not have (a stale build?)")
        if model["shipped"] and source.read_bytes() != path.read_bytes():
            raise SmokeFailure(f"bundled {path.name} differs from {source} (a stale build?)")
    shipped = [m for m in models if m["shipped"]]
    expected = {p.name for p in models_dir.glob("*.tflite") if p.with_suffix(".json").is_file()}
    missing = expected - {Path(m["path"]).name for m in shipped}
    if missing:
        raise SmokeFailure(f"{models_dir} has {', '.join(sorted(missing))}, which the bundle does not list")
    defaults_file = models_dir / "defaults.txt"
    defaults = set(defaults_file.read_text().split()) if defaults_file.is_file() else set()
    if defaults != {m["name"] for m in shipped if m["default"]}:
        raise SmokeFailure(f"the bundle's default models differ from {defaults_file}: {sorted(defaults)}")
    return shipped


def check_engines(bundle: Bundle) -> str:
    """The bundled engines: OpenVINO must be importable inside the bundle and measured on the default model."""
    report = json.loads(bundle.run("info", "--engines", "--json").stdout)
    engines = report["engines"]
    if engines.get("openvino", "not available") == "not available" or engines.get("litert") == "not available":
        raise SmokeFailure(f"the bundled engines are {engines}; OpenVINO and LiteRT should both be there")
    if not report.get("reads_tflite"):
        raise SmokeFailure("the bundle cannot read .tflite files (LiteRT's schema or flatbuffers is missing), so "
                           "LiteRT would run an older file's identity operators")
    models = report["models"]
    if not models or "OpenVINO int8" not in models[0]["ms_per_1080p_frame"]:
        raise SmokeFailure(f"auto did not time OpenVINO inside the bundle: {models}")
    timings = ", ".join(f"{k} {v:.0f} ms" for k, v in models[0]["ms_per_1080p_frame"].items())
    return f"{', '.join(f'{k} {v}' for k, v in engines.items())}; {models[0]['model']}: {timings}; " \
           f"auto uses {models[0]['auto']}"


def check_upscale(bundle: Bundle, default: dict, models_dir: Path, work: Path) -> str:
    """The bundle's default model (engine: auto) against the source tree's sesr upscale with the same model file
    on the engine (and file) the bundle's auto chose."""
    source_model = models_dir / Path(default["path"]).name
    for name in UPSCALE_SAMPLES:
        sample = SAMPLES / name
        ours, theirs = work / f"bundle-{name}", work / f"source-{name}"
        result = bundle.run("upscale", str(sample), "-o", str(ours))
        said = result.stdout + result.stderr  # "Upscaling 1 image with NAME (x2, int8, OpenVINO)."
        engine = "openvino" if "OpenVINO)" in said else "litert"
        model = source_model.with_name(f"{source_model.stem}-fp32.tflite") if "fp32 twin" in said else source_model
        source_sesr("upscale", str(sample), "-o", str(theirs), "--model", str(model), "--engine", engine)
        a, b = load_pixels(ours), load_pixels(theirs)
        src = load_pixels(sample)
        if a.shape[:2] != (src.shape[0] * 2, src.shape[1] * 2):
            raise SmokeFailure(f"{name}: the bundle wrote {a.shape}, expected twice {src.shape}")
        if a.shape != b.shape or not np.array_equal(a, b):
            diff = np.abs(a.astype(int) - b.astype(int)).max() if a.shape == b.shape else "shape differs"
            raise SmokeFailure(f"{name}: the bundle's pixels differ from the source tree's (max diff {diff})")
    return f"{', '.join(UPSCALE_SAMPLES)} x2 with {default['name']} (auto: {engine}): pixels identical to the " \
           "source tree's"


def check_video(bundle: Bundle, work: Path) -> str:
    import av

    sys.path.insert(0, str(ROOT))
    from app.demo_media import make_clip

    clip = make_clip(work / "clip.mp4", load_pixels(SAMPLES / "coffee.png"), seconds=1.0, fps=12, size=(160, 120))
    out = work / "clip_x2.mp4"
    bundle.run("video", str(clip), "-o", str(out))
    with av.open(str(out)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video))
        size = (video.codec_context.width, video.codec_context.height)
        audio = len(container.streams.audio)
    if size != (320, 240) or frames != 12 or audio != 1:
        raise SmokeFailure(f"video: got {size[0]}x{size[1]}, {frames} frames, {audio} audio streams; "
                           "expected 320x240, 12 frames, 1 audio stream")
    return "160x120 clip with sound -> 320x240, 12 frames, audio kept"


def check_window(bundle: Bundle, flavor: str, env: dict | None = None) -> str:
    started = time.perf_counter()
    result = bundle.run("--smoke-test", timeout=120, env=env)
    seconds = time.perf_counter() - started
    line = next((s for s in result.stdout.splitlines() if s.startswith("window shown")), None)
    if line is None:
        raise SmokeFailure(f"--smoke-test did not report a shown window:\n{result.stdout}{result.stderr}")
    train = line.split("Train page: ", 1)[-1]
    if flavor == "lite" and LITE_TRAIN_MESSAGE not in train:
        raise SmokeFailure(f"the lite Train page does not say how to get the full bundle: {train!r}")
    if flavor == "full" and train != "training form":
        raise SmokeFailure(f"the full bundle's Train page has no training form: {train!r}")
    return f"shown and closed, exit status 0, {seconds:.1f} s from launch; Train page: {train[:90]}"


def check_plain_launch(bundle: Bundle, seconds: float = 4.0) -> str:
    """``sesr-studio`` with no arguments: the window's event loop is still running after a few seconds."""
    process = subprocess.Popen([str(bundle.executable)], env=bundle.env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.terminate()
        process.communicate(timeout=30)
        return f"still running after {seconds:.0f} s (then terminated)"
    out, err = process.communicate()
    raise SmokeFailure(f"sesr-studio with no arguments exited after less than {seconds:.0f} s with status "
                       f"{process.returncode}:\n{out[-2000:]}{err[-4000:]}")


def start_xvfb() -> tuple[subprocess.Popen, str] | None:
    """A virtual X server on a free display, or None when Xvfb is not installed."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        return None
    read_end, write_end = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write_end), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                              pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        display = pipe.readline().strip()
    if not display:
        server.kill()
        raise SmokeFailure("Xvfb did not start")
    return server, f":{display}"


def check_window_x11(bundle: Bundle, flavor: str, display: str) -> str:
    """The window on a real (virtual) X server: Qt picks its xcb plugin, as on a user's desktop."""
    env = {k: v for k, v in bundle.env.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = display
    return check_window(bundle, flavor, env)


def check_screenshots(bundle: Bundle, work: Path) -> str:
    folder = work / "screenshots"
    bundle.run("--screenshots", str(folder), timeout=600)
    shots = sorted(p.name for p in folder.glob("*.png") if p.stat().st_size > 10_000)
    if len(shots) < 4:
        raise SmokeFailure(f"--screenshots wrote only {shots}")
    return f"{len(shots)} pages rendered ({', '.join(shots)})"


def check_lite_train(bundle: Bundle, work: Path) -> str:
    result = bundle.run("train", "--data", str(SAMPLES), "--out", str(work / "run"), check=False)
    if result.returncode == 0 or LITE_TRAIN_MESSAGE not in result.stderr:
        raise SmokeFailure(f"sesr-studio train in the lite bundle: exit {result.returncode}, {result.stderr!r}")
    return result.stderr.strip().splitlines()[-1][:110] + "..."


def check_training(bundle: Bundle, work: Path) -> str:
    """A 5-step SESR-M3 x2 run with 5 QAT steps from the bundled CLI, exported, then used to upscale."""
    data = work / "train-data"
    data.mkdir()
    for name in ("astronaut.png", "coffee.png", "camera.png"):
        shutil.copy(SAMPLES / name, data / name)
    run = work / "m3-run"
    started = time.perf_counter()
    bundle.run("train", "--preset", "M3", "--scale", "2", "--steps", "5", "--qat", "--qat-steps", "5",
               "--batch-size", "4", "--patch-size", "32", "--eval-every", "1000", "--checkpoint-every", "1000",
               "--data", str(data), "--out", str(run), timeout=900)
    seconds = time.perf_counter() - started
    int8 = sorted(run.glob("**/*int8.tflite"))
    if not int8 or not int8[0].with_suffix(".json").is_file():
        raise SmokeFailure(f"the training run exported no int8 model with its card: {sorted(run.rglob('*'))}")
    out = work / "trained-x2.png"
    bundle.run("upscale", str(SAMPLES / "camera.png"), "--model", str(int8[0]), "-o", str(out))
    if load_pixels(out).shape[:2] != (1024, 1024):
        raise SmokeFailure(f"upscaling with the trained model wrote {load_pixels(out).shape}")
    return f"M3 x2, 5 + 5 QAT steps, exported and upscaled with in {seconds:.0f} s"


def check_bundled_record(bundle: Bundle, work: Path) -> str:
    """The full bundle carries the shipped models' training records, and training starts from one (2 steps)."""
    specs = sorted(bundle.folder.rglob("resources/models/records/*/spec.json"))
    if not specs:
        raise SmokeFailure("the full bundle has no training records under resources/models/records")
    record = specs[0].parent
    data = work / "record-data"
    data.mkdir()
    shutil.copy(SAMPLES / "coffee.png", data / "coffee.png")
    spec = json.loads(specs[0].read_text())["model"]
    run = work / "from-record"
    bundle.run("train", "--preset", spec["preset"], "--scale", str(spec["scale"]), "--activation", spec["activation"],
               "--steps", "2", "--batch-size", "2", "--patch-size", "24", "--init-from", str(record),
               "--data", str(data), "--out", str(run), "--no-export", timeout=900)
    log = (run / "train.log").read_text()
    if "Initialised" not in log or "(fine-tune)" not in log:
        raise SmokeFailure(f"training did not start from the bundled record {record.name}: {log[-400:]!r}")
    return f"{len(specs)} records bundled; 2 steps fine-tuning {record.name} from it"


# --------------------------------------------------------------------------------------------------------------- main

def unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "tar_filter"):  # Python 3.11.4 and later
            tar.extractall(into, filter="tar")
        else:
            tar.extractall(into)  # noqa: S202 - our own archive
    folders = [p for p in into.iterdir() if p.is_dir()]
    if len(folders) != 1:
        raise SmokeFailure(f"{archive} should hold one folder, holds {[p.name for p in into.iterdir()]}")
    for name in ("sesr-studio.desktop", "sesr-studio.png", "install-desktop-entry.sh", "README.txt"):
        if not (folders[0] / name).is_file():
            raise SmokeFailure(f"{archive} has no {name}")
    validate = shutil.which("desktop-file-validate")
    if validate:
        result = subprocess.run([validate, str(folders[0] / "sesr-studio.desktop")], capture_output=True, text=True)
        if result.returncode != 0 or "error" in result.stdout + result.stderr:
            raise SmokeFailure(f"sesr-studio.desktop: {result.stdout}{result.stderr}")
    return folders[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--archive", type=Path, help="the .tar.gz to unpack and test (default: the newest in dist/)")
    where.add_argument("--bundle", type=Path, help="an unpacked bundle folder to test instead of an archive")
    parser.add_argument("--flavor", choices=("lite", "full"), default="lite")
    parser.add_argument("--models", type=Path, default=ROOT / "resources" / "models",
                        help="the models folder the bundle was built with (default: resources/models)")
    parser.add_argument("--train", action="store_true", help="full flavour: also run a 5-step M3 training run")
    parser.add_argument("--no-screenshots", action="store_true", help="skip the --screenshots check")
    parser.add_argument("--keep", type=Path, help="keep the outputs in this folder (default: a temporary one)")
    args = parser.parse_args(argv)

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="sesr-smoke-", dir=args.keep)) if args.keep else \
        Path(tempfile.mkdtemp(prefix="sesr-smoke-"))
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    started_all = time.perf_counter()

    def step(title: str, check, *check_args, describe=str) -> object:
        started = time.perf_counter()
        try:
            result = check(*check_args)
        except (SmokeFailure, subprocess.TimeoutExpired) as err:
            counts["failed"] += 1
            print(f"FAIL {title} ({time.perf_counter() - started:.1f} s): {err}", flush=True)
            return None
        counts["passed"] += 1
        print(f"ok   {title} ({time.perf_counter() - started:.1f} s): {describe(result)}", flush=True)
        return result

    def skip(title: str, reason: str) -> None:
        counts["skipped"] += 1
        print(f"SKIP {title}: {reason}", flush=True)

    try:
        if args.bundle:
            folder = args.bundle.resolve()
        else:
            name = "sesr-studio" if args.flavor == "lite" else "sesr-studio-full"
            archive = args.archive or max((ROOT / "dist").glob(f"{name}-[0-9]*.tar.gz"),
                                          key=lambda p: p.stat().st_mtime, default=None)
            if archive is None:
                print(f"FAIL no {name}-*.tar.gz in dist/: build it with packaging/build.py --flavor {args.flavor}")
                return 1
            started = time.perf_counter()
            folder = unpack(archive, scratch / "unpacked")
            counts["passed"] += 1
            print(f"ok   unpack {archive.name} ({time.perf_counter() - started:.1f} s): one folder with the "
                  ".desktop file, icon and README.txt", flush=True)
        bundle = Bundle(folder, scratch)
        work = scratch / "work"
        work.mkdir()
        step("--version", check_version, bundle)
        step("bundled engines (info --engines)", check_engines, bundle)
        shipped = step("models --json", shipped_models, bundle, args.models.resolve(), describe=lambda found: (
            "shipped from inside the bundle, identical to the source files: "
            + (", ".join(m["name"] + (" (default)" if m["default"] else "") for m in found) or "none")))
        default = next((m for m in shipped or [] if m["default"] and m["scale"] == 2), None)
        if default is None:
            reason = "the model list failed" if shipped is None else (
                "the bundle ships no default x2 model (resources/models/defaults.txt names none yet; ship one with "
                "scripts/ship_model.py --default)")
            skip("headless upscale", reason)
            skip("headless video upscale", reason)
        else:
            step("headless upscale", check_upscale, bundle, default, args.models.resolve(), work)
            step("headless video upscale", check_video, bundle, work)
        step("window offscreen (--smoke-test)", check_window, bundle, args.flavor)
        step("plain launch, no arguments", check_plain_launch, bundle)
        xvfb = start_xvfb() if sys.platform.startswith("linux") else None
        if xvfb is None:
            skip("window on an X server", "Xvfb is not installed (scripts/setup.sh installs it when run as root)")
        else:
            try:
                step(f"window on an X server (Xvfb {xvfb[1]}, xcb)", check_window_x11, bundle, args.flavor, xvfb[1])
            finally:
                xvfb[0].terminate()
                xvfb[0].wait(timeout=30)
        if not args.no_screenshots:
            step("every page rendered (--screenshots)", check_screenshots, bundle, work)
        if args.flavor == "lite":
            step("train from the lite bundle explains itself", check_lite_train, bundle, work)
        elif args.train:
            step("5-step M3 training run from the bundled CLI", check_training, bundle, work)
            step("fine-tune a bundled training record", check_bundled_record, bundle, work)
    except SmokeFailure as err:
        print(f"FAIL {err}")
        counts["failed"] += 1
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"Smoke test of the {args.flavor} bundle: {time.perf_counter() - started_all:.0f} s")
    print(f"bundle: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped", flush=True)
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
