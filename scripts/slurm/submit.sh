#!/usr/bin/env bash
# Runs a `critnet sweep` on a Slurm cluster as a job array, then collects it.
#
#   scripts/slurm/submit.sh GRID DIR [--shards N] [--cpus C] [--wait] [-- SBATCH_ARGS...]
#
# Submits N array tasks (scripts/slurm/sweep.sbatch; task K runs shard K/N of the grid with C
# threads) and one collect job (scripts/slurm/collect.sbatch) that starts when every task has
# ended, ok or not, and writes DIR/table.csv, DIR/table.json and DIR/report.html. Slurm's
# output goes to DIR/slurm/. Prints the two job IDs. With --wait it blocks until the collect
# job ends and exits with its status. Anything after `--` goes to both sbatch calls
# (--partition, --time, --account, --mem...). Resubmitting the same GRID and DIR resumes: finished
# cells are skipped.
#
# Environment: CRITNET_BIN, the critnet executable (default: `critnet` on PATH, else
# build/critnet of this checkout). DIR must be on a file system every node sees.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  sed -n '4,5p' "$0" | sed 's/^# *//' >&2
  exit 2
}

shards=4
cpus=1
wait_flag=()
positional=()
sbatch_extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --shards) shards=${2:?--shards needs a value}; shift 2 ;;
    --cpus) cpus=${2:?--cpus needs a value}; shift 2 ;;
    --wait) wait_flag=(--wait); shift ;;
    --) shift; sbatch_extra=("$@"); break ;;
    -h | --help) usage ;;
    -*) echo "submit.sh: unknown option $1" >&2; usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || usage
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --shards must be a positive integer, got '$shards'" >&2; exit 2; }
[[ $cpus =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: --cpus must be a positive integer, got '$cpus'" >&2; exit 2; }
grid=$(realpath "${positional[0]}")
[ -f "$grid" ] || { echo "submit.sh: no grid file $grid" >&2; exit 2; }
mkdir -p "${positional[1]}/slurm"
dir=$(realpath "${positional[1]}")

bin=${CRITNET_BIN:-$(command -v critnet || echo "$here/../../build/critnet")}
[ -x "$bin" ] || { echo "submit.sh: no critnet executable at $bin (set CRITNET_BIN)" >&2; exit 2; }
bin=$(realpath "$bin")

export CRITNET_BIN=$bin CRITNET_GRID=$grid CRITNET_SWEEP_DIR=$dir
array=$(sbatch --parsable --export=ALL --array="0-$((shards - 1))" --cpus-per-task="$cpus" \
  --output="$dir/slurm/sweep_%A_%a.out" "${sbatch_extra[@]}" "$here/sweep.sbatch")
array=${array%%;*}
echo "submit.sh: sweep array job $array ($shards tasks, $cpus CPU each)"
collect_args=(--parsable --export=ALL --dependency="afterany:$array" --kill-on-invalid-dep=yes
  --output="$dir/slurm/collect_%j.out" "${sbatch_extra[@]}")
if [ ${#wait_flag[@]} -eq 0 ]; then
  collect=$(sbatch "${collect_args[@]}" "$here/collect.sbatch")
  echo "submit.sh: collect job ${collect%%;*} (after the array); results in $dir"
else
  echo "submit.sh: collect job follows the array; waiting for it"
  status=0
  sbatch "${collect_args[@]}" --wait "$here/collect.sbatch" || status=$?
  echo "submit.sh: collect ended with status $status; results in $dir"
  exit "$status"
fi
