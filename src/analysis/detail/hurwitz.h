#pragma once
// Hurwitz zeta zeta(s, q) = sum_{k>=0} (q+k)^-s and its first two derivatives in s, by the
// Euler-Maclaurin formula (DLMF 25.11.5 / Abramowitz-Stegun 23.1.30 applied to the tail):
//   zeta(s,q) = sum_{k<N} (q+k)^-s + a^(1-s)/(s-1) + a^-s/2
//               + sum_{j=1}^{M} B_2j/(2j)! (s)_(2j-1) a^(-s-2j+1),   a = q + N,
// with (s)_m the rising factorial. Derivatives in s are taken term by term (second-order
// jets). Needed by the discrete power-law MLE (score uses zeta'/zeta) and its Fisher
// information (zeta''/zeta - (zeta'/zeta)^2), which GSL does not provide.
//
// Everything is computed with the factor q^-s pulled out: the "scaled" zeta
//   Z(s, q) = q^s zeta(s, q) = sum_k (1 + k/q)^-s   (>= 1, never underflows),
// so ln zeta(s, q) = -s ln q + ln Z. zeta(s, q) itself underflows as soon as s ln q > ~745
// (e.g. s = 81, q = 9741), which the discrete fit meets for large x_min; the log form and
// the ratios below stay exact there. Derivatives are taken of ln Z (logarithms centred at
// ln q), so Var[ln X] = d^2/ds^2 ln zeta has no cancellation against ln^2 q.
namespace critnet::analysis::detail {

/// ln zeta(s, q) with the derivatives of ln zeta in s, computed in log space.
struct LogZetaJet {
  double log_value;   ///< ln zeta(s, q)
  double log_scaled;  ///< ln Z(s, q) = ln zeta(s, q) + s ln q  (>= 0)
  double centred_d1;  ///< Z'/Z = zeta'/zeta + ln q = -E[ln(X/q)] for X ~ x^-s on [q, inf)
  double ratio1;      ///< zeta'/zeta = d/ds ln zeta = -E[ln X]
  double ratio2;      ///< zeta''/zeta = E[ln^2 X]
  double log_var;     ///< d^2/ds^2 ln zeta = Var[ln X] (no cancellation)
};

/// ln zeta(s, q) and its derivatives; s > 1, q > 0. Relative accuracy ~1e-14 for s <= 200.
LogZetaJet log_hurwitz_zeta_jet(double s, double q);

/// ln zeta(s, q) (same method, cheaper). Finite whenever s > 1, q > 0.
double log_hurwitz_zeta(double s, double q);

/// ln Z(s, q) = ln(q^s zeta(s, q)), the log of the scaled zeta (>= 0).
double log_hurwitz_zeta_scaled(double s, double q);

/// zeta(s, q) / zeta(s, q0) = P(X >= q) for X ~ discrete power law on [q0, inf), q >= q0,
/// without underflow.
double hurwitz_zeta_ratio(double s, double q, double q0);

/// zeta(s, q) itself (underflows to 0 when s ln q > ~745; use the log forms in the fits).
double hurwitz_zeta_value(double s, double q);

}  // namespace critnet::analysis::detail
