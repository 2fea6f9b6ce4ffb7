import os
import pathlib

import pytest
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session", autouse=True)
def cli_runs_this_process_kernels():
    """The tests that compare this process's results with the CLI's exactly compare the same
    code on the same inputs, which is only the same computation with the same BLAS kernels:
    the CLI re-executes itself with OPENBLAS_CORETYPE set to the CPU's best core when OpenBLAS
    fell back to a generic one, and an ill-conditioned fit (a lognormal alternative on a flat
    ridge) then ends elsewhere. Give every CLI run the core this process's OpenBLAS runs."""
    import critnet

    core = critnet.info()["kernels"].get("openblas_core", "")
    if core and "OPENBLAS_CORETYPE" not in os.environ:
        os.environ["OPENBLAS_CORETYPE"] = core
        yield
        del os.environ["OPENBLAS_CORETYPE"]
    else:
        yield


@pytest.fixture(scope="session")
def critnet_binary():
    """The CLI of the same build (CTest sets CRITNET_BINARY; else build/critnet)."""
    path = pathlib.Path(os.environ.get("CRITNET_BINARY", ROOT / "build" / "critnet"))
    if not path.exists():
        pytest.fail(f"no critnet CLI at {path}: build it, or set CRITNET_BINARY")
    return str(path)


# Error bounds of floating computations (the Python side of tests/support/error_bounds.h): a
# tolerance is a bound of the computation, never the error one CPU happened to show.
def unit_roundoff(dtype):
    """u of the dtype that actually computes: 2^-53 for float64, 2^-24 for float32."""
    return {torch.float64: 2.0**-53, torch.float32: 2.0**-24}[dtype]


def gamma(n, u):
    """gamma_n = n u / (1 - n u): the bound factor of a sum or dot product of n terms."""
    assert n * u < 1, "n u >= 1: no error bound"
    return n * u / (1 - n * u)


def penalty_bounds(weight, preset, a, side, coefficients=None, u=2.0**-53, rounded_input=False):
    """Bounds on one computation of R = ||P||_F^2 and of its gradient, any product order or
    Gram side (the C++ penalty_bounds in tests/unit/regularizers/critical_test.cpp): with
    U = V or V^T [m, n] and B = |U|^T |U|, |P^ - P| <= gamma_N Pabs, Pabs = sum_j |c_j a^j| B^j,
    N = d (m + n) + 2d + 2; |R^ - R| <= (2 gamma_N + gamma_N^2 + gamma_{n^2+1}(1 + gamma_N)^2)
    ||Pabs||_F^2; |grad^ - grad| <= gamma_N' 4 |U| Pabs Rabs. `rounded_input`: V was rounded to
    the computing dtype (one rounding per factor). Returns (value bound, gradient bound)."""
    v = weight.detach().reshape(weight.shape[0], -1).abs().double()
    if preset in ("l1", "l2"):
        r = 2 if rounded_input else 0
        terms = v if preset == "l1" else v * v
        return (gamma(v.numel() + r, u) * terms.sum().item(),
                (gamma(1 + r, u) * 2 * v).reshape(weight.shape))
    ua = v if side == "in" else v.T
    m, n = ua.shape
    b = ua.T @ ua
    eye = torch.eye(n, dtype=torch.float64)
    a = abs(a)
    if preset == "paper-eq33":
        d = 2
        pabs = eye + a * b + 2 * a * a * (b @ b)
        rabs = a * eye + 4 * a * a * b
        chain = pabs @ rabs + rabs @ pabs  # P w and w P both occur
    else:
        c = {"paper": [1.0, 1.0, 2.0], "cw": [1.0, -1.0]}.get(preset, coefficients)
        d = len(c) - 1
        pabs = torch.zeros_like(b)
        rabs = torch.zeros_like(b)
        power = eye
        for j in range(d + 1):
            pabs = pabs + abs(c[j]) * a**j * power
            if j < d:
                rabs = rabs + (j + 1) * abs(c[j + 1]) * a ** (j + 1) * power
            power = power @ b
        chain = pabs @ rabs
    r = 1 if rounded_input else 0
    g_p = gamma(d * (m + n) + 2 * d + 2 + 2 * d * r, u)
    g_r = gamma((2 * d + 1) * (m + n) + 4 * d + 4 + 4 * d * r, u)
    value = (2 * g_p + g_p**2 + gamma(n * n + 1, u) * (1 + g_p) ** 2) * (pabs**2).sum().item()
    grad_u = 4 * g_r * (ua @ chain)
    return value, (grad_u if side == "in" else grad_u.T).reshape(weight.shape)
