"""critnet.probe: `critnet probe` on any torch.nn.Module, in process.

The layers are chosen by the library's rule (probe::choose_layers, the same as
`critnet probe --model`), the activations are captured by forward hooks and fed to the C++
probe::Probe, and the fits and the document come from probe::fit_and_document, the second half
of `critnet probe` itself: the returned dict has probe.json's schema (critnet.probe/2, docs/cli.md)
less the parts that name files ("csv_files", "results") and the timings ("seconds"); with `out`,
the directory `critnet probe --out` writes (probe::write_probe_directory) and the whole schema.
"""
from __future__ import annotations

import os
import time
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple,
                    Union)

import torch

from . import _critnet
from ._checks import LIMITS, Document, integer

#: The probe recipe's defaults (critnet/probe/recipe.h), shared with `critnet probe`,
#: `critnet reproduce` and sweep grids, and the probe's (probe::ProbeOptions).
_RECIPE = _critnet.ProbeRecipe.defaults
_PROBE = _critnet.ProbeOptions.defaults

#: One observed layer: (name, incoming weight, outgoing weight).
Layer = Tuple[str, torch.Tensor, torch.Tensor]
#: What probe() streams: a tensor of inputs, or an iterable of tensors or (x, y, ...) tuples.
Data = Union[torch.Tensor, Iterable[Any]]


def module_tree(model: torch.nn.Module
                ) -> List[Tuple[str, str, bool, Optional[torch.Tensor]]]:
    """The module tree of `model` as probe::choose_layers takes it: (name, class name, leaf,
    weight or None) in named_modules() order."""
    tree: List[Tuple[str, str, bool, Optional[torch.Tensor]]] = []
    for name, module in model.named_modules():
        weight = getattr(module, "weight", None)
        tree.append((name, type(module).__name__, next(module.children(), None) is None,
                     weight if isinstance(weight, torch.Tensor) and weight.dim() >= 2 else None))
    return tree


def choose_layers(model: torch.nn.Module,
                  layers: Union[str, Sequence[str], None] = None) -> List[Layer]:
    """The observed layers of `model`: [(name, incoming weight, outgoing weight)] by the
    library's rule (layers None or empty: every activation module between two weights)."""
    names = [layers] if isinstance(layers, str) else list(layers or [])
    return _critnet.choose_layers(module_tree(model), names)


def _batches(data: Data, batch_size: int) -> Iterator[torch.Tensor]:
    """The input tensors of `data`: a tensor (split into batches), or an iterable of tensors
    or of (x, y, ...) tuples and lists (a DataLoader)."""
    if isinstance(data, torch.Tensor):
        yield from torch.split(data, batch_size)
        return
    for batch in data:
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        if not isinstance(batch, torch.Tensor):
            raise TypeError(f"a batch must be a tensor or an (x, y) tuple, got {type(batch)}")
        yield batch


def probe(model: torch.nn.Module, data: Data, layers: Union[str, Sequence[str], None] = None,
          threshold: float = _PROBE["threshold"], subset_size: int = _RECIPE["subset_size"],
          subsets: int = _PROBE["num_subsets"], seed: int = _PROBE["seed"],
          bootstrap: int = _RECIPE["bootstrap"], max_candidates: int = _RECIPE["max_candidates"],
          min_tail_fraction: float = _RECIPE["min_tail_fraction"],
          beta: float = _PROBE["beta"], gram_side: str = _PROBE["gram_side"],
          n_convention: str = _PROBE["n_convention"], max_patterns: int = _PROBE["max_patterns"],
          cw_tolerance: float = _PROBE["cw_tolerance"], fits: bool = True, threads: int = 0,
          batch_size: int = 500, source: Optional[Dict[str, Any]] = None,
          out: Union[str, os.PathLike[str], None] = None) -> Document:
    """Probes `model` on `data` and returns probe.json's document as a dict.

    model: any torch.nn.Module; its forward is called on each batch in eval mode without
      gradients (its training mode is restored afterwards).
    data: a tensor of inputs (split into `batch_size` batches), or any iterable of input tensors
      or (x, y) tuples, e.g. a torch.utils.data.DataLoader.
    layers: submodule names as in model.named_modules() (e.g. "features.1"); None: every leaf
      activation module (ReLU, ELU, Tanh, Sigmoid, GELU, LeakyReLU, SiLU) with a Linear/Conv
      weight before and after it. Each observed module must be called once per forward pass.
      A unit of a convolution's output [B, C, ...] is a channel (averaged over positions).
    The other arguments are `critnet probe`'s options, with its defaults: subset_size (10),
    bootstrap (200), max_candidates (1000) and min_tail_fraction (0.1) make a
    critnet.options.ProbeRecipe, the probe recipe every study shares; threshold (0), subsets
    (10), seed (0: the subsets' and the bootstrap's), max_patterns, beta (1), gram_side ("in"),
    n_convention ("fan-in") and cw_tolerance (0.1) a critnet.options.ProbeOptions; threads: the
    bootstrap's (0: all cores).
    source: a dict merged into the document (default: "model" = the model's class, "data" =
    {"source": "python"}, "split" = "python").
    out: a directory (str or path-like; created) to write as `critnet probe --out` writes it:
      probe.json (last, atomically), the raw CSVs and measures/*.csv; the returned document is
      then probe.json's, with "csv_files", "results" and "seconds" (stream, fit, write, total).
      The directory is locked before the first batch: one another critnet process writes is
      refused at once.

    Raises ValueError with the library's message for bad layers or options, OSError when `out`
    cannot be locked or written.
    """
    # Every option is checked before the first batch, with the CLI's bounds.
    batch_size = integer("batch_size", batch_size, 1, LIMITS["max_batch_size"])
    recipe = _critnet.ProbeRecipe(subset_size=subset_size, bootstrap=bootstrap,
                                  max_candidates=max_candidates,
                                  min_tail_fraction=min_tail_fraction)
    # The recipe sets the subset size (probe::ProbeRecipe::apply).
    options = _critnet.ProbeOptions(threshold=threshold, num_subsets=subsets, seed=seed,
                                    max_patterns=max_patterns, beta=beta, gram_side=gram_side, n_convention=n_convention,
                                    cw_tolerance=cw_tolerance)
    threads = integer("threads", threads, 0, LIMITS["max_threads"])
    chosen = choose_layers(model, layers)
    names = [name for name, _, _ in chosen]
    p = _critnet.Probe(chosen, options, recipe, bool(fits), threads)
    if out is not None:
        p.lock_output(os.fspath(out))
    t0 = time.perf_counter()
    modules = dict(model.named_modules())
    captured: Dict[str, torch.Tensor] = {}

    def hook_for(name: str) -> Callable[[torch.nn.Module, Any, Any], None]:
        def hook(module: torch.nn.Module, inputs: Any, output: Any) -> None:
            if name in captured:
                raise ValueError(f"layer '{name}': called more than once in a forward pass")
            if not isinstance(output, torch.Tensor):
                raise ValueError(f"layer '{name}': its output is not a tensor")
            captured[name] = output.detach()
        return hook

    handles = []
    was_training = model.training
    device = next((t.device for t in model.parameters()), torch.device("cpu"))
    batches = 0
    try:
        for name in names:
            handles.append(modules[name].register_forward_hook(hook_for(name)))
        model.eval()
        with torch.no_grad():
            for x in _batches(data, batch_size):
                captured.clear()
                model(x.to(device))
                missing = [n for n in names if n not in captured]
                if missing:
                    raise ValueError(f"layer '{missing[0]}': not called in the forward pass")
                p.observe_activations([captured[n] for n in names])
                batches += 1
    finally:
        for handle in handles:
            handle.remove()
        captured.clear()
        model.train(was_training)
    description: Dict[str, Any] = {"model": f"python:{type(model).__module__}.{type(model).__qualname__}",
                   "data": {"source": "python", "batches": batches},
                   "split": "python"}
    description.update(source or {})
    stream_seconds = time.perf_counter() - t0
    return p.finish(description, stream_seconds)
