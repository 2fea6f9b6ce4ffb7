#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang-14, ASan + UBSan) and runs each on its seed corpus
# (fuzz/corpus/<target>/). Fails on the first crash, sanitizer report, leak or timeout; the
# crashing input is kept as ${CRITNET_FUZZ_ARTIFACTS:-BUILD/fuzz-artifacts}/<target>/crash-*.
#   scripts/fuzz.sh --time 30            each target for 30 s (CI)
#   scripts/fuzz.sh --runs 1000000       each target for 1,000,000 executions (long runs)
#   scripts/fuzz.sh --runs 0 fuzz_idx    only run the corpus through fuzz_idx (a regression check)
# Build directory: ${CRITNET_ASAN_BUILD_DIR:-build-asan}, shared with scripts/sanitize.sh so the
# instrumented library is compiled once. New inputs the fuzzer finds go to BUILD/fuzz-corpus/,
# never into the repository; add a crashing input to fuzz/corpus/<target>/ as
# regression-<what> once it is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."

limit=(-max_total_time=30)
targets=()
while (($#)); do
  case "$1" in
    --time) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(fuzz_idx fuzz_cifar fuzz_column fuzz_config fuzz_state)
((${#targets[@]})) || targets=("${all[@]}")

build_dir=${CRITNET_ASAN_BUILD_DIR:-build-asan}
artifacts=${CRITNET_FUZZ_ARTIFACTS:-$build_dir/fuzz-artifacts}
if [ "${CRITNET_SKIP_BUILD:-0}" != 1 ]; then
  bash scripts/sanitize.sh --configure-only
  cmake --build "$build_dir" -j "${CRITNET_JOBS:-$(nproc)}" --target "${targets[@]}"
fi

# Inputs per target: IDX/CIFAR files need room for a few records; text readers stay short.
max_len() {
  case "$1" in
    fuzz_cifar) echo 10000 ;;
    fuzz_idx) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

# LibTorch is not built with ASan; see fuzz/README.md for each option.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMP_NUM_THREADS=1

status=0
for t in "${targets[@]}"; do
  work="$build_dir/fuzz-corpus/$t"
  mkdir -p "$work" "$artifacts/$t"
  echo "fuzz.sh: $t (${limit[*]})" >&2
  log="$build_dir/fuzz-$t.log"
  if "$build_dir/fuzz/$t" "$work" "fuzz/corpus/$t" "${limit[@]}" -max_len="$(max_len "$t")" \
      -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$t/" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "fuzz.sh: $t ok, ${runs:-?} executions" >&2
  else
    status=1
    tail -n 60 "$log" >&2
    echo "fuzz.sh: $t FAILED; log $log, input(s) kept in $artifacts/$t/" >&2
  fi
done
exit "$status"
