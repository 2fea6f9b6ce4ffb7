#!/usr/bin/env bash
# Cells per hour of `critnet sweep run` with --jobs 1 (all cores in one process) against
# --jobs 2 --threads 1 (two worker processes of one thread each) on the same small grid, in the
# same run, and their ratio (the goal: >= 1.7x on 2 cores). Also --jobs 1 --threads 1 (one
# one-thread process), which splits that ratio into its two factors: what two workers gain over
# one (the sweep's scaling, ideally 2x) and what a second thread gains one process (the ratio is
# the first over the second). Repeats each REPEATS times (default 3) and reports the medians;
# prints the load average before and after.
#   [REPEATS=3] [EPOCHS=1] bash benchmarks/sweep.sh [CRITNET_BINARY]
# EPOCHS sets the cells' training length (longer cells amortise each process's start-up: a
# LibTorch process takes ~0.6 s to start, and --jobs 2 starts the parent and then its workers).
set -euo pipefail
critnet=${1:-${CRITNET:-build/critnet}}
repeats=${REPEATS:-3}
epochs=${EPOCHS:-1}
work=$(mktemp -d "${TMPDIR:-/tmp}/critnet_sweep_bench_XXXXXX")
trap 'rm -rf "$work"' EXIT
# 14 cells (an even number, so two workers get equal shares): a small MLP on synthetic data,
# EPOCHS epochs, a small probe.
cat >"$work/grid.json" <<JSON
{"schema": "critnet.grid/1",
 "data": {"source": "synthetic:64", "synthetic_train": 6000, "synthetic_test": 500},
 "hidden": [128, 64], "batch_size": 64, "presets": ["none", "paper", "cw"],
 "beta": [8], "lambda": [0.001, 0.01, 0.1], "seeds": 2, "epochs": [$epochs],
 "probe": {"limit": 500, "bootstrap": 50, "max_candidates": 100, "subset_size": 8}}
JSON
echo "sweep benchmark: $epochs epoch(s) per cell, $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # run NAME ARGS...: prints the seconds
  local name=$1
  shift
  rm -rf "$work/$name"
  local t0 t1
  t0=$(date +%s.%N)
  "$critnet" sweep run "$work/grid.json" --out "$work/$name" "$@" >/dev/null 2>"$work/$name.log"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
one=() two=() single=()
for i in $(seq "$repeats"); do
  one+=("$(run one --jobs 1)")
  two+=("$(run two --jobs 2 --threads 1)")
  single+=("$(run single --jobs 1 --threads 1)")
  echo "  repeat $i: --jobs 1 ${one[-1]} s, --jobs 2 --threads 1 ${two[-1]} s," \
    "--jobs 1 --threads 1 ${single[-1]} s"
done
cells=$("$critnet" sweep status "$work/one" | sed -n 's/.*: \([0-9]*\) cells: \([0-9]*\) done.*/\2/p')
echo "cells per run: $cells"
m1=$(printf '%s\n' "${one[@]}" | median)
m2=$(printf '%s\n' "${two[@]}" | median)
m0=$(printf '%s\n' "${single[@]}" | median)
printf 'jobs 1:                %.1f s  %.0f cells/h\n' "$m1" "$(echo "$cells * 3600 / $m1" | bc -l)"
printf 'jobs 2 --threads 1:    %.1f s  %.0f cells/h\n' "$m2" "$(echo "$cells * 3600 / $m2" | bc -l)"
printf 'jobs 1 --threads 1:    %.1f s  %.0f cells/h\n' "$m0" "$(echo "$cells * 3600 / $m0" | bc -l)"
printf 'ratio (cells/h):       %.2fx  (jobs 2 --threads 1 over jobs 1)\n' "$(echo "$m1 / $m2" | bc -l)"
printf '  = workers:           %.2fx  (jobs 2 --threads 1 over jobs 1 --threads 1; ideal 2)\n' \
  "$(echo "$m0 / $m2" | bc -l)"
printf '  / threads:           %.2fx  (jobs 1 over jobs 1 --threads 1)\n' "$(echo "$m0 / $m1" | bc -l)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
