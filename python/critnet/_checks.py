"""Argument checks at the Python boundary, before any work: the C++ core checks ranges with the
CLI's messages (ValueError); these refuse what would otherwise be converted silently, such as
int(2.7) == 2, float("1e3") or True as a count (TypeError), and apply the CLI's upper bounds
(critnet/core/limits.h, as _critnet.limits) where a value would otherwise be narrowed."""
from __future__ import annotations

import numbers
from typing import Any, Dict, Optional

import torch

from . import _critnet

#: A document (a dict of a JSON file's schema: probe.json, `critnet fit --json`, ...).
Document = Dict[str, Any]

LIMITS: Dict[str, int] = _critnet.limits


def integer(name: str, value: object, low: Optional[int] = None,
            high: Optional[int] = None) -> int:
    """`value` as an int: TypeError unless it is an integer (bool, float and str are not),
    ValueError outside [low, high] (either end None: unbounded)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: must be an integer, got {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "" if low is None else str(low)
        hi = "" if high is None else str(high)
        raise ValueError(f"{name}: must be in {lo}..{hi}, got {value}")
    return value


def weight_of(module: torch.nn.Module) -> torch.Tensor:
    """The module's `weight` tensor (a Linear's or Conv's); TypeError when it has none."""
    weight = getattr(module, "weight", None)
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"{type(module).__name__} has no weight tensor")
    return weight


def bias_of(module: torch.nn.Module) -> Optional[torch.Tensor]:
    """The module's `bias` tensor, or None."""
    bias = getattr(module, "bias", None)
    return bias if isinstance(bias, torch.Tensor) else None


def real(name: str, value: object) -> float:
    """`value` as a float: TypeError unless it is a real number (bool and str are not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: must be a number, got {value!r}")
    return float(value)
