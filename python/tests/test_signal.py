"""critnet.signal on torch.nn.Module chains: χ₁ against autograd's layer Jacobians, the input-output
Jacobian against autograd's, and models it refuses."""
import pytest
import torch

import critnet

from conftest import gamma, unit_roundoff


def chain(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(12, 20), torch.nn.Tanh(),
                               torch.nn.Linear(20, 16), torch.nn.Tanh(), torch.nn.Linear(16, 5))


def test_chi1_and_jacobian_match_autograd():
    model = chain()
    x = torch.randn(30, 3, 4)
    doc = critnet.signal(model, x, bootstrap=20)
    assert [row["layer"] for row in doc["layers"]] == [1, 2, 3]
    assert doc["jacobian"]["samples"] == 30 and doc["jacobian"]["rank"] == 5
    # Layer 2's χ₁ = mean over inputs of ‖∂h²/∂h¹‖²_F / 16 (h¹ the first Linear's output), and
    # the squared singular values of ∂logits/∂x, by autograd in float64.
    m64 = chain().double()
    lin1, lin2 = m64[1], m64[3]
    chi, evs = [], []
    for xi in x.double().flatten(1):
        h1 = lin1(xi)
        j = torch.autograd.functional.jacobian(lambda h: lin2(torch.tanh(h)), h1)
        chi.append((j ** 2).sum() / 16)
        jx = torch.autograd.functional.jacobian(lambda v: m64(v.view(1, 3, 4))[0], xi)
        evs.append(torch.linalg.eigvalsh(jx @ jx.T))
    chi = torch.stack(chi).mean().item()
    evs = torch.cat(evs)
    # float32 forward and products against float64: a few γ_n(u32) of the terms (n ≤ 20).
    tol = 8 * gamma(20, unit_roundoff(torch.float32))
    assert doc["layers"][1]["chi1"] == pytest.approx(chi, rel=tol)
    assert doc["jacobian"]["mean"] == pytest.approx(evs.mean().item(), rel=tol)
    assert doc["jacobian"]["max"] == pytest.approx(evs.max().item(), rel=tol)
    assert doc["layers"][1]["chi1_ci_low"] <= doc["layers"][1]["chi1"] <= doc["layers"][1]["chi1_ci_high"]
    assert doc["phase"] in ("ordered", "critical", "chaotic")


def test_refuses_what_is_not_a_chain():
    class Residual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(8, 8)
            self.norm = torch.nn.LayerNorm(8)

        def forward(self, x):
            return x + self.norm(self.a(x))

    with pytest.raises(ValueError, match="LayerNorm"):
        critnet.signal(Residual(), torch.randn(4, 8))
    with pytest.raises(ValueError, match="no Linear"):
        critnet.signal(torch.nn.Sequential(torch.nn.Flatten()), torch.randn(4, 8))
    with pytest.raises(TypeError):
        critnet.signal(chain(), torch.randn(4, 12), bootstrap=1.5)
    with pytest.raises(ValueError, match="inputs"):
        critnet.signal(chain(), torch.randn(12))
    bad = torch.randn(4, 12)
    bad[0, 0] = float("nan")
    with pytest.raises(critnet.DataError):
        critnet.signal(chain(), bad)
