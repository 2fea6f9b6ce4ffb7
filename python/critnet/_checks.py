"""Argument checks at the Python boundary, before any work: the C++ core checks ranges with the
CLI's messages (ValueError); these refuse what would otherwise be converted silently, such as
int(2.7) == 2, float("1e3") or True as a count (TypeError), and apply the CLI's upper bounds
(critnet/core/limits.h, as _critnet.limits) where a value would otherwise be narrowed."""
import numbers

from . import _critnet

LIMITS = _critnet.limits


def integer(name, value, low=None, high=None):
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


def real(name, value):
    """`value` as a float: TypeError unless it is a real number (bool and str are not)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: must be a number, got {value!r}")
    return float(value)
