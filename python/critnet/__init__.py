"""critnet from Python: the critical penalty with its analytic gradient, the
Clauset-Shalizi-Newman power-law analysis, and the RG analysis of a layer, on critnet's C++
core (docs/python.md).

    import torch, critnet
    model = torch.nn.Sequential(torch.nn.Linear(784, 200), torch.nn.ReLU(), torch.nn.Linear(200, 10))
    reg = critnet.CriticalRegularizer(model, preset="cw", beta=400.0, strength=1e-3)
    loss = torch.nn.functional.cross_entropy(model(x), y) + reg()
    print(critnet.fit(values, bootstrap=1000).to_dict())
"""
import torch  # noqa: F401  (loads LibTorch and its Python bindings before the extension)

from . import _critnet
from ._critnet import DataError, Error, InvalidArgument, NumericalError
from .fit import FitResult, fit, read_column
from .penalty import penalty, penalty_naive
from .regularizer import CriticalRegularizer
from . import rg

__version__ = _critnet.__version__

__all__ = [
    "CriticalRegularizer",
    "DataError",
    "Error",
    "FitResult",
    "InvalidArgument",
    "NumericalError",
    "fit",
    "penalty",
    "penalty_naive",
    "read_column",
    "rg",
]
