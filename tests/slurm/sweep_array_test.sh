#!/usr/bin/env bash
# A sweep on a real Slurm cluster: starts a one-node cluster on localhost (munged, slurmctld,
# slurmd; tests/slurm/local_cluster.sh), submits a 6-cell sweep as a 3-task job array with
# scripts/slurm/submit.sh, waits for its collect job, and checks that the collected table
# equals a single-process `critnet sweep run` of the same grid, cell for cell. Then a tiny
# `critnet reproduce` as a 2-task job array (each task a shard from SLURM_ARRAY_TASK_ID, the last
# to finish writes the report) against the same reproduce in one process: equal results.json.
# Stops every daemon it started, by PID, whatever happens.
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

reproduce_args=(reproduce --data synthetic:16 --synthetic-train 256 --synthetic-test 128
  --hidden 16,8 --epochs 1 --batch-size 64 --sweep 0.5,1 --sweep-train-limit 128
  --probe-limit 128 --bootstrap 4 --max-candidates 30 --seeds 2 --threads 1 --device cpu
  --no-png)

echo "== single process"
"$bin" "${reproduce_args[@]}" --out "$work/reproduce-single" >/dev/null
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

echo "== reproduce as a Slurm job array"
mkdir -p "$work/reproduce-array"
sbatch --wait --export=ALL --array=0-1 --output="$work/reproduce-array/slurm_%a.out" \
  --wrap "$(printf '%q ' "$bin" "${reproduce_args[@]}" --out "$work/reproduce-array")"
cat "$work/reproduce-array"/slurm_*.out | grep -E 'shard|report:' || true
[ -f "$work/reproduce-array/summary.json" ] || {
  echo "sweep_array_test: the reproduce array wrote no report" >&2
  exit 1
}
/usr/bin/python3 - "$work/reproduce-single/results.json" "$work/reproduce-array/results.json" <<'PY'
# Numbers to a relative 1e-9 (the same binary with one thread: equal in practice); timings,
# versions and the run directory are skipped.
import json, math, sys
SKIP = ("seconds", "versions", "out_dir", "options")
def same(a, b, where):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if a == b or math.isclose(a, b, rel_tol=1e-9):
            return
        sys.exit(f"sweep_array_test: reproduce results.json differ at {where}: {a} != {b}")
    if type(a) is not type(b):
        sys.exit(f"sweep_array_test: reproduce results.json differ at {where}")
    if isinstance(a, dict):
        if set(a) - set(SKIP) != set(b) - set(SKIP):
            sys.exit(f"sweep_array_test: reproduce results.json keys differ at {where}")
        for k in a:
            if k not in SKIP:
                same(a[k], b[k], f"{where}/{k}")
    elif isinstance(a, list):
        if len(a) != len(b):
            sys.exit(f"sweep_array_test: reproduce results.json lengths differ at {where}")
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}/{i}")
    elif a != b:
        sys.exit(f"sweep_array_test: reproduce results.json differ at {where}: {a} != {b}")
a, b = (json.load(open(p)) for p in sys.argv[1:3])
same(a, b, "")
print("sweep_array_test: the reproduce array's results.json equals the single run's")
PY
