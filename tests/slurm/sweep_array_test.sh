#!/usr/bin/env bash
# A sweep on a real Slurm cluster: starts a one-node cluster on localhost (munged, slurmctld,
# slurmd; tests/slurm/local_cluster.sh), submits a 6-cell sweep as a 3-task job array with
# scripts/slurm/submit.sh, waits for its collect job, and checks that the collected table
# equals a single-process `critnet sweep run` of the same grid, cell for cell. Stops every
# daemon it started, by PID, whatever happens.
#   sweep_array_test.sh CRITNET_BIN WORK_DIR
# Exit 77 (CTest: skipped) when not root: slurmd must run as root to start jobs.
set -euo pipefail
bin=$(realpath "$1")
work=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "sweep_array_test: skipped: needs root to run slurmd"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")

# shellcheck source=tests/slurm/local_cluster.sh
source "$here/local_cluster.sh"
trap 'cluster_stop "$work/cluster"' EXIT

# 2 baseline cells + cw × 2 β × 2 seeds = 6 cells, each a few seconds.
cat >"$work/grid.json" <<'EOF'
{"schema": "critnet.grid/1",
 "data": {"source": "synthetic:24", "synthetic_train": 384, "synthetic_test": 192},
 "hidden": [16, 8], "batch_size": 64,
 "presets": ["none", "cw"], "beta": [0.5, 1.0], "lambda": [0.01],
 "seeds": 2, "epochs": [1],
 "probe": {"limit": 192, "bootstrap": 20, "max_candidates": 100}}
EOF

echo "== single process"
"$bin" sweep run "$work/grid.json" --out "$work/single" --threads 1
"$bin" sweep collect "$work/single"

echo "== Slurm job array"
mkdir -p "$work/cluster"
cluster_start "$work/cluster"
sinfo
CRITNET_BIN=$bin bash "$root/scripts/slurm/submit.sh" "$work/grid.json" "$work/array" \
  --shards 3 --wait
ls "$work/array/slurm"
tasks=$(find "$work/array/slurm" -name 'sweep_*_*.out' | wc -l)
[ "$tasks" -eq 3 ] || {
  echo "sweep_array_test: expected the output of 3 array tasks, found $tasks" >&2
  exit 1
}
"$bin" sweep status "$work/array" | tee "$work/status.txt"

echo "== compare the tables"
/usr/bin/python3 "$here/compare_tables.py" "$work/single/table.csv" "$work/array/table.csv" 6
echo "sweep_array_test: the job array's table equals the single-process table"
