"""critnet.fit against `critnet fit --json` on the same file (the same library call)."""
import json
import subprocess

import numpy as np
import pytest
import torch

import critnet


def pareto(n, alpha, xmin, seed):
    u = np.random.default_rng(seed).random(n)
    return xmin * (1 - u) ** (-1 / (alpha - 1))


def cli_fit(binary, path, *options):
    out = subprocess.run([binary, "fit", str(path), "--json", *options], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("discrete", [False, True])
def test_fit_equals_the_cli_on_the_same_file(tmp_path, critnet_binary, discrete):
    x = pareto(600, 2.5, 1.0, seed=3)
    # Below the tail: a lognormal body, so the x_min scan has something to find.
    x = np.concatenate([x, np.random.default_rng(4).lognormal(-0.5, 0.3, 300)])
    if discrete:
        x = np.floor(x * 3) + 1
    path = tmp_path / "values.txt"
    np.savetxt(path, x, fmt="%.17g")
    values, column = critnet.read_column(path)
    assert column == "column 1" and np.array_equal(values, np.loadtxt(path))
    ours = critnet.fit(values, discrete=discrete, bootstrap=40, seed=11, threads=2)
    cli = cli_fit(critnet_binary, path, "--bootstrap", "40", "--seed", "11", "--threads", "1",
                  *(["--discrete"] if discrete else []))
    assert ours.xmin == cli["xmin"]
    assert ours.alpha == cli["alpha"]
    assert ours.alpha_se == cli["alpha_se"]
    assert ours.p == cli["p"]
    assert ours.p is not None and 0 <= ours.p <= 1
    assert ours.n_tail == cli["n_tail"] and ours.ks == cli["ks"]
    assert ours.alpha_ci_low == cli["alpha_ci_low"]
    assert ours.tail_decades == cli["tail_decades"]
    assert ours.comparisons == cli["comparisons"]
    assert ours.verdict == cli["verdict"]
    cli.pop("file"), cli.pop("column")
    assert ours.to_dict() == cli


def test_fit_recovers_alpha_and_takes_lists_arrays_and_tensors():
    x = pareto(5000, 2.2, 1.0, seed=8)
    r = critnet.fit(x, xmin=1.0, compare=False)
    assert abs(r.alpha - 2.2) < 3 * r.alpha_se
    assert r.n_tail == 5000 and r.xmin == 1.0 and r.comparisons == [] and r.p is None
    as_list = critnet.fit(list(x), xmin=1.0, compare=False)
    as_tensor = critnet.fit(torch.tensor(x, dtype=torch.float64).reshape(50, 100), xmin=1.0,
                            compare=False)
    assert as_list.alpha == r.alpha == as_tensor.alpha
    assert "alpha=" in repr(r)


def test_fit_p_does_not_depend_on_threads():
    x = pareto(400, 3.0, 2.0, seed=9)
    p1 = critnet.fit(x, bootstrap=30, seed=5, threads=1).p
    p2 = critnet.fit(x, bootstrap=30, seed=5, threads=2).p
    assert p1 == p2


@pytest.mark.parametrize("values,kwargs,message", [
    ([1.0, -2.0, 3.0], {}, "power-law data must be > 0, got -2 at index 1"),
    ([], {}, "power-law data are empty"),
    ([1.0, 2.5, 3.0], dict(discrete=True), "discrete power-law data must be integers, got 2.5"),
    ([1.0, 2.0, 3.0] * 10, dict(significance=1.5), "significance must be in (0, 1), got 1.5"),
    ([1.0, 2.0, 3.0] * 10, dict(min_decades=-1), "min decades must be in [0, 20], got -1"),
])
def test_bad_arguments_raise_value_error_with_the_message(values, kwargs, message):
    with pytest.raises(ValueError) as info:
        critnet.fit(values, **kwargs)
    assert str(info.value).startswith(message)


def test_file_errors_raise_os_error_with_the_message(tmp_path):
    missing = tmp_path / "missing.txt"
    with pytest.raises(OSError) as info:
        critnet.read_column(missing)
    assert isinstance(info.value, critnet.DataError)
    assert str(missing) in str(info.value)
    bad = tmp_path / "bad.txt"
    bad.write_text("1.5\n2.5\n-3\n")
    with pytest.raises(OSError, match=rf"^{bad}:3: "):
        critnet.read_column(bad)
    with pytest.raises(ValueError, match="a column index is an integer >= 1"):
        critnet.read_column(bad, column=0)


def test_named_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,10\n2,20\n")
    values, name = critnet.read_column(path, column="b")
    assert name == "b" and values.tolist() == [10.0, 20.0]
