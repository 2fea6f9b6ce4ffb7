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
from ._checks import Document

#: The defaults of the fit (analysis::FitOptions) and of verdict rule 2 (report::VerdictRule),
#: the library's, shared with `critnet fit`.
_FIT = _critnet.FitOptions.defaults
_RULE = _critnet.VerdictRule.defaults

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


def fit(values: Values, discrete: bool = _FIT["discrete"], xmin: Optional[float] = None,
        xmax: Optional[float] = None, bootstrap: int = _FIT["bootstrap"],
        seed: int = _FIT["seed"], threads: int = _FIT["threads"],
        compare: bool = _FIT["compare"], significance: float = _FIT["significance"],
        max_candidates: int = _FIT["max_candidates"], scan_min_tail: int = _FIT["min_tail"],
        min_decades: float = _RULE["min_decades"], min_tail: int = _RULE["min_tail"]
        ) -> FitResult:
    """Fits a power law to `values` (a list, numpy array or tensor of numbers, any shape;
    flattened) the Clauset-Shalizi-Newman way, exactly as `critnet fit --json`:

    discrete: the discrete power law (integers >= 1) (False).
    xmin: a fixed x_min (None: the minimum-KS scan over the unique values).
    xmax: the largest x_min candidate (None: no cap).
    bootstrap: semi-parametric bootstrap replicates for the goodness-of-fit p (0: none).
    seed, threads: the bootstrap's seed (42) and worker threads (0: all cores); p does not
        depend on the thread count.
    compare: the likelihood-ratio tests against the alternatives (True).
    significance (0.1), max_candidates (0: all), scan_min_tail (5), min_decades (1.0),
        min_tail (50): as `critnet fit`'s --significance, --max-candidates, --scan-min-tail,
        --min-decades, --min-tail.
    The arguments become a critnet.options.FitOptions (xmin None = nan, xmax None = inf;
    scan_min_tail is its min_tail) and a critnet.options.VerdictRule (min_decades, min_tail),
    checked when they are built.

    Returns a FitResult. Raises ValueError (critnet.InvalidArgument) with the C++ core's message
    for bad data or options, TypeError for a value of the wrong type, critnet.NumericalError
    when no x_min gives a valid fit.
    """
    options = _critnet.FitOptions(
        discrete=discrete, xmin=math.nan if xmin is None else xmin,
        xmax=math.inf if xmax is None else xmax, bootstrap=bootstrap, seed=seed,
        threads=threads, compare=compare, significance=significance,
        max_candidates=max_candidates, min_tail=scan_min_tail)
    rule = _critnet.VerdictRule(min_decades=min_decades, min_tail=min_tail)
    return FitResult(_critnet.fit(_as_array(values), options, rule))


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


def verdict(fit: Union[FitResult, Document], gof_p_min: float = _RULE["gof_p_min"],
            lr_p_max: float = _RULE["lr_p_max"], min_decades: float = _RULE["min_decades"],
            min_tail: int = _RULE["min_tail"]) -> Document:
    """Verdict rule 2 (critnet::report::assess, docs/methods.md) on one fit: a probe.json fit
    (the "fit" dict of an entry of layer["fits"], e.g. from critnet.probe) or a FitResult.
    Returns the dict of `critnet fit --json`'s "verdict": label ("scale-invariant",
    "too narrow", ...), scale_invariant, reason, rule."""
    document = fit.to_dict() if isinstance(fit, FitResult) else fit
    rule = _critnet.VerdictRule(gof_p_min=gof_p_min, lr_p_max=lr_p_max, min_decades=min_decades,
                                min_tail=min_tail)
    return _critnet.verdict(document, rule)
