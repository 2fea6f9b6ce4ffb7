#!/usr/bin/env bash
# Sets everything up, builds critnet and runs the main job on the embedded default data.
# Extra arguments go to `critnet reproduce`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec build/critnet train --data fashion-mnist --epochs 3 --out runs/train "$@"
