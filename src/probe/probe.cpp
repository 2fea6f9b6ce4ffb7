#include "critnet/probe/probe.h"

#include <cmath>

#include "critnet/core/error.h"
#include "critnet/core/random.h"

namespace critnet::probe {
namespace {

uint64_t layer_seed(uint64_t seed, int64_t layer) {
  return mix_seed(seed, static_cast<uint64_t>(layer));
}

// A layer's incoming weight as [width, in·k...] (a Conv weight's kernel flattened).
torch::Tensor as_incoming(const ObservedLayer& layer) {
  const torch::Tensor& w = layer.incoming;
  CRITNET_CHECK(w.defined() && w.dim() >= 2 && w.size(0) >= 1 && w.numel() > 0, "layer '",
                layer.name, "': its incoming weight must be a Linear or Conv weight, got ",
                w.defined() ? w.sizes() : c10::IntArrayRef{});
  return w.detach().reshape({w.size(0), -1});
}

// The weight that reads a layer's `width` units as [rows, width]: a Linear weight [out, width],
// a Conv weight [out, width, k...] (one row per output and kernel position), or a Linear after
// a flatten, [out, width·p] with the units channel-major (one row per output and position).
torch::Tensor as_outgoing(const ObservedLayer& layer, int64_t width) {
  const torch::Tensor& w = layer.outgoing;
  CRITNET_CHECK(w.defined() && w.dim() >= 2, "layer '", layer.name,
                "': its outgoing weight must be a Linear or Conv weight");
  const bool direct = w.size(1) == width;
  const bool flattened = w.dim() == 2 && w.size(1) % width == 0;
  CRITNET_CHECK(direct || flattened, "layer '", layer.name, "': its outgoing weight ", w.sizes(),
                " does not read its ", width, " units (input dimension ", width,
                " or a multiple of it)");
  const torch::Tensor d = w.detach();
  if (w.dim() == 2 && direct) return d;
  return d.reshape({w.size(0), width, -1}).transpose(0, 1).reshape({width, -1}).t();
}

}  // namespace

Probe::Probe(nn::Mlp model, ProbeOptions options)
    : model_(std::move(model)), options_(std::move(options)) {
  options_.validate();
  CRITNET_CHECK(model_->num_hidden() >= 1, "the probe needs a model with hidden layers");
  for (int64_t l = 0; l < model_->num_hidden(); ++l) {
    observed_.push_back({"", model_->weight(l), model_->weight(l + 1)});
    layers_.emplace_back(model_->weight(l).size(0), options_, layer_seed(options_.seed(), l));
  }
}

Probe::Probe(std::vector<ObservedLayer> layers, ProbeOptions options)
    : options_(std::move(options)) {
  options_.validate();
  CRITNET_CHECK(!layers.empty(), "the probe needs at least one layer to observe");
  for (size_t l = 0; l < layers.size(); ++l) {
    const torch::Tensor in = as_incoming(layers[l]);
    const torch::Tensor out = as_outgoing(layers[l], in.size(0));
    observed_.push_back({layers[l].name, in, out});
    layers_.emplace_back(in.size(0), options_,
                         layer_seed(options_.seed(), static_cast<int64_t>(l)));
  }
}

void Probe::observe_activations(const std::vector<torch::Tensor>& activations) {
  CRITNET_CHECK(activations.size() == layers_.size(), "expected the activations of ",
                layers_.size(), " layers, got ", activations.size());
  torch::NoGradGuard no_grad;
  int64_t batch = -1;
  for (size_t l = 0; l < layers_.size(); ++l) {
    torch::Tensor h = activations[l].detach();
    const int64_t width = layers_[l].width();
    CRITNET_CHECK(h.dim() >= 2 && h.size(1) == width, "layer '", observed_[l].name,
                  "': activations must be [batch, ", width, ", ...], got ", h.sizes());
    CRITNET_CHECK(batch < 0 || h.size(0) == batch, "layer '", observed_[l].name, "': a batch of ",
                  h.size(0), " samples, the other layers had ", batch);
    batch = h.size(0);
    if (h.dim() > 2) h = h.flatten(2).mean(2);  // a channel's mean over the positions
    layers_[l].update(h);
  }
  num_samples_ += batch;
}

void Probe::observe(const torch::Tensor& x) {
  CRITNET_CHECK(model_, "observe(x) needs a Probe made from an nn::Mlp; use observe_activations");
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
  const auto hidden = static_cast<int64_t>(layers_.size());
  for (int64_t l = 0; l < hidden; ++l) {
    const LayerAccumulator& acc = layers_[l];
    LayerResult r;
    r.layer = l;
    r.name = observed_[l].name;
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
    in_degrees(observed_[l].incoming, r.in_degree_abs, r.in_degree_signed);
    out_degrees(observed_[l].outgoing, r.out_degree_abs, r.out_degree_signed);

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
    r.spectrum = weight_spectrum(observed_[l].incoming, options_);
    r.incoming = observed_[l].incoming.detach().to(torch::kCPU);
    result.layers.push_back(std::move(r));
  }
  return result;
}

}  // namespace critnet::probe
