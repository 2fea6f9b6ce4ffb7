#!/usr/bin/python3
"""What the PyTorch reference runs on, for benchmarks/throughput.sh: OpenBLAS's core, ATen's CPU
capability, whether oneDNN (mkldnn) is built in, and the GFLOP/s of a 2048³ float32 torch.mm
(best of REPS) on THREADS threads. One JSON object on stdout.

  OPENBLAS_CORETYPE=Cooperlake /usr/bin/python3 benchmarks/torch_kernels.py --threads 2
"""
import argparse
import ctypes
import json
import re
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--size", type=int, default=2048)
p.add_argument("--reps", type=int, default=5)
args = p.parse_args()
torch.set_num_threads(args.threads)


def openblas_core():
    # libblas.so.3 is already loaded by torch (Debian's build links it): the same handle.
    try:
        lib = ctypes.CDLL("libblas.so.3")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return ""


config = torch.__config__.show()
capability = re.search(r"CPU capability usage: (\S+)", config)
n = args.size
a, b = torch.randn(n, n), torch.randn(n, n)
c = torch.mm(a, b)
best = float("inf")
for _ in range(args.reps):
    t0 = time.perf_counter()
    torch.mm(a, b, out=c)
    best = min(best, time.perf_counter() - t0)
print(json.dumps({
    "torch": torch.__version__,
    "openblas_core": openblas_core(),
    "aten_cpu_capability": capability.group(1) if capability else "",
    "mkldnn": torch.backends.mkldnn.is_available(),
    "threads": torch.get_num_threads(),
    "gemm_gflops": round(2.0 * n ** 3 / best / 1e9, 1),
}))
