"""critnet.rg.analyse_layer: the couplings of eq. 13 against the closed forms."""
import pytest
import torch

import critnet


def test_modes_are_the_squared_singular_values_times_a():
    torch.manual_seed(2)
    v = torch.randn(6, 10, dtype=torch.float64)
    an = critnet.rg.analyse_layer(v, beta=10.0)
    s2 = torch.linalg.svdvals(v).square().sort().values
    assert an["shape"] == [6, 10] and an["n"] == 10 and an["a"] == 1.0
    assert an["dimension"] == 10 and an["structural_zeros"] == 4
    torch.testing.assert_close(an["lambda"][4:], s2)
    torch.testing.assert_close(an["x"], an["a"] * an["lambda"])
    torch.testing.assert_close(an["r"], an["x"] * (1 - an["x"]))
    assert len(an["mode_class"]) == 10 and sum(an["mode_counts"].values()) == 10
    assert an["critical_temperature"] == pytest.approx(s2[-1].item() / 10)


def test_curie_weiss_projector_is_critical():
    # V = I (5x5), beta = N: a w = I, every mode at the CW fixed point x = 1.
    an = critnet.rg.analyse_layer(torch.eye(5, dtype=torch.float64), beta=5.0)
    assert an["phase"] == "cw-critical"
    assert an["mode_counts"]["critical"] == 5
    assert torch.isinf(an["xi"]).all()


def test_conv_weight_is_taken_at_its_fan_in():
    w = torch.randn(4, 3, 2, 2)
    an = critnet.rg.analyse_layer(w, beta=1.0)
    assert an["shape"] == [4, 12] and an["n"] == 12


def test_bad_tolerance_raises_value_error():
    with pytest.raises(ValueError, match=r"^tol_near must be in \(0, 1\), got 2"):
        critnet.rg.analyse_layer(torch.eye(3), tol_near=2.0)
    with pytest.raises(ValueError, match="unknown gram side 'sideways'"):
        critnet.rg.analyse_layer(torch.eye(3), side="sideways")
