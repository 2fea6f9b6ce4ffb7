"""critnet.data: critnet's own data loaders (the IDX reader for Fashion-MNIST and MNIST, the
CIFAR-10 reader, the synthetic teacher data), standardised exactly as critnet feeds its
network (data::load_split, as `critnet probe` reads a split)."""
from __future__ import annotations

from typing import Tuple

import torch

from . import _critnet


def load(source: str = "fashion-mnist", split: str = "test", limit: int = 0, data_dir: str = "",
         seed: int = 0, synthetic_train: int = 10000, synthetic_test: int = 2000,
         train_limit: int = 0, test_limit: int = 0,
         flat: bool = True) -> Tuple[torch.Tensor, torch.Tensor]:
    """(inputs, labels) of one split: inputs float32 [n, d] standardised with the (kept) train
    split's statistics, labels int64 [n]. flat=False: inputs [n, *sample shape] (e.g.
    [n, 1, 28, 28] for Fashion-MNIST). limit: the first n samples (0 = all); the other
    arguments are the data spec of a run's config.json (critnet.load_checkpoint(run)["data"]
    can be passed as **kwargs). Raises OSError for missing or bad files, ValueError for bad
    arguments."""
    x, y, shape, _, _, _ = _critnet.load_data(source, split, limit, data_dir, seed,
                                              synthetic_train, synthetic_test, train_limit,
                                              test_limit)
    if not flat:
        x = x.reshape(-1, *shape)
    return x, y
