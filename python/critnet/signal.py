"""critnet.signal: the edge of chaos measured on a torch.nn.Module, the code behind probe.json's
"signal" (critnet::atlas::measure_signal; docs/methods.md, "Signal propagation, measured")."""
import json

import torch

from . import _checks, _critnet

# Elementwise activation modules and the name the C++ core knows them by.
_ACTIVATIONS = {
    torch.nn.ReLU: "relu",
    torch.nn.Tanh: "tanh",
    torch.nn.ELU: "elu",
    torch.nn.Sigmoid: "sigmoid",
    torch.nn.SELU: "selu",
    torch.nn.Identity: "linear",
}
# Modules that pass the signal through unchanged in eval mode.
_TRANSPARENT = (torch.nn.Flatten, torch.nn.Dropout)


def _chain(model, inputs):
    """The Linear layers in the order a forward pass calls them, the activation between them
    and whether the input is flattened first; ValueError unless the model is such a chain."""
    calls = []
    hooks = [m.register_forward_hook(lambda mod, i, o, name=name: calls.append((name, mod)))
             for name, m in model.named_modules() if not list(m.children())]
    try:
        with torch.no_grad():
            model(inputs[:1])
    finally:
        for h in hooks:
            h.remove()
    linears, acts, flatten = [], [], False
    for name, m in calls:
        if isinstance(m, _TRANSPARENT):
            flatten |= isinstance(m, torch.nn.Flatten) and not linears
            continue
        if isinstance(m, torch.nn.Linear):
            linears.append(m)
        elif type(m) in _ACTIVATIONS and len(acts) < len(linears):
            if isinstance(m, torch.nn.ELU) and m.alpha != 1.0:
                raise ValueError(f"critnet.signal: {name} is an ELU with alpha {m.alpha}, not 1")
            acts.append(_ACTIVATIONS[type(m)])
        else:
            raise ValueError(
                f"critnet.signal measures chains of Linear layers with elementwise activations "
                f"between them; {name or 'the model'} ({type(m).__name__}) is not one")
    if linears and len(acts) == len(linears):
        acts.pop()  # after the last Linear: not between two layers
    return linears, acts, flatten


def signal(model, inputs, activation=None, jacobian_samples=256, apjn_probes=4, bootstrap=200,
           seed=0, critical_tolerance=0.05, batch_size=500):
    """Signal propagation through `model`, a chain of torch.nn.Linear layers with one kind of
    elementwise activation module between them (ReLU, Tanh, ELU, Sigmoid, SELU, Identity;
    Flatten and Dropout pass), measured on `inputs` [n, ...] in eval mode.

    activation: the activation's name ("relu", "tanh", "elu", "sigmoid", "selu", "linear",
    "erf") when the model applies it as a function rather than a module.

    Returns the dict probe.json's "signal" holds: "layers" (per Linear: chi1 with its bootstrap
    95% interval chi1_ci_low / chi1_ci_high, sigma_w2, sigma_b2, q, chi1_mean_field, phase,
    apjn, apjn_se), "jacobian" (mean, variance, max, min of the input-output Jacobian's squared
    singular values over the first jacobian_samples inputs), "apjn", "chi1_geometric_mean" and
    "phase". Raises ValueError for a model that is not such a chain or bad options, TypeError
    for non-numbers, critnet.DataError for non-finite weights or inputs.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(inputs, torch.Tensor) or inputs.dim() < 2 or inputs.shape[0] < 1:
        raise ValueError("inputs must be a tensor [n >= 1, ...]")
    jacobian_samples = _checks.integer("jacobian_samples", jacobian_samples, 0, 100000)
    apjn_probes = _checks.integer("apjn_probes", apjn_probes, 1, 1000)
    bootstrap = _checks.integer("bootstrap", bootstrap, 0, _checks.LIMITS["max_bootstrap"])
    seed = _checks.integer("seed", seed, 0, 2**64 - 1)
    batch_size = _checks.integer("batch_size", batch_size, 1, _checks.LIMITS["max_batch_size"])
    tolerance = _checks.real("critical_tolerance", critical_tolerance)
    was_training = model.training
    model.eval()
    try:
        linears, acts, flatten = _chain(model, inputs)
    finally:
        model.train(was_training)
    if not linears:
        raise ValueError("critnet.signal: the model has no Linear layer")
    if activation is None:
        if len(linears) > 1 and len(acts) != len(linears) - 1:
            raise ValueError("critnet.signal: give activation=... (no activation module found "
                             "between every two Linear layers)")
        if len(set(acts)) > 1:
            raise ValueError(f"critnet.signal: the activations differ between layers: {acts}")
        activation = acts[0] if acts else "linear"
    x = inputs.flatten(1) if flatten or inputs.dim() > 2 else inputs
    return json.loads(_critnet.signal_json(
        [m.weight for m in linears], [m.bias for m in linears], activation, x.float(),
        jacobian_samples, apjn_probes, bootstrap, seed, tolerance, batch_size))
