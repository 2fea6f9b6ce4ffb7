"""critnet.rg: the couplings and mode analysis of one layer weight, as `critnet rg`
(critnet::rg::analyse_layer; SPEC.md section 4, docs/theory.md)."""
from . import _critnet


def analyse_layer(weight, beta=1.0, field=0.0, side="in", n="fan-in", tol_trivial=1e-2,
                  tol_critical=1e-2, tol_near=0.1):
    """The couplings of eq. 13 in the eigenbasis of w = V^T V (side "in") or V V^T ("out"),
    a = beta / N, each mode's class and the layer's phase (section 2.5).

    weight: a tensor [out, in] or a conv weight [out, in, k1, ...] (taken as [out, in*k1*...]).
    Returns a dict: shape, beta, a, n, g, dimension, structural_zeros, lambda, x (= a lambda),
    r, u_modes, u_sites, r_tolerance, xi (float64 tensors over the modes, ascending lambda;
    xi = inf for massless modes, nan where r < 0), mode_class (a name per mode), mode_counts,
    phase, x_max, critical_temperature, distance_min, distance_median: the per-layer fields of
    `critnet rg --json`. Raises ValueError with the C++ core's message for bad arguments.
    """
    return _critnet.analyse_layer(weight, float(beta), float(field), side, n, float(tol_trivial),
                                  float(tol_critical), float(tol_near))
