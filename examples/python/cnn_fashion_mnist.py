#!/usr/bin/env python3
"""A small CNN on Fashion-MNIST, trained with critnet's critical penalty on its conv and hidden
layers, then probed: every measure of `critnet probe` on every activation after a
Conv/Linear, fitted the Clauset-Shalizi-Newman way, printed as a verdict table.

    .venv/bin/python examples/python/cnn_fashion_mnist.py                   # ~ a minute
    .venv/bin/python examples/python/cnn_fashion_mnist.py --train-limit 512 --epochs 1 \\
        --probe-limit 200 --bootstrap 0                                     # seconds

with critnet pip-installed into .venv (docs/python.md), or with
`PYTHONPATH=build/python /usr/bin/python3` (the package scripts/build.sh builds).

Data: critnet's IDX reader (critnet.data.load, standardised as critnet's own training does;
the files are looked for where `critnet train --data fashion-mnist` looks, or --data-dir).
No torchvision.
"""
import argparse
import time

import torch

import critnet


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 16, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),   # 16 x 13 x 13
            torch.nn.Conv2d(16, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2))  # 32 x 5 x 5
        self.classifier = torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(32 * 5 * 5, 64), torch.nn.ReLU(),
            torch.nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-limit", type=int, default=10000, help="training samples (0 = all)")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--probe-limit", type=int, default=2000, help="test samples probed")
    ap.add_argument("--bootstrap", type=int, default=100, help="replicates per fit (0 = no p)")
    ap.add_argument("--beta", type=float, default=15.0, help="a = beta / N of the cw penalty")
    ap.add_argument("--strength", type=float, default=1e-3, help="lambda of the penalty")
    ap.add_argument("--data-dir", default="")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    x, y = critnet.data.load("fashion-mnist", split="train", limit=args.train_limit,
                             data_dir=args.data_dir, flat=False)
    x_test, y_test = critnet.data.load("fashion-mnist", split="test", limit=args.probe_limit,
                                       data_dir=args.data_dir, flat=False)
    model = Cnn()
    reg = critnet.CriticalRegularizer(model, preset="cw", beta=args.beta,
                                      strength=args.strength)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y),
                                         batch_size=args.batch_size, shuffle=True)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        for step, (xb, yb) in enumerate(loader):
            opt.zero_grad()
            ce = torch.nn.functional.cross_entropy(model(xb), yb)
            loss = ce + reg(step)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(x_test).argmax(1) == y_test).float().mean().item()
        print(f"epoch {epoch + 1}: cross-entropy {ce.item():.3f}, penalty "
              f"{sum(p.item() for p in reg.penalties()):.4g} (layers {', '.join(reg.layers)}), "
              f"test accuracy {acc:.3f} ({time.time() - t0:.1f} s)")

    doc = critnet.probe(model, x_test, bootstrap=args.bootstrap, seed=args.seed,
                        threads=args.threads)
    print(f"\nprobed {doc['num_samples']} test samples; a unit of a conv layer is a channel")
    print(f"{'layer':<14} {'width':>5} {'measure':<24} {'alpha':>7} {'decades':>7} {'p':>6}  "
          "verdict")
    for layer in doc["layers"]:
        for f in layer["fits"]:
            if f["measure"] == "subset_pattern_counts":
                continue
            if "fit" not in f:
                print(f"{layer['name']:<14} {layer['width']:>5} {f['measure']:<24} "
                      f"{'':>7} {'':>7} {'':>6}  no fit ({f.get('error', 'no values')})")
                continue
            fit = f["fit"]
            p = "-" if fit["p"] is None else f"{fit['p']:.2f}"
            label = critnet.verdict(fit)["label"] if fit["p"] is not None else "- (no bootstrap)"
            print(f"{layer['name']:<14} {layer['width']:>5} {f['measure']:<24} "
                  f"{fit['alpha']:>7.3f} {fit['tail_decades']:>7.2f} {p:>6}  {label}")


if __name__ == "__main__":
    main()
