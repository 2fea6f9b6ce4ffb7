"""critnet.load_checkpoint: a run's MLP (train::load_model) as a torch.nn.Sequential."""
from __future__ import annotations

import os
from typing import Any, Dict, List, Type, Union

import torch

from . import _critnet

_ACTIVATIONS: Dict[str, Type[torch.nn.Module]] = {"relu": torch.nn.ReLU, "elu": torch.nn.ELU, "tanh": torch.nn.Tanh,
                "linear": torch.nn.Identity}


def load_checkpoint(run_dir: Union[str, os.PathLike[str]]) -> Dict[str, Any]:
    """Loads the checkpoint of a run directory (or its checkpoint/ directory) and returns a dict:
    "model" (torch.nn.Sequential of Linear and activation modules, in eval mode, with the run's
    weights: named "0", "1", ... as Sequential numbers them), "weights" and "biases" (lists of
    tensors, input side first), "activation", "epoch", "config" (config.json as a dict) and
    "data" (the run's data spec, usable as critnet.data.load(**data, split=..., limit=...)).
    Raises OSError when there is no readable checkpoint."""
    c = _critnet.load_checkpoint(os.fspath(run_dir))
    modules: List[torch.nn.Module] = []
    for i, (w, b) in enumerate(zip(c["weights"], c["biases"])):
        linear = torch.nn.Linear(w.shape[1], w.shape[0], bias=b is not None and b.numel() > 0)
        with torch.no_grad():
            linear.weight.copy_(w)
            if linear.bias is not None:
                linear.bias.copy_(b)
        modules.append(linear)
        if i + 1 < len(c["weights"]):
            modules.append(_ACTIVATIONS[c["activation"]]())
    return {"model": torch.nn.Sequential(*modules).eval(),
            "weights": list(c["weights"]),
            "biases": list(c["biases"]),
            "activation": c["activation"],
            "epoch": c["epoch"],
            "config": c["config"],
            "data": c["data"]}
