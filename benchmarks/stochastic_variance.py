#!/usr/bin/python3
"""Relative error of one stochastic gradient of the `paper` penalty, per split (docs/methods.md).

The first layer of the paper's net, V [600, 3072] at LibTorch's initialisation (uniform in
+-1/sqrt(3072)), side `in` (N = 3072), float64, m probes, mean of DRAWS draws of
||g - grad R|| / ||grad R|| for three unbiased estimators of grad R (F = V^T, G = F^T F):
  - the gradient of the value estimate (1/m)||P Z||^2 (autograd);
  - the general split (4/m) (F P' Z)(P Z)^T;
  - the same-sign split 4 d_0 F + (4/m) (F G Z)(d_1 Z + d_2 G Z + d_3 G^2 Z)^T,
with P = p(aG), P'P = sum_j d_j G^j. This is a PyTorch prototype of the formulas in
src/regularizers/detail/penalty_stochastic.cpp (the C++ itself is tested in
tests/unit/regularizers/stochastic_test.cpp). Run with Debian's python3-torch:
    /usr/bin/python3 benchmarks/stochastic_variance.py [--probes 4] [--draws 20]
"""
import argparse
import math

import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--probes", type=int, default=4)
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    out, inputs, m = 600, 3072, args.probes
    v = (torch.rand(out, inputs, dtype=torch.float64) * 2 - 1) / math.sqrt(inputs)
    f = v.t()
    g = f.t() @ f
    k = out
    eye = torch.eye(k, dtype=torch.float64)
    print("| β | max a s² | gradient of R̂ | general split | same-sign split |")
    print("|---|---|---|---|---|")
    for beta in [1.0, 100.0, 1000.0, 3072.0, -3072.0]:
        a = beta / inputs
        q = [1.0, a, 2 * a * a]
        r = [q[1], 2 * q[2]]
        p = q[0] * eye + q[1] * g + q[2] * g @ g
        dp = r[0] * eye + r[1] * g
        exact = 4 * f @ (p @ dp)
        d = [0.0] * 4
        for i in range(3):
            for j in range(2):
                d[i + j] += q[i] * r[j]
        errors = [[], [], []]
        for _ in range(args.draws):
            z = torch.randint(0, 2, (k, m), dtype=torch.float64) * 2 - 1
            fv = f.clone().requires_grad_(True)
            gv = fv.t() @ fv
            yv = q[0] * z + q[1] * gv @ z + q[2] * gv @ (gv @ z)
            (yv.square().sum() / m).backward()
            k1 = g @ z
            k2 = g @ k1
            general = 4 / m * (f @ (r[0] * z + r[1] * k1)) @ (q[0] * z + q[1] * k1 + q[2] * k2).t()
            same_sign = 4 * d[0] * f + 4 / m * (f @ k1) @ (d[1] * z + d[2] * k1 + d[3] * k2).t()
            for e, est in zip(errors, (fv.grad, general, same_sign)):
                e.append(((est - exact).norm() / exact.norm()).item())
        top = (a * torch.linalg.eigvalsh(g)).abs().max().item()
        means = " | ".join(f"{sum(e) / len(e):.3g}" for e in errors)
        print(f"| {beta:g} | {top:.4f} | {means} |")


if __name__ == "__main__":
    main()
