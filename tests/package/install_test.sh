#!/usr/bin/env bash
# The C++ package, as a user meets it: installs this build into a fresh prefix, builds
# examples/cpp (an out-of-tree project: find_package(critnet CONFIG REQUIRED), public headers
# only) against it, and runs the example, which checks its own results.
#   install_test.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 source=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
for f in lib/libcritnet.a lib/cmake/critnet/critnetConfig.cmake include/critnet/core/version.h \
  include/critnet/regularizers/critical.h bin/critnet; do
  [ -e "$work/prefix/$f" ] || { echo "install_test: $f was not installed" >&2; exit 1; }
done
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$source/examples/cpp" -B "$work/example" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" "${launcher[@]}" >"$work/configure.log" ||
  { cat "$work/configure.log" >&2; exit 1; }
cmake --build "$work/example" -j 2 >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
"$work/example/critnet_example"
