#!/usr/bin/env bash
# Set everything up, then run the checks CI runs: ruff, the import contracts, and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check .
.venv/bin/lint-imports
.venv/bin/pytest "$@"
