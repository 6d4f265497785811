#!/usr/bin/env bash
# Build the desktop bundle from this checkout and smoke-test it as a user would: unpack the archive and run the
# executable (--version, a headless upscale compared pixel for pixel with the source tree's, a video upscale, the
# window offscreen and on Xvfb, every page rendered; see packaging/smoke_test.py). scripts/test.sh (CI) runs both.
#
#   bash scripts/bundle_smoke.sh                           # lite: build (about a minute) and smoke-test
#   bash scripts/bundle_smoke.sh full --train              # full: TensorFlow inside, plus a 5-step M3 training run
#   bash scripts/bundle_smoke.sh full --train --no-archive # the same, testing dist/sesr-studio-full/ without a .tar.gz
#   bash scripts/bundle_smoke.sh lite --models DIR         # bundle another folder of shipped models
#
# Uses .venv (scripts/setup.sh) unless PYTHON names another interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
flavor=lite
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then flavor=$1; shift; fi
name=sesr-studio
[ "$flavor" = full ] && name=sesr-studio-full
build_args=(--flavor "$flavor")
smoke_args=(--flavor "$flavor")
while [ $# -gt 0 ]; do
    case "$1" in
        --models) build_args+=(--models "$2"); smoke_args+=(--models "$2"); shift 2 ;;
        --no-archive) build_args+=(--no-archive); smoke_args+=(--bundle "dist/$name"); shift ;;
        *) smoke_args+=("$1"); shift ;;
    esac
done
"$PYTHON" packaging/build.py "${build_args[@]}"
"$PYTHON" packaging/smoke_test.py "${smoke_args[@]}"
