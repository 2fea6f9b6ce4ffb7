#!/usr/bin/env bash
# What the criticality atlas adds to `critnet probe` on the paper's network
# (Fashion-MNIST, 784-600-400-200-100-10 ReLU, the network `critnet reproduce` trains), measured
# inside the same probe runs: every probe.json's "seconds" gives the whole probe ("total") and
# the parts spent on the HTSR rows ("htsr": the layers' X = WᵀW spectra, their HTSR fits and
# the tail tests with the probe's bootstrap) and on signal propagation ("signal": χ₁ per layer
# over every probed input, the Jacobian of 256 inputs, the APJN). Each overhead is
# part / (total − htsr − signal), what the probe takes without the atlas; REPS probes, the
# median. Goals: HTSR at most 10% (issue 25), signal at most 25% (issue 26).
#
# Both sides of the ratio run in one process on the same kernels; the script prints them
# (`critnet info`'s blas, gemm, cpu, openblas and threads lines). The probe is the one `critnet reproduce` runs: 10,000 test
# samples, BOOTSTRAP replicates per fit (default 200, reproduce's), at most 1000 x_min
# candidates, tails of at least 10% of the values.
#
#   bash benchmarks/atlas_overhead.sh              # REPS=5 THREADS=2 BOOTSTRAP=200
#   REPS=3 THREADS=1 bash benchmarks/atlas_overhead.sh
set -euo pipefail
cd "$(dirname "$0")/.."
critnet=${CRITNET:-build/critnet}
reps=${REPS:-5}
threads=${THREADS:-2}
bootstrap=${BOOTSTRAP:-200}
python=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/critnet-atlas-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "critnet: $("$critnet" --version 2>/dev/null || echo '?')"
"$critnet" info | grep -E "^(blas|gemm|cpu|openblas|threads) " | sed 's/^/  /' || true
echo "training the network (2 epochs on 10,000 images)..."
"$critnet" train --data fashion-mnist --train-limit 10000 --epochs 2 --threads "$threads" \
  --out "$work/train" > "$work/train.log" 2>&1

for r in $(seq 1 "$reps"); do
  "$critnet" probe "$work/train" --split test --limit 10000 --bootstrap "$bootstrap" \
    --min-tail-fraction 0.1 --max-candidates 1000 --threads "$threads" --seed "$r" \
    --out "$work/probe-$r" > "$work/probe-$r.log" 2>&1
done

"$python" - "$work" "$reps" <<'EOF'
import json, statistics, sys
work, reps = sys.argv[1], int(sys.argv[2])
rows = []
for r in range(1, reps + 1):
    s = json.load(open(f"{work}/probe-{r}/probe.json"))["seconds"]
    base = s["total"] - s["htsr"] - s.get("signal", 0.0)
    rows.append((s["total"], s["htsr"], s.get("signal", 0.0), base))
    print(f"  probe {r}: total {s['total']:.2f} s, HTSR rows {s['htsr']:.3f} s "
          f"({100 * s['htsr'] / base:.1f}%), signal {s.get('signal', 0.0):.3f} s "
          f"({100 * s.get('signal', 0.0) / base:.1f}%)")
med = lambda k: statistics.median(row[k] for row in rows)
htsr = statistics.median(h / b for _, h, _, b in rows)
signal = statistics.median(g / b for _, _, g, b in rows)
print(f"median over {reps} probes: total {med(0):.2f} s, HTSR rows {med(1):.3f} s, "
      f"signal {med(2):.3f} s")
print(f"HTSR adds {100 * htsr:.1f}% to the probe (goal <= 10%): {'ok' if htsr <= 0.10 else 'OVER'}")
print(f"signal propagation adds {100 * signal:.1f}% (goal <= 25%): "
      f"{'ok' if signal <= 0.25 else 'OVER'}")
EOF
