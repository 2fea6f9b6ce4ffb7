"""critnet.rg: the couplings and mode analysis of one layer weight, as `critnet rg`
(critnet::rg::analyse_layer), the mean-field equation along a temperature sweep, as
`critnet meanfield` (critnet::rg::meanfield_curve), and the Gaussian model's two-point
function, as `critnet gaussian` (critnet::rg::gaussian_study), and the RG flow of a mode's
eigenvalue, as `critnet rg-flow` (critnet::rg::flow_study); docs/theory.md."""
from __future__ import annotations

from typing import List, Optional, Sequence

import torch

from . import _critnet
from ._checks import Document

#: The library's defaults (rg::CouplingOptions, rg::ClassifyOptions, rg::MeanFieldStudyOptions,
#: rg::GaussianStudyOptions, rg::FlowStudyOptions), shared with the CLI.
_COUPLING = _critnet.CouplingOptions.defaults
_CLASSIFY = _critnet.ClassifyOptions.defaults
_MEANFIELD = _critnet.MeanFieldStudyOptions.defaults
_GAUSSIAN = _critnet.GaussianStudyOptions.defaults
_FLOW = _critnet.FlowStudyOptions.defaults


# The per-mode lists of the document, returned as tensors.
_PER_MODE = ("lambda", "x", "r", "u_modes", "u_sites", "xi")


def analyse_layer(weight: torch.Tensor, beta: float = _COUPLING["beta"],
                  field: float = _COUPLING["field"], side: str = _COUPLING["gram_side"],
                  n: str = _COUPLING["n_convention"], tol_trivial: float = _CLASSIFY["tol_trivial"],
                  tol_critical: float = _CLASSIFY["tol_critical"],
                  tol_near: float = _CLASSIFY["tol_near"]) -> Document:
    """The couplings of eq. 13 in the eigenbasis of w = V^T V (side "in") or V V^T ("out"),
    a = beta / N, each mode's class and the layer's phase (section 2.5).

    weight: a tensor [out, in] or a conv weight [out, in, k1, ...] (taken as [out, in*k1*...]).
    Returns the document of one layer of `critnet rg --json` (the same keys, one schema:
    critnet::rg::to_json): shape, beta, temperature, n, a, g, dimension, structural_zeros, phase,
    x_min, x_median, x_max, distance_min, distance_median, critical_temperature, mode_counts,
    xi_median_finite, xi_inf, xi_nan, r_tolerance, mode_class (a name per mode), and per mode
    (ascending lambda) lambda, x (= a lambda), r, u_modes, u_sites and xi, which Python gets as
    float64 tensors (xi = inf for massless modes, nan where r < 0; the JSON's "inf" / "nan"
    strings become floats everywhere). beta (1), field (0), side ("in") and n ("fan-in") make a
    critnet.options.CouplingOptions, the tolerances (1e-2, 1e-2, 0.1) a
    critnet.options.ClassifyOptions. Raises ValueError with the C++ core's message for bad
    arguments, TypeError for a value of the wrong type.
    """
    couplings = _critnet.CouplingOptions(beta=beta, field=field, gram_side=side, n_convention=n)
    classify = _critnet.ClassifyOptions(tol_trivial=tol_trivial, tol_critical=tol_critical,
                                        tol_near=tol_near)
    doc = _critnet.analyse_layer(weight, couplings, classify)
    for key, value in doc.items():
        if key in _PER_MODE:
            doc[key] = torch.tensor([float(v) for v in value], dtype=torch.float64)
        elif isinstance(value, str) and value in ("inf", "-inf", "nan"):
            doc[key] = float(value)
    return doc


def meanfield(weights: Optional[Sequence[torch.Tensor]] = None, *,
              coupling: Optional[float] = None, size: Optional[int] = None,
              layers: Optional[Sequence[int]] = None, gram_side: str = _MEANFIELD["gram_side"],
              n_convention: str = _MEANFIELD["n_convention"], t_min: float = _MEANFIELD["t_min"],
              t_max: float = _MEANFIELD["t_max"], steps: int = _MEANFIELD["steps"],
              field: float = _MEANFIELD["field"], damping: float = _MEANFIELD["damping"],
              tolerance: float = _MEANFIELD["tolerance"],
              max_iterations: int = _MEANFIELD["max_iterations"]) -> List[Document]:
    """The mean-field equation (eq. 6) V = tanh(beta (w V / N + h)), T = 1/beta, solved by
    damped fixed-point iteration along a temperature sweep: the document of
    `critnet meanfield --json` (a list, per system, of rg::MeanFieldCurve::to_json).

    Systems: the Curie-Weiss coupling w = J 11^T (coupling J > 0, size N in 1..16384,
    T_c = J; the system "cw"), or the layers of `weights` (weight tensors [out, in], input side
    first, as critnet.load_checkpoint(run)["weights"]; conv weights taken as
    [out, in*k1*...]; float64), w = V^T V (gram_side "in") or V V^T ("out"), N by
    n_convention ("fan-in", "fan-out", "one"), systems named by their 0-based index. layers:
    the indices, each once (None: every layer but the output layer).
    t_min, t_max: the sweep in units of each system's T_c = lambda_max(w)/N, steps temperatures
      (defaults 0.5, 1.5, 20; 0 < t_min < t_max, 2 <= steps <= 10**6).
    field: the external field h (0). damping: of the iteration, in (0, 1] (0.5). tolerance:
      converged when max_i |V_i - tanh(...)_i| <= tolerance (1e-10). max_iterations: per
      temperature (100000).
    Each curve: name, n, size (w's order), critical_temperature, field and points, per
    temperature (ascending): temperature, t_over_tc, magnetisation (m = mean V),
    susceptibility (dm/dh by linear response), top_magnetisation (|e_max . V| / sqrt(size)),
    top_susceptibility (the response to a field along e_max), residual, iterations,
    converged; None for a non-finite number (a singular response). Temperatures near T_c may
    not converge (critical slowing down): converged says so, nothing is hidden.

    Raises critnet.InvalidArgument (a ValueError) with the library's message for bad values,
    critnet.NumericalError for a layer whose T_c is 0 up to round-off, TypeError for values
    of the wrong type.
    """
    if isinstance(weights, torch.Tensor):
        raise TypeError("weights: must be a list of tensors, got one tensor")
    options = _critnet.MeanFieldStudyOptions(
        coupling=coupling, size=size, layers=[] if layers is None else layers,
        gram_side=gram_side, n_convention=n_convention, t_min=t_min, t_max=t_max, steps=steps,
        field=field, damping=damping, tolerance=tolerance, max_iterations=max_iterations)
    return _critnet.meanfield(list(weights or []), options)


def gaussian(dim: int = _GAUSSIAN["dim"], size: int = _GAUSSIAN["size"],
             r: float = _GAUSSIAN["r"], g: float = _GAUSSIAN["g"],
             fit_min: float = _GAUSSIAN["fit_min"],
             fit_max: float = _GAUSSIAN["fit_max"]) -> Document:
    """The Gaussian model's two-point function G(x) = (1/L^d) sum_q e^{iqx} / (r + g q^2)
    (eq. 62, lattice momenta, per unit beta) on the periodic d-dimensional lattice of side L
    along an axis, x = 0 .. L/2 (lattice units), and the fit of its large-distance law: the
    document of `critnet gaussian --json` (rg::GaussianStudy::to_json).

    dim: d in {1, 2, 3} (3). size: L >= 2 sites per side with L^d <= 2**30 (0: 256 for d = 3,
    1024 for d = 1, 2). r: the mass term >= 0 (0: the zero mode is removed). g: the gradient
    coupling > 0 (1). fit_min, fit_max: the fit range in lattice units (0: from 6 to
    min(60, floor(L/4)); fit_max at most L/2).
    Returns dim, size (the L used), r, g, zero_mode_removed, fit (the model, x_min, x_max and
    the fitted values beside the expected ones: for r > 0 the Ornstein-Zernike
    A x^-(d-1)/2 exp(-x/xi) with xi against sqrt(g/r) and the lattice value; for r = 0 the power
    law A x^-eta + C of G~ and for d = 2 the logarithm -B ln x + C), x, G, G_subtracted
    (G - x^2/(2 d g L^d) when the zero mode is removed, else G) and, for d = 1, G_closed_form.

    Raises critnet.InvalidArgument (a ValueError) with the library's message for bad values,
    TypeError for values of the wrong type.
    """
    return _critnet.gaussian(_critnet.GaussianStudyOptions(dim=dim, size=size, r=r, g=g,
                                                           fit_min=fit_min, fit_max=fit_max))


def flow(lambdas: Sequence[float], a: float = _FLOW["a"], tau_max: float = _FLOW["tau_max"],
         steps: int = _FLOW["steps"], rtol: float = _FLOW["rtol"]) -> Document:
    """The RG flow of each initial eigenvalue lambda0 in `lambdas`, dlambda/dtau = 2 lambda
    (1 - a lambda)/(1 - 2 a lambda) (eq. 26), by adaptive RK45 beside the closed form, over
    tau = tau_max i/steps, i = 0 .. steps: the document of `critnet rg-flow --json`
    (rg::FlowStudy::to_json).

    lambdas: at least one finite lambda0. a: beta/N (1). tau_max: the RG time reached, finite
    and not 0; < 0 integrates towards the UV (1). steps: output points after tau = 0, 1 ..
    10**6 (100). rtol: RK45's relative tolerance in (0, 1) (1e-10).
    Returns a, pole (lambda = 1/(2a), where the flow ends in finite tau), fixed_points
    [{name, lambda, exponent}], tau, and per lambda0: lambda0, x0 = a lambda0, pole_time
    (None: never), hit_pole, tau_reached, steps and rejected (RK45's), max_difference
    (max |rk45 - closed| / max(1, |closed|)), lambda_rk45 and lambda_closed (None past the
    pole).

    Raises critnet.InvalidArgument (a ValueError) with the library's message for bad values,
    TypeError for values of the wrong type.
    """
    return _critnet.flow(_critnet.FlowStudyOptions(lambdas=lambdas, a=a, tau_max=tau_max,
                                                   steps=steps, rtol=rtol))
