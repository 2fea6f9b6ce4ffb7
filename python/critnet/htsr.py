"""critnet.htsr: heavy-tailed self-regularisation (HTSR) of any torch.nn.Module's weights.

For every Linear and Conv layer: WeightWatcher's columns (under its names) and critnet's
Clauset-Shalizi-Newman statistics on the same tail, from the C++ core (atlas::analyse_layers,
the code behind `critnet htsr`; docs/methods.md, "HTSR").
"""
from __future__ import annotations

from typing import List

import torch

from . import _critnet
from ._checks import Document

#: The library's defaults (atlas::HtsrOptions), shared with `critnet htsr`.
_HTSR = _critnet.HtsrOptions.defaults

_LAYER_TYPES = (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)


def htsr(model: torch.nn.Module, bootstrap: int = _HTSR["bootstrap"], seed: int = _HTSR["seed"],
         threads: int = _HTSR["threads"], eval_floor: float = _HTSR["eval_floor"]
         ) -> List[Document]:
    """One dict per Linear/Conv layer of `model`, in named_modules() order: layer (the module's
    qualified name), type, N, M, rf, num_evals, alpha, xmin, D, sigma, num_pl_spikes,
    lambda_max, norm, log_norm, log_spectral_norm, alpha_weighted, log_alpha_norm, stable_rank,
    entropy, matrix_rank, mp_softrank, num_spikes (WeightWatcher's columns), then critnet's: p
    (the tail's bootstrap goodness-of-fit), verdict (rule 2), label ("MP bulk: no tail",
    "heavy-tailed: power law not rejected over ≥ 1 decade", "tail rejected (lognormal
    favoured)", ...), ww_label (WeightWatcher's α heuristic, named as one), mp, csn (the full
    fit with its likelihood-ratio tests). A layer without a fit has "error" instead. The rows
    convert with pandas.DataFrame(rows).

    bootstrap (100), seed (0), threads (0: all cores) and eval_floor (1e-5: eigenvalues at or
    below it are dropped) make a critnet.options.HtsrOptions, checked when it is built.

    Raises ValueError for bad options or a model without Linear/Conv layers, TypeError for a
    value of the wrong type; KeyboardInterrupt when Ctrl-C stops a bootstrap.
    """
    options = _critnet.HtsrOptions(bootstrap=bootstrap, seed=seed, threads=threads,
                                   eval_floor=eval_floor)
    layers = [(name, type(m).__name__, m.weight.detach())
              for name, m in model.named_modules() if isinstance(m, _LAYER_TYPES)]
    return _critnet.htsr(layers, options)
