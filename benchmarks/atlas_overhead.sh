#!/usr/bin/env bash
# What the criticality atlas's HTSR rows add to `critnet probe` on the paper's network
# (Fashion-MNIST, 784-600-400-200-100-10 ReLU, the network `critnet reproduce` trains), measured
# inside the same probe runs: every probe.json's "seconds" gives the whole probe ("total") and
# the part spent on the HTSR rows ("htsr": the layers' X = WᵀW spectra, their HTSR fits and
# the tail tests with the probe's bootstrap). The overhead is htsr / (total − htsr), what the
# probe would take without them; REPS probes, the median. Goal (issue 25): at most 10%.
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
    rows.append((s["total"], s["htsr"], s["htsr"] / (s["total"] - s["htsr"])))
    print(f"  probe {r}: total {s['total']:.2f} s, HTSR rows {s['htsr']:.3f} s, "
          f"overhead {100 * rows[-1][2]:.1f}%")
total = statistics.median(t for t, _, _ in rows)
htsr = statistics.median(h for _, h, _ in rows)
over = statistics.median(o for _, _, o in rows)
print(f"median over {reps} probes: total {total:.2f} s, HTSR rows {htsr:.3f} s")
print(f"HTSR adds {100 * over:.1f}% to the probe (goal <= 10%): {'ok' if over <= 0.10 else 'OVER'}")
EOF
