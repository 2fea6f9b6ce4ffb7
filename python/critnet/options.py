"""critnet.options: the C++ library's option structs as Python classes, the ones critnet's
functions build from their keyword arguments (docs/python.md, "Option classes").

Each class behaves like a frozen dataclass: keyword arguments only, every one optional with
the library's default (``X.defaults``, one source shared with the CLI); values converted
strictly (TypeError for 2.7 or True as a count, a str as a number, ...) and the whole checked
at once by the library's validate() (ValueError with the library's message) when it is built;
read-only fields, ``repr``, ``==``, ``to_dict()`` and ``replace(**changes)``, which returns a
new, checked copy:

    >>> critnet.options.FitOptions(bootstrap=500)
    FitOptions(discrete=False, xmin=nan, xmax=inf, max_candidates=0, min_tail=5, bootstrap=500, ...)
    >>> critnet.options.GaussianStudyOptions(dim=4)
    Traceback (most recent call last):
    critnet.InvalidArgument: dim must be 1, 2 or 3, got 4
"""
from __future__ import annotations

from ._critnet import (ClassifyOptions, CouplingOptions, DataSpec, EdgeOptions, FitOptions,
                       FlowStudyOptions, GaussianStudyOptions, HtsrOptions,
                       MeanFieldStudyOptions, PenaltyOptions, ProbeOptions, ProbeRecipe,
                       SignalOptions, VerdictRule)

__all__ = [
    "ClassifyOptions",
    "CouplingOptions",
    "DataSpec",
    "EdgeOptions",
    "FitOptions",
    "FlowStudyOptions",
    "GaussianStudyOptions",
    "HtsrOptions",
    "MeanFieldStudyOptions",
    "PenaltyOptions",
    "ProbeOptions",
    "ProbeRecipe",
    "SignalOptions",
    "VerdictRule",
]
