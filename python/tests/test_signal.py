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


def hutchinson_tolerance(per_input, probes):
    """8 standard deviations of the mean over inputs of Hutchinson's estimates of E_i =
    ‖A_i‖²_F / N with `probes` Gaussian vectors each: Var ≤ 2 E_i² per vector (the C++ test's
    bound, tests/unit/atlas/signal_test.cpp)."""
    return 8 * per_input.max().item() * (2.0 / (probes * per_input.numel())) ** 0.5


class Residual(torch.nn.Module):
    """x → a → tanh → b + (a's output) → LayerNorm → head: no chain."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(5)
        self.a = torch.nn.Linear(8, 8)
        self.b = torch.nn.Linear(8, 8)
        self.norm = torch.nn.LayerNorm(8)
        self.head = torch.nn.Linear(8, 3)

    def forward(self, x):
        h = self.a(x)
        return self.head(self.norm(self.b(torch.tanh(h)) + h))


def test_any_module_through_autograd():
    model = Residual()
    x = torch.randn(40, 8)
    doc = critnet.signal(model, x, apjn_probes=200, bootstrap=20)
    assert doc["chi1_estimator"] == "hutchinson" and doc["chi1_probes"] == 200
    assert [row["name"] for row in doc["layers"]] == ["a", "b", "head"]
    # tanh is applied as a function, not a module: no activation known, no mean-field χ₁.
    assert doc["activation"] is None
    assert all(row["chi1_mean_field"] is None for row in doc["layers"])
    # χ₁ of b = E (1/8)‖∂b(tanh h)/∂h‖²_F (the skip bypasses b: not in b's Jacobian) and of
    # head = E (1/3)‖∂head(norm(· + h))/∂(b's output)‖²_F (the LayerNorm included), in float64.
    m64 = Residual().double()
    per_b, per_head, evs = [], [], []
    for xi in x.double():
        h = m64.a(xi)
        jb = torch.autograd.functional.jacobian(lambda v: m64.b(torch.tanh(v)), h)
        per_b.append((jb ** 2).sum() / 8)
        hb = m64.b(torch.tanh(h))
        jh = torch.autograd.functional.jacobian(lambda v: m64.head(m64.norm(v + h)), hb)
        per_head.append((jh ** 2).sum() / 3)
        jx = torch.autograd.functional.jacobian(lambda v: m64(v), xi)
        evs.append(torch.linalg.eigvalsh(jx @ jx.T))
    for row, per in ((doc["layers"][1], torch.stack(per_b)), (doc["layers"][2], torch.stack(per_head))):
        assert row["chi1"] == pytest.approx(per.mean().item(), abs=hutchinson_tolerance(per, 200))
        assert row["chi1_ci_low"] <= row["chi1"] <= row["chi1_ci_high"]
    # The APJN of head from a's output takes every path, the skip connection's too.
    per_apjn = []
    for xi in x.double():
        h = m64.a(xi)
        j = torch.autograd.functional.jacobian(lambda v: m64.head(m64.norm(m64.b(torch.tanh(v)) + v)), h)
        per_apjn.append((j ** 2).sum() / 3)
    per_apjn = torch.stack(per_apjn)
    assert doc["layers"][2]["apjn"] == pytest.approx(per_apjn.mean().item(),
                                                     abs=hutchinson_tolerance(per_apjn, 200))
    evs = torch.cat(evs)
    assert doc["jacobian"]["rank"] == 3 and doc["jacobian"]["samples"] == 40
    # Exact in float32 against float64: 1e-3 relative is far outside the rounding of these
    # depth-4, width-8 products (a few γ_8(u32) ≈ 1e-6).
    assert doc["jacobian"]["mean"] == pytest.approx(evs.mean().item(), rel=1e-3)
    assert doc["jacobian"]["max"] == pytest.approx(evs.max().item(), rel=1e-3)


def test_convolutions_are_layers():
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 3, padding=1), torch.nn.ReLU(),
                                torch.nn.Conv2d(4, 4, 3, padding=1, groups=2), torch.nn.ReLU(),
                                torch.nn.Flatten(), torch.nn.Linear(4 * 5 * 5, 6))
    doc = critnet.signal(model, torch.randn(20, 2, 5, 5), bootstrap=0)
    rows = doc["layers"]
    assert [r["name"] for r in rows] == ["0", "2", "5"]
    assert [r["width"] for r in rows] == [4 * 25, 4 * 25, 6]
    assert [r["fan_in"] for r in rows] == [2 * 9, 2 * 9, 100]  # grouped: in/groups × k × k
    assert doc["activation"] == "relu"
    assert all(r["chi1_mean_field"] is not None for r in rows)
    assert rows[1]["sigma_w2"] == pytest.approx(
        18 * model[2].weight.double().var(unbiased=False).item(), rel=1e-12)


def test_a_functional_chain_agrees_with_the_exact_path():
    seq = chain()

    class Functional(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.l1, self.l2, self.l3 = seq[1], seq[3], seq[5]

        def forward(self, x):
            return self.l3(torch.tanh(self.l2(torch.tanh(self.l1(x.flatten(1))))))

    x = torch.randn(50, 3, 4)
    exact = critnet.signal(seq, x, bootstrap=0)
    tapped = critnet.signal(Functional(), x, activation="tanh", apjn_probes=100, bootstrap=0)
    assert exact["chi1_estimator"] == "exact" and tapped["chi1_estimator"] == "hutchinson"
    # Per input, the exact (1/N_l)‖∂h^l/∂h^{l−1}‖²_F in float64 (layer 1: W¹ itself), whose
    # maximum bounds the Hutchinson estimate's sd (hutchinson_tolerance).
    m64 = chain().double()
    lins = [m64[1], m64[3], m64[5]]
    per = [[], [], []]
    for xi in x.double().flatten(1):
        h = lins[0](xi)
        per[0].append((lins[0].weight ** 2).sum() / lins[0].out_features)
        for k in (1, 2):
            j = torch.autograd.functional.jacobian(lambda v: lins[k](torch.tanh(v)), h)
            per[k].append((j ** 2).sum() / lins[k].out_features)
            h = lins[k](torch.tanh(h))
    for e, t, p in zip(exact["layers"], tapped["layers"], per):
        p = torch.stack(p)
        assert t["chi1"] == pytest.approx(e["chi1"], abs=hutchinson_tolerance(p, 100))
        assert t["chi1_mean_field"] == pytest.approx(e["chi1_mean_field"], rel=1e-12)
    assert tapped["jacobian"]["mean"] == pytest.approx(exact["jacobian"]["mean"], rel=1e-3)


def test_refuses_what_it_cannot_measure():
    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Linear(8, 8)

        def forward(self, x):
            return self.a(torch.relu(self.a(x)))

    with pytest.raises(ValueError, match="more than once"):
        critnet.signal(Twice(), torch.randn(4, 8))
    with pytest.raises(ValueError, match="rejects inputs"):
        critnet.signal(chain(), torch.randn(4, 7))
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
