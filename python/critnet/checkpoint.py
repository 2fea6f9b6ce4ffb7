"""critnet.load_checkpoint: a run's MLP (train::load_model) as a torch.nn.Sequential."""
import json

import torch

from . import _critnet

_ACTIVATIONS = {"relu": torch.nn.ReLU, "elu": torch.nn.ELU, "tanh": torch.nn.Tanh,
                "linear": torch.nn.Identity}


def load_checkpoint(run_dir):
    """Loads the checkpoint of a run directory (or its checkpoint/ directory) and returns a dict:
    "model" (torch.nn.Sequential of Linear and activation modules, in eval mode, with the run's
    weights: named "0", "1", ... as Sequential numbers them), "weights" and "biases" (lists of
    tensors, input side first), "activation", "epoch", "config" (config.json as a dict) and
    "data" (the run's data spec, usable as critnet.data.load(**data, split=..., limit=...)).
    Raises OSError when there is no readable checkpoint."""
    c = _critnet.load_checkpoint(str(run_dir))
    modules = []
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
            "config": json.loads(c["config"]),
            "data": json.loads(c["data"])}
