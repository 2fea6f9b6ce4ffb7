#!/usr/bin/env bash
# Sets everything up, builds critnet and runs the main job on the embedded default data.
# Extra arguments go to `critnet reproduce`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
exec build/critnet reproduce --data fashion-mnist --out runs/reproduce-fashion-mnist "$@"
