#!/usr/bin/env bash
# Set everything up, then run the checks CI runs: ruff, the import contracts, the test suite, and the desktop bundles:
# build the lite bundle from this checkout and smoke-test the built executable, then the same for the full bundle with
# a 5-step training run (SESR_SKIP_BUNDLE=1 skips both, SESR_SKIP_FULL_BUNDLE=1 only the full one).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check .
.venv/bin/lint-imports
.venv/bin/pytest "$@"
if [ -z "${SESR_SKIP_BUNDLE:-}" ]; then
    bash scripts/bundle_smoke.sh lite
    if [ -z "${SESR_SKIP_FULL_BUNDLE:-}" ]; then
        bash scripts/bundle_smoke.sh full --train --no-archive
    fi
fi
