#!/usr/bin/env python3
"""critnet from Python against the same work in C++ and in plain PyTorch, in one run.

1. The critical penalty (paper preset, beta = 1, gram side "in", float32), value + backward, on
   the paper's layer shapes [600, 3072], [400, 600], [200, 400], [100, 200]:
     - critnet.penalty from Python (C++ value + analytic gradient under a torch.autograd.Function),
     - the C++ call: benchmarks/bench_regularizer's BM_Penalty (critnet::reg::penalty + backward),
     - PyTorch's naive autograd penalty written in Python (the literal formula on the full
       Gram matrix of the side: w = V^T V, [in, in]), and on the cheap side (V V^T, [out, out]).
   C++ and Python alternate for --repetitions rounds (each at least 0.2-0.5 s of calls);
   medians over the rounds; ratios Python/C++ and naive/Python.
2. critnet.fit with a 1,000-replicate bootstrap on 5,000 values, in process, against
   `critnet fit FILE --bootstrap 1000` (wall time of the process, same seed and threads).

Usage: python3 benchmarks/python_penalty.py [--build build] [--threads 2] [--repetitions 5]
Imports the package of the build tree (<build>/python, scripts/build.sh builds it), else an
installed one.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def use_best_openblas_kernels():
    """Both sides (this process and the C++ benchmark it starts) on this CPU's best OpenBLAS
    kernels: OpenBLAS reads OPENBLAS_CORETYPE when it loads, so it is set before torch is
    imported, from `critnet info --json` (a value already set is kept)."""
    if os.environ.get("OPENBLAS_CORETYPE"):
        return
    binary = os.environ.get("CRITNET", str(ROOT / "build" / "critnet"))
    try:
        out = subprocess.run([binary, "info", "--json"], capture_output=True, text=True, check=True,
                             env=dict(os.environ, CRITNET_OPENBLAS_CORETYPE="keep")).stdout
    except (OSError, subprocess.CalledProcessError):
        return
    best = json.loads(out)["kernels"]["openblas_best_core"]
    if best:
        os.environ["OPENBLAS_CORETYPE"] = best
        os.execv(sys.executable, [sys.executable] + sys.argv)


use_best_openblas_kernels()

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(ROOT / os.environ.get("CRITNET_BUILD_DIR", "build") / "python"))
import critnet  # noqa: E402

SHAPES = [(600, 3072), (400, 600), (200, 400), (100, 200)]


def median_time(fn, repetitions, min_seconds=0.5):
    fn()  # warm up
    times = []
    for _ in range(repetitions):
        iterations, elapsed = 0, 0.0
        start = time.perf_counter()
        while elapsed < min_seconds or iterations == 0:
            fn()
            iterations += 1
            elapsed = time.perf_counter() - start
        times.append(elapsed / iterations)
    return statistics.median(times)


def naive_penalty(v, beta, side):
    """The literal paper penalty, autograd through the Gram matrix (what a PyTorch user writes)."""
    w = v.T @ v if side == "in" else v @ v.T
    a = beta / v.shape[1]
    p = torch.eye(w.shape[0]) + a * w + 2 * a * a * (w @ w)
    return (p * p).sum()


def value_and_backward(v, fn):
    def step():
        v.grad = None
        fn(v).backward()
    return step


def cpp_medians(build, threads, repetitions):
    """BM_Penalty (paper, side in, fast) per shape: real time in s (median of repetitions)."""
    binary = build / "benchmarks" / "bench_regularizer"
    out = subprocess.run(
        [str(binary), "--benchmark_filter=^BM_Penalty/[0-3]/1/0/0/0/",
         f"--benchmark_repetitions={repetitions}", "--benchmark_min_time=0.5",
         "--benchmark_format=json"],
        check=True, capture_output=True, text=True,
        env={**os.environ, "CRITNET_BENCH_THREADS": str(threads)})
    result = {}
    times = {}
    for b in json.loads(out.stdout)["benchmarks"]:
        if b.get("run_type", "iteration") == "iteration":
            times.setdefault(int(b["run_name"].split("/")[1]), []).append(b["real_time"] / 1e3)
    return {shape: statistics.median(t) for shape, t in times.items()}  # ms -> s


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--skip-naive-in", action="store_true",
                        help="skip the naive [in, in] penalty of [600, 3072] (seconds per call)")
    args = parser.parse_args()
    build = pathlib.Path(args.build)
    torch.set_num_threads(args.threads)
    k = critnet.info()["kernels"]
    print(f"kernels (this process and the C++ benchmark): OpenBLAS {k['openblas_core'] or '-'} "
          f"(OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}), oneDNN ISA "
          f"{k['onednn_isa'] or '-'}, CPU {k['cpu_isa']}")
    print(f"critnet {critnet.__version__}, torch {torch.__version__}, {args.threads} threads, "
          f"medians of {args.repetitions}")

    # The machine may be shared: C++ and Python alternate, round by round, and each side's
    # figure is the median over the rounds, so that a burst of load hits both alike.
    torch.manual_seed(0)
    weights = [((torch.rand(shape) * 2 - 1) / shape[1] ** 0.5).requires_grad_(True)
               for shape in SHAPES]
    rounds_cpp, rounds_py = [], []
    for _ in range(args.repetitions):
        rounds_cpp.append(cpp_medians(build, args.threads, 1))
        rounds_py.append([median_time(value_and_backward(
            v, lambda x: critnet.penalty(x, "paper", 1.0)), 1) for v in weights])
    print("\npenalty (paper, beta 1, side in, float32), value + backward, ms")
    print(f"{'shape':>12} {'python':>9} {'c++':>9} {'py/c++':>7} {'naive in':>9} "
          f"{'naive/py':>8} {'naive out':>9} {'naive/py':>8}")
    totals = {"python": 0.0, "cpp": 0.0, "naive_in": 0.0, "naive_out": 0.0}
    for i, shape in enumerate(SHAPES):
        v = weights[i]
        t_py = statistics.median(r[i] for r in rounds_py)
        t_cpp = statistics.median(r[i] for r in rounds_cpp)
        slow = args.skip_naive_in and i == 0
        t_in = (float("nan") if slow else median_time(
            value_and_backward(v, lambda x: naive_penalty(x, 1.0, "in")),
            3 if i == 0 else args.repetitions, min_seconds=0.0 if i == 0 else 0.2))
        t_out = median_time(value_and_backward(v, lambda x: naive_penalty(x, 1.0, "out")),
                            args.repetitions)
        for k, t in (("python", t_py), ("cpp", t_cpp), ("naive_in", t_in), ("naive_out", t_out)):
            totals[k] += t
        print(f"{str(list(shape)):>12} {1e3 * t_py:9.3f} {1e3 * t_cpp:9.3f} {t_py / t_cpp:7.3f} "
              f"{1e3 * t_in:9.1f} {t_in / t_py:8.1f} {1e3 * t_out:9.3f} {t_out / t_py:8.2f}")
    print(f"{'all four':>12} {1e3 * totals['python']:9.3f} {1e3 * totals['cpp']:9.3f} "
          f"{totals['python'] / totals['cpp']:7.3f} {1e3 * totals['naive_in']:9.1f} "
          f"{totals['naive_in'] / totals['python']:8.1f} {1e3 * totals['naive_out']:9.3f} "
          f"{totals['naive_out'] / totals['python']:8.2f}")

    print("\ncritnet.fit, 5,000 values, 1,000 bootstrap replicates, seed 42")
    values = 1.0 / np.random.default_rng(1).random(5000) ** (1 / 1.5)  # Pareto, alpha 2.5
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "values.txt"
        np.savetxt(path, values, fmt="%.17g")
        start = time.perf_counter()
        r = critnet.fit(np.loadtxt(path), bootstrap=1000, seed=42, threads=args.threads)
        t_fit = time.perf_counter() - start
        start = time.perf_counter()
        out = subprocess.run([str(build / "critnet"), "fit", str(path), "--bootstrap", "1000",
                              "--seed", "42", "--threads", str(args.threads), "--json"],
                             check=True, capture_output=True, text=True)
        t_cli = time.perf_counter() - start
        cli = json.loads(out.stdout)
    same = (r.xmin, r.alpha, r.p) == (cli["xmin"], cli["alpha"], cli["p"])
    print(f"  in process {t_fit:.2f} s, CLI {t_cli:.2f} s, ratio {t_fit / t_cli:.3f}; "
          f"x_min {r.xmin:.4g}, alpha {r.alpha:.4f}, p {r.p}; same numbers as the CLI: {same}")


if __name__ == "__main__":
    main()
