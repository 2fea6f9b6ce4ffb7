"""critnet.edge: the same document as `critnet edge --json`, the public critical points, bad
arguments."""
import json
import math
import subprocess

import pytest

import critnet


def cli(binary, *args):
    out = subprocess.run([binary, "edge", *args, "--json"], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout)


def test_point_matches_the_cli(critnet_binary):
    doc = critnet.edge("tanh", sigma_w2=2.5, sigma_b2=0.05, depth=5)
    assert doc == cli(critnet_binary, "--activation", "tanh", "--sigma-w2", "2.5", "--sigma-b2",
                      "0.05", "--depth", "5")
    assert doc["phase"] == "chaotic" and doc["c_star"] < 1


def test_critical_line_matches_the_cli_and_the_public_points(critnet_binary):
    line = critnet.edge("erf", sigma_b2=[0.0, 0.05], critical_line=True)
    assert line == cli(critnet_binary, "--activation", "erf", "--critical-line", "--sigma-b2",
                       "0,0.05")
    assert abs(line["critical_line"][0]["sigma_w2"] - math.pi / 4) < 1e-12
    relu = critnet.edge("relu", sigma_w2=2.0)
    assert relu["phase"] == "critical" and relu["xi_c"] is None


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown activation"):
        critnet.edge("gelu", sigma_w2=1.0)
    with pytest.raises(ValueError, match="sigma_w2"):
        critnet.edge("tanh", sigma_w2=0.0)
    with pytest.raises(ValueError, match="sigma_b2"):
        critnet.edge("tanh", sigma_w2=1.0, sigma_b2=-1.0)
    with pytest.raises(ValueError, match="required"):
        critnet.edge("tanh")
    with pytest.raises(ValueError, match="exclude"):
        critnet.edge("tanh", sigma_w2=1.0, critical_line=True)
    with pytest.raises(TypeError):
        critnet.edge("tanh", sigma_w2="1")
    with pytest.raises(TypeError):
        critnet.edge("tanh", sigma_w2=1.0, depth=2.5)
