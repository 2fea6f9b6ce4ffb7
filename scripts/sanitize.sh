#!/usr/bin/env bash
# Builds critnet, its CLI and its tests with AddressSanitizer + UndefinedBehaviorSanitizer
# (clang-14; the fuzz targets of fuzz/ too, sharing the instrumented library) into
# ${CRITNET_ASAN_BUILD_DIR:-build-asan} and runs the tests not labelled `slow`.
#   scripts/sanitize.sh                    build + the unit and CLI tests (not slow)
#   scripts/sanitize.sh -L unit            extra arguments go to ctest
#   scripts/sanitize.sh --configure-only   (used by scripts/fuzz.sh)
# CRITNET_SANITIZE_TARGETS="test_cli ...": build only these targets and run only their tests
# (CI does, to stay within its time; see .ci/run).
# CRITNET_SANITIZE_EXCLUDE="regex": tests not to run under the sanitizers (ctest -E).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# As in build.sh: cache keys relative to the checkout, so fresh clones (CI) hit the cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
build_dir=${CRITNET_ASAN_BUILD_DIR:-build-asan}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCRITNET_FUZZ=ON -DCRITNET_BUILD_BENCHMARKS=OFF >/dev/null
[ "${1:-}" = "--configure-only" ] && exit 0
# Not here: slow tests, and those that leave the instrumented build (the out-of-tree package
# example, the Slurm daemons' job array, the Python interpreter); they run in the plain build.
ctest_args=(-LE "slow|package|slurm|python")
if [ -n "${CRITNET_SANITIZE_TARGETS:-}" ]; then
  # shellcheck disable=SC2086
  cmake --build "$build_dir" -j "${CRITNET_JOBS:-$(nproc)}" --target $CRITNET_SANITIZE_TARGETS
  # gtest_discover_tests' placeholders of the executables not built
  exclude="_NOT_BUILT${CRITNET_SANITIZE_EXCLUDE:+|$CRITNET_SANITIZE_EXCLUDE}"
else
  cmake --build "$build_dir" -j "${CRITNET_JOBS:-$(nproc)}"
  exclude=${CRITNET_SANITIZE_EXCLUDE:-}
fi
if [ -n "$exclude" ]; then ctest_args+=(-E "$exclude"); fi
# LibTorch is not built with ASan; see fuzz/README.md for each option.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$build_dir" --output-on-failure -j "${CRITNET_JOBS:-$(nproc)}" "${ctest_args[@]}" "$@"
