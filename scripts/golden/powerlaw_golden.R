#!/usr/bin/env Rscript
# Golden values for critnet's power-law fits, from the R package poweRlaw (Debian
# r-cran-powerlaw, 0.70.6), with the corrections docs/methods.md ("Power-law statistics") describes:
#   1. pplcon() (continuous power-law CDF) zeroes the CDF below round(xmin); for a candidate
#      x_min with fractional part >= 0.5 that inflates the KS distance. Replaced below by the
#      same function without that line (the CDF is only ever evaluated at q >= xmin here).
#   2. poweRlaw's default xmax = 1e5 caps the x_min search and the KS distance: every call
#      below passes xmax = Inf.
#   3. The bootstrap runs poweRlaw's own steps (bootstrap_p_helper: sample_p_helper then
#      estimate_xmin) in forked workers (parallel::mclapply), so that the corrected pplcon is
#      the one used; poweRlaw's bootstrap_p() starts fresh PSOCK workers that would reload
#      the uncorrected function.
# The exponential alternative is not used here (no comparisons are stored).
#
# Usage: Rscript scripts/golden/powerlaw_golden.R [OUTDIR]   (default tests/data/golden)
# Writes OUTDIR/<name>.csv (the data, one column "x") and OUTDIR/golden.json.
suppressPackageStartupMessages({
  library(poweRlaw)
  library(parallel)
})

args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[[1]] else "tests/data/golden"
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

pplcon_fixed <- function(q, xmin, alpha, lower.tail = TRUE) {
  cdf <- 1 - (q / xmin)^(-alpha + 1)
  if (!lower.tail) cdf <- 1 - cdf
  cdf[q < xmin] <- 0  # was: cdf[q < round(xmin)] = 0
  cdf
}
assignInNamespace("pplcon", pplcon_fixed, ns = "poweRlaw")

fit_one <- function(x, discrete) {
  m <- if (discrete) displ$new(x) else conpl$new(x)
  est <- estimate_xmin(m, xmax = Inf)
  m$setXmin(est)
  m
}

# CSN sec. 4.1 bootstrap with poweRlaw's own helper, seeded per replicate.
bootstrap_p <- function(m, sims, seed, cores = 2) {
  est <- estimate_xmin(m, xmax = Inf)
  x <- m$dat
  x_lower <- x[x < m$xmin]
  RNGkind("L'Ecuyer-CMRG")
  set.seed(seed)
  gofs <- unlist(mclapply(seq_len(sims), function(i) {
    q <- poweRlaw:::sample_p_helper(i, m, x_lower)
    m2 <- m$getRefClass()$new(q)
    estimate_xmin(m2, xmax = Inf)$gof
  }, mc.cores = cores, mc.set.seed = TRUE))
  list(sims = sims, p = sum(gofs >= est$gof, na.rm = TRUE) / sims, failed = sum(is.na(gofs)))
}

sets <- list()
write_json <- function() {
meta <- list(generator = "scripts/golden/powerlaw_golden.R",
             powerlaw_version = as.character(packageVersion("poweRlaw")),
             r_version = R.version.string,
             corrections = c("pplcon round(xmin) line removed", "xmax = Inf",
                             "bootstrap via poweRlaw's sample_p_helper + estimate_xmin in forked workers"),
             ks = "poweRlaw 0.70.6: continuous max_i |F(x_(i)) - (i-1)/n| over sorted tail points; discrete max over integers in [xmin, max] of |F_n - F|",
             sets = sets)
writeLines(jsonlite::toJSON(meta, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(outdir, "golden.json"))
}

add_set <- function(name, x, discrete, sims = 0, note = "") {
  t0 <- Sys.time()
  m <- fit_one(x, discrete)
  n_tail <- get_ntail(m)
  entry <- list(name = name, file = paste0(name, ".csv"), discrete = discrete, n = length(x),
                xmin = m$xmin, alpha = m$pars, ks = estimate_xmin(m, xmax = Inf)$gof,
                n_tail = n_tail, note = note)
  if (!discrete) {
    tail <- x[x >= m$xmin]
    entry$alpha_closed_form <- 1 + length(tail) / sum(log(tail / m$xmin))
  }
  if (sims > 0) entry$bootstrap <- bootstrap_p(m, sims, seed = 20261128)
  write.csv(data.frame(x = x), file.path(outdir, entry$file), row.names = FALSE)
  cat(sprintf("%-22s n=%6d xmin=%-10g alpha=%.6f ks=%.6f ntail=%d p=%s (%.1f s)\n", name,
              length(x), m$xmin, m$pars, entry$ks, n_tail,
              if (sims > 0) format(entry$bootstrap$p) else "-",
              as.numeric(difftime(Sys.time(), t0, units = "secs"))))
  sets[[length(sets) + 1]] <<- entry
  write_json()  # after every set, so a long run leaves usable partial output
}

data("moby", package = "poweRlaw")
data("swiss_prot", package = "poweRlaw")
data("native_american", package = "poweRlaw")
data("us_american", package = "poweRlaw")
data("population", package = "poweRlaw")

# Synthetic sets (R's generators, fixed seeds): a power-law tail above a non-integer x_min
# (exercises the pplcon correction) and a discrete one, each over a body below x_min.
set.seed(1)
synth_con <- c(rplcon(2000, xmin = 3.7, alpha = 2.3), runif(1000, 0.5, 3.7))
set.seed(2)
synth_dis <- c(rpldis(1500, xmin = 5, alpha = 2.6), sample(1:4, 500, replace = TRUE))
set.seed(3)
small_con <- c(rplcon(150, xmin = 2.5, alpha = 2.5), runif(50, 0.5, 2.5))
set.seed(4)
small_dis <- c(rpldis(300, xmin = 3, alpha = 2.2), sample(1:2, 100, replace = TRUE))
set.seed(5)
exp_con <- rexp(400, rate = 0.5) + 1  # an exponential (fit only)

add_set("moby", moby, TRUE, note = "poweRlaw data: Moby Dick word counts (CSN 2009)")
add_set("swiss_prot", swiss_prot$Value, TRUE, note = "poweRlaw data: Swiss-Prot word counts")
add_set("population", population, FALSE,
        note = "poweRlaw data: city populations; values above 1e5 (xmax cap matters)")
add_set("synth_con", synth_con, FALSE, note = "rplcon(2000, 3.7, 2.3) + runif(1000, 0.5, 3.7), seed 1")
add_set("synth_dis", synth_dis, TRUE, note = "rpldis(1500, 5, 2.6) + sample(1:4, 500), seed 2")
add_set("exp_con", exp_con, FALSE, note = "rexp(400, 0.5) + 1, seed 5")
add_set("small_dis", small_dis, TRUE, sims = 300, note = "rpldis(300, 3, 2.2) + sample(1:2, 100), seed 4")
add_set("us_american", us_american$Cas, FALSE, sims = 300,
        note = "poweRlaw data: casualties, American Indian Wars")
add_set("native_american", native_american$Cas, FALSE, sims = 300,
        note = "poweRlaw data: casualties, American Indian Wars (integers with ties)")
add_set("small_con", small_con, FALSE, sims = 300, note = "rplcon(150, 2.5, 2.5) + runif(50, 0.5, 2.5), seed 3")


