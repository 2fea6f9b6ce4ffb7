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

# Portable numerics: the numeric unit tests again on another kernel family, OpenBLAS's
# (OPENBLAS_CORETYPE), oneDNN's (ONEDNN_MAX_CPU_ISA=AVX: its products without AVX2/AVX-512)
# and LibTorch's own (ATEN_CPU_CAPABILITY=default: no AVX2/AVX-512 kernels), so a test that
# holds only for one CPU's kernels (an exact zero, an argmin tie) fails here rather than on a
# user's machine. Sandybridge (AVX, no FMA) runs on every x86-64
# machine of this project; a machine already on it gets Haswell (AVX2 + FMA) instead.
other_kernel=Sandybridge
[ "${OPENBLAS_CORETYPE:-}" = Sandybridge ] && other_kernel=Haswell
echo "test.sh: unit tests again with OPENBLAS_CORETYPE=$other_kernel ONEDNN_MAX_CPU_ISA=AVX" \
  "ATEN_CPU_CAPABILITY=default"
OPENBLAS_CORETYPE=$other_kernel ONEDNN_MAX_CPU_ISA=AVX ATEN_CPU_CAPABILITY=default \
  ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" -L unit -LE slow
