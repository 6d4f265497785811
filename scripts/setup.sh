#!/usr/bin/env bash
# Set up SESR Studio in ./.venv: Python packages (runtime, training, GUI, dev tools and PyInstaller for the desktop
# bundle; SESR_EXTRAS=... picks other extras) and, where we are root on Debian/Ubuntu, the few system libraries Qt
# needs for a real window under Xvfb, and binutils (strip, for the bundle). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
EXTRAS=${SESR_EXTRAS:-train,gui,dev,bundle}

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 && [ -z "${SESR_SKIP_APT:-}" ]; then
    need=""
    for pkg in xvfb libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3 binutils; do
        dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
    done
    if [ -n "$need" ]; then
        echo "Installing system packages:$need"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
    fi
fi

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[${EXTRAS}]"
echo "SESR Studio is set up in $(pwd)/.venv"
