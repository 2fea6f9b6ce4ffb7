#include "critnet/probe/probe.h"

#include <cmath>

#include "critnet/core/error.h"

namespace critnet::probe {
namespace {

uint64_t layer_seed(uint64_t seed, int64_t layer) {  // splitmix64 of (seed, layer)
  uint64_t x = seed + 0x9E3779B97F4A7C15ULL * static_cast<uint64_t>(layer + 1);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

Probe::Probe(nn::Mlp model, ProbeOptions options)
    : model_(std::move(model)), options_(std::move(options)) {
  options_.validate();
  CRITNET_CHECK(model_->num_hidden() >= 1, "the probe needs a model with hidden layers");
  for (int64_t l = 0; l < model_->num_hidden(); ++l) {
    layers_.emplace_back(model_->weight(l).size(0), options_, layer_seed(options_.seed(), l));
  }
}

void Probe::observe(const torch::Tensor& x) {
  const int64_t input = model_->options.input_size();
  CRITNET_CHECK(x.dim() == 2 && x.size(1) == input, "probe input must be [batch, ", input,
                "], got ", x.sizes());
  torch::NoGradGuard no_grad;
  const bool was_training = model_->is_training();
  model_->eval();
  model_->forward_observed(x, [this](int64_t l, const torch::Tensor& h) { layers_[l].update(h); });
  if (was_training) model_->train();
  num_samples_ += x.size(0);
}

ProbeResult Probe::finish() const {
  CRITNET_CHECK(num_samples_ >= 2, "the probe needs at least 2 samples, got ", num_samples_);
  ProbeResult result;
  result.options = options_;
  result.num_samples = num_samples_;
  const int64_t hidden = model_->num_hidden();
  for (int64_t l = 0; l < hidden; ++l) {
    const LayerAccumulator& acc = layers_[l];
    LayerResult r;
    r.layer = l;
    r.width = acc.width();
    r.num_samples = acc.num_samples();
    r.threshold = options_.threshold();
    r.activation_counts = acc.activation_counts();
    r.pattern_counts = acc.patterns().sorted_counts();
    r.pattern_cap_hit = acc.patterns().cap_hit();
    r.patterns_dropped_samples = acc.patterns().dropped();
    r.subset_units = acc.subset_units();
    for (const auto& p : acc.subset_patterns()) {
      r.subset_pattern_counts.push_back(p.sorted_counts());
      r.subset_cap_hit.push_back(p.cap_hit());
    }
    r.sample_means = acc.sample_means();
    const torch::Tensor mean = acc.mean().contiguous();
    r.node_means.assign(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
    in_degrees(model_->weight(l), r.in_degree_abs, r.in_degree_signed);
    out_degrees(model_->weight(l + 1), r.out_degree_abs, r.out_degree_signed);

    // Two-point function over the units with non-zero variance.
    const torch::Tensor cov = acc.covariance();
    const torch::Tensor var = cov.diagonal().contiguous();
    const double* v = var.data_ptr<double>();
    std::vector<int64_t> active;
    for (int64_t i = 0; i < r.width; ++i) {
      const double m = r.node_means[i];
      if (v[i] <= 0.0 || v[i] <= 1e-20 * m * m) {
        r.constant_units.push_back(i);
      } else {
        active.push_back(i);
      }
    }
    r.natural = two_point_function(cov, active, "natural", options_.fit_max_separation());
    if (!active.empty()) {
      const torch::Tensor idx = torch::tensor(active, torch::kInt64);
      const torch::Tensor sub = cov.index_select(0, idx).index_select(1, idx);
      const torch::Tensor sd = sub.diagonal().sqrt();
      const torch::Tensor similarity = (sub / torch::outer(sd, sd)).abs();
      for (int64_t p : spectral_seriation(similarity)) r.seriation.push_back(active[p]);
    }
    r.seriated = two_point_function(cov, r.seriation, "seriated", options_.fit_max_separation());
    r.spectrum = weight_spectrum(model_->weight(l), options_);
    result.layers.push_back(std::move(r));
  }
  return result;
}

}  // namespace critnet::probe
