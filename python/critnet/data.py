"""critnet.data: critnet's own data loaders (the IDX reader for Fashion-MNIST and MNIST, the
CIFAR-10 reader, the synthetic teacher data), standardised exactly as critnet feeds its
network (data::load_split, as `critnet probe` reads a split)."""
from __future__ import annotations

from typing import Tuple

import torch

from . import _critnet
from ._checks import integer

#: A run's data spec's defaults (data::DataSpec), as config.json's "data".
_SPEC = _critnet.DataSpec.defaults


def load(source: str = _SPEC["source"], split: str = "test", limit: int = 0,
         data_dir: str = _SPEC["data_dir"], seed: int = _SPEC["seed"],
         synthetic_train: int = _SPEC["synthetic_train"],
         synthetic_test: int = _SPEC["synthetic_test"], train_limit: int = _SPEC["train_limit"],
         test_limit: int = _SPEC["test_limit"], flat: bool = True
         ) -> Tuple[torch.Tensor, torch.Tensor]:
    """(inputs, labels) of one split: inputs float32 [n, d] standardised with the (kept) train
    split's statistics, labels int64 [n]. flat=False: inputs [n, *sample shape] (e.g.
    [n, 1, 28, 28] for Fashion-MNIST). limit: the first n samples (0 = all); the other
    arguments are the data spec of a run's config.json (critnet.load_checkpoint(run)["data"]
    can be passed as **kwargs; they make a critnet.options.DataSpec). Raises OSError for
    missing or bad files, ValueError for bad arguments, TypeError for a value of the wrong
    type."""
    spec = _critnet.DataSpec(source=source, data_dir=data_dir, seed=seed,
                             synthetic_train=synthetic_train, synthetic_test=synthetic_test,
                             train_limit=train_limit, test_limit=test_limit)
    x, y, shape, _, _, _ = _critnet.load_data(spec, split, integer("limit", limit, 0))
    if not flat:
        x = x.reshape(-1, *shape)
    return x, y
