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


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory, critnet_binary):
    """A run of `critnet train`: an MLP 12 -> 10 -> 6 -> classes, one epoch."""
    run = tmp_path_factory.mktemp("rg") / "run"
    subprocess.run([critnet_binary, "train", "--data", "synthetic:12", "--synthetic-train", "200",
                    "--synthetic-test", "50", "--hidden", "10,6", "--epochs", "1", "--threads",
                    "1", "--quiet", "--out", str(run)], check=True, capture_output=True)
    return run


def cli_json(binary, *args):
    """The document a `critnet ... --json` command prints."""
    return json.loads(subprocess.run([binary, *args, "--json"], check=True, capture_output=True,
                                     text=True).stdout)


def assert_same_document(cli, py, where="document"):
    """The same keys, lists, strings, integers, booleans and None in both; floats to 1e-12
    relative. Both sides run the same library function on the same inputs, but the CLI's
    numbers arrive as JSON text (nlohmann writes the shortest text that reads back as the same
    double, so they are expected to be bitwise equal) from another process, which may run
    LibTorch's reductions with another number of threads; floats are therefore compared to a
    tolerance far below any quantity the tests read, everything else exactly."""
    assert type(cli) is type(py), f"{where}: {type(cli).__name__} != {type(py).__name__}"
    if isinstance(cli, dict):
        assert list(cli) == list(py), where
        for key in cli:
            assert_same_document(cli[key], py[key], f"{where}[{key!r}]")
    elif isinstance(cli, list):
        assert len(cli) == len(py), where
        for i, (a, b) in enumerate(zip(cli, py)):
            assert_same_document(a, b, f"{where}[{i}]")
    elif isinstance(cli, float):
        assert cli == pytest.approx(py, rel=1e-12, abs=0.0), where
    else:
        assert cli == py, where


def test_one_schema_with_the_cli(trained_run, critnet_binary):
    """`critnet rg --json` and critnet.rg.analyse_layer emit the same keys and values (the CLI
    adds its layer index), from one C++ document (critnet::rg::to_json)."""
    run = trained_run
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


def test_meanfield_curie_weiss_equals_the_cli_with_the_defaults(critnet_binary):
    """critnet.rg.meanfield and `critnet meanfield --json` with every sweep option left at its
    default: one document (rg::MeanFieldCurve::to_json), so the CLI's defaults are the
    library's too."""
    py = critnet.rg.meanfield(coupling=1.5, size=12)
    assert_same_document(cli_json(critnet_binary, "meanfield", "--coupling", "1.5", "--size",
                                  "12"), py)
    [curve] = py
    defaults = critnet.options.MeanFieldStudyOptions.defaults
    assert curve["name"] == "cw" and curve["size"] == 12 and curve["n"] == 12.0
    assert len(curve["points"]) == defaults["steps"]
    assert curve["critical_temperature"] == pytest.approx(1.5, rel=1e-12)  # T_c = J
    # Above T_c at h = 0: V = 0 within the iteration's tolerance tol / (1 - T_c/T) from the
    # fixed point, and chi = 1/(T - J) (docs/theory.md).
    above = [p for p in curve["points"] if p["t_over_tc"] > 1 and p["converged"]]
    assert above and all(p["residual"] <= defaults["tolerance"] for p in above)
    for p in above:
        assert abs(p["magnetisation"]) <= defaults["tolerance"] / (1 - 1 / p["t_over_tc"])
        assert p["susceptibility"] == pytest.approx(1 / (p["temperature"] - 1.5), rel=1e-9)
    below = [p for p in curve["points"] if p["t_over_tc"] < 1 and p["converged"]]
    assert below and all(p["magnetisation"] > 0.1 for p in below)


def test_meanfield_of_layers_equals_the_cli(trained_run, critnet_binary):
    weights = critnet.load_checkpoint(trained_run)["weights"]
    py = critnet.rg.meanfield(weights, layers=[1, 0], gram_side="out", n_convention="fan-out",
                              t_min=0.8, t_max=1.2, steps=4, field=0.01, damping=0.7,
                              tolerance=1e-11, max_iterations=50000)
    cli = cli_json(critnet_binary, "meanfield", str(trained_run), "--layer", "1,0", "--gram-side",
                   "out", "--n-convention", "fan-out", "--t-min", "0.8", "--t-max", "1.2",
                   "--steps", "4", "--field", "0.01", "--damping", "0.7", "--tolerance",
                   "1e-11", "--max-iterations", "50000")
    assert [c["name"] for c in py] == ["1", "0"]
    assert [c["size"] for c in py] == [6, 10]  # w = V V^T [out, out]
    assert_same_document(cli, py)
    # Default layers: every layer but the output layer, as the CLI's.
    defaults = critnet.rg.meanfield(weights, steps=2)
    assert [c["name"] for c in defaults] == ["0", "1"]
    assert_same_document(cli_json(critnet_binary, "meanfield", str(trained_run), "--steps", "2"),
                         defaults)


@pytest.mark.parametrize("options", [
    {},  # every default: d = 3, L = 256, r = 0
    {"dim": 1, "size": 64, "r": 0.1},
    {"dim": 2, "size": 128},
    {"dim": 3, "size": 32, "r": 0.25, "g": 2.0, "fit_min": 2.0, "fit_max": 12.0},
])
def test_gaussian_equals_the_cli(critnet_binary, options):
    """critnet.rg.gaussian and `critnet gaussian --json`: one document
    (rg::GaussianStudy::to_json), defaults included."""
    flags = [f"--{key.replace('_', '-')}={value}" for key, value in options.items()]
    py = critnet.rg.gaussian(**options)
    assert_same_document(cli_json(critnet_binary, "gaussian", *flags), py)
    assert len(py["x"]) == len(py["G"]) == py["size"] // 2 + 1
    assert ("G_closed_form" in py) == (py["dim"] == 1)
    assert py["zero_mode_removed"] == (py["r"] == 0)


@pytest.mark.parametrize("options", [
    {},  # every default: a = 1, tau_max = 1, 100 steps
    {"a": 0.5, "tau_max": -0.5, "steps": 7, "rtol": 1e-8},
])
def test_flow_equals_the_cli(critnet_binary, options):
    """critnet.rg.flow and `critnet rg-flow --json`: one document (rg::FlowStudy::to_json),
    defaults included; a flow into the pole ends in None."""
    lambdas = [0.2, 0.9, 3.0]
    flags = [f"--{key.replace('_', '-')}={value}" for key, value in options.items()]
    py = critnet.rg.flow(lambdas, **options)
    assert_same_document(cli_json(critnet_binary, "rg-flow", "--lambda", "0.2,0.9,3", *flags), py)
    assert [t["lambda0"] for t in py["trajectories"]] == lambdas
    for t in py["trajectories"]:
        assert len(t["lambda_rk45"]) == len(py["tau"]) == options.get("steps", 100) + 1
        if not t["hit_pole"]:
            assert t["max_difference"] < 1e-6


@pytest.mark.parametrize("call, message", [
    (lambda: critnet.rg.gaussian(dim=4), r"dim must be 1, 2 or 3, got 4"),
    (lambda: critnet.rg.flow([]), r"lambdas: give at least one"),
    (lambda: critnet.rg.flow([0.5], tau_max=0.0), r"tau_max must be finite and not 0, got 0"),
    (lambda: critnet.rg.flow([0.5], steps=0), r"steps must be in 1..1000000, got 0"),
    (lambda: critnet.rg.gaussian(dim=1, size=1), r"size L must be >= 2, got 1"),
    (lambda: critnet.rg.gaussian(dim=1, size=64, fit_min=-1.0),
     r"fit_min and fit_max must be > 0 \(0 = the default\), got -1 and 0"),
    (lambda: critnet.rg.gaussian(dim=1, size=64, fit_max=40.0),
     r"fit_max 40 is past the end of the profile"),
    (lambda: critnet.rg.meanfield(coupling=1.0, size=4, damping=2.0),
     r"damping must be in \(0, 1\], got 2"),
    (lambda: critnet.rg.meanfield(coupling=1.0, size=4, t_min=1.5, t_max=0.5),
     r"need 0 < t_min < t_max \(units of T_c\), got 1.5, 0.5"),
    (lambda: critnet.rg.meanfield(coupling=1.0, size=4, steps=1), r"steps must be >= 2, got 1"),
    (lambda: critnet.rg.meanfield(coupling=1.0, size=4, steps=10**7),
     r"steps must be <= 1000000, got 10000000"),
    (lambda: critnet.rg.meanfield(coupling=1.0, size=4, max_iterations=0),
     r"max_iterations must be > 0, got 0"),
    (lambda: critnet.rg.meanfield(coupling=1.0, size=4, field=float("nan")),
     r"field h must be finite, got nan"),
    (lambda: critnet.rg.meanfield(coupling=0.0, size=4), r"coupling J must be > 0"),
    (lambda: critnet.rg.meanfield(coupling=1.0, size=16385),
     r"size: must be in 1..16384, got 16385"),
    (lambda: critnet.rg.meanfield(coupling=1.0), r"coupling and size go together"),
    (lambda: critnet.rg.meanfield(), r"give either weights or coupling and size"),
    (lambda: critnet.rg.meanfield([torch.eye(3)], coupling=1.0, size=3),
     r"give either weights or coupling and size"),
    (lambda: critnet.rg.meanfield([torch.eye(3)], layers=[1]),
     r"layer 1 out of range: the network has 1 Linear layers"),
    (lambda: critnet.rg.meanfield([torch.eye(3), torch.eye(3)], layers=[0, 0]),
     r"layers: 0 appears twice"),
    (lambda: critnet.rg.meanfield([torch.eye(3)], layers=[0], gram_side="sideways"),
     r"unknown gram side 'sideways'"),
])
def test_bad_values_raise_invalid_argument_with_the_library_message(call, message):
    with pytest.raises(critnet.InvalidArgument, match="^" + message):
        call()


def test_meanfield_refuses_wrong_types_and_a_layer_without_t_c():
    with pytest.raises(TypeError, match="steps"):
        critnet.rg.meanfield(coupling=1.0, size=4, steps=2.5)
    with pytest.raises(TypeError, match="size"):
        critnet.rg.meanfield(coupling=1.0, size=True)
    with pytest.raises(TypeError, match="weights"):
        critnet.rg.meanfield(torch.eye(3))
    with pytest.raises(TypeError, match="dim"):
        critnet.rg.gaussian(dim="3")
    with pytest.raises(ValueError, match="max_iterations"):
        critnet.rg.meanfield(coupling=1.0, size=4, max_iterations=2**64)
    # An all-zero layer has no ordered phase: T_c = 0 is no result.
    with pytest.raises(critnet.NumericalError, match="^layer 0: T_c = lambda_max"):
        critnet.rg.meanfield([torch.zeros(3, 3), torch.zeros(2, 3)])
