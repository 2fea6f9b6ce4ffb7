#!/usr/bin/env bash
# Sets everything up, builds critnet and runs its tests (all but those labelled `slow`;
# pass --all to run those too). The README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
build_dir=${CRITNET_BUILD_DIR:-build}
label_args=(-LE slow)
[ "${1:-}" = "--all" ] && label_args=()
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" "${label_args[@]}"
