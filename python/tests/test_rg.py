"""critnet.rg.analyse_layer: the couplings of eq. 13 against the closed forms."""
import json
import subprocess

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


def test_one_schema_with_the_cli(tmp_path, critnet_binary):
    """`critnet rg --json` and critnet.rg.analyse_layer emit the same keys and values (the CLI
    adds its layer index), from one C++ document (critnet::rg::to_json)."""
    run = tmp_path / "run"
    subprocess.run([critnet_binary, "train", "--data", "synthetic:12", "--synthetic-train", "200",
                    "--synthetic-test", "50", "--hidden", "10,6", "--epochs", "1", "--threads",
                    "1", "--quiet", "--out", str(run)], check=True, capture_output=True)
    out = subprocess.run([critnet_binary, "rg", str(run), "--beta", "8", "--json"],
                         capture_output=True, text=True, check=True).stdout
    cli = json.loads(out)["layers"][0]
    weight = critnet.load_checkpoint(run)["weights"][0]
    py = critnet.rg.analyse_layer(weight, beta=8.0)
    assert set(cli) - {"layer", "output_layer"} == set(py)
    # The same computation on the same weights: equal integers and strings; the floats of the
    # same float64 eigen-solver on the same matrix in both processes, equal up to its rounding.
    for key in ("shape", "n", "dimension", "structural_zeros", "phase", "mode_counts", "xi_inf",
                "xi_nan", "mode_class"):
        assert cli[key] == py[key], key
    for key in ("a", "beta", "x_max", "critical_temperature"):
        assert cli[key] == pytest.approx(py[key], rel=1e-12), key
