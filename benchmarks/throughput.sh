#!/usr/bin/env bash
# Training throughput of the paper's MLP (3072-600-400-200-100-10, ReLU, Adam, synthetic data,
# CPU) : critnet against PyTorch (../shared/bench/torch_reference.py), in one script, on the
# same machine, runs interleaved in the same order in every repetition, REPS repetitions,
# medians. Configurations, each at batch 128 and 512:
#   critnet, no penalty                      torch --reg none
#   critnet, exact `paper` every step        torch --reg paper --side out (naive autograd)
#   critnet, lazy: exact `paper` every 8 steps with 8·λ (--reg-interval 8)
#   critnet, stochastic `paper` (--probes PROBES Hutchinson probes, every step)
#   critnet, stochastic `paper` every 8 steps (--probes PROBES --reg-interval 8)
# Prints samples/s (medians) and the ratios of issue 6:
#   critnet none / torch none                         (goal >= 1.25 at batch 128)
#   critnet exact paper / torch naive paper side out  (goal >= 2)
#   lazy and stochastic time per sample over critnet none   (goal <= 25% overhead)
# then the share of the fast step spent in matrix products (build/benchmarks/bench_train_step:
# the step's 14 products alone at its shapes vs the whole step) and the GEMM GFLOP/s of a
# 2048³ product. Both programs run with the same OpenMP settings: OMP_WAIT_POLICY defaults
# to passive here (on a shared, loaded machine spinning OpenMP threads steal the cores from
# the threads doing the work: 4x slower for both); set OMP_WAIT_POLICY=active to override.
# critnet runs 3 epochs of STEPS steps and reports each epoch's samples/s, the reference 3
# blocks of STEPS steps; both keep the best of their 3.
#
# A fair reference: both sides run on the same, best kernels this CPU has. OpenBLAS picks its
# kernels from the CPU model when it loads and falls back to generic Prescott (SSE3) ones on
# models it does not know (Sapphire Rapids with OpenBLAS 0.3.21: 6x slower products), so the
# script exports OPENBLAS_CORETYPE = `critnet info --json`'s kernels.openblas_best_core for both
# programs (a value already in the environment is kept), prints each side's OpenBLAS core,
# oneDNN ISA and ATen capability, and measures a 2048³ float32 product on each side in the same
# run (critnet's gemm through build/benchmarks/bench_gemm, PyTorch's torch.mm), so that both
# rooflines are on the page.
#
#   bash benchmarks/throughput.sh                 # REPS=3 STEPS=40 THREADS=2 PROBES=4
#   REPS=5 BATCHES="128" bash benchmarks/throughput.sh
set -euo pipefail
cd "$(dirname "$0")/.."
critnet=${CRITNET:-build/critnet}
bench=${BENCH:-build/benchmarks/bench_train_step}
python=${PYTHON:-/usr/bin/python3}  # Debian's python3-torch; another python3 may lack torch
reference=${REFERENCE:-../shared/bench/torch_reference.py}
reps=${REPS:-3}
steps=${STEPS:-40}
threads=${THREADS:-2}
batches=${BATCHES:-128 512}
beta=${BETA:-1}
strength=${STRENGTH:-1e-4}
probes=${PROBES:-4}
interval=${INTERVAL:-8}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
gemm_bench=${GEMM_BENCH:-build/benchmarks/bench_gemm}

[ -x "$critnet" ] || { echo "throughput.sh: $critnet not built (bash scripts/build.sh)" >&2; exit 2; }
[ -f "$reference" ] || { echo "throughput.sh: $reference not found" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Both sides on this CPU's best OpenBLAS kernels.
json_field() { "$python" -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"; }
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  best_core=$(CRITNET_OPENBLAS_CORETYPE=keep "$critnet" info --json 2>/dev/null |
    json_field kernels.openblas_best_core)
  [ -n "$best_core" ] && export OPENBLAS_CORETYPE=$best_core
fi
"$critnet" info --json >"$tmp/critnet_info.json"
"$python" "$(dirname "$0")/torch_kernels.py" --threads "$threads" >"$tmp/torch_kernels.json"
critnet_gemm=""
if [ -x "$gemm_bench" ]; then
  critnet_gemm=$(CRITNET_BENCH_THREADS=$threads "$gemm_bench" --benchmark_filter='BM_Gemm/2048/1' \
    --benchmark_repetitions=3 --benchmark_min_time=0.5 --benchmark_format=json 2>/dev/null |
    "$python" -c 'import json,sys
r=[b for b in json.load(sys.stdin)["benchmarks"] if b.get("aggregate_name")=="median"]
print(round(r[0]["GFLOP/s"],1) if r else "")')
fi
kernels_line() {  # the kernels each side ran on, and its 2048³ product
  "$python" - "$tmp/critnet_info.json" "$tmp/torch_kernels.json" "$critnet_gemm" <<'PY'
import json, sys
c, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
k = c["kernels"]
print(f"  critnet: OpenBLAS {k['openblas_core'] or '-'}, gemm {c['gemm']} (oneDNN ISA "
      f"{k['onednn_isa'] or '-'}), CPU {k['cpu_isa']}, 2048^3 float32 product "
      f"{sys.argv[3] or '?'} GFLOP/s (critnet's gemm)")
print(f"  torch {t['torch']}: OpenBLAS {t['openblas_core'] or '-'}, ATen {t['aten_cpu_capability']}, "
      f"mkldnn {'yes' if t['mkldnn'] else 'no'}, 2048^3 float32 product {t['gemm_gflops']} "
      f"GFLOP/s (torch.mm)")
PY
}

critnet_run() {  # $1: batch, then extra train flags; prints the best samples/s of 3 epochs
  local batch=$1
  shift
  rm -rf "$tmp/run"
  "$critnet" train --data synthetic:3072 --synthetic-train $((steps * batch)) --synthetic-test 128 \
    --batch-size "$batch" --threads "$threads" --device cpu --epochs 3 --no-checkpoint --no-eval \
    --no-progress --out "$tmp/run" "$@" 2>"$tmp/err" |
    "$python" -c 'import json,sys; print(round(max(json.loads(l)["samples_per_s"] for l in sys.stdin if l.strip())))' ||
    { cat "$tmp/err" >&2; exit 1; }
}
torch_run() {  # $1: batch, then extra reference flags; prints its samples/s
  local batch=$1
  shift
  "$python" "$reference" --device cpu --threads "$threads" --batch "$batch" --inputs 3072 \
    --steps "$steps" "$@" | sed -E 's/.*: ([0-9.]+) samples\/s.*/\1/'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

paper=(--reg paper --beta "$beta" --strength "$strength")
configs=(c_none t_none c_exact t_paper c_lazy c_stoch c_stoch_lazy)
declare -A results
echo "throughput.sh: load average at start $(load); OMP_WAIT_POLICY=$OMP_WAIT_POLICY;" \
  "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}" >&2
kernels_line >&2
loads=("$(load)")
for ((r = 1; r <= reps; ++r)); do
  for b in $batches; do
    results[c_none,$b]+=" $(critnet_run "$b")"
    results[t_none,$b]+=" $(torch_run "$b" --reg none)"
    results[c_exact,$b]+=" $(critnet_run "$b" "${paper[@]}" --gram-side out)"
    results[t_paper,$b]+=" $(torch_run "$b" --reg paper --side out --beta "$beta" --strength "$strength")"
    results[c_lazy,$b]+=" $(critnet_run "$b" "${paper[@]}" --gram-side out --reg-interval "$interval")"
    results[c_stoch,$b]+=" $(critnet_run "$b" "${paper[@]}" --gram-side out --probes "$probes")"
    results[c_stoch_lazy,$b]+=" $(critnet_run "$b" "${paper[@]}" --gram-side out --probes "$probes" --reg-interval "$interval")"
    line="rep $r batch $b:"
    for c in "${configs[@]}"; do line+=" $c $(echo ${results[$c,$b]} | awk '{print $NF}')"; done
    echo "$line samples/s (load $(load))" >&2
    loads+=("$(load)")
  done
done

echo "throughput (samples/s, median of $reps interleaved runs; synthetic:3072, $threads threads," \
  "$("$critnet" info | awk '/^blas/ {print $2}') BLAS, OMP_WAIT_POLICY=$OMP_WAIT_POLICY," \
  "paper beta $beta lambda $strength)"
echo "load average (1/5/15 min) during the runs: ${loads[*]}" | sed 's/ \([0-9.]* [0-9.]* [0-9.]*\)/ [\1]/g'
echo "kernels (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} for both programs):"
kernels_line
declare -A med
printf '  %-52s' "configuration"
for b in $batches; do printf ' %12s' "batch $b"; done
echo
names=("critnet, no penalty" "torch, --reg none" "critnet, exact paper every step"
  "torch, naive --reg paper --side out" "critnet, lazy paper (k = $interval)"
  "critnet, stochastic paper ($probes probes)"
  "critnet, stochastic paper, every $interval steps")
for i in "${!configs[@]}"; do
  c=${configs[$i]}
  printf '  %-52s' "${names[$i]}"
  for b in $batches; do
    med[$c,$b]=$(median ${results[$c,$b]})
    printf ' %12s' "${med[$c,$b]}"
  done
  echo
done
ratio() {  # label, numerator config, denominator config, goal text
  printf '  %-52s' "$1"
  for b in $batches; do
    awk -v a="${med[$2,$b]}" -v c="${med[$3,$b]}" 'BEGIN {printf " %11.2fx", a / c}'
  done
  echo "   $4"
}
overhead() {  # label, config
  printf '  %-52s' "$1"
  for b in $batches; do
    awk -v a="${med[c_none,$b]}" -v c="${med[$2,$b]}" 'BEGIN {printf " %11.0f%%", 100 * (a / c - 1)}'
  done
  echo "   (goal <= 25%)"
}
ratio "critnet none / torch none" c_none t_none "(goal >= 1.25 at batch 128)"
ratio "critnet exact paper / torch naive paper side out" c_exact t_paper "(goal >= 2)"
overhead "lazy k = $interval: time per sample over critnet none" c_lazy
overhead "stochastic: time per sample over critnet none" c_stoch
overhead "stochastic every $interval: over critnet none" c_stoch_lazy

if [ -x "$bench" ]; then
  echo "matrix products vs the whole fast step ($bench, medians of 3):"
  filter='BM_(FastStep|StepMatmuls)/('"$(echo $batches | tr ' ' '|')"')/|BM_LargeGemm'
  CRITNET_BENCH_THREADS=$threads "$bench" --benchmark_filter="$filter" --benchmark_repetitions=3 \
    --benchmark_min_time=0.5 --benchmark_format=json 2>/dev/null | "$python" -c '
import json, sys
runs = [b for b in json.load(sys.stdin)["benchmarks"] if b.get("aggregate_name") == "median"]
t = {b["run_name"]: b["real_time"] for b in runs}
g = {b["run_name"]: b.get("GFLOP/s", 0) for b in runs}
for name in sorted(t):
    if name.startswith("BM_FastStep/"):
        b = name.split("/")[1]
        mm = "BM_StepMatmuls/" + b + "/real_time"
        print(f"  batch {b}: step {t[name]:.1f} ms ({g[name]:.0f} GFLOP/s),"
              f" its products alone {t[mm]:.1f} ms: {100 * t[mm] / t[name]:.0f}% of the step")
    if name.startswith("BM_LargeGemm"):
        print(f"  2048x2048x2048 GEMM: {g[name]:.0f} GFLOP/s")
'
fi
