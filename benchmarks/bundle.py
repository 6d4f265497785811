"""Size and start-up time of the lite desktop bundle; ``--write-doc`` puts them in docs/benchmarks.md.

    python benchmarks/bundle.py [--build] [--bundle dist/sesr-studio] [--launches 7] [--write-doc]

- Size: the bundle folder's bytes on disk (files, symbolic links not counted), with its biggest parts, and the
  .tar.gz beside it. Target: at most 300 MB.
- Start-up: from starting ``sesr-studio --smoke-test`` to the window's first paint (the line the app prints then),
  offscreen (QT_QPA_PLATFORM=offscreen, no X server needed), median of ``--launches`` launches after one untimed
  warm-up launch, with a scratch HOME (default settings, no user models). Target: at most 3 s. The same on an Xvfb
  server through Qt's xcb plugin when Xvfb is installed, and the command line's start-up (``sesr-studio --version``).
- ``--build`` first builds the bundle with packaging/build.py and records how long that took.

Only the ``## Desktop bundle`` section of docs/benchmarks.md is replaced, and its ``### Notes`` (written by hand) are
kept; the rest of the file is left as it is.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.doc_section import DOC, machine  # noqa: E402

SECTION = "## Desktop bundle"
SIZE_TARGET_MB = 400  # issue 12: with OpenVINO's CPU plugin, core and TFLite frontend
STARTUP_TARGET_S = 3.0
# Which top-level entries of _internal/ belong to which package (auditwheel's vendored .libs folders included)
PARTS = {
    "PyAV + FFmpeg": ("av", "av.libs"),
    "Qt (PySide6)": ("PySide6", "shiboken6", "libpyside6", "libshiboken6"),
    "NumPy + OpenBLAS": ("numpy", "numpy.libs"),
    "LiteRT": ("ai_edge_litert", "libpywrap_litert"),
    "OpenVINO (core, CPU plugin, TFLite frontend, TBB)": ("openvino", "libopenvino", "libtbb", "libhwloc"),
    "Pillow": ("PIL", "pillow.libs"),
    "Python": ("libpython", "python3", "base_library.zip", "lib-dynload"),
    "models, samples, icons": ("resources",),
    "pyqtgraph": ("pyqtgraph",),
}


def start_xvfb():
    """packaging/smoke_test.py's virtual X server (loaded by path: packaging/ is not a Python package)."""
    spec = importlib.util.spec_from_file_location("sesr_smoke_test", ROOT / "packaging" / "smoke_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.start_xvfb()


def part_of(name: str) -> str:
    for part, prefixes in PARTS.items():
        if name.startswith(prefixes):
            return part
    return "other (system libraries, the app, ...)"


def sizes(folder: Path) -> tuple[int, dict[str, int]]:
    """Total bytes of the files in ``folder`` and the bytes per part (see PARTS)."""
    internal = folder / "_internal"
    by_part: dict[str, int] = defaultdict(int)
    total = 0
    for path in folder.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        size = path.stat().st_size
        total += size
        relative = path.relative_to(internal) if internal in path.parents else None
        by_part[part_of(relative.parts[0]) if relative else "executable (with the Python modules), README, ..."] += size
    return total, dict(by_part)


def scratch_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "QT_", "SESR_"))}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local"),
               XDG_CACHE_HOME=str(home / ".cache"), SESR_STUDIO_HOME=str(home / "sesr-studio"),
               QT_QPA_PLATFORM="offscreen")
    return env


def time_to_window(executable: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from launch to the first paint of the window, and to the process's exit."""
    started = time.perf_counter()
    process = subprocess.Popen([str(executable), "--smoke-test"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    shown = None
    for line in process.stdout:
        if line.startswith("window shown"):
            shown = time.perf_counter() - started
    status = process.wait(timeout=120)
    exited = time.perf_counter() - started
    if status != 0 or shown is None:
        raise RuntimeError(f"{executable} --smoke-test: exit status {status}, window shown: {shown is not None}")
    return shown, exited


def time_command(executable: Path, env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(executable), *args], env=env, check=True, capture_output=True, timeout=60)
    return time.perf_counter() - started


def build(flavor: str = "lite") -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--flavor", flavor], check=True, cwd=ROOT)
    return time.perf_counter() - started


def replace_section(body: str, doc: Path = DOC) -> None:
    """Replace (or append) the ``## Desktop bundle`` section of ``doc``, keeping its hand-written ``### Notes``."""
    text = doc.read_text() if doc.is_file() else "# Benchmarks\n"
    match = re.search(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    notes = re.search(r"^### Notes\n.*", match.group(0), flags=re.MULTILINE | re.DOTALL) if match else None
    block = f"{SECTION}\n\n{body.strip()}\n" + (f"\n{notes.group(0).rstrip()}\n" if notes else "")
    if match:
        tail = text[match.end():]
        text = text[:match.start()] + block + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    doc.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "sesr-studio")
    parser.add_argument("--build", action="store_true", help="build the lite bundle first (and time the build)")
    parser.add_argument("--launches", type=int, default=7)
    parser.add_argument("--write-doc", action="store_true", help="write the results into docs/benchmarks.md")
    args = parser.parse_args()

    load = machine()  # before the build: the load average says how busy the machine was
    build_seconds = build() if args.build else None
    folder = args.bundle.resolve()
    executable = folder / ("sesr-studio.exe" if sys.platform == "win32" else "sesr-studio")
    if not executable.is_file():
        print(f"{executable} does not exist: build it with python packaging/build.py (or pass --build)",
              file=sys.stderr)
        return 2
    total, by_part = sizes(folder)
    archives = sorted(folder.parent.glob(f"{folder.name}-[0-9]*.tar.gz"), key=lambda p: p.stat().st_mtime)
    archive_mb = archives[-1].stat().st_size / 1e6 if archives else None

    with tempfile.TemporaryDirectory(prefix="sesr-bundle-bench-") as scratch:
        env = scratch_env(Path(scratch))
        time_to_window(executable, env)  # warm-up: page cache, fontconfig cache, settings file
        runs = [time_to_window(executable, env) for _ in range(args.launches)]
        cli = [time_command(executable, env, "--version") for _ in range(args.launches)]
        xvfb = start_xvfb() if sys.platform.startswith("linux") else None
        x11: list[float] = []
        if xvfb is not None:
            server, display = xvfb
            x11_env = {k: v for k, v in env.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
            x11_env["DISPLAY"] = display
            try:
                time_to_window(executable, x11_env)
                x11 = [time_to_window(executable, x11_env)[0] for _ in range(args.launches)]
            finally:
                server.terminate()
                server.wait(timeout=30)
    shown = [r[0] for r in runs]
    exited = [r[1] for r in runs]

    size_mb = total / 1e6
    median_shown = statistics.median(shown)
    table = [
        ("bundle size on disk (the files of dist/" + folder.name + "/)",
         f"{size_mb:.0f} MB ({total / 2**20:.0f} MiB)",
         f"<= {SIZE_TARGET_MB} MB: " + ("met" if size_mb <= SIZE_TARGET_MB else "NOT met")),
        (".tar.gz to download", f"{archive_mb:.0f} MB" if archive_mb else "not built", ""),
        (f"launch to a shown window, offscreen (median of {len(shown)})",
         f"{median_shown:.2f} s (min {min(shown):.2f}, max {max(shown):.2f})",
         f"<= {STARTUP_TARGET_S:.0f} s: " + ("met" if median_shown <= STARTUP_TARGET_S else "NOT met")),
        ("launch to exit, the window shown and closed (median)", f"{statistics.median(exited):.2f} s", ""),
        (f"launch to a shown window on an X server, Xvfb + xcb (median of {len(x11)})",
         f"{statistics.median(x11):.2f} s (min {min(x11):.2f}, max {max(x11):.2f})" if x11 else "Xvfb not installed",
         ""),
        ("command line start-up, `sesr-studio --version` (median)", f"{statistics.median(cli):.2f} s", ""),
    ]
    if build_seconds is not None:
        table.append(("build time (`packaging/build.py`: PyInstaller, strip, .tar.gz)", f"{build_seconds:.0f} s", ""))
    parts = sorted(by_part.items(), key=lambda item: -item[1])
    command = "python benchmarks/bundle.py" + (" --build" if args.build else "") + " --write-doc"
    body = "\n".join([
        f"Written by `{command}` on {time.strftime('%d %b %Y')}: the lite bundle",
        "(`packaging/build.py`, PyInstaller one-folder, Linux x86_64).",
        "",
        f"Machine: {load}.",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        *(f"| {what} | {value} | {target} |" for what, value, target in table),
        "",
        "Where the bytes go:",
        "",
        "| part | MB |",
        "|---|---|",
        *(f"| {part} | {size / 1e6:.0f} |" for part, size in parts),
    ])
    print(body)
    if args.write_doc:
        replace_section(body)
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
