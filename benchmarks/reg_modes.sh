#!/usr/bin/env bash
# Do the cheap penalty modes train like the exact one? Fashion-MNIST, the paper's net, `paper`
# penalty (BETA, LAMBDA), EPOCHS epoch(s) x SEEDS seeds per mode: none, exact every step, lazy
# (every 8 steps with 8·λ), stochastic (PROBES Hutchinson probes per step). Prints per mode the
# mean ± sd over seeds of the test accuracy, the test loss and each layer's mean penalty R
# (over the epoch's penalised steps; an unbiased estimate in the stochastic mode), and the
# samples/s. docs/performance.md quotes its table. MODES picks a subset.
#   bash benchmarks/reg_modes.sh            # SEEDS="1 2 3" EPOCHS=1 BETA=100 LAMBDA=1e-3
#   MODES=stochastic PROBES=16 bash benchmarks/reg_modes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
critnet=${CRITNET:-build/critnet}
python=${PYTHON:-/usr/bin/python3}
seeds=${SEEDS:-1 2 3}
epochs=${EPOCHS:-1}
beta=${BETA:-100}
lambda=${LAMBDA:-1e-3}
probes=${PROBES:-4}
mode_list=${MODES:-none exact lazy8 stochastic}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
paper="--reg paper --beta $beta --strength $lambda"
declare -A modes=([none]="" [exact]="$paper" [lazy8]="$paper --reg-interval 8"
  [stochastic]="$paper --probes $probes")
for seed in $seeds; do
  for mode in $mode_list; do
    # shellcheck disable=SC2086
    "$critnet" train --epochs "$epochs" --seed "$seed" --threads "${THREADS:-2}" --no-checkpoint \
      --no-progress --out "$tmp/$mode-$seed" ${modes[$mode]} 2>/dev/null | tail -1 >"$tmp/$mode-$seed.json"
    echo "seed $seed $mode: $(cat "$tmp/$mode-$seed.json" | cut -c1-160)" >&2
  done
done
"$python" - "$tmp" "$seeds" "$mode_list" "$probes" <<'PY'
import json, statistics as st, sys
tmp, seeds, modes, probes = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4]
names = {"lazy8": "lazy, k = 8", "stochastic": f"stochastic, {probes} probes"}
def ms(v):
    return f"{st.mean(v):.4f} ± {st.stdev(v):.4f}" if len(v) > 1 else f"{v[0]:.4f}"
print("| mode | test accuracy | test loss | R layer 0 | R layer 1 | R layer 2 | R layer 3 | samples/s |")
print("|---|---|---|---|---|---|---|---|")
for mode in modes:
    runs = [json.load(open(f"{tmp}/{mode}-{s}.json")) for s in seeds]
    pens = [[p["value"] for p in r["reg_penalty"]] for r in runs]
    cols = [ms([p[i] for p in pens]) if pens[0] else "–" for i in range(4)]
    cols = [c.replace(".0000", "") for c in cols]
    print(f"| {names.get(mode, mode)} | {ms([r['test_accuracy'] for r in runs])} | {ms([r['test_loss'] for r in runs])} | "
          + " | ".join(f"{c}" for c in cols)
          + f" | {st.median([r['samples_per_s'] for r in runs]):.0f} |")
PY
