"""critnet.CriticalRegularizer: lambda * sum_l R(V_l) over a torch.nn.Module's Linear and Conv
weights, to add to any loss (any torch.optim optimiser); thin Python over critnet.penalty."""
from __future__ import annotations

import warnings
from typing import List, Optional, Sequence, Tuple, Union

import torch

from . import _critnet
from ._checks import integer, real, weight_of
from .penalty import penalty_of, penalty_options

_LAYER_TYPES = (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)


class CriticalRegularizer:
    """The critical penalty of a model's layers (docs/methods.md, "The critical penalty"; docs/python.md).

    model: any torch.nn.Module; its Linear and Conv1d/2d/3d submodules, in the order of
        model.named_modules(), are the candidate layers.
    layers: None (every candidate but the last: the output layer), or a list of submodule
        names (as in named_modules(), e.g. "features.0") or indices into the candidates.
    preset, beta, side, n, coefficients, probes: as critnet.penalty.
    strength: lambda >= 0.
    interval: k >= 1; the penalty is applied every k-th call with strength k * lambda (the lazy
        schedule of `critnet train --reg-interval`); other calls return a zero.

    reg.layers: the chosen submodules' names; reg.options: the penalty's
    critnet.options.PenaltyOptions, checked once here; reg.strength, reg.interval.
    reg(step=None) returns the scalar to add to the loss; step (0-based) picks the calls that
    apply the penalty (step % interval == 0); without it the regulariser counts its calls.
    """

    def __init__(self, model: torch.nn.Module, preset: str = "paper", beta: float = 1.0,
                 strength: float = 1e-3, layers: Optional[Sequence[Union[str, int]]] = None,
                 interval: int = 1, probes: int = 0, side: str = "in", n: str = "fan-in",
                 coefficients: Optional[Sequence[float]] = None) -> None:
        self.options = penalty_options(preset, beta, side, n, coefficients, probes)
        strength, interval = real("strength", strength), integer("interval", interval)
        warning = _critnet.check_regularizer(self.options, strength, interval)
        if warning is not None:
            warnings.warn(warning, stacklevel=2)
        candidates: List[Tuple[str, torch.nn.Module]] = [(name, m) for name, m in model.named_modules()
                      if isinstance(m, _LAYER_TYPES)]
        # Names become indices here (the library knows no module names); which layers a
        # schedule penalises, and its checks, are the library's (train::penalised_layers).
        names = [name for name, _ in candidates]
        indices: List[int] = []
        for layer in layers or []:
            if isinstance(layer, str):
                if layer not in names:
                    raise ValueError(f"layer {layer!r} is not a Linear/Conv submodule of the "
                                     f"model; those are: {', '.join(names) or 'none'}")
                indices.append(names.index(layer))
            else:
                indices.append(integer("layers", layer))
        chosen = [candidates[i] for i in _critnet.penalised_layers(len(candidates), indices)]
        self.layers = [name for name, _ in chosen]
        self._modules = [m for _, m in chosen]
        self.strength, self.interval = strength, interval
        self._calls = 0

    def penalties(self) -> List[torch.Tensor]:
        """R(V_l) of each chosen layer (differentiable), in the order of self.layers."""
        return [penalty_of(weight_of(m), self.options) for m in self._modules]

    def __call__(self, step: Optional[int] = None) -> torch.Tensor:
        if step is None:
            step, self._calls = self._calls, self._calls + 1
        # k·λ when the schedule applies the penalty at this step, else 0 (the trainer's rule,
        # train::PenaltySchedule::applies_at).
        weight = _critnet.penalty_weight(self.options, self.strength, self.interval,
                                         integer("step", step))
        if weight == 0.0:
            first = weight_of(self._modules[0])
            return torch.zeros((), dtype=first.dtype, device=first.device)
        return weight * torch.stack(self.penalties()).sum()
