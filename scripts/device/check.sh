#!/usr/bin/env bash
# The GPU machine's one check (docs/cuda.md), run in the repository root with .devdeps/ carried
# (scripts/device/pack-deps.sh made it here):
#   1. configures and builds critnet against that machine's PyTorch (a CUDA LibTorch) and the
#      carried dependencies (ninja); if the CUDA-graph code fails to compile, builds again
#      without it (-DCRITNET_CUDA_GRAPHS=OFF) so that the rest still runs;
#   2. runs ctest (-LE slow: the CPU tests and the GPU tests, DeviceStepCuda*);
#   3. times `critnet train --device cuda` (synthetic CIFAR shapes 3072-600-400-200-100-10)
#      against .devdeps/bench/torch_reference.py --device cuda at batch 128, 1024 and 8192,
#      without and with the exact `paper` penalty (w = V V^T, beta 1, lambda 1e-4 on the
#      hidden layers in both), and prints a table of samples/s and ratios last.
# Logs go to $OUT (the device tool's folder; ./device-out elsewhere): build.log, ctest.log,
# timings.log, summary.txt. Meant to end within ~6 minutes on one H200 with 16 cores.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/device-out}
mkdir -p "$OUT"
t_start=$(date +%s)
elapsed() { echo $(($(date +%s) - t_start)); }
say() { echo "[check $(elapsed)s] $*" | tee -a "$OUT/summary.txt"; }

deps=${CRITNET_DEPS_PREFIX:-.devdeps}
build=${CRITNET_BUILD_DIR:-build-cuda}
jobs=${CRITNET_JOBS:-$(nproc)}
[ -f "$deps/include/CLI/CLI.hpp" ] || { say "no $deps: run scripts/device/pack-deps.sh and carry it"; exit 1; }
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv \
  >>"$OUT/summary.txt" 2>&1 || say "nvidia-smi failed"
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)') || {
  say "python3 has no torch"
  exit 1
}
say "torch $(python3 -c 'import torch; print(torch.__version__, torch.version.cuda)'), cmake prefix $torch_prefix"
nvcc=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)
say "nvcc: ${nvcc:-none} $("${nvcc:-true}" --version 2>/dev/null | tail -1)"
export TORCH_CUDA_ARCH_LIST=9.0
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

configure() {
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$torch_prefix" -DCRITNET_DEPS_PREFIX="$deps" \
    ${nvcc:+-DCMAKE_CUDA_COMPILER="$nvcc"} -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DCRITNET_BUILD_BENCHMARKS=OFF "$@" >>"$OUT/build.log" 2>&1
}
graphs=on
if ! configure; then
  say "configure FAILED:"
  grep -v '^--' "$OUT/build.log" | tail -40
  exit 1
fi
grep -E "critnet:|Caffe2: CUDA|Found CUDAToolkit" "$OUT/build.log" | tee -a "$OUT/summary.txt"
if ! cmake --build "$build" -j "$jobs" >>"$OUT/build.log" 2>&1; then
  say "build FAILED; the errors:"
  grep -E "error|Error" "$OUT/build.log" | head -30 | tee -a "$OUT/summary.txt"
  say "building again without CUDA graphs (-DCRITNET_CUDA_GRAPHS=OFF)"
  graphs=off
  configure -DCRITNET_CUDA_GRAPHS=OFF
  if ! cmake --build "$build" -j "$jobs" >>"$OUT/build.log" 2>&1; then
    say "build FAILED again:"
    grep -E "error" "$OUT/build.log" | tail -30
    exit 1
  fi
fi
say "built (CUDA graphs: $graphs)"
bin=$build/critnet
"$bin" info | tee -a "$OUT/summary.txt"

# Tests: the GPU ones first (they are the point), then everything not labelled slow.
ctest --test-dir "$build" -R 'DeviceStepCuda' --output-on-failure >"$OUT/ctest.log" 2>&1
say "GPU tests: $(grep -E 'tests passed|tests failed' "$OUT/ctest.log" | tail -1)"
grep -E "Passed|Failed|Skipped|\*\*\*" "$OUT/ctest.log" | grep DeviceStepCuda | tee -a "$OUT/summary.txt"
timeout 150 ctest --test-dir "$build" -LE slow -j "$jobs" --timeout 60 >>"$OUT/ctest.log" 2>&1
say "all fast tests: $(grep -E 'tests passed|tests failed' "$OUT/ctest.log" | tail -1)"
grep -E "^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted)\)" "$OUT/ctest.log" \
  | head -20 | tee -a "$OUT/summary.txt"

# Timings. critnet: the median samples/s of epochs 2..E (epoch 1 holds the warm-up and the
# graph capture); data: synthetic:3072, n samples resident on the GPU.
reg_args=(--reg paper --gram-side out --beta 1 --strength 1e-4)
critnet_rate() {  # batch, penalty(none|paper), graph(on|off)
  local batch=$1 pen=$2 graph=$3 n=$((batch >= 1024 ? 131072 : 65536)) extra=()
  [ "$pen" = paper ] && extra=("${reg_args[@]}")
  echo "== critnet batch $batch reg $pen graph $graph (n $n)" >>"$OUT/timings.log"
  rm -rf "/tmp/critnet-check-$batch-$pen-$graph"
  timeout 120 "$bin" train --device cuda --cuda-graph "$graph" --data synthetic:3072 \
    --synthetic-train "$n" --synthetic-test 1000 --batch-size "$batch" --epochs 5 --no-eval \
    --no-checkpoint --no-progress --out "/tmp/critnet-check-$batch-$pen-$graph" "${extra[@]}" \
    2>>"$OUT/timings.log" | tee -a "$OUT/timings.log" | python3 -c '
import json, sys, statistics
rates = [json.loads(l)["samples_per_s"] for l in sys.stdin if l.startswith("{")]
print(f"{statistics.median(rates[1:] or rates):.0f}" if rates else "FAILED")'
}
torch_rate() {  # batch, penalty
  local batch=$1 pen=$2 extra=()
  [ "$pen" = paper ] && extra=(--reg paper --side out)
  echo "== torch batch $batch reg $pen" >>"$OUT/timings.log"
  [ -f "$deps/bench/torch_reference.py" ] || { echo "n/a"; return; }
  timeout 120 python3 "$deps/bench/torch_reference.py" --device cuda --batch "$batch" \
    --steps 200 "${extra[@]}" 2>&1 | tee -a "$OUT/timings.log" \
    | sed -n 's/.*: \([0-9]*\) samples\/s.*/\1/p' | tail -1
}
ratio() { python3 -c "import sys; a, b = sys.argv[1:]; print(f'{float(a) / float(b):.1f}x' if a.replace('.', '').isdigit() and b.replace('.', '').isdigit() and float(b) > 0 else 'n/a')" "$1" "$2"; }

rows=()
for pen in none paper; do
  for batch in 128 1024 8192; do
    if [ "$(elapsed)" -gt 480 ]; then
      say "out of time: skipping batch $batch reg $pen"
      continue
    fi
    g=$(critnet_rate "$batch" "$pen" "$graphs")
    e=n/a
    [ "$batch" = 128 ] && e=$(critnet_rate "$batch" "$pen" off)
    t=$(torch_rate "$batch" "$pen")
    rows+=("$(printf '%-6s %-6s %14s %14s %12s %8s' "$batch" "$pen" "$g" "$e" "${t:-n/a}" "$(ratio "$g" "${t:-0}")")")
    say "batch $batch reg $pen: critnet $g (graph $graphs), eager $e, torch ${t:-n/a}"
  done
done

{
  echo
  echo "critnet vs PyTorch eager on $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1), samples/s (CUDA graphs: $graphs)"
  printf '%-6s %-6s %14s %14s %12s %8s\n' batch reg "critnet" "critnet-eager" "torch" "ratio"
  for r in "${rows[@]}"; do echo "$r"; done
  echo "total $(elapsed)s"
} | tee -a "$OUT/summary.txt"
