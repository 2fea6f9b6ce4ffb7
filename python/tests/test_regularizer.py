"""critnet.CriticalRegularizer on user models: layer choice, schedule, training."""
import pytest
import torch

import critnet
from conftest import penalty_bounds, unit_roundoff


def mlp():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(20, 30), torch.nn.ReLU(), torch.nn.Linear(30, 30),
                               torch.nn.ReLU(), torch.nn.Linear(30, 5))


def test_default_layers_are_all_but_the_last():
    reg = critnet.CriticalRegularizer(mlp(), preset="cw", beta=20.0, strength=1.0)
    assert reg.layers == ["0", "2"]


def test_value_is_strength_times_the_sum_of_the_penalties():
    model = mlp()
    reg = critnet.CriticalRegularizer(model, preset="cw", beta=20.0, strength=0.5)
    want = 0.5 * sum(critnet.penalty(model[i].weight, "cw", beta=20.0) for i in (0, 2))
    torch.testing.assert_close(reg(), want)


def test_training_with_any_optimiser_lowers_the_penalty():
    for make in (lambda p: torch.optim.Adam(p, lr=1e-2), lambda p: torch.optim.SGD(p, lr=5e-2)):
        model = mlp()
        reg = critnet.CriticalRegularizer(model, preset="cw", beta=20.0, strength=1.0)
        opt = make(model.parameters())
        x, y = torch.randn(64, 20), torch.randint(0, 5, (64,))
        first = sum(p.item() for p in reg.penalties())
        for step in range(60):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y) + reg(step)
            loss.backward()
            opt.step()
        last = sum(p.item() for p in reg.penalties())
        assert last < 0.5 * first, (first, last)
        assert model[4].weight.grad is not None


def test_conv_layers_by_name_and_index():
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Conv2d(4, 6, 3),
                                torch.nn.Flatten(), torch.nn.Linear(6 * 4 * 4, 10))
    reg = critnet.CriticalRegularizer(model, preset="paper", beta=-5.0, strength=1.0,
                                      layers=["2", 0])
    assert reg.layers == ["2", "0"]
    reg().backward()
    (g,) = torch.autograd.grad(critnet.penalty_naive(model[2].weight, "paper", beta=-5.0),
                               model[2].weight)
    # Two float32 computations of the gradient (fan-in 4*3*3 = 36): twice one's bound.
    _, bound = penalty_bounds(model[2].weight, "paper", -5.0 / 36, "in",
                              u=unit_roundoff(torch.float32))
    assert ((model[2].weight.grad - g).abs() <= 2 * bound).all()
    assert model[4].weight.grad is None


def test_interval_applies_every_kth_step_with_k_times_the_strength():
    model = mlp()
    reg = critnet.CriticalRegularizer(model, preset="cw", beta=20.0, strength=0.5, interval=3)
    full = critnet.CriticalRegularizer(model, preset="cw", beta=20.0, strength=1.5)
    torch.testing.assert_close(reg(step=3), full())
    assert reg(step=4).item() == 0.0
    values = [reg().item() for _ in range(4)]  # counts its own calls: 0, 1, 2, 3
    assert values[1] == values[2] == 0.0 and values[0] == values[3] > 0


def test_paper_with_positive_beta_warns():
    with pytest.warns(UserWarning, match="can never reach zero"):
        critnet.CriticalRegularizer(mlp(), preset="paper", beta=1.0)


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(strength=-1.0), ValueError,
     "regulariser strength (lambda) must be finite and >= 0, got -1"),
    (dict(interval=0), ValueError, "regulariser interval must be >= 1, got 0"),
    (dict(layers=["nope"]), ValueError, "layer 'nope' is not a Linear/Conv submodule"),
    (dict(layers=[7]), ValueError, "regularised layer index 7 out of range: the net has weight layers 0..2"),
    (dict(layers=[0, "0"]), ValueError, "regulariser layer 0 is listed twice"),
])
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error) as info:
        critnet.CriticalRegularizer(mlp(), preset="cw", **kwargs)
    assert str(info.value).startswith(message)
