#!/usr/bin/env bash
# Collects, from this Debian machine (scripts/setup.sh's packages), what building critnet needs
# besides LibTorch and a compiler, into the ignored folder .devdeps/ (or $1), for a machine that
# lacks the Debian dev packages (the GPU machine: docs/cuda.md), where CMake takes them with
# -DCRITNET_DEPS_PREFIX=.devdeps. Also copies ../shared/bench/torch_reference.py (the PyTorch
# reference of scripts/device/check.sh), which does not travel otherwise.
#   include/  CLI11, nlohmann-json, fmt (used header-only), zlib, GSL, Google Benchmark
#   lib/      libz.a, libgsl.a, libgslcblas.a, libbenchmark.so*
#   src/googletest/  GoogleTest's sources (built there with that machine's compiler)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-.devdeps}
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
libdir=/usr/lib/$multiarch
need() { [ -e "$1" ] || { echo "pack-deps: $1 missing (run scripts/setup.sh)" >&2; exit 1; }; }
for f in /usr/include/CLI/CLI.hpp /usr/include/nlohmann/json.hpp /usr/include/fmt/format-inl.h \
  /usr/include/zlib.h /usr/include/gsl/gsl_sf_zeta.h /usr/include/benchmark/benchmark.h \
  "$libdir/libz.a" "$libdir/libgsl.a" "$libdir/libgslcblas.a" /usr/src/googletest/CMakeLists.txt; do
  need "$f"
done
rm -rf "$out"
mkdir -p "$out/include" "$out/lib" "$out/src" "$out/bench"
cp -a /usr/include/CLI /usr/include/nlohmann /usr/include/fmt /usr/include/gsl \
  /usr/include/benchmark "$out/include/"
cp -a /usr/include/zlib.h /usr/include/zconf.h "$out/include/"
cp -a "$libdir/libz.a" "$libdir/libgsl.a" "$libdir/libgslcblas.a" "$out/lib/"
cp -a "$libdir"/libbenchmark.so* "$out/lib/"
cp -a /usr/src/googletest "$out/src/"
# shared/ lies beside the main checkout (also when this runs in a git worktree elsewhere).
main_checkout=$(cd "$(git rev-parse --git-common-dir)/.." && pwd)
reference=""
for d in "${CRITNET_SHARED_DIR:-}" ../shared "$main_checkout/../shared"; do
  if [ -n "$d" ] && [ -f "$d/bench/torch_reference.py" ]; then
    reference="$d/bench/torch_reference.py"
    break
  fi
done
if [ -n "$reference" ]; then
  cp "$reference" "$out/bench/"
else
  echo "pack-deps: shared/bench/torch_reference.py not found: check.sh will skip PyTorch" >&2
fi
{
  echo "Made by scripts/device/pack-deps.sh on $(date -u +%Y-%m-%dT%H:%MZ) from:"
  dpkg-query -W -f '${Package} ${Version}\n' libcli11-dev nlohmann-json3-dev libfmt-dev \
    zlib1g-dev libgsl-dev libbenchmark-dev googletest 2>/dev/null || true
} >"$out/MANIFEST"
size=$(du -sm "$out" | cut -f1)
echo "pack-deps: $out holds ${size} MiB"
[ "$size" -lt 48 ] || { echo "pack-deps: $out is too large to carry (${size} MiB)" >&2; exit 1; }
