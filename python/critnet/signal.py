"""critnet.signal: the edge of chaos measured on any torch.nn.Module, the code behind probe.json's
"signal" (critnet::atlas::measure_signal; docs/methods.md, "Signal propagation, measured")."""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type

import torch

from . import _checks, _critnet
from ._checks import Document

#: One leaf module call of a forward pass: (name, module, its inputs, its output).
Call = Tuple[str, torch.nn.Module, Tuple[Any, ...], Any]
#: The library's defaults (atlas::SignalOptions), shared with `critnet signal`.
_SIGNAL = _critnet.SignalOptions.defaults

# Elementwise activation modules and the name the C++ core knows them by.
_ACTIVATIONS: Dict[Type[torch.nn.Module], str] = {
    torch.nn.ReLU: "relu",
    torch.nn.Tanh: "tanh",
    torch.nn.ELU: "elu",
    torch.nn.Sigmoid: "sigmoid",
    torch.nn.SELU: "selu",
    torch.nn.Identity: "linear",
}
# Modules that pass the signal through unchanged in eval mode.
_TRANSPARENT = (torch.nn.Flatten, torch.nn.Dropout)
# The weight layers whose outputs are the pre-activations h^l.
_WEIGHT_LAYERS = (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)


def _trace(model: torch.nn.Module, x: torch.Tensor) -> Tuple[List[Call], torch.Tensor]:
    """The leaf modules one forward pass of x calls, in order, as (name, module, inputs, output),
    and the model's output."""
    calls: List[Call] = []
    hooks = [m.register_forward_hook(lambda mod, i, o, name=name: calls.append((name, mod, i, o)))
             for name, m in model.named_modules() if not list(m.children())]
    try:
        with torch.no_grad():
            y = model(x)
    except Exception as e:
        raise ValueError(f"critnet.signal: the model rejects inputs of shape "
                         f"{tuple(x.shape)}: {e}") from e
    finally:
        for h in hooks:
            h.remove()
    if not isinstance(y, torch.Tensor):
        raise ValueError(f"critnet.signal: the model's output must be one tensor, "
                         f"got {type(y).__name__}")
    return calls, y


def _activation_of(name: str, m: torch.nn.Module) -> Optional[str]:
    if isinstance(m, torch.nn.ELU) and m.alpha != 1.0:
        return None  # critnet's theory knows ELU with alpha 1
    return _ACTIVATIONS.get(type(m))


def _as_chain(calls: Sequence[Call], x: torch.Tensor, y: torch.Tensor
              ) -> Optional[Tuple[List[torch.nn.Linear], List[str]]]:
    """(linears, activations) when the forward pass is provably a chain Linear, φ, Linear, φ, ...,
    Linear (one activation module between every two Linear layers, Flatten and Dropout
    aside, each call fed the previous call's output, the model returning the last Linear's
    output); None otherwise."""
    prev: Any = x
    linears: List[torch.nn.Linear] = []
    acts: List[str] = []
    for name, m, inputs, out in calls:
        if len(inputs) != 1 or inputs[0] is not prev:
            return None
        prev = out
        if isinstance(m, _TRANSPARENT):
            if isinstance(m, torch.nn.Flatten) and linears:
                return None
        elif isinstance(m, torch.nn.Linear) and len(acts) == len(linears):
            linears.append(m)
        elif (kind := _activation_of(name, m)) and len(acts) == len(linears) - 1:
            acts.append(kind)
        else:
            return None
    if y is not prev or not linears or len(acts) != len(linears) - 1 or len(set(acts)) > 1:
        return None
    return linears, acts


def _tapped_forward(model: torch.nn.Module, layers: Sequence[torch.nn.Module]
                    ) -> Callable[[torch.Tensor], List[torch.Tensor]]:
    """forward(x) -> the outputs of `layers` (modules) in call order, then the model's output."""
    def forward(x: torch.Tensor) -> List[torch.Tensor]:
        outs: Dict[int, torch.Tensor] = {}

        def keep(i: int) -> Callable[[torch.nn.Module, Any, torch.Tensor], torch.Tensor]:
            def hook(mod: torch.nn.Module, inputs: Any, out: torch.Tensor) -> torch.Tensor:
                outs[i] = out
                return out.clone()  # an in-place activation after it must not change h^l
            return hook
        # torch 1.13 types a forward hook as returning None; one may return the output to use.
        hooks = [m.register_forward_hook(keep(i))  # type: ignore[arg-type]
                 for i, m in enumerate(layers)]
        try:
            y = model(x)
        finally:
            for h in hooks:
                h.remove()
        return [outs[i] for i in range(len(layers))] + [y]
    return forward


def signal(model: torch.nn.Module, inputs: torch.Tensor, activation: Optional[str] = None,
           jacobian_samples: int = _SIGNAL["jacobian_samples"],
           apjn_probes: int = _SIGNAL["apjn_probes"], bootstrap: int = _SIGNAL["bootstrap"],
           seed: int = _SIGNAL["seed"], critical_tolerance: float = _SIGNAL["critical_tolerance"],
           batch_size: int = _SIGNAL["batch_size"]) -> Document:
    """Signal propagation through any `model` measured on `inputs` [n, ...] in eval mode.

    The layers are the Linear and Conv modules in the order a forward pass calls them, h^l the
    output of layer l. A plain chain (Linear, one kind of activation module, Linear, ...,
    Linear; Flatten and Dropout pass) is measured exactly; any other model through autograd,
    χ₁ by Hutchinson's estimator with `apjn_probes` random vectors per input. Layer l's
    Jacobian ∂h^l/∂h^{l−1} takes every path between the two outputs (activations, pooling,
    normalisation); a skip connection that bypasses layer l−1 is not on one, while the APJN
    (∂h^l/∂h^1) takes every path. The model must treat the samples of a batch independently
    (eval mode does for BatchNorm).

    activation: the activation's name ("relu", "tanh", "elu", "sigmoid", "selu", "linear",
    "erf") for the mean-field χ₁; found from the modules when they are all of one kind,
    else the mean-field χ₁ is None.

    Returns the dict probe.json's "signal" holds: "layers" (per layer: chi1 with its bootstrap
    95% interval chi1_ci_low / chi1_ci_high, sigma_w2 = fan-in × Var(W), sigma_b2, q,
    chi1_mean_field, phase, apjn, apjn_se, and the module's name off the exact path),
    "chi1_estimator" ("exact" or "hutchinson"), "jacobian" (mean, variance, max, min of the
    input-output Jacobian's squared singular values over the first jacobian_samples inputs;
    computed for models with at most 256 outputs per sample), "apjn", "chi1_geometric_mean" and
    "phase". Raises ValueError for a model without Linear or Conv layers, one that calls a
    layer twice, rejects the inputs or returns something other than a tensor, or bad options;
    TypeError for non-numbers; critnet.DataError for non-finite weights, inputs or outputs.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(inputs, torch.Tensor) or inputs.dim() < 2 or inputs.shape[0] < 1:
        raise ValueError("inputs must be a tensor [n >= 1, ...]")
    options = _critnet.SignalOptions(
        activation=activation, jacobian_samples=jacobian_samples, apjn_probes=apjn_probes,
        bootstrap=bootstrap, seed=seed, critical_tolerance=critical_tolerance,
        batch_size=batch_size)
    x = inputs.float()
    was_training = model.training
    model.eval()
    try:
        first = x[:1]
        calls, y = _trace(model, first)
        chain = _as_chain(calls, first, y)
        if chain is not None:
            linears, acts = chain
            chosen = activation or (acts[0] if acts else "linear")
            return _critnet.signal(
                [m.weight for m in linears], [_checks.bias_of(m) for m in linears],
                x.flatten(1), options.replace(activation=chosen))
        return _measure_tapped(model, calls, x, activation, options)
    finally:
        model.train(was_training)


def _measure_tapped(model: torch.nn.Module, calls: Sequence[Call], x: torch.Tensor,
                    activation: Optional[str], options: _critnet.SignalOptions) -> Document:
    names: List[str] = []
    layers: List[torch.nn.Module] = []
    for name, m, _, _ in calls:
        if isinstance(m, _WEIGHT_LAYERS):
            if m in layers:
                raise ValueError(f"critnet.signal: {name or 'a layer'} is called more than once "
                                 f"in a forward pass; measure a model that calls each layer once")
            names.append(name)
            layers.append(m)
    if not layers:
        raise ValueError("critnet.signal: the model has no Linear or Conv layer")
    if activation is None:
        found = {_activation_of(n, m) for n, m, _, _ in calls
                 if type(m).__module__ == "torch.nn.modules.activation"}
        activation = found.pop() if len(found) == 1 else None
    return _critnet.signal(
        [_checks.weight_of(m) for m in layers], [_checks.bias_of(m) for m in layers], x,
        options.replace(activation=activation), forward=_tapped_forward(model, layers),
        names=names)
