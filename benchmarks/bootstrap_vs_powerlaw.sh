#!/usr/bin/env bash
# Times the CSN bootstrap goodness-of-fit p-value in critnet (`critnet fit --bootstrap`) and in
# the R package poweRlaw (`bootstrap_p`) on the same data (n = 5000, continuous and discrete),
# the same replicates and the same threads, in one run, and prints the ratio.
#
#   benchmarks/bootstrap_vs_powerlaw.sh [CRITNET_BINARY]
# Environment:
#   REPS=1000          critnet replicates (and poweRlaw's, unless PL_REPS is set)
#   PL_REPS=$REPS      poweRlaw replicates; if smaller than REPS, its time is scaled linearly
#                      to REPS (each replicate is an independent estimate_xmin, so the cost is
#                      linear in the replicates) and the output says so. The scaled time is
#                      poweRlaw's own per-replicate time (bs$sim_time, which leaves out the
#                      initial fit and the cluster start-up) x REPS / THREADS: in poweRlaw's
#                      favour, since critnet's time includes its initial fit and start-up.
#   THREADS=2          threads for both (poweRlaw: its `threads` argument, a PSOCK cluster)
#   KINDS="continuous discrete"
# poweRlaw runs with xmax = Inf (no 1e5 cap) so both search the same x_min candidates.
set -euo pipefail
cd "$(dirname "$0")/.."
critnet=${1:-build/critnet}
reps=${REPS:-1000}
pl_reps=${PL_REPS:-$reps}
threads=${THREADS:-2}
kinds=${KINDS:-"continuous discrete"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v Rscript >/dev/null || { echo "needs Rscript with poweRlaw (r-cran-powerlaw)" >&2; exit 2; }
[ -x "$critnet" ] || { echo "no critnet binary at $critnet (build first)" >&2; exit 2; }

# Data: 4000 power-law points (alpha = 2.5) above x_min plus 1000 below it, fixed seed.
Rscript - "$tmp" <<'R' 2>/dev/null
suppressPackageStartupMessages(library(poweRlaw))
out <- commandArgs(trailingOnly = TRUE)[1]
set.seed(5000)
con <- c(rplcon(4000, xmin = 2, alpha = 2.5), runif(1000, 1, 2))
dis <- c(rpldis(4000, xmin = 3, alpha = 2.5), sample(1:2, 1000, replace = TRUE))
write.csv(data.frame(x = con), file.path(out, "continuous.csv"), row.names = FALSE)
write.csv(data.frame(x = dis), file.path(out, "discrete.csv"), row.names = FALSE)
R

now() { date +%s.%N; }
printf "machine: %s, %s cores, load %s\n" "$(uname -n)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s %8s %12s %12s %10s %10s %8s\n" kind reps critnet_s poweRlaw_s critnet_p poweRlaw_p ratio
for kind in $kinds; do
  flag=""; [ "$kind" = discrete ] && flag="--discrete"
  t0=$(now)
  p_c=$("$critnet" fit "$tmp/$kind.csv" $flag --bootstrap "$reps" --threads "$threads" --no-compare --json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["p"])')
  t1=$(now)
  t_c=$(echo "$t1 - $t0" | bc -l)
  res=$(Rscript - "$tmp/$kind.csv" "$kind" "$pl_reps" "$threads" <<'R' 2>/dev/null
suppressPackageStartupMessages(library(poweRlaw))
a <- commandArgs(trailingOnly = TRUE)
x <- read.csv(a[1])$x
m <- if (a[2] == "discrete") displ$new(x) else conpl$new(x)
t <- system.time(bs <- bootstrap_p(m, no_of_sims = as.integer(a[3]), threads = as.integer(a[4]),
                                   xmax = Inf, seed = 1))[["elapsed"]]
cat(t, bs$p, bs$sim_time, "\n")
R
)
  t_pl=$(echo "$res" | awk '{print $1}')
  p_pl=$(echo "$res" | awk '{print $2}')
  sim_time=$(echo "$res" | awk '{print $3}')
  if [ "$pl_reps" = "$reps" ]; then
    t_pl_scaled=$t_pl
  else
    t_pl_scaled=$(echo "$sim_time * $reps / $threads" | bc -l)
  fi
  ratio=$(echo "$t_pl_scaled / $t_c" | bc -l)
  note=""; [ "$pl_reps" != "$reps" ] && note="  (poweRlaw ran $pl_reps replicates in ${t_pl}s wall; scaled: ${sim_time}s/replicate x $reps / $threads threads)"
  printf "%-10s %8d %12.2f %12.1f %10.4f %10.4f %7.1fx%s\n" "$kind" "$reps" "$t_c" "$t_pl_scaled" \
    "$p_c" "$p_pl" "$ratio" "$note"
done
