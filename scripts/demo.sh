#!/usr/bin/env bash
# Set everything up, then do SESR Studio's main job on the shipped default model: upscale a photo 2x with the
# int8 SESR model on the CPU. The result lands in ./demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p demo-output
.venv/bin/sesr upscale resources/samples/coffee.png resources/samples/camera.png -o demo-output --overwrite
echo
echo "Done: compare resources/samples/coffee.png with demo-output/coffee_x2.png."
echo "Open the desktop app with: .venv/bin/sesr-studio"
