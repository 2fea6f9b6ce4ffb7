#!/usr/bin/env bash
# Training throughput of the paper's MLP (3072-600-400-200-100-10, ReLU, Adam, batch 128,
# synthetic data, CPU threads 2): critnet against PyTorch (../shared/bench/torch_reference.py)
# in the same script, runs interleaved, each configuration REPS times; prints the median
# samples/s of each and the ratios:
#   unregularised:           critnet / torch --reg none                (goal >= 1.0)
#   exact `paper` every step: critnet --reg paper / torch --reg paper --side out   (goal >= 1.3)
# Both sides take the best of 3 timed blocks of STEPS steps per run (the reference does that
# itself; critnet trains 3 epochs of STEPS steps and reports each epoch's samples/s).
#
#   bash benchmarks/throughput.sh            # REPS=3 STEPS=100 THREADS=2 by default
#   REPS=5 STEPS=50 bash benchmarks/throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
critnet=${CRITNET:-build/critnet}
python=${PYTHON:-/usr/bin/python3}  # Debian's python3-torch; another python3 may lack torch
reference=${REFERENCE:-../shared/bench/torch_reference.py}
reps=${REPS:-3}
steps=${STEPS:-100}
threads=${THREADS:-2}
batch=128
beta=${BETA:-1}
strength=${STRENGTH:-1e-4}

[ -x "$critnet" ] || { echo "throughput.sh: $critnet not built (bash scripts/build.sh)" >&2; exit 2; }
[ -f "$reference" ] || { echo "throughput.sh: $reference not found" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

critnet_run() {  # $@: extra train flags; prints the best samples/s of 3 epochs
  rm -rf "$tmp/run"
  "$critnet" train --data synthetic:3072 --synthetic-train $((steps * batch)) --synthetic-test 128 \
    --batch-size $batch --threads "$threads" --device cpu --epochs 3 --no-checkpoint --no-eval \
    --no-progress --out "$tmp/run" "$@" 2>"$tmp/err" |
    "$python" -c 'import json,sys; print(round(max(json.loads(l)["samples_per_s"] for l in sys.stdin if l.strip())))' ||
    { cat "$tmp/err" >&2; exit 1; }
}
torch_run() {  # $@: extra reference flags; prints its samples/s
  "$python" "$reference" --device cpu --threads "$threads" --batch $batch --inputs 3072 \
    --steps "$steps" "$@" | sed -E 's/.*: ([0-9.]+) samples\/s.*/\1/'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

declare -a c_none t_none c_paper t_paper
for ((r = 1; r <= reps; ++r)); do
  c_none+=("$(critnet_run)")
  t_none+=("$(torch_run --reg none)")
  c_paper+=("$(critnet_run --reg paper --beta "$beta" --strength "$strength" --gram-side out)")
  t_paper+=("$(torch_run --reg paper --side out --beta "$beta" --strength "$strength")")
  echo "rep $r: critnet none ${c_none[-1]}, torch none ${t_none[-1]}, critnet paper ${c_paper[-1]}, torch paper(out) ${t_paper[-1]} samples/s" >&2
done

m_cn=$(median "${c_none[@]}"); m_tn=$(median "${t_none[@]}")
m_cp=$(median "${c_paper[@]}"); m_tp=$(median "${t_paper[@]}")
echo "throughput (samples/s, median of $reps runs; synthetic:3072, batch $batch, $threads threads, $("$critnet" info | awk '/^blas/ {print $2}') BLAS)"
printf '  %-40s %10s\n' "critnet, no regulariser" "$m_cn" "torch, --reg none" "$m_tn" \
  "critnet, exact paper every step" "$m_cp" "torch, naive --reg paper --side out" "$m_tp"
awk -v a="$m_cn" -v b="$m_tn" 'BEGIN {printf "  ratio unregularised critnet/torch:   %.2fx (goal >= 1.0)\n", a / b}'
awk -v a="$m_cp" -v b="$m_tp" 'BEGIN {printf "  ratio paper critnet/torch naive out: %.2fx (goal >= 1.3)\n", a / b}'
