"""critnet.edge: the edge of chaos of signal propagation in mean field, the same document as
`critnet edge --json` (critnet::rg::edge; docs/theory.md section 6)."""
from __future__ import annotations

import collections.abc

from typing import Optional, Sequence, Union

from . import _checks, _critnet
from ._checks import Document

#: The library's defaults (rg::EdgeOptions), shared with `critnet edge`.
_EDGE = _critnet.EdgeOptions.defaults


def edge(activation: str = _EDGE["activation"], sigma_w2: Optional[float] = None,
         sigma_b2: Union[float, Sequence[float]] = _EDGE["sigma_b2"], depth: int = _EDGE["depth"],
         critical_line: bool = False, critical_tolerance: float = _EDGE["critical_tolerance"]
         ) -> Document:
    """The maps of a deep random network with weights N(0, sigma_w2/N) and biases N(0, sigma_b2).

    At one point (sigma_w2 given): a dict with q_star, c_star, chi1, xi_q, xi_c, phase
    ("ordered", "critical", "chaotic"), mu1, mu2, mu2_over_mu1_sq, critical_tolerance and, with
    depth L >= 1, jacobian_mean (chi1**L), jacobian_variance (Gaussian weights) and
    jacobian_variance_orthogonal; None where a value does not exist (q_star when the length map
    diverges, xi_c at the critical point, where it is infinite).

    With critical_line=True (sigma_b2 a number or a list, sigma_w2 not given):
    {"activation", "critical_line": [{"sigma_b2", "sigma_w2"}, ...]}, the sigma_w2 with chi1 = 1.

    At one point the arguments make a critnet.options.EdgeOptions, checked when it is built.
    Raises ValueError for bad arguments (the CLI's messages), TypeError for non-numbers.
    """
    if not isinstance(activation, str):
        raise TypeError(f"activation: must be a name, got {activation!r}")
    if critical_line:
        if sigma_w2 is not None:
            raise ValueError("sigma_w2 and critical_line exclude each other")
        given = list(sigma_b2) if isinstance(sigma_b2, (list, tuple)) else [sigma_b2]
        return _critnet.critical_line(activation, [_checks.real("sigma_b2", b) for b in given])
    if sigma_w2 is None:
        raise ValueError("sigma_w2 is required (or give critical_line=True)")
    if isinstance(sigma_b2, collections.abc.Sequence):
        if len(sigma_b2) != 1:
            raise ValueError("sigma_b2: one value without critical_line")
        point = sigma_b2[0]
    else:
        point = sigma_b2
    return _critnet.edge(_critnet.EdgeOptions(
        activation=activation, sigma_w2=sigma_w2, sigma_b2=point, depth=depth,
        critical_tolerance=critical_tolerance))
