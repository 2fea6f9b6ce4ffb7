"""critnet.penalty: the literal formulas of docs/methods.md, "The critical penalty" written here in torch, and
torch.autograd.gradcheck in float64 of the C++ analytic gradient."""
import math

import pytest
import torch

import critnet
from conftest import penalty_bounds, unit_roundoff

POLY = [0.5, -1.0, 0.25, 0.1, -0.05]
PRESETS = [("paper", None), ("paper-eq33", None), ("cw", None), ("poly", POLY), ("l1", None),
           ("l2", None)]
# A Linear weight [out, in] and a Conv2d weight [out, in, kh, kw] (fan-in in*kh*kw = 12), each
# wide and tall, so that both Gram sides are the smaller one somewhere.
SHAPES = [(5, 7), (7, 5), (4, 3, 2, 2), (13, 3, 2, 2)]


def literal(weight, preset, beta, side, n, coefficients):
    """R(V) = ||P||_F^2 straight from docs/methods.md, "The critical penalty", on the full Gram matrix."""
    v = weight.reshape(weight.shape[0], -1)
    if preset == "l1":
        return v.abs().sum()
    if preset == "l2":
        return (v * v).sum()
    out_, in_ = v.shape
    big_n = {"fan-in": in_, "fan-out": out_, "one": 1}[n]
    a = beta / big_n
    w = v.T @ v if side == "in" else v @ v.T
    eye = torch.eye(w.shape[0], dtype=v.dtype)
    if preset == "paper":  # eq. 30: I + a w + 2 a^2 w^2
        p = eye + a * w + 2 * a * a * (w @ w)
    elif preset == "paper-eq33":  # eq. 33: delta_ij (1 + a w_ij) + 2 a^2 (w^2)_ij
        p = eye * (1 + a * w) + 2 * a * a * (w @ w)
    elif preset == "cw":  # I - a w
        p = eye - a * w
    elif preset == "poly":  # sum_k c_k (a w)^k
        p, power = torch.zeros_like(w), eye
        for c in coefficients:
            p = p + c * power
            power = power @ (a * w)
    return (p * p).sum()


def weight_of(shape, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=g, dtype=dtype) * 0.7).requires_grad_(True)


@pytest.mark.parametrize("preset,coefficients", PRESETS)
@pytest.mark.parametrize("side", ["in", "out"])
@pytest.mark.parametrize("shape", SHAPES)
def test_value_equals_the_literal_formula(preset, coefficients, side, shape):
    v = weight_of(shape)
    fan_in = math.prod(shape[1:])
    for n, beta in [("fan-in", 0.8 * fan_in), ("fan-out", -0.6 * shape[0]), ("one", 0.3)]:
        got = critnet.penalty(v, preset, beta=beta, side=side, n=n, coefficients=coefficients)
        want = literal(v.detach(), preset, beta, side, n, coefficients)
        assert got.shape == ()
        assert got.dtype == torch.float64
        # Two float64 computations of R: twice one computation's bound.
        big_n = {"fan-in": fan_in, "fan-out": shape[0], "one": 1}[n]
        bound, _ = penalty_bounds(v, preset, beta / big_n, side, coefficients)
        assert abs(got.item() - want.item()) <= 2 * bound, (got.item(), want.item(), bound)


@pytest.mark.parametrize("preset,coefficients", PRESETS)
@pytest.mark.parametrize("side", ["in", "out"])
@pytest.mark.parametrize("shape", SHAPES)
def test_gradcheck_float64(preset, coefficients, side, shape):
    v = weight_of(shape, seed=1)
    # a * s_max^2 = 1.2: every mode of order one, so R is O(10) and central differences are
    # accurate to ~1e-9 (a large R would drown them in round-off).
    s_max = torch.linalg.matrix_norm(v.detach().reshape(shape[0], -1), ord=2).item()
    beta = 1.2 * math.prod(shape[1:]) / s_max**2

    def f(x):
        return critnet.penalty(x, preset, beta=beta, side=side, coefficients=coefficients)

    assert torch.autograd.gradcheck(f, (v,), eps=1e-6, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("preset,coefficients", PRESETS)
def test_gradient_equals_autograd_through_the_literal_formula(preset, coefficients):
    v = weight_of((6, 3, 3), seed=2)
    (g_fast,) = torch.autograd.grad(critnet.penalty(v, preset, beta=20.0,
                                                    coefficients=coefficients), v)
    (g_ref,) = torch.autograd.grad(literal(v, preset, 20.0, "in", "fan-in", coefficients), v)
    assert g_fast.shape == v.shape
    _, bound = penalty_bounds(v, preset, 20.0 / 9, "in", coefficients)  # fan-in 3*3
    assert ((g_fast - g_ref).abs() <= 2 * bound).all(), ((g_fast - g_ref).abs() - 2 * bound).max()


def test_backward_scales_with_the_output_gradient_and_accumulates():
    v = weight_of((5, 8), seed=3)
    (g1,) = torch.autograd.grad(critnet.penalty(v, "cw", beta=8.0), v)
    (3.0 * critnet.penalty(v, "cw", beta=8.0)).backward()
    (critnet.penalty(v, "cw", beta=8.0)).backward()
    torch.testing.assert_close(v.grad, 4.0 * g1)


def test_float32_and_no_grad():
    v = weight_of((30, 50), dtype=torch.float32, seed=4)
    r32 = critnet.penalty(v, "paper", beta=50.0)
    assert r32.dtype == torch.float32 and r32.requires_grad
    with torch.no_grad():
        r = critnet.penalty(v, "paper", beta=50.0)
    assert not r.requires_grad
    r64 = critnet.penalty(v.detach().double(), "paper", beta=50.0)
    # The float32 computation's bound plus the float64 one (v is float32: exact in both).
    b32, _ = penalty_bounds(v, "paper", 50.0 / 50, "in", u=unit_roundoff(torch.float32))
    b64, _ = penalty_bounds(v, "paper", 50.0 / 50, "in")
    assert abs(r32.item() - r64.item()) <= b32 + b64


def test_naive_reference_agrees():
    v = weight_of((9, 4), seed=5)
    torch.testing.assert_close(critnet.penalty(v, "paper", beta=4.0),
                               critnet.penalty_naive(v, "paper", beta=4.0))


def test_stochastic_estimate_is_unbiased_on_average():
    torch.manual_seed(0)
    v = weight_of((20, 30), seed=6).detach()
    exact = critnet.penalty(v, "cw", beta=30.0).item()
    estimates = torch.stack([critnet.penalty(v, "cw", beta=30.0, probes=4) for _ in range(400)])
    assert abs(estimates.mean().item() - exact) < 4 * estimates.std().item() / 20
    assert estimates.std().item() > 0  # the estimator is random: not the exact value


@pytest.mark.parametrize("kwargs,message", [
    (dict(preset="bogus"), "unknown regulariser preset 'bogus'"),
    (dict(preset="cw", side="up"), "unknown gram side 'up' (expected in or out)"),
    (dict(preset="cw", n="fan"), "unknown N convention 'fan' (expected fan-in, fan-out or one)"),
    (dict(preset="poly", probes=2), "the poly preset needs 1 to 5 coefficients c_0..c_4, got 0"),
    (dict(preset="cw", coefficients=[1.0]),
     "coefficients are only used by the poly preset, got 1 with preset cw"),
    (dict(preset="cw", beta=math.nan), "regulariser beta must be finite, got nan"),
    (dict(preset="cw", probes=-1), "regulariser probes must be >= 0 (0 = exact), got -1"),
])
def test_bad_arguments_raise_value_error_with_the_message(kwargs, message):
    v = weight_of((3, 4))
    with pytest.raises(ValueError) as info:
        critnet.penalty(v, **kwargs)
    assert str(info.value).startswith(message)
    assert isinstance(info.value, critnet.InvalidArgument)


def test_bad_weights_raise_value_error():
    with pytest.raises(ValueError, match=r"^a layer weight has at least 2 dimensions"):
        critnet.penalty(torch.randn(5, requires_grad=True))
    with pytest.raises(ValueError, match=r"^the critical penalty expects a floating-point weight"):
        critnet.penalty(torch.ones(3, 4, dtype=torch.int64))
