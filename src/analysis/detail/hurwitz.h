#pragma once
// Hurwitz zeta zeta(s, q) = sum_{k>=0} (q+k)^-s and its first two derivatives in s, by the
// Euler-Maclaurin formula (DLMF 25.11.5 / Abramowitz-Stegun 23.1.30 applied to the tail):
//   zeta(s,q) = sum_{k<N} (q+k)^-s + a^(1-s)/(s-1) + a^-s/2
//               + sum_{j=1}^{M} B_2j/(2j)! (s)_(2j-1) a^(-s-2j+1),   a = q + N,
// with (s)_m the rising factorial. Derivatives in s are taken term by term (second-order
// jets). Needed by the discrete power-law MLE (score uses zeta'/zeta) and its Fisher
// information (zeta''/zeta - (zeta'/zeta)^2), which GSL does not provide.
namespace critnet::analysis::detail {

struct ZetaJet {
  double value;  ///< zeta(s, q)
  double d1;     ///< d/ds zeta(s, q)
  double d2;     ///< d^2/ds^2 zeta(s, q)
};

/// zeta(s, q) with derivatives in s; s > 1, q > 0. Relative accuracy ~1e-14.
ZetaJet hurwitz_zeta_jet(double s, double q);

/// zeta(s, q) alone (same method, cheaper).
double hurwitz_zeta_value(double s, double q);

}  // namespace critnet::analysis::detail
