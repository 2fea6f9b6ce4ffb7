"""critnet.fit: the Clauset-Shalizi-Newman power-law analysis of `critnet fit`, in process
(critnet::report::fit_report: the same call, so the same numbers as `critnet fit --json`)."""
from __future__ import annotations

import copy
import math
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt
import torch

from . import _critnet
from ._checks import LIMITS, Document, integer, real

#: What fit() takes: numbers in a list, a numpy array or a tensor (any shape; flattened).
Values = Union[Sequence[float], npt.ArrayLike, torch.Tensor]


class FitResult:
    """The analysis and its verdict. Attributes are the keys of `critnet fit --json`
    (docs/cli.md), with None where the JSON has null (e.g. p without a bootstrap):

    xmin, alpha, alpha_se, n, n_tail, ks, p, bootstrap, bootstrap_failed, seed, candidates,
    tail_max, tail_decades, alpha_ci_low, alpha_ci_high, alpha_ci_level (the inputs of verdict
    rule 2), comparisons (a list of dicts: alternative, parameters, R, normalised_R, p, nested,
    favoured), model, xmin_fixed, ks_convention, vuong_sd, and verdict (a dict: label,
    scale_invariant, reason, rule); label is verdict["label"].
    """

    xmin: float
    alpha: float
    alpha_se: float
    n: int
    n_tail: int
    ks: float
    p: Optional[float]
    comparisons: List[Dict[str, Any]]
    verdict: Dict[str, Any]

    def __init__(self, document: Document):
        self._document = document
        for key, value in document.items():
            setattr(self, key, value)

    def __getattr__(self, name: str) -> Any:  # the other keys of the document
        raise AttributeError(f"FitResult has no field {name!r}")

    @property
    def label(self) -> str:
        return str(self._document["verdict"]["label"])

    @property
    def scale_invariant(self) -> bool:
        return bool(self._document["verdict"]["scale_invariant"])

    def to_dict(self) -> Document:
        """The whole result as the dict of `critnet fit --json` (less "file" and "column"); a
        copy."""
        return copy.deepcopy(self._document)

    def __repr__(self) -> str:
        p = "-" if self.p is None else f"{self.p:.4g}"
        return (f"FitResult(xmin={self.xmin:.6g}, alpha={self.alpha:.4f} ± {self.alpha_se:.4f}, "
                f"n_tail={self.n_tail}, ks={self.ks:.4g}, p={p}, verdict={self.label!r})")


def _as_array(values: Values) -> npt.NDArray[np.float64]:
    if isinstance(values, torch.Tensor):
        values = values.detach().to("cpu", torch.float64).numpy()
    return np.ascontiguousarray(np.asarray(values, dtype=np.float64).ravel())


def fit(values: Values, discrete: bool = False, xmin: Optional[float] = None,
        xmax: Optional[float] = None, bootstrap: int = 0, seed: int = 42, threads: int = 0,
        compare: bool = True, significance: float = 0.1, max_candidates: int = 0,
        scan_min_tail: int = 5, min_decades: float = 1.0, min_tail: int = 50) -> FitResult:
    """Fits a power law to `values` (a list, numpy array or tensor of numbers, any shape;
    flattened) the Clauset-Shalizi-Newman way, exactly as `critnet fit --json`:

    discrete: the discrete power law (integers >= 1).
    xmin: a fixed x_min (None: the minimum-KS scan over the unique values).
    xmax: the largest x_min candidate (None: no cap).
    bootstrap: semi-parametric bootstrap replicates for the goodness-of-fit p (0: none).
    seed, threads: the bootstrap's seed and worker threads (0: all cores); p does not depend on
        the thread count.
    compare: the likelihood-ratio tests against the alternatives.
    significance, max_candidates, scan_min_tail, min_decades, min_tail: as `critnet fit`'s
        --significance, --max-candidates, --scan-min-tail, --min-decades, --min-tail.

    Returns a FitResult. Raises ValueError (critnet.InvalidArgument) with the C++ core's message
    for bad data or options, critnet.NumericalError when no x_min gives a valid fit.
    """
    document = _critnet.fit(
        _as_array(values), bool(discrete), math.nan if xmin is None else real("xmin", xmin),
        math.inf if xmax is None else real("xmax", xmax),
        integer("bootstrap", bootstrap, 0, LIMITS["max_bootstrap"]),
        integer("seed", seed, 0, 2**64 - 1), integer("threads", threads, 0, LIMITS["max_threads"]),
        bool(compare), real("significance", significance),
        integer("max_candidates", max_candidates, 0), integer("scan_min_tail", scan_min_tail, 0),
        real("min_decades", min_decades), integer("min_tail", min_tail, 0))
    return FitResult(document)


def read_column(path: Union[str, os.PathLike[str]], column: Union[int, str] = 1,
                discrete: bool = False) -> Tuple[npt.NDArray[np.float64], str]:
    """One column of numbers from a text/CSV file, read as `critnet fit FILE --column C` reads it
    (critnet::analysis::read_column_file): column is a 1-based index or a header name. Returns
    (numpy float64 array, column name). Raises OSError (critnet.DataError) naming the file and
    line for a missing file or a bad value; ValueError for a bad column."""
    if isinstance(column, bool) or not isinstance(column, (int, str)):
        raise ValueError(f"column must be a 1-based index or a header name, got {column!r}")
    if isinstance(column, int) and column < 1:
        raise ValueError(f"column {column}: a column index is an integer >= 1 (or give a header "
                         "name)")
    name, index = (column, 0) if isinstance(column, str) else ("", column - 1)
    values, column_name = _critnet.read_column(os.fspath(path), name, index, bool(discrete))
    return np.asarray(values, dtype=np.float64), column_name


def verdict(fit: Union[FitResult, Document], gof_p_min: float = 0.1, lr_p_max: float = 0.1,
            min_decades: float = 1.0, min_tail: int = 50) -> Document:
    """Verdict rule 2 (critnet::report::assess, docs/methods.md) on one fit: a probe.json fit
    (the "fit" dict of an entry of layer["fits"], e.g. from critnet.probe) or a FitResult.
    Returns the dict of `critnet fit --json`'s "verdict": label ("scale-invariant",
    "too narrow", ...), scale_invariant, reason, rule."""
    document = fit.to_dict() if isinstance(fit, FitResult) else fit
    return _critnet.verdict(document, gof_p_min, lr_p_max, min_decades, min_tail)
