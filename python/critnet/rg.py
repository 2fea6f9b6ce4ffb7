"""critnet.rg: the couplings and mode analysis of one layer weight, as `critnet rg`
(critnet::rg::analyse_layer; docs/theory.md)."""
from __future__ import annotations

import torch

from . import _critnet
from ._checks import Document


# The per-mode lists of the document, returned as tensors.
_PER_MODE = ("lambda", "x", "r", "u_modes", "u_sites", "xi")


def analyse_layer(weight: torch.Tensor, beta: float = 1.0, field: float = 0.0, side: str = "in",
                  n: str = "fan-in", tol_trivial: float = 1e-2, tol_critical: float = 1e-2,
                  tol_near: float = 0.1) -> Document:
    """The couplings of eq. 13 in the eigenbasis of w = V^T V (side "in") or V V^T ("out"),
    a = beta / N, each mode's class and the layer's phase (section 2.5).

    weight: a tensor [out, in] or a conv weight [out, in, k1, ...] (taken as [out, in*k1*...]).
    Returns the document of one layer of `critnet rg --json` (the same keys, one schema:
    critnet::rg::to_json): shape, beta, temperature, n, a, g, dimension, structural_zeros, phase,
    x_min, x_median, x_max, distance_min, distance_median, critical_temperature, mode_counts,
    xi_median_finite, xi_inf, xi_nan, r_tolerance, mode_class (a name per mode), and per mode
    (ascending lambda) lambda, x (= a lambda), r, u_modes, u_sites and xi, which Python gets as
    float64 tensors (xi = inf for massless modes, nan where r < 0; the JSON's "inf" / "nan"
    strings become floats everywhere). Raises ValueError with the C++ core's message for bad
    arguments.
    """
    doc = _critnet.analyse_layer(weight, float(beta), float(field), side, n, float(tol_trivial),
                                 float(tol_critical), float(tol_near))
    for key, value in doc.items():
        if key in _PER_MODE:
            doc[key] = torch.tensor([float(v) for v in value], dtype=torch.float64)
        elif isinstance(value, str) and value in ("inf", "-inf", "nan"):
            doc[key] = float(value)
    return doc
