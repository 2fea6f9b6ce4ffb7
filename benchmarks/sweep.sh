#!/usr/bin/env bash
# Cells per hour of `critnet sweep run` with --jobs 1 (all cores in one process) against
# --jobs 2 --threads 1 (two worker processes of one thread each) on the same small grid, in the
# same run, and their ratio (the goal: >= 1.7x on 2 cores). Repeats each REPEATS times (default
# 3) and reports the median; prints the load average before and after.
#   bash benchmarks/sweep.sh [CRITNET_BINARY]
set -euo pipefail
critnet=${1:-${CRITNET:-build/critnet}}
repeats=${REPEATS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/critnet_sweep_bench_XXXXXX")
trap 'rm -rf "$work"' EXIT
# 14 cells (an even number, so two workers get equal shares): a small MLP on synthetic data,
# one epoch, a small probe.
cat >"$work/grid.json" <<'JSON'
{"schema": "critnet.grid/1",
 "data": {"source": "synthetic:64", "synthetic_train": 6000, "synthetic_test": 500},
 "hidden": [128, 64], "batch_size": 64, "presets": ["none", "paper", "cw"],
 "beta": [8], "lambda": [0.001, 0.01, 0.1], "seeds": 2, "epochs": [1],
 "probe": {"limit": 500, "bootstrap": 50, "max_candidates": 100, "subset_size": 8}}
JSON
echo "sweep benchmark: $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
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
one=() two=()
for i in $(seq "$repeats"); do
  one+=("$(run one --jobs 1)")
  two+=("$(run two --jobs 2 --threads 1)")
  echo "  repeat $i: --jobs 1 ${one[-1]} s, --jobs 2 --threads 1 ${two[-1]} s"
done
cells=$("$critnet" sweep status "$work/one" | sed -n 's/.*: \([0-9]*\) cells: \([0-9]*\) done.*/\2/p')
echo "cells per run: $cells"
m1=$(printf '%s\n' "${one[@]}" | median)
m2=$(printf '%s\n' "${two[@]}" | median)
printf 'jobs 1:                %.1f s  %.0f cells/h\n' "$m1" "$(echo "$cells * 3600 / $m1" | bc -l)"
printf 'jobs 2 --threads 1:    %.1f s  %.0f cells/h\n' "$m2" "$(echo "$cells * 3600 / $m2" | bc -l)"
printf 'ratio (cells/h):       %.2fx\n' "$(echo "$m1 / $m2" | bc -l)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
