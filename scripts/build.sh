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

# The Python package: once the extension is built (python/critnet/_critnet*.so, needs
# python3-torch, python3-dev and pybind11-dev), a .pth file in /usr/bin/python3's first site
# directory (/usr/local/lib/python3.11/dist-packages on Debian 12) puts this checkout's python/
# folder on its path, so `python3 -c "import critnet"` works. The last checkout built wins;
# CRITNET_NO_PTH=1 skips it (then use PYTHONPATH=$PWD/python).
if [ -z "${CRITNET_NO_PTH:-}" ] && compgen -G "python/critnet/_critnet*.so" >/dev/null &&
  [ -x /usr/bin/python3 ]; then
  site=$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')
  if mkdir -p "$site" 2>/dev/null && printf '%s\n' "$PWD/python" >"$site/critnet.pth.tmp" 2>/dev/null &&
    mv "$site/critnet.pth.tmp" "$site/critnet.pth"; then
    echo "build.sh: /usr/bin/python3 imports critnet from $PWD/python ($site/critnet.pth)" >&2
  else
    echo "build.sh: cannot write $site/critnet.pth; use PYTHONPATH=$PWD/python" >&2
  fi
fi
