"""Bad option values at the Python boundary (issue 24, item 8): each raises ValueError or
TypeError with the option's name before any work (no batch streamed, no fit run), with the
CLI's bounds; nothing is truncated (2.7 -> 2), wrapped (-1 -> 2**64 - 1) or ignored."""
import pytest
import torch

import critnet


def _model():
    return torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))


class _Untouched:
    """Data that fails the test if a batch is taken from it."""

    def __iter__(self):
        raise AssertionError("a batch was streamed before the options were checked")


@pytest.mark.parametrize("kwargs, error, words", [
    ({"threads": -1}, ValueError, "threads"),
    ({"threads": 100000}, ValueError, "threads"),
    ({"bootstrap": 2_000_000_000}, ValueError, "bootstrap"),
    ({"bootstrap": -1}, ValueError, "bootstrap"),
    ({"bootstrap": 2.7}, TypeError, ""),
    ({"max_candidates": -5}, ValueError, "max_candidates"),
    ({"min_tail_fraction": 1.5}, ValueError, "min_tail_fraction"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": 2**40}, ValueError, "batch_size"),
    ({"batch_size": 10.0}, TypeError, "batch_size"),
    ({"seed": -1}, ValueError, "seed"),
    ({"subsets": 2.0}, TypeError, "num_subsets"),
    ({"gram_side": "sideways"}, ValueError, "sideways"),
])
def test_probe_refuses_bad_options_before_streaming(kwargs, error, words):
    with pytest.raises(error, match=words):
        critnet.probe(_model(), _Untouched(), **kwargs)


@pytest.mark.parametrize("kwargs, error, words", [
    ({"bootstrap": 2_000_000_000}, ValueError, "bootstrap"),
    ({"bootstrap": 2.7}, TypeError, "bootstrap"),
    ({"bootstrap": True}, TypeError, "bootstrap"),
    ({"threads": -1}, ValueError, "threads"),
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": 2**64}, ValueError, "seed"),
    ({"max_candidates": -1}, ValueError, "max_candidates"),
    ({"min_tail": 1.5}, TypeError, "min_tail"),
    ({"xmin": "1e3"}, TypeError, "xmin"),
    ({"significance": "0.1"}, TypeError, "significance"),
])
def test_fit_refuses_bad_options(kwargs, error, words):
    with pytest.raises(error, match=words):
        critnet.fit([1.0, 2.0, 3.0, 5.0, 8.0, 13.0], **kwargs)


def test_penalty_and_regularizer_refuse_truncation_and_wrong_types():
    w = torch.randn(4, 6)
    with pytest.raises(TypeError, match="probes"):
        critnet.penalty(w, probes=1.5)
    with pytest.raises(TypeError, match="beta"):
        critnet.penalty(w, beta="2")
    with pytest.raises(ValueError, match="interval"):
        critnet.CriticalRegularizer(_model(), interval=0)
    with pytest.raises(TypeError, match="strength"):
        critnet.CriticalRegularizer(_model(), strength=None)


def test_ctrl_c_stops_a_long_bootstrap(tmp_path):
    """Ctrl-C (SIGINT) during critnet.fit's bootstrap raises KeyboardInterrupt within moments,
    instead of running every replicate first."""
    import signal
    import subprocess
    import sys
    import time
    script = tmp_path / "long_fit.py"
    script.write_text(
        "import numpy as np, critnet, sys\n"
        "x = np.random.default_rng(1).pareto(1.5, 20000) + 1\n"
        "print('ready', flush=True)\n"
        "try:\n"
        "    critnet.fit(x, bootstrap=1000000, threads=1)\n"
        "except KeyboardInterrupt as e:\n"
        "    print('interrupted:', e, flush=True)\n"
        "    sys.exit(7)\n")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 7, out
    assert "interrupted by SIGINT" in out
    assert time.monotonic() - t0 < 30
