#include "critnet/report/measures.h"

#include <fmt/format.h>

#include <string>

namespace critnet::report {
namespace {

std::string kind_name(PlotKind k) {
  switch (k) {
    case PlotKind::kRank:
      return "rank";
    case PlotKind::kDensity:
      return "density";
    case PlotKind::kCcdf:
      return "ccdf";
    case PlotKind::kXy:
      return "xy";
  }
  return "xy";
}

std::string scale_name(Scale s) {
  switch (s) {
    case Scale::kLogLog:
      return "loglog";
    case Scale::kLogX:
      return "logx";
    case Scale::kLogY:
      return "logy";
    case Scale::kLinear:
      return "linear";
  }
  return "loglog";
}

std::string subset_words(const MeasureContext& c) {
  return c.subset_size ? fmt::format("a random subset of {} units of the layer", *c.subset_size)
                       : std::string("a random subset of the layer's units");
}

std::string beta_words(const MeasureContext& c) {
  return c.beta ? fmt::format("β = {:g} for every arm", *c.beta) : std::string("β as probed");
}

}  // namespace

std::vector<MeasureSpec> measure_catalogue(const MeasureContext& c) {
  using K = PlotKind;
  return {
      {"activation_frequency", "Activation frequency ranks",
       "Per node, the number of samples on which it is active (x > 0), sorted in descending "
       "order and plotted against its rank (paper Fig. 3-4).",
       K::kRank, "rank", "value", "rank", "activation count", Scale::kLogLog},
      {"activation_pattern", "Activation pattern ranks",
       fmt::format("How often each distinct binary activation pattern (codeword) of {} occurs "
                   "on the probed samples, against its rank: the Zipf plot of the population "
                   "code (Mora & Bialek 2011). Whole-layer patterns are nearly all distinct; "
                   "their statistics are in the probe's probe.json.",
                   subset_words(c)),
       K::kRank, "rank", "value", "rank", "pattern count", Scale::kLogLog},
      {"average_activation", "Average activation ranks",
       "The layer's mean activation m_l(s) = mean_i x_i(s) on each probed sample, sorted in "
       "descending order and plotted against its rank (paper Fig. 5-6).",
       K::kRank, "rank", "value", "rank", "mean activation", Scale::kLogLog},
      {"weighted_degree", "Weighted degree distribution",
       "Complementary distribution P(d >= x) of the nodes' weighted out-degree "
       "d_i = sum_j |V_(l+1)[j,i]| (paper Fig. 7-8 show the density). The CCDF is drawn instead "
       "of a log-binned density because sparse bins (one node each, e.g. dead units whose "
       "weights the penalty shrank to nearly zero) draw a spurious slope -1 line in a density "
       "plot; log-binned densities are in the probe's measures/weighted_degree_density_lL.csv.",
       K::kCcdf, "x", "ccdf", "weighted out-degree", "P(out-degree >= x)", Scale::kLogLog},
      {"two_point", "Two-point function",
       "Mean correlation coefficient r_kl of unit activations against the separation "
       "d = |k - l| of the units in the spectral-seriation order (units with correlated "
       "activity placed near each other; constant units left out), averaged over bins of d "
       "(every d up to 10, then 20 bins per decade), with the least-squares fits to the "
       "unbinned r(d) over d <= half the units (paper eq. 31, 62-65): short dashes the power "
       "law A·d^-η, dash-dots the exponential A·e^(-d/ξ); η, ξ and R² in the key. Negative "
       "means are not drawn on the log axis.",
       K::kXy, "distance", "correlation", "separation |k - l|", "mean correlation coefficient r(d)",
       Scale::kLogLog},
      {"spectrum", "Spectrum of a*w",
       fmt::format("Complementary distribution of the non-zero eigenvalues a·s_i² of a·w, "
                   "w = VᵀV (paper eq. 32), a = β/N with {} and N the layer's fan-in; the CW "
                   "critical point is at 1. Log-binned densities are in the probe's "
                   "measures/spectrum_density_lL.csv.",
                   beta_words(c)),
       K::kCcdf, "x", "ccdf", "eigenvalue of a*w", "P(eigenvalue >= x)", Scale::kLogLog},
  };
}

std::vector<MeasureSpec> default_measures() {
  return measure_catalogue({});
}

nlohmann::json measure_json(const MeasureSpec& m) {
  return {{"id", m.id},
          {"title", m.title},
          {"caption", m.caption},
          {"kind", kind_name(m.kind)},
          {"x", m.x_column},
          {"y", m.y_column},
          {"x_label", m.x_label},
          {"y_label", m.y_label},
          {"scale", scale_name(m.scale)}};
}

nlohmann::json measures_json(const std::vector<MeasureSpec>& specs) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& m : specs) j.push_back(measure_json(m));
  return j;
}

}  // namespace critnet::report
