#!/usr/bin/env bash
# Sets everything up, builds critnet and runs its tests (all but those labelled `slow`;
# pass --all to run those too). The README's test command.
#
# Portable numerics: the numeric unit tests run again on the kernel families a user's CPU may
# get, so that a tolerance that holds only for one CPU's kernels fails here rather than on a
# user's machine (docs/testing.md):
#   generic  OPENBLAS_CORETYPE=Prescott (what OpenBLAS runs on a CPU it does not know),
#            ONEDNN_MAX_CPU_ISA=SSE41, ATEN_CPU_CAPABILITY=default;
#   best     OpenBLAS's best core for this CPU (`critnet info --json`: kernels.openblas_best_core),
#            oneDNN's and ATen's best ISA.
# Every pass runs even when an earlier one fails; the summary names each pass's result.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
build_dir=${CRITNET_BUILD_DIR:-build}
label_args=(-LE slow)
[ "${1:-}" = "--all" ] && label_args=()

names=()
results=()
run_pass() {  # $1: name; then VAR=value assignments; then "--" and ctest's own arguments
  local name=$1 rc=0
  shift
  local vars=()
  while [ "$1" != "--" ]; do
    vars+=("$1")
    shift
  done
  shift
  echo "test.sh: pass '$name'${vars[*]:+ with ${vars[*]}}"
  env "${vars[@]}" ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" "$@" || rc=$?
  names+=("$name")
  results+=("$rc")
}

run_pass "all tests" -- "${label_args[@]}"

kernels=$("$build_dir/critnet" info --json | /usr/bin/python3 -c \
  'import json,sys; k=json.load(sys.stdin)["kernels"]; print(k["openblas_best_core"], k["cpu_isa"])')
read -r best_core cpu_isa <<<"$kernels"
case $cpu_isa in
  avx512*) aten_best=avx512 ;;
  avx2) aten_best=avx2 ;;
  *) aten_best=default ;;
esac
run_pass "unit, generic kernels" OPENBLAS_CORETYPE=Prescott ONEDNN_MAX_CPU_ISA=SSE41 \
  ATEN_CPU_CAPABILITY=default -- -L unit "${label_args[@]}"
run_pass "unit, best kernels (${best_core:-generic} / $cpu_isa)" \
  OPENBLAS_CORETYPE="${best_core:-Prescott}" ONEDNN_MAX_CPU_ISA=ALL \
  ATEN_CPU_CAPABILITY="$aten_best" -- -L unit "${label_args[@]}"

status=0
echo "test.sh: summary"
for i in "${!names[@]}"; do
  verdict=passed
  [ "${results[$i]}" -eq 0 ] || { verdict="FAILED (ctest exit ${results[$i]})"; status=1; }
  printf 'test.sh:   %-55s %s\n' "${names[$i]}" "$verdict"
done
exit $status
