"""Build the SESR Studio desktop bundle: ``dist/sesr-studio/`` (one folder) and an archive of it.

    python packaging/build.py [--flavor lite|full] [--models DIR] [--no-archive]

lite (the default) is the app, the inference runtime and the shipped models, without TensorFlow; full adds TensorFlow
and the trainer (dist/sesr-studio-full/). On Linux the folder also gets a .desktop file, the icon and
install-desktop-entry.sh, the shared libraries that can be stripped safely are stripped, and the archive is a .tar.gz;
on Windows and macOS the archive is a .zip. Needs the ``bundle`` extra (PyInstaller); ``full`` needs ``train`` too.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "sesr-studio.spec"
ICON = ROOT / "resources" / "icons" / "sesr-studio.png"
LINUX = sys.platform.startswith("linux")

DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Name=SESR Studio
GenericName=Image and video upscaler
Comment=Upscale photos and video with tiny int8 super-resolution networks, on the CPU
Exec=sesr-studio %F
Icon=sesr-studio
Terminal=false
Categories=Graphics;Photography;2DGraphics;RasterGraphics;
MimeType=image/png;image/jpeg;image/webp;image/tiff;image/bmp;video/mp4;video/x-matroska;video/quicktime;video/webm;
StartupWMClass=sesr-studio
"""

INSTALL_SCRIPT = """#!/bin/sh
# Add SESR Studio to the desktop's application menu (for this user), pointing at this folder.
# Run it again after moving the folder; remove the entry with: ./install-desktop-entry.sh --remove
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${XDG_DATA_HOME:-$HOME/.local/share}
entry="$data/applications/sesr-studio.desktop"
icon="$data/icons/hicolor/256x256/apps/sesr-studio.png"
if [ "${1:-}" = "--remove" ]; then
    rm -f "$entry" "$icon"
    echo "Removed $entry"
    exit 0
fi
mkdir -p "$(dirname "$entry")" "$(dirname "$icon")"
cp "$here/sesr-studio.png" "$icon"
sed -e "s|^Exec=.*|Exec=\\"$here/sesr-studio\\" %F|" -e "s|^Icon=.*|Icon=$icon|" "$here/sesr-studio.desktop" > "$entry"
chmod +x "$entry"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
echo "Installed $entry"
"""

README = """SESR Studio {version} ({flavor} bundle, {system})

Run it:
  ./sesr-studio                                  the desktop app
  ./sesr-studio upscale photo.jpg -o out/        the command line: every 'sesr' command works
  ./sesr-studio video clip.mp4 -o clip_x2.mp4
  ./sesr-studio models                           the shipped and your own models
  ./sesr-studio --help, ./sesr-studio upscale --help
{menu}{training}
Built from commit {commit} on {date}.
"""


def version() -> str:
    sys.path.insert(0, str(ROOT))
    from sesr_core import __version__

    return __version__


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return out + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def folder_size(folder: Path) -> int:
    """Bytes on disk of the files (symbolic links count as nothing)."""
    return sum(p.lstat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def is_elf(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"\x7fELF"


def strip_libraries(folder: Path) -> int:
    """Strip the symbol tables of the shared libraries; returns the bytes saved.

    Libraries under ``*.libs/`` were rewritten by auditwheel (patchelf) and ``strip`` corrupts those ("ELF load
    command address/offset not page-aligned"), so they are left alone, as is the executable itself.
    """
    if shutil.which("strip") is None:
        print("strip is not installed; the bundle keeps its symbol tables.")
        return 0
    candidates = [p for p in folder.rglob("*.so*") if p.is_file() and not p.is_symlink()
                  and not any(part.endswith(".libs") for part in p.relative_to(folder).parts) and is_elf(p)]
    before = sum(p.stat().st_size for p in candidates)

    def strip(path: Path) -> None:
        subprocess.run(["strip", "--strip-unneeded", str(path)], check=True, capture_output=True)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(strip, candidates))
    return before - sum(p.stat().st_size for p in candidates)


def add_linux_files(folder: Path, flavor: str, info: dict) -> None:
    (folder / "sesr-studio.desktop").write_text(DESKTOP_ENTRY)
    shutil.copy2(ICON, folder / "sesr-studio.png")
    script = folder / "install-desktop-entry.sh"
    script.write_text(INSTALL_SCRIPT)
    script.chmod(0o755)
    menu = "\nAdd it to the application menu: ./install-desktop-entry.sh\n"
    write_readme(folder, flavor, info, menu)


def write_readme(folder: Path, flavor: str, info: dict, menu: str = "") -> None:
    training = ("\nThis bundle trains too: the Train page, or ./sesr-studio train --help.\n" if flavor == "full" else
                "\nThis lite bundle upscales but does not train (TensorFlow alone is 1.4 GB): get the full bundle "
                "(sesr-studio-full-...)\nor install SESR Studio with Python: pip install 'sesr-studio[train,gui]'.\n")
    (folder / "README.txt").write_text(README.format(menu=menu, training=training, flavor=flavor, **info))


def archive(folder: Path, stem: str) -> Path:
    """``stem.tar.gz`` (Linux, macOS: keeps permissions and links) or ``stem.zip`` (Windows) of ``folder``."""
    if sys.platform == "win32":
        return Path(shutil.make_archive(str(folder.parent / stem), "zip", folder.parent, folder.name))
    target = folder.parent / f"{stem}.tar.gz"
    partial = target.with_suffix(".gz.partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=folder.name)
    partial.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavor", choices=("lite", "full"), default="lite")
    parser.add_argument("--models", type=Path, help="folder of shipped models to bundle (default: resources/models)")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller",
                        help="PyInstaller's work folder (default: build/pyinstaller/)")
    parser.add_argument("--no-archive", action="store_true", help="only the folder, no .tar.gz / .zip")
    parser.add_argument("--no-strip", action="store_true", help="keep the symbol tables of the libraries (Linux)")
    args = parser.parse_args(argv)

    if importlib.util.find_spec("PyInstaller") is None:
        print("PyInstaller is not installed; install the bundle extra: pip install -e '.[bundle]'", file=sys.stderr)
        return 2
    if args.flavor == "full" and importlib.util.find_spec("tensorflow") is None:
        print("The full bundle needs TensorFlow; install the train extra: pip install -e '.[train,bundle]'",
              file=sys.stderr)
        return 2
    name = "sesr-studio" if args.flavor == "lite" else "sesr-studio-full"
    folder = args.dist / name
    started = time.monotonic()
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(args.dist), "--workpath", str(args.work / args.flavor), str(SPEC),
               "--", "--flavor", args.flavor]
    if args.models:
        command += ["--models", str(args.models.resolve())]
    print(f"Building the {args.flavor} bundle with PyInstaller ...", flush=True)
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode != 0:
        print(f"PyInstaller failed (exit status {result.returncode}).", file=sys.stderr)
        return result.returncode
    pyinstaller_seconds = time.monotonic() - started

    info = {"version": version(), "system": f"{platform.system()} {platform.machine()}", "commit": git_commit(),
            "date": time.strftime("%Y-%m-%d")}
    saved = 0
    if LINUX:
        if not args.no_strip:
            saved = strip_libraries(folder)
        add_linux_files(folder, args.flavor, info)
    else:
        write_readme(folder, args.flavor, info)
    size = folder_size(folder)
    print(f"{folder}: {size / 1e6:.0f} MB on disk" + (f" ({saved / 1e6:.0f} MB of symbol tables stripped)"
                                                       if saved else "")
          + f"; PyInstaller took {pyinstaller_seconds:.0f} s.")
    if not args.no_archive:
        system = {"linux": "linux", "win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
        archive_started = time.monotonic()
        source = args.dist / ("SESR Studio.app" if args.flavor == "lite" else "SESR Studio Full.app") \
            if sys.platform == "darwin" else folder
        path = archive(source, f"{name}-{info['version']}-{system}-{platform.machine().lower()}")
        print(f"{path}: {path.stat().st_size / 1e6:.0f} MB ({time.monotonic() - archive_started:.0f} s)")
    print(f"Built in {time.monotonic() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
