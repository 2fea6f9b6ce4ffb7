"""critnet from Python: the critical penalty with its analytic gradient, the
Clauset-Shalizi-Newman power-law analysis, the RG analysis of a layer, the mean-field sweep
and the Gaussian model (critnet.rg), on critnet's C++ core (docs/python.md).

    import torch, critnet
    model = torch.nn.Sequential(torch.nn.Linear(784, 200), torch.nn.ReLU(), torch.nn.Linear(200, 10))
    reg = critnet.CriticalRegularizer(model, preset="cw", beta=400.0, strength=1e-3)
    loss = torch.nn.functional.cross_entropy(model(x), y) + reg()
    print(critnet.fit(values, bootstrap=1000).to_dict())
    doc = critnet.probe(model, critnet.data.load("fashion-mnist", limit=1000)[0])
"""
from __future__ import annotations

from typing import Any, Dict

import torch  # noqa: F401  (loads LibTorch and its Python bindings before the extension)

from . import _critnet
from ._critnet import DataError, Error, InvalidArgument, NumericalError
from .checkpoint import load_checkpoint
from .fit import FitResult, fit, read_column, verdict
from .penalty import penalty, penalty_naive
from .regularizer import CriticalRegularizer
from .probe import probe
from .htsr import htsr
from .edge import edge
from .signal import signal
from . import data, options, rg


def info() -> Dict[str, Any]:
    """What critnet runs on, the document of `critnet info --json`: versions, BLAS, threads,
    CUDA devices and ``kernels`` (the CPU's vector family, OpenBLAS's core and whether it is a
    generic one, oneDNN's ISA). OpenBLAS reads OPENBLAS_CORETYPE once, when it is loaded: when
    ``info()["kernels"]["openblas_generic"]`` is true, start Python with
    ``OPENBLAS_CORETYPE=<info()["kernels"]["openblas_best_core"]>`` (docs/performance.md)."""
    return _critnet.info()


__version__: str = _critnet.__version__


def _warn_generic_openblas() -> None:
    import warnings

    warning = info()["kernels"]["warning"]
    if warning:
        warnings.warn(warning, RuntimeWarning, stacklevel=3)


_warn_generic_openblas()

__all__ = [
    "CriticalRegularizer",
    "DataError",
    "Error",
    "FitResult",
    "InvalidArgument",
    "NumericalError",
    "data",
    "edge",
    "fit",
    "htsr",
    "info",
    "load_checkpoint",
    "options",
    "penalty",
    "penalty_naive",
    "probe",
    "read_column",
    "rg",
    "signal",
    "verdict",
]
