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

# The Python package is built into "$build_dir/python" (PYTHONPATH=$build_dir/python imports
# it); users install it with pip (docs/python.md). Nothing is written into the system's
# site-packages: a critnet.pth that older versions of this script wrote there for this
# checkout is removed, since the folder it names no longer holds the extension.
if [ -x /usr/bin/python3 ]; then
  site=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
  if [ -f "$site/critnet.pth" ] && [ "$(cat "$site/critnet.pth")" = "$PWD/python" ]; then
    rm -f "$site/critnet.pth" && echo "build.sh: removed $site/critnet.pth (older builds)" >&2
  fi
fi
