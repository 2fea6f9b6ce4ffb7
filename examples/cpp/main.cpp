// critnet from a user's own LibTorch program, through the installed package only:
//  1. the critical penalty in an ordinary training loop (any torch::optim optimiser),
//  2. a Clauset-Shalizi-Newman power-law fit with a bootstrap p-value,
//  3. a probe of a critnet MLP's hidden layers.
#include <critnet/critnet.h>  // every public header; each area's can be included alone
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace {

// A user's model: plain torch::nn, penalised with critnet's exact `cw` penalty.
double train_with_penalty() {
  torch::manual_seed(0);
  torch::nn::Sequential net(torch::nn::Linear(20, 32), torch::nn::ReLU(), torch::nn::Linear(32, 2));
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(1e-2));
  const auto reg = critnet::reg::PenaltyOptions().preset(critnet::reg::Preset::kCw).beta(1.0);
  const torch::Tensor x = torch::randn({256, 20});
  const torch::Tensor y = (x.select(1, 0) > 0).to(torch::kLong);
  auto& first = net->ptr<torch::nn::LinearImpl>(0)->weight;
  double start = 0, end = 0;
  for (int step = 0; step < 50; ++step) {
    const torch::Tensor r = critnet::reg::penalty(first, reg);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), y) + 0.1 * r;
    opt.zero_grad();
    loss.backward();
    opt.step();
    (step == 0 ? start : end) = r.item<double>();
  }
  std::printf("penalty R of layer 1: %.4f -> %.4f over 50 Adam steps\n", start, end);
  return end - start;
}

// A Pareto sample (alpha = 2.5 above x_min = 1): the fit should find alpha near 2.5, p > 0.1.
bool fit_a_power_law() {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> data(2000);
  for (auto& v : data) v = std::pow(1.0 - u(rng), -1.0 / 1.5);
  critnet::analysis::FitOptions options;
  options.bootstrap = 100;
  const auto fit = critnet::analysis::analyse(data, options);
  std::printf("power-law fit: x_min %.3f, alpha %.3f +- %.3f, %zu in the tail, p = %.2f\n",
              fit.xmin, fit.alpha, fit.alpha_se, fit.n_tail, fit.p);
  return std::abs(fit.alpha - 2.5) < 0.2;
}

// The probe: activation frequencies, patterns and spectra of every hidden layer.
bool probe_an_mlp() {
  torch::manual_seed(0);
  critnet::nn::Mlp model(critnet::nn::MlpOptions(20, 2).hidden_sizes({16, 8}));
  critnet::probe::Probe probe(model, critnet::probe::ProbeOptions());
  probe.observe(torch::randn({500, 20}));
  const auto result = probe.finish();
  for (std::size_t l = 0; l < result.layers.size(); ++l)
    std::printf("probe: layer %zu, %zu units, %zu distinct patterns\n", l + 1,
                result.layers[l].activation_counts.size(), result.layers[l].pattern_counts.size());
  return result.layers.size() == 2;
}

}  // namespace

int main() {
  const bool trained = train_with_penalty() < 0;
  const bool fitted = fit_a_power_law();
  const bool probed = probe_an_mlp();
  std::printf("%s\n",
              trained && fitted && probed ? "critnet example: ok" : "critnet example: FAILED");
  return trained && fitted && probed ? 0 : 1;
}
