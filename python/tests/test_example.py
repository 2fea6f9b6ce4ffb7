"""examples/python/cnn_fashion_mnist.py runs on a tiny budget and prints its verdict table."""
import pathlib
import subprocess
import sys

import pytest

import critnet

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_cnn_example_runs_on_a_tiny_budget():
    try:
        critnet.data.load("fashion-mnist", split="test", limit=1)
    except OSError as e:
        pytest.skip(f"no Fashion-MNIST files: {e}")
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "python" / "cnn_fashion_mnist.py"),
                          "--train-limit", "256", "--epochs", "1", "--probe-limit", "100",
                          "--bootstrap", "5", "--threads", "1"],
                         check=True, capture_output=True, text=True, timeout=300).stdout
    assert "epoch 1:" in out and "probed 100 test samples" in out
    for layer in ("features.1", "features.4", "classifier.2"):
        assert f"\n{layer} " in out
    assert "eigenvalues" in out
