"""critnet.probe: the same measures and fits as `critnet probe` on the same checkpoint's
weights and data; conv layers; errors; hooks removed."""
import importlib
import json
import math
import subprocess

import pytest
import torch

import critnet


def close(a, b, path="", rel=1e-6, abs_=1e-9):
    """Recursive equality of two JSON values, floats within a tolerance (BLAS sums)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{path}: keys {set(a) ^ set(b)}"
        for k in a:
            close(a[k], b[k], f"{path}.{k}", rel, abs_)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b)):
            close(x, y, f"{path}[{i}]", rel, abs_)
    elif isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            assert a == b, f"{path}: {a} != {b}"
        elif math.isnan(a) or math.isnan(b):
            assert math.isnan(a) and math.isnan(b), f"{path}: {a} != {b}"
        else:
            assert a == pytest.approx(b, rel=rel, abs=abs_), f"{path}: {a} != {b}"
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def run(tmp_path_factory, critnet_binary):
    d = tmp_path_factory.mktemp("probe")
    run_dir, probe_dir = d / "run", d / "probe"
    subprocess.run([critnet_binary, "train", "--data", "synthetic:12", "--synthetic-train", "300",
                    "--synthetic-test", "120", "--hidden", "16,8", "--epochs", "1", "--threads",
                    "1", "--out", str(run_dir)], check=True, capture_output=True)
    subprocess.run([critnet_binary, "probe", str(run_dir), "--limit", "100", "--bootstrap", "20",
                    "--threads", "1", "--seed", "3", "--subset-size", "4", "--out",
                    str(probe_dir)], check=True, capture_output=True)
    return run_dir, json.loads((probe_dir / "probe.json").read_text())


def test_probe_equals_the_cli_on_the_same_checkpoint(run):
    run_dir, cli = run
    ck = critnet.load_checkpoint(run_dir)
    assert ck["data"]["synthetic_train"] == 300 and ck["data"]["synthetic_test"] == 120
    x, y = critnet.data.load(**ck["data"], split="test", limit=100)
    assert x.shape == (100, 12) and y.shape == (100,)
    reg = ck["config"].get("train", {}).get("reg", {})
    doc = critnet.probe(ck["model"], [(x, y)], bootstrap=20, threads=1, seed=3, subset_size=4,
                        beta=reg.get("beta", 1.0), gram_side=reg.get("gram_side", "in"),
                        n_convention=reg.get("n_convention", "fan-in"))
    assert doc["schema"] == cli["schema"] == "critnet.probe/2"
    # "signal" (measured signal propagation) is the CLI's for critnet's MLP; from Python it is
    # critnet.signal(model, inputs).
    assert set(cli) - set(doc) == {"checkpoint", "epoch", "csv_files", "results", "seconds",
                                   "signal"}
    assert doc["model"].startswith("python:") and "seconds" not in doc
    assert [layer["name"] for layer in doc["layers"]] == ["1", "3"]
    for layer in doc["layers"]:
        # critnet's MLP numbers its layers (its HTSR rows name the weights linears.L); a Python
        # model names them, rows included.
        assert layer["htsr"]["layer"] == layer["name"]
        del layer["name"], layer["htsr"]["layer"]
    assert [layer["htsr"]["layer"] for layer in cli["layers"]] == ["linears.0", "linears.1"]
    for layer in cli["layers"]:
        del layer["htsr"]["layer"], layer["signal"]
    for key in ("num_samples", "options", "fit_options", "pooled", "layers"):
        close(doc[key], cli[key], key)
    fits = [f for layer in doc["layers"] for f in layer["fits"] if "fit" in f]
    assert fits and all(f["fit"]["p"] is not None for f in fits)


def test_probe_takes_a_tensor_and_a_dataloader_alike(run):
    run_dir, _ = run
    ck = critnet.load_checkpoint(run_dir)
    x, y = critnet.data.load(**ck["data"], split="test", limit=60)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=25)
    a = critnet.probe(ck["model"], x, bootstrap=0, fits=False, batch_size=25, subset_size=4)
    b = critnet.probe(ck["model"], loader, bootstrap=0, fits=False, subset_size=4)
    assert a["num_samples"] == 60
    close(a["layers"], b["layers"], "layers")


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Conv2d(1, 6, 3), torch.nn.ReLU(),
                                            torch.nn.Conv2d(6, 5, 3), torch.nn.Tanh())
        self.head = torch.nn.Linear(5 * 4 * 4, 3)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def test_a_conv_model_is_probed_one_unit_per_channel():
    torch.manual_seed(0)
    model = SmallCnn()
    doc = critnet.probe(model, torch.randn(40, 1, 8, 8), bootstrap=0, subset_size=3, subsets=2)
    assert [(l["name"], l["width"]) for l in doc["layers"]] == [("features.1", 6),
                                                                ("features.3", 5)]
    assert doc["num_samples"] == 40
    assert model.training  # its mode is restored


def test_bad_layer_names_raise_the_library_message():
    model = SmallCnn()
    with pytest.raises(ValueError, match="layer 'nope': the model has no submodule of that name"):
        critnet.probe(model, torch.randn(4, 1, 8, 8), layers=["nope"])
    with pytest.raises(ValueError, match="no Linear or Conv weight after it"):
        critnet.probe(model, torch.randn(4, 1, 8, 8), layers="head")
    with pytest.raises(ValueError, match="no activation module"):
        critnet.probe(torch.nn.Linear(3, 2), torch.randn(4, 3))


def test_hooks_are_removed_after_an_error():
    model = SmallCnn()
    with pytest.raises(RuntimeError):
        critnet.probe(model, [torch.randn(4, 1, 8, 8), torch.randn(4, 2, 8, 8)])  # bad channels
    for m in model.modules():
        assert not m._forward_hooks
    critnet.probe(model, torch.randn(8, 1, 8, 8), fits=False, subset_size=3)
    for m in model.modules():
        assert not m._forward_hooks


def test_data_load_errors_are_python_exceptions(tmp_path):
    with pytest.raises(OSError):
        critnet.data.load("fashion-mnist", data_dir=str(tmp_path))
    with pytest.raises(ValueError):
        critnet.data.load("synthetic:4", split="valid")
    with pytest.raises(OSError):
        critnet.load_checkpoint(tmp_path)


def test_verdict_of_a_probe_fit_is_the_fit_reports(run):
    _, cli = run
    fit = next(f["fit"] for f in cli["layers"][0]["fits"] if "fit" in f)
    v = critnet.verdict(fit)
    assert set(v) == {"label", "scale_invariant", "reason", "rule"}
    with pytest.raises(ValueError):
        critnet.verdict(fit, min_decades=-1)


class Reused(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.act, self.b, self.c = (torch.nn.Linear(4, 5), torch.nn.ReLU(),
                                            torch.nn.Linear(5, 5), torch.nn.Linear(5, 2))

    def forward(self, x):
        return self.c(self.act(self.b(self.act(self.a(x)))))


def test_a_module_called_twice_is_refused():
    model = Reused()
    with pytest.raises(ValueError, match="layer 'act': called more than once"):
        critnet.probe(model, torch.randn(6, 4), fits=False, subset_size=2)
    assert not model.act._forward_hooks


def test_probe_with_out_writes_the_directory_critnet_probe_writes(run, tmp_path):
    run_dir, cli = run
    ck = critnet.load_checkpoint(run_dir)
    x, y = critnet.data.load(**ck["data"], split="test", limit=100)
    reg = ck["config"].get("train", {}).get("reg", {})
    out = tmp_path / "python-probe"
    doc = critnet.probe(ck["model"], [(x, y)], bootstrap=20, threads=1, seed=3, subset_size=4,
                        beta=reg.get("beta", 1.0), gram_side=reg.get("gram_side", "in"),
                        n_convention=reg.get("n_convention", "fan-in"), out=out)
    on_disk = json.loads((out / "probe.json").read_text())
    assert on_disk == doc
    assert set(cli) - set(doc) == {"checkpoint", "epoch", "signal"}
    assert set(doc["seconds"]) == {"stream", "fit", "write", "total"}
    assert doc["csv_files"] == cli["csv_files"]
    for name in doc["csv_files"]:
        assert (out / name).is_file()
    assert [e["csv"] for e in doc["results"] if "csv" in e] == \
        [e["csv"] for e in cli["results"] if "csv" in e]
    for entry in doc["results"]:
        if "csv" in entry:
            assert (out / entry["csv"]).is_file()
    # The report's view of each measure agrees with the CLI's (names differ: "1" vs 1).
    strip = lambda results: [{k: v for k, v in e.items() if k not in ("csv", "layer_name")}
                             for e in results]
    close(strip(doc["results"]), strip(cli["results"]), "results")


def test_probe_out_is_refused_while_another_critnet_writes_it(run, tmp_path):
    run_dir, _ = run
    ck = critnet.load_checkpoint(run_dir)
    x, _ = critnet.data.load(**ck["data"], split="test", limit=20)
    out = tmp_path / "busy"
    layers = importlib.import_module("critnet.probe").choose_layers(ck["model"])
    holder = critnet._critnet.Probe(layers, critnet.options.ProbeOptions(subset_size=4),
                                    critnet.options.ProbeRecipe(subset_size=4), False, 1)
    holder.lock_output(str(out))
    with pytest.raises(OSError, match="in use by another critnet process"):
        critnet.probe(ck["model"], x, fits=False, subset_size=4, out=out)
    assert not (out / "probe.json").exists()
