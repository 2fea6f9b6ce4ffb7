"""critnet.penalty: R(V) of one weight as a differentiable scalar, value and analytic gradient
from the C++ core (critnet::reg::penalty_add_gradient), not autograd through a Gram matrix."""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import torch

from . import _critnet


def penalty_options(preset: str = "paper", beta: float = 1.0, side: str = "in",
                    n: str = "fan-in", coefficients: Optional[Sequence[float]] = None,
                    probes: int = 0) -> _critnet.PenaltyOptions:
    """critnet.penalty's arguments as a critnet.options.PenaltyOptions, checked now
    (ValueError with the library's message, TypeError for a value of the wrong type)."""
    return _critnet.PenaltyOptions(preset=preset, beta=beta, gram_side=side, n_convention=n,
                                   coefficients=[] if coefficients is None else coefficients,
                                   probes=probes)


class _Penalty(torch.autograd.Function):
    """Forward: the C++ value and gradient together; backward: grad_output times the gradient.
    Not twice differentiable (the C++ gradient is not a graph)."""

    @staticmethod
    def forward(  # type: ignore[override]  # Function's forward takes *args
            ctx: Any, weight: torch.Tensor, options: _critnet.PenaltyOptions) -> torch.Tensor:
        value, grad = _critnet.penalty_and_gradient(weight, options)
        ctx.save_for_backward(grad)
        return value

    @staticmethod
    def backward(  # type: ignore[override]  # Function's backward takes *grad_outputs
            ctx: Any, grad_output: torch.Tensor) -> Tuple[Optional[torch.Tensor], ...]:
        (grad,) = ctx.saved_tensors
        return grad_output * grad, None


def penalty_of(weight: torch.Tensor, options: _critnet.PenaltyOptions) -> torch.Tensor:
    """R(V) of one weight under checked options: differentiable when `weight` requires grad
    (critnet.penalty and CriticalRegularizer, which builds its options once)."""
    if torch.is_grad_enabled() and weight.requires_grad:
        value: torch.Tensor = _Penalty.apply(weight, options)
        return value
    return _critnet.penalty_value(weight, options)


def penalty(weight: torch.Tensor, preset: str = "paper", beta: float = 1.0, side: str = "in",
            n: str = "fan-in", coefficients: Optional[Sequence[float]] = None,
            probes: int = 0) -> torch.Tensor:
    """R(V) = ||P||_F^2 of one layer weight (docs/methods.md, "The critical penalty").

    weight: a float tensor [out, in] (Linear) or [out, in, k1, ...] (Conv), taken as
        [out, in*k1*...]; on the CPU, or CUDA where critnet was built with it.
    preset: "paper" (I + a w + 2 a^2 w^2), "paper-eq33", "cw" (I - a w), "poly"
        (sum_k c_k (a w)^k with `coefficients` c_0..c_4), "l1", "l2", "none".
    beta: inverse temperature; a = beta / N.
    side: "in" (w = V^T V) or "out" (w = V V^T).
    n: N of a = beta / N: "fan-in", "fan-out" or "one".
    probes: 0 for the exact penalty; m > 0 for the Hutchinson estimate with m Rademacher probes
        (value and gradient unbiased, from the same probes; torch's global generator).
    The options make a critnet.options.PenaltyOptions (side is its gram_side, n its
    n_convention).

    Returns a 0-d tensor of the weight's dtype; differentiable with respect to `weight`.
    Raises ValueError (critnet.InvalidArgument) with the C++ core's message for bad arguments,
    TypeError for a value of the wrong type.
    """
    return penalty_of(weight, penalty_options(preset, beta, side, n, coefficients, probes))


def penalty_naive(weight: torch.Tensor, preset: str = "paper", beta: float = 1.0,
                  side: str = "in", n: str = "fan-in",
                  coefficients: Optional[Sequence[float]] = None) -> torch.Tensor:
    """The literal formula with autograd through the full Gram matrix of the chosen side
    (critnet::reg::penalty_naive): the reference the fast path is tested against."""
    return _critnet.penalty_naive(weight, penalty_options(preset, beta, side, n, coefficients))
