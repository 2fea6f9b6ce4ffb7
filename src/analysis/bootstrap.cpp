// Semi-parametric bootstrap goodness-of-fit test for a power law.
// Reference: Clauset, Shalizi & Newman, SIAM Review 51, 661-703 (2009), sec. 4.1: each
// replicate has as many points as the data; each point comes with probability n_tail/N from
// the fitted power law above x_min, otherwise uniformly from the observed values below x_min.
// x_min and alpha are refitted on every replicate (same candidate rule), and
// p = #{replicates with D >= D_observed} / #replicates.
// Discrete samples: exact inverse-CDF from a table of P(X >= x) = zeta(alpha, x)/zeta(alpha, x_min)
// for the first kTable integers; beyond the table CSN's approximation (appendix D, eq. D.6)
// conditioned on exceeding the table, whose relative error there is far below 1e-6.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "analysis/detail/hurwitz.h"
#include "analysis/detail/scan.h"
#include "critnet/analysis/powerlaw.h"
#include "critnet/core/error.h"
#include "critnet/core/interrupt.h"
#include "critnet/core/limits.h"
#include "critnet/core/random.h"
#include "critnet/core/runtime.h"
#include "critnet/core/stats.h"

namespace critnet::analysis {
namespace {

constexpr std::size_t kTable = 10000;

// SplitMix64 (core/random.h) seeds xoshiro256** (Blackman & Vigna 2018).
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t st = seed ^ (0xD1B54A32D192ED03ULL * (stream + 1));
    for (auto& w : s_) w = splitmix64_next(st);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  /// Uniform in the open interval (0, 1).
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  /// Uniform integer in [0, n).
  std::size_t below(std::size_t n) {
    return static_cast<std::size_t>(uniform() * static_cast<double>(n)) % n;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// Sampler of the fitted power law above x_min.
class PowerLawSampler {
 public:
  PowerLawSampler(double xmin, double alpha, bool discrete)
      : xmin_(xmin), alpha_(alpha), discrete_(discrete) {
    if (!discrete_) return;
    // P(X >= x) = zeta(alpha, x) / zeta(alpha, x_min) in log space (zeta(alpha, x_min) itself
    // underflows for large x_min and alpha): ln Z(x) - ln Z(x_min) - alpha ln(x / x_min).
    const double lz0 = detail::log_hurwitz_zeta_scaled(alpha, xmin);
    ccdf_.resize(kTable + 1);  // ccdf_[k] = P(X >= x_min + k)
    ccdf_[0] = 1.0;
    for (std::size_t k = 1; k <= kTable; ++k) {
      const double x = xmin + static_cast<double>(k);
      ccdf_[k] = std::exp(detail::log_hurwitz_zeta_scaled(alpha, x) - lz0 -
                          alpha * std::log1p(static_cast<double>(k) / xmin));
    }
  }
  double operator()(Rng& rng) const {
    const double u = rng.uniform();  // P(X >= x) >= u picks x
    if (!discrete_) return xmin_ * std::pow(u, -1.0 / (alpha_ - 1.0));
    if (u > ccdf_[kTable]) {
      // largest k with ccdf_[k] >= u (ccdf_ decreasing, ccdf_[0] = 1 >= u)
      const auto it =
          std::upper_bound(ccdf_.begin(), ccdf_.end(), u, [](double a, double b) { return a > b; });
      return xmin_ + static_cast<double>(it - ccdf_.begin() - 1);
    }
    // Beyond the table: CSN eq. D.6 with x_min + kTable as the lower bound, conditioned.
    const double lo = xmin_ + static_cast<double>(kTable);
    const double v = u / ccdf_[kTable];
    return std::max(lo, std::floor((lo - 0.5) * std::pow(v, -1.0 / (alpha_ - 1.0)) + 0.5));
  }

 private:
  double xmin_, alpha_;
  bool discrete_;
  std::vector<double> ccdf_;
};

}  // namespace

void bootstrap_p_value(const std::vector<double>& data, const FitOptions& options, FitResult& fit) {
  CRITNET_CHECK(options.bootstrap >= 0 && options.bootstrap <= kMaxBootstrap,
                "bootstrap replicates must be in 0..", kMaxBootstrap, ", got ", options.bootstrap);
  check_threads(options.threads);
  fit.bootstrap = options.bootstrap;
  fit.bootstrap_failed = 0;
  if (options.bootstrap == 0) {
    fit.p = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  std::vector<double> body;
  for (double v : data)
    if (v < fit.xmin) body.push_back(v);
  const std::size_t total = data.size();
  const double p_tail = static_cast<double>(fit.n_tail) / static_cast<double>(total);
  CRITNET_CHECK_AS(NumericalError,
                   std::isfinite(fit.alpha) && fit.alpha > 1 && std::isfinite(fit.ks),
                   "the bootstrap needs a valid fit, got alpha = ", fit.alpha, ", KS = ", fit.ks);
  const PowerLawSampler sampler(fit.xmin, fit.alpha, fit.discrete);

  const int reps = options.bootstrap;
  std::vector<double> ks(static_cast<std::size_t>(reps), std::numeric_limits<double>::quiet_NaN());
  std::vector<double> alphas(ks.size(), std::numeric_limits<double>::quiet_NaN());
  std::atomic<int> next{0}, finished{0};
  const auto worker = [&](bool reports) {
    std::vector<double> sample(total);
    for (int r = next++; r < reps && stop_signal() == 0; r = next++) {
      Rng rng(options.seed, static_cast<std::uint64_t>(r));
      for (std::size_t i = 0; i < total; ++i) {
        if (body.empty() || rng.uniform() < p_tail)
          sample[i] = sampler(rng);
        else
          sample[i] = body[rng.below(body.size())];
      }
      try {
        const detail::SortedData d = detail::prepare(sample);
        const detail::TailFit t = detail::fit_tail(d, options);
        ks[static_cast<std::size_t>(r)] = t.ks;
        alphas[static_cast<std::size_t>(r)] = t.alpha;
      } catch (const Error&) {
        // a degenerate replicate (too few tail points): left out of p, counted as failed
      }
      ++finished;
      if (reports && options.on_replicate) options.on_replicate(finished.load(), reps);
    }
  };
  int threads = options.threads > 0
                    ? options.threads
                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, reps);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, false);
  worker(true);  // the calling thread reports the progress of all
  for (auto& th : pool) th.join();
  if (options.on_replicate) options.on_replicate(finished.load(), reps);
  // A SIGINT/SIGTERM while a caller holds StopSignals (core/interrupt.h): the replicates stop.
  if (const int sig = stop_signal()) {
    throw Interrupted(sig, "the bootstrap was interrupted by " + signal_name(sig));
  }

  int valid = 0, exceed = 0;
  for (double k : ks) {
    if (std::isnan(k)) continue;
    ++valid;
    if (k >= fit.ks) ++exceed;
  }
  fit.bootstrap_failed = reps - valid;
  fit.p =
      valid > 0 ? static_cast<double>(exceed) / valid : std::numeric_limits<double>::quiet_NaN();
  alphas.erase(std::remove_if(alphas.begin(), alphas.end(), [](double a) { return std::isnan(a); }),
               alphas.end());
  const double tail = (1.0 - kAlphaCiLevel) / 2.0;
  fit.alpha_ci_low = quantile(alphas, tail);
  fit.alpha_ci_high = quantile(alphas, 1.0 - tail);
}

}  // namespace critnet::analysis
