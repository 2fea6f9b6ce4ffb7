// critnet rg-flow's study: every λ0's RK45 flow beside the closed form (flow.h).
#include <fmt/core.h>

#include <algorithm>
#include <cmath>

#include "critnet/core/error.h"
#include "critnet/core/limits.h"
#include "critnet/rg/flow.h"

namespace critnet::rg {

namespace {
nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json numbers(const std::vector<double>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (double x : v) out.push_back(number(x));
  return out;
}
}  // namespace

void FlowStudyOptions::validate() const {
  CRITNET_CHECK(!lambdas.empty(), "lambdas: give at least one λ0");
  for (double l : lambdas) CRITNET_CHECK(std::isfinite(l), "lambdas: must be finite, got ", l);
  CRITNET_CHECK(std::isfinite(a), "a must be finite, got ", a);
  CRITNET_CHECK(std::isfinite(tau_max) && tau_max != 0, "tau_max must be finite and not 0, got ",
                tau_max);
  CRITNET_CHECK(steps >= 1 && steps <= kMaxFlowSteps, "steps must be in 1..", kMaxFlowSteps,
                ", got ", steps);
  CRITNET_CHECK(solver.rtol > 0 && solver.rtol < 1, "rtol must be in (0, 1), got ", solver.rtol);
}

std::vector<double> FlowStudyOptions::taus() const {
  std::vector<double> taus;
  for (int64_t i = 0; i <= steps; ++i)
    taus.push_back(tau_max * static_cast<double>(i) / static_cast<double>(steps));
  return taus;
}

FlowStudy flow_study(const FlowStudyOptions& options) {
  options.validate();
  FlowStudy study;
  study.a = options.a;
  study.pole = pole(options.a);
  study.fixed_points = fixed_points(options.a);
  study.taus = options.taus();
  for (double l0 : options.lambdas) {
    FlowTrajectory t;
    t.lambda0 = l0;
    t.rk45 = integrate_flow(l0, options.a, study.taus, options.solver);
    t.pole_time = pole_time(l0, options.a);
    for (std::size_t i = 0; i < study.taus.size(); ++i) {
      const double closed = flow_closed_form(l0, options.a, study.taus[i]);
      t.closed.push_back(closed);
      const double y = t.rk45.lambda[i];
      if (std::isfinite(y) && std::isfinite(closed))
        t.max_difference =
            std::max(t.max_difference, std::abs(y - closed) / std::max(1.0, std::abs(closed)));
    }
    study.trajectories.push_back(std::move(t));
  }
  return study;
}

nlohmann::json FlowStudy::to_json() const {
  nlohmann::json fps = nlohmann::json::array();
  for (const FixedPoint& f : fixed_points)
    fps.push_back(
        {{"name", f.name}, {"lambda", number(f.lambda)}, {"exponent", number(f.exponent)}});
  nlohmann::json trajs = nlohmann::json::array();
  for (const FlowTrajectory& t : trajectories)
    trajs.push_back({{"lambda0", t.lambda0},
                     {"x0", number(a * t.lambda0)},
                     {"pole_time", number(t.pole_time)},
                     {"hit_pole", t.rk45.hit_pole},
                     {"tau_reached", number(t.rk45.tau_reached)},
                     {"steps", t.rk45.steps},
                     {"rejected", t.rk45.rejected},
                     {"max_difference", number(t.max_difference)},
                     {"lambda_rk45", numbers(t.rk45.lambda)},
                     {"lambda_closed", numbers(t.closed)}});
  return {{"a", a},
          {"pole", number(pole)},
          {"fixed_points", fps},
          {"tau", taus},
          {"trajectories", trajs}};
}

}  // namespace critnet::rg
