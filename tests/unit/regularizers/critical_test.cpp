#include "critnet/regularizers/critical.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "critnet/core/error.h"
#include "support/error_bounds.h"

namespace critnet::reg {
namespace {

// Runs f and returns the text of the critnet::InvalidArgument it throws ("" if none).
template <typename F>
std::string invalid_argument_text(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

struct Case {
  std::string name;
  PenaltyOptions options;
};

std::vector<Case> all_presets(double beta) {
  std::vector<Case> cases;
  auto opts = [beta](Preset p) { return PenaltyOptions().preset(p).beta(beta); };
  cases.push_back({"paper", opts(Preset::kPaper)});
  cases.push_back({"paper-eq33", opts(Preset::kPaperEq33)});
  cases.push_back({"cw", opts(Preset::kCw)});
  cases.push_back({"poly-deg4", opts(Preset::kPoly).coefficients({0.3, -1.0, 0.5, 0.2, -0.1})});
  cases.push_back({"poly-deg3", opts(Preset::kPoly).coefficients({-0.5, 0.0, 0.7, 0.4})});
  cases.push_back({"poly-orth", opts(Preset::kPoly).coefficients({-1.0, 1.0})});
  cases.push_back({"poly-const", opts(Preset::kPoly).coefficients({2.0})});
  cases.push_back({"l1", opts(Preset::kL1)});
  cases.push_back({"l2", opts(Preset::kL2)});
  return cases;
}

// Value and gradient of f at v (float64), through autograd.
std::pair<double, torch::Tensor> value_and_grad(
    const torch::Tensor& v, const std::function<torch::Tensor(const torch::Tensor&)>& f) {
  torch::Tensor x = v.detach().clone().requires_grad_(true);
  torch::Tensor r = f(x);
  if (!r.requires_grad()) return {r.item<double>(), torch::zeros_like(v)};  // constant penalty
  r.backward();
  return {r.item<double>(), x.grad().clone()};
}

double max_abs(const torch::Tensor& t) {
  return t.abs().max().item<double>();
}

using test_support::gamma_n;
using test_support::unit_roundoff;
using test_support::within_bound;
const double kU = unit_roundoff(torch::kFloat64);

// Error bounds of one float64 computation of R = ‖P‖²_F and of ∇_V R, whichever products,
// Gram side and order compute them (the fast kernels, the naive matrix powers, autograd).
// With U = V (side in) or Vᵀ [m, n] and B = |U|ᵀ|U| [n, n], every computed power of a·w is a
// chain of at most 2d factors |U| (inner lengths m and n) and is within γ_{d(m+n)+2d+2} of
// its exact value relative to the same chain of absolute values, so |P̂ - P| ≤ γ_N·Pabs with
// Pabs = Σ_j |c_j a^j| B^j (paper-eq33: I + |a|B + 2a²B², as diag(B) ≤ B); then
// |R̂ - R| ≤ (2γ_N + γ_N² + γ_{n²}(1 + γ_N)²)‖Pabs‖²_F. The gradient 4 U·(a p p')(w) is a
// chain of at most 2(2d - 1) + 1 factors: |Δ∇| ≤ γ_N'·4|U|·Pabs·Rabs, Rabs the absolute
// derivative polynomial. (B f(|U|ᵀ|U|) = f(|U||U|ᵀ) B: the small-side kernels have the same
// bounds.) L1 and L2: a sum of numel terms, and gradients with no rounding beyond 2v.
struct PenaltyBounds {
  double value;
  torch::Tensor grad;
};
// `rounded_input`: V itself was rounded to the computing dtype (one rounding per factor).
PenaltyBounds penalty_bounds(const torch::Tensor& v, const PenaltyOptions& options, double u = kU,
                             bool rounded_input = false) {
  const torch::Tensor va = v.abs().to(torch::kFloat64);
  if (options.preset() == Preset::kL1 || options.preset() == Preset::kL2) {
    const torch::Tensor terms = options.preset() == Preset::kL1 ? va : va.square();
    const int64_t r = rounded_input ? 2 : 0;
    return {gamma_n(v.numel() + r, u) * terms.sum().item<double>(), gamma_n(1 + r, u) * 2 * va};
  }
  const bool in = options.gram_side() == GramSide::kIn;
  const torch::Tensor ua = in ? va : va.t();
  const int64_t m = ua.size(0), n = ua.size(1);
  const torch::Tensor b = ua.t().mm(ua), eye = torch::eye(n, torch::kFloat64);
  const double a = std::abs(coupling_scale(v, options));
  torch::Tensor pabs, rabs;
  int64_t d;
  if (options.preset() == Preset::kPaperEq33) {
    d = 2;
    pabs = eye + a * b + 2 * a * a * b.mm(b);
    rabs = a * eye + 4 * a * a * b;  // (1 + a w + 2a² w²)' as in the polynomial case
  } else {
    const std::vector<double> c = polynomial_coefficients(options);
    d = static_cast<int64_t>(c.size()) - 1;
    pabs = torch::zeros({n, n}, torch::kFloat64);
    rabs = torch::zeros({n, n}, torch::kFloat64);
    torch::Tensor power = eye;
    double scale = 1.0;
    for (int64_t j = 0; j <= d; ++j) {
      pabs = pabs + std::abs(c[j]) * scale * power;
      if (j < d) rabs = rabs + static_cast<double>(j + 1) * std::abs(c[j + 1]) * scale * a * power;
      power = power.mm(b);
      scale *= a;
    }
  }
  const int64_t r = rounded_input ? 1 : 0;
  const double g_p = gamma_n(d * (m + n) + 2 * d + 2 + 2 * d * r, u);
  const double g_r = gamma_n((2 * d + 1) * (m + n) + 4 * d + 4 + 4 * d * r, u);
  const double p2 = pabs.square().sum().item<double>();
  const double value = (2 * g_p + g_p * g_p + gamma_n(n * n + 1, u) * (1 + g_p) * (1 + g_p)) * p2;
  // eq33's gradient has the two orders P·w and w·P: both products.
  const torch::Tensor chain =
      options.preset() == Preset::kPaperEq33 ? pabs.mm(rabs) + rabs.mm(pabs) : pabs.mm(rabs);
  const torch::Tensor grad_u = 4 * g_r * ua.mm(chain);  // [m, n]
  return {value, in ? grad_u : grad_u.t()};
}

TEST(CriticalPenalty, FastMatchesNaiveForEveryPresetSideShapeAndConvention) {
  torch::manual_seed(7);
  const std::vector<std::vector<int64_t>> shapes = {{5, 9}, {9, 5}, {6, 6}};  // wide, tall, square
  const std::vector<NConvention> conventions = {NConvention::kFanIn, NConvention::kFanOut,
                                                NConvention::kOne};
  for (double beta : {1.3, -0.7}) {
    for (const auto& base : all_presets(beta)) {
      for (GramSide side : {GramSide::kIn, GramSide::kOut}) {
        for (const auto& shape : shapes) {
          for (NConvention convention : conventions) {
            PenaltyOptions options = base.options;
            options.gram_side(side).n_convention(convention);
            if (convention == NConvention::kOne) options.beta(beta / 7.0);
            ASSERT_NO_THROW(options.validate());
            SCOPED_TRACE(base.name + " side " + to_string(side) + " shape [" +
                         std::to_string(shape[0]) + "," + std::to_string(shape[1]) + "] " +
                         to_string(convention) + " beta " + std::to_string(beta));
            torch::Tensor v = torch::randn(shape, torch::kFloat64);
            auto [fast, fast_grad] =
                value_and_grad(v, [&](const torch::Tensor& x) { return penalty(x, options); });
            auto [naive, naive_grad] = value_and_grad(
                v, [&](const torch::Tensor& x) { return penalty_naive(x, options); });
            // Two computations: each within its bound of the exact value.
            const PenaltyBounds bound = penalty_bounds(v, options);
            EXPECT_NEAR(fast, naive, 2 * bound.value);
            EXPECT_TRUE(within_bound(fast_grad, naive_grad, 2 * bound.grad))
                << "fast grad\n"
                << fast_grad << "\nnaive grad\n"
                << naive_grad;
            // Without grad: the same value, no graph.
            torch::NoGradGuard no_grad;
            torch::Tensor plain = penalty(v, options);
            EXPECT_FALSE(plain.requires_grad());
            EXPECT_NEAR(plain.item<double>(), naive, 2 * bound.value);
          }
        }
      }
    }
  }
}

TEST(CriticalPenalty, BackwardScalesWithTheOutputGradientAndAccumulates) {
  torch::manual_seed(3);
  auto options = PenaltyOptions().preset(Preset::kPaper).beta(2.0);
  torch::Tensor v = torch::randn({4, 7}, torch::kFloat64);
  auto [r, grad] = value_and_grad(v, [&](const torch::Tensor& x) { return penalty(x, options); });
  torch::Tensor x = v.clone().requires_grad_(true);
  (3.0 * penalty(x, options) + (x * x).sum()).backward();
  // Both gradients are computations of 3∇R + 2v: twice the bound of 3∇R, and the scaling
  // and accumulation (3 roundings) on both sides.
  const torch::Tensor bound =
      6 * penalty_bounds(v, options).grad + 2 * gamma_n(3, kU) * (3 * grad.abs() + 2 * v.abs());
  EXPECT_TRUE(within_bound(x.grad(), 3.0 * grad + 2.0 * v, bound));
}

TEST(CriticalPenalty, NoneIsZero) {
  EXPECT_EQ(penalty(torch::randn({3, 4}), PenaltyOptions()).item<double>(), 0.0);
}

// docs/methods.md, "Facts": 1 + x + 2x² ≥ 1 for x ≥ 0, so with β > 0 the paper penalty is ≥ N_side
// (= 1 per mode, zero modes included), with equality only at V = 0; its global minimum over real x
// is 7/8 at x = -1/4, so for any β, R ≥ (7/8)²·N_side = 49/64·N_side, reached (β < 0) when every
// mode of the requested side has a·s² = -1/4.
TEST(CriticalPenalty, PaperWithPositiveBetaHasNoZero) {
  torch::manual_seed(11);
  for (GramSide side : {GramSide::kIn, GramSide::kOut}) {
    auto options = PenaltyOptions().preset(Preset::kPaper).gram_side(side);
    for (double beta : {0.01, 1.0, 50.0}) {
      options.beta(beta);
      for (int trial = 0; trial < 5; ++trial) {
        torch::Tensor v = torch::randn({5, 9}, torch::kFloat64) * (0.1 * (trial + 1));
        const double n_side = side == GramSide::kIn ? 9.0 : 5.0;
        EXPECT_GT(penalty(v, options).item<double>(), n_side);
      }
      EXPECT_DOUBLE_EQ(penalty(torch::zeros({5, 9}, torch::kFloat64), options).item<double>(),
                       side == GramSide::kIn ? 9.0 : 5.0);
    }
  }
}

// V [out, in] with every singular value equal to s: Q has orthonormal rows (out ≤ in) or
// columns.
torch::Tensor with_singular_values(int64_t out, int64_t in, double s) {
  torch::Tensor q = std::get<0>(
      torch::linalg_qr(torch::randn({std::max(out, in), std::min(out, in)}, torch::kFloat64)));
  return (out >= in ? q : q.t()) * s;
}

TEST(CriticalPenalty, PaperMinimumIsFortyNineSixtyFourthsPerModeForNegativeBeta) {
  torch::manual_seed(5);
  // side in, V [9, 5]: w = Vᵀ V is [5, 5] and full rank; a = β / 5 with β = -2.
  auto options = PenaltyOptions().preset(Preset::kPaper).beta(-2.0);
  const double a = -2.0 / 5.0;
  torch::Tensor v = with_singular_values(9, 5, std::sqrt(-0.25 / a));
  EXPECT_NEAR(penalty(v, options).item<double>(), 49.0 / 64.0 * 5.0, 1e-12);
  // And it is a minimum: the gradient vanishes.
  auto [r, grad] = value_and_grad(v, [&](const torch::Tensor& x) { return penalty(x, options); });
  EXPECT_LT(max_abs(grad), 1e-12);
}

TEST(CriticalPenalty, CurieWeissIsExactlyZeroAtUnitCoupling) {
  torch::manual_seed(9);
  for (GramSide side : {GramSide::kIn, GramSide::kOut}) {
    auto options = PenaltyOptions().preset(Preset::kCw).beta(3.0).gram_side(side);
    // Make the requested side the small one (full rank w): in ≤ out for side in.
    const int64_t out = side == GramSide::kIn ? 9 : 5, in = side == GramSide::kIn ? 5 : 9;
    torch::Tensor v = with_singular_values(out, in, 1.0);
    const double a = coupling_scale(v, options);
    v = v / std::sqrt(a);
    EXPECT_LT(penalty(v, options).item<double>(), 1e-24);
    EXPECT_LT(penalty_naive(v, options).item<double>(), 1e-24);
    auto [r, grad] = value_and_grad(v, [&](const torch::Tensor& x) { return penalty(x, options); });
    EXPECT_LT(max_abs(grad), 1e-12);
    // On the large side the 9 - 5 zero modes each keep p(0)² = 1.
    options.gram_side(side == GramSide::kIn ? GramSide::kOut : GramSide::kIn);
    options.n_convention(side == GramSide::kIn ? NConvention::kFanOut : NConvention::kFanIn);
    EXPECT_NEAR(coupling_scale(v, options), 3.0 / 9.0, 1e-15);
    options.beta(3.0 * a * 9.0 / 3.0);  // same a as above
    EXPECT_NEAR(penalty(v, options).item<double>(), 4.0, 1e-12);
  }
}

TEST(CriticalPenalty, CouplingScaleFollowsTheConvention) {
  torch::Tensor v = torch::zeros({4, 10});
  auto options = PenaltyOptions().beta(2.0);
  EXPECT_DOUBLE_EQ(coupling_scale(v, options), 0.2);
  EXPECT_DOUBLE_EQ(coupling_scale(v, options.n_convention(NConvention::kFanOut)), 0.5);
  EXPECT_DOUBLE_EQ(coupling_scale(v, options.n_convention(NConvention::kOne)), 2.0);
}

TEST(CriticalPenalty, PolynomialCoefficientsOfThePresets) {
  EXPECT_EQ(polynomial_coefficients(PenaltyOptions().preset(Preset::kPaper)),
            (std::vector<double>{1, 1, 2}));
  EXPECT_EQ(polynomial_coefficients(PenaltyOptions().preset(Preset::kCw)),
            (std::vector<double>{1, -1}));
  EXPECT_TRUE(polynomial_coefficients(PenaltyOptions().preset(Preset::kL2)).empty());
}

TEST(CriticalPenalty, WarnsForPaperWithPositiveBetaOnly) {
  auto w = warning(PenaltyOptions().preset(Preset::kPaper).beta(400.0));
  ASSERT_TRUE(w.has_value());
  EXPECT_NE(w->find("beta = 400 > 0"), std::string::npos) << *w;
  EXPECT_NE(w->find("never reach zero"), std::string::npos) << *w;
  EXPECT_FALSE(warning(PenaltyOptions().preset(Preset::kPaper).beta(-1.0)).has_value());
  EXPECT_FALSE(warning(PenaltyOptions().preset(Preset::kCw).beta(1.0)).has_value());
}

TEST(CriticalPenalty, ParseAndPrintRoundTrip) {
  for (auto name : {"none", "paper", "paper-eq33", "cw", "poly", "l1", "l2"}) {
    EXPECT_EQ(to_string(parse_preset(name)), name);
  }
  for (auto name : {"in", "out"}) EXPECT_EQ(to_string(parse_gram_side(name)), name);
  for (auto name : {"fan-in", "fan-out", "one"}) {
    EXPECT_EQ(to_string(parse_n_convention(name)), name);
  }
}

TEST(CriticalPenalty, ParseErrorsNameTheValue) {
  EXPECT_EQ(invalid_argument_text([] { parse_preset("Paper"); }),
            "unknown regulariser preset 'Paper' (expected none, paper, paper-eq33, cw, poly, l1 "
            "or l2)");
  EXPECT_EQ(invalid_argument_text([] { parse_gram_side("both"); }),
            "unknown gram side 'both' (expected in or out)");
  EXPECT_EQ(invalid_argument_text([] { parse_n_convention("fanin"); }),
            "unknown N convention 'fanin' (expected fan-in, fan-out or one)");
}

TEST(CriticalPenalty, ParsesPolyCoefficients) {
  EXPECT_EQ(parse_coefficients("-1,1"), (std::vector<double>{-1.0, 1.0}));
  EXPECT_EQ(parse_coefficients(" 0.5, -1e-1 ,2"), (std::vector<double>{0.5, -0.1, 2.0}));
  EXPECT_EQ(invalid_argument_text([] { parse_coefficients("1,x"); }),
            "poly coefficient 1 of '1,x' is not a finite number: 'x'");
  EXPECT_EQ(invalid_argument_text([] { parse_coefficients("1,,2"); }),
            "poly coefficient 1 of '1,,2' is not a finite number: ''");
  EXPECT_EQ(invalid_argument_text([] { parse_coefficients("1.5abc"); }),
            "poly coefficient 0 of '1.5abc' is not a finite number: '1.5abc'");
  EXPECT_EQ(invalid_argument_text([] { parse_coefficients("inf"); }),
            "poly coefficient 0 of 'inf' is not a finite number: 'inf'");
  EXPECT_EQ(invalid_argument_text([] { parse_coefficients("1,2,3,4,5,6"); }),
            "the poly preset needs 1 to 5 coefficients c_0..c_4, got 6 in '1,2,3,4,5,6'");
}

TEST(CriticalPenalty, ValidateRejectsBadOptionsWithTheValue) {
  auto paper = [] { return PenaltyOptions().preset(Preset::kPaper); };
  EXPECT_EQ(invalid_argument_text([&] { paper().validate(); }), "");
  EXPECT_EQ(invalid_argument_text([&] { paper().beta(NAN).validate(); }),
            "regulariser beta must be finite, got nan");
  EXPECT_EQ(invalid_argument_text([&] { paper().probes(-2).validate(); }),
            "regulariser probes must be >= 0 (0 = exact), got -2");
  EXPECT_EQ(invalid_argument_text([&] { paper().coefficients({1.0}).validate(); }),
            "coefficients are only used by the poly preset, got 1 with preset paper");
  auto poly = [] { return PenaltyOptions().preset(Preset::kPoly); };
  EXPECT_EQ(invalid_argument_text([&] { poly().validate(); }),
            "the poly preset needs 1 to 5 coefficients c_0..c_4, got 0");
  EXPECT_EQ(invalid_argument_text([&] {
              poly().coefficients({1, 2, 3, 4, 5, 6}).validate();
            }),
            "the poly preset needs 1 to 5 coefficients c_0..c_4, got 6");
  EXPECT_EQ(invalid_argument_text([&] {
              poly().coefficients({1, NAN}).validate();
            }),
            "poly coefficient c_1 must be finite, got nan");
}

// Every public entry point validates its options: the poly preset without coefficients once
// read coefficients[0] of an empty vector in the stochastic estimator (issue 13 item 5).
TEST(CriticalPenalty, EveryEntryPointValidatesItsOptions) {
  const torch::Tensor v = torch::randn({4, 6}, torch::kFloat64);
  const std::string no_coefficients = "the poly preset needs 1 to 5 coefficients c_0..c_4, got 0";
  for (int64_t probes : {0, 2}) {
    const auto options = PenaltyOptions().preset(Preset::kPoly).probes(probes);
    EXPECT_EQ(invalid_argument_text([&] { penalty(v, options); }), no_coefficients);
    EXPECT_EQ(invalid_argument_text([&] { penalty_naive(v, options); }), no_coefficients);
    torch::Tensor grad = torch::zeros_like(v);
    EXPECT_EQ(invalid_argument_text([&] { penalty_add_gradient(v, options, grad, 1.0); }),
              no_coefficients);
  }
  const auto nan_beta = PenaltyOptions().preset(Preset::kCw).beta(NAN);
  EXPECT_EQ(invalid_argument_text([&] { penalty(v, nan_beta); }),
            "regulariser beta must be finite, got nan");
  EXPECT_EQ(invalid_argument_text(
                [&] { penalty(v, PenaltyOptions().preset(Preset::kPaper).probes(-1)); }),
            "regulariser probes must be >= 0 (0 = exact), got -1");
}

TEST(CriticalPenalty, WeightMatrixFlattensConvolutionsToTheFanIn) {
  const torch::Tensor conv = torch::randn({8, 3, 5, 5});
  const torch::Tensor m = weight_matrix(conv);
  EXPECT_EQ(m.sizes(), (std::vector<int64_t>{8, 75}));
  EXPECT_TRUE(torch::equal(m[2], conv[2].flatten()));
  const torch::Tensor linear = torch::randn({4, 6});
  EXPECT_TRUE(weight_matrix(linear).is_same(linear));
  EXPECT_EQ(invalid_argument_text([] { weight_matrix(torch::randn({5})); }),
            "a layer weight has at least 2 dimensions [out, in, ...], got 1");
}

TEST(CriticalPenalty, RejectsWeightsThatAreNotMatrices) {
  auto options = PenaltyOptions().preset(Preset::kPaper);
  EXPECT_EQ(invalid_argument_text([&] { penalty(torch::randn({5}), options); }),
            "the critical penalty expects a 2-D weight [out, in], got 1 dimensions");
  EXPECT_EQ(invalid_argument_text([&] {
              coupling_scale(torch::randn({2, 3, 4}), options);
            }),
            "the critical penalty expects a 2-D weight [out, in], got 3 dimensions");
  EXPECT_EQ(invalid_argument_text([&] {
              penalty(torch::ones({2, 3}, torch::kInt64), options);
            }),
            "the critical penalty expects a floating-point weight, got long int");
}

TEST(CriticalPenalty, Float32AgreesWithFloat64) {
  torch::manual_seed(1);
  auto options = PenaltyOptions().preset(Preset::kPaper).beta(100.0);
  torch::Tensor v = torch::randn({40, 100}, torch::kFloat64) * 0.05;
  const double r64 = penalty(v, options).item<double>();
  const double r32 = penalty(v.to(torch::kFloat32), options).item<double>();
  // The float32 computation's bound (u = 2⁻²⁴, V rounded to float32 first) plus the float64
  // one.
  const PenaltyBounds b32 = penalty_bounds(v, options, unit_roundoff(torch::kFloat32), true);
  EXPECT_NEAR(r32, r64, b32.value + penalty_bounds(v, options).value);
}

// The trainer's in-place path gives the value and adds scale times the gradient of penalty()
// for every preset, side, shape and both estimators (the stochastic one with the same probes).
TEST(CriticalPenalty, AddGradientMatchesAutogradForEveryPresetAndEstimator) {
  torch::manual_seed(21);
  for (auto shape : {std::vector<int64_t>{6, 9}, std::vector<int64_t>{9, 6}}) {
    const torch::Tensor v = torch::randn(shape, torch::kFloat64) * 0.4;
    const torch::Tensor start = torch::randn(shape, torch::kFloat64);
    for (GramSide side : {GramSide::kIn, GramSide::kOut}) {
      for (int64_t probes : {0, 3}) {
        for (auto c : all_presets(1.3)) {
          const auto options = c.options.gram_side(side).probes(probes);
          torch::manual_seed(5);
          const auto [value, grad] =
              value_and_grad(v, [&](const torch::Tensor& x) { return penalty(x, options); });
          torch::Tensor into = start.clone();
          torch::manual_seed(5);
          const torch::Tensor got = penalty_add_gradient(v, options, into, 2.5);
          const std::string what = c.name + " side " + to_string(side) + " probes " +
                                   std::to_string(probes) + " shape " + std::to_string(shape[0]) +
                                   "x" + std::to_string(shape[1]);
          EXPECT_FALSE(got.requires_grad()) << what;
          if (probes == 0) {
            // The exact kernels: two computations each within the bound, the accumulation
            // into `start` 3 roundings more.
            const PenaltyBounds bound = penalty_bounds(v, options);
            EXPECT_NEAR(got.item<double>(), value, 2 * bound.value) << what;
            EXPECT_TRUE(within_bound(
                into, start + 2.5 * grad,
                5 * bound.grad + 2 * gamma_n(3, kU) * (start.abs() + 2.5 * grad.abs())))
                << what;
          } else {
            // The stochastic estimator with the same probes runs the same kernel calls; only
            // the final product's scale and accumulation differ (3 roundings each side).
            EXPECT_NEAR(got.item<double>(), value, 2 * gamma_n(3, kU) * std::abs(value)) << what;
            EXPECT_TRUE(within_bound(into, start + 2.5 * grad,
                                     2 * gamma_n(3, kU) * (start.abs() + 2.5 * grad.abs())))
                << what;
          }
        }
      }
    }
  }
}

TEST(CriticalPenalty, AddGradientRejectsAGradientOfAnotherShapeOrType) {
  const auto options = PenaltyOptions().preset(Preset::kPaper);
  const torch::Tensor v = torch::randn({4, 5});
  torch::Tensor wrong_shape = torch::zeros({5, 4});
  EXPECT_NE(invalid_argument_text([&] {
              penalty_add_gradient(v, options, wrong_shape, 1.0);
            }).find("penalty_add_gradient: the gradient must match the weight [4, 5]"),
            std::string::npos);
  torch::Tensor wrong_type = torch::zeros({4, 5}, torch::kFloat64);
  EXPECT_NE(invalid_argument_text([&] {
              penalty_add_gradient(v, options, wrong_type, 1.0);
            }).find("must match the weight"),
            std::string::npos);
  torch::Tensor undefined;
  EXPECT_NE(invalid_argument_text([&] {
              penalty_add_gradient(v, options, undefined, 1.0);
            }).find("must match the weight"),
            std::string::npos);
}

}  // namespace
}  // namespace critnet::reg
