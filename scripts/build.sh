#!/usr/bin/env bash
# Configures and builds critnet (Release) into ${CRITNET_BUILD_DIR:-build}.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${CRITNET_BUILD_DIR:-build}
jobs=${CRITNET_JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j "$jobs"
