#!/usr/bin/env bash
# Configures and builds critnet (Release) into ${CRITNET_BUILD_DIR:-build}.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${CRITNET_BUILD_DIR:-build}
jobs=${CRITNET_JOBS:-$(nproc)}
# ccache keys on paths relative to the checkout, so clones in other folders (CI's fresh
# clone, git worktrees) reuse each other's objects.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build_dir" -j "$jobs"
