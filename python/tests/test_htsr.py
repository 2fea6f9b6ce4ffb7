"""critnet.htsr on any torch.nn.Module: one row per Linear/Conv layer with WeightWatcher's
columns and critnet's statistics, the same rows `critnet htsr` gives for the TorchScript save
of the same model (one library function behind both), and bad input."""
import json
import subprocess

import pytest
import torch

import critnet


class SmallCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(),
                                            torch.nn.Conv2d(8, 16, 3), torch.nn.ReLU())
        self.head = torch.nn.Linear(16 * 4 * 4, 40)
        self.out = torch.nn.Linear(40, 10)

    def forward(self, x):
        return self.out(torch.relu(self.head(torch.flatten(self.features(x), 1))))


def test_rows_of_a_cnn_equal_the_cli_on_its_torchscript(tmp_path, critnet_binary):
    torch.manual_seed(0)
    model = SmallCnn()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rows = critnet.htsr(model, bootstrap=20, seed=3, threads=1)
    finally:
        torch.set_num_threads(threads)
    assert [r["layer"] for r in rows] == ["features.0", "features.2", "head", "out"]
    assert [r["type"] for r in rows] == ["Conv2d", "Conv2d", "Linear", "Linear"]
    conv = rows[1]
    assert (conv["N"], conv["M"], conv["rf"]) == (16, 8, 9)
    for key in ("alpha", "D", "stable_rank", "mp_softrank", "label", "ww_label", "p"):
        assert key in rows[2], key
    path = tmp_path / "cnn.pt"
    torch.jit.save(torch.jit.script(model), str(path))
    out = subprocess.run([critnet_binary, "htsr", str(path), "--json", "--bootstrap", "20",
                          "--seed", "3", "--threads", "1"], capture_output=True, text=True,
                         check=True).stdout
    doc = json.loads(out)
    assert doc["schema"] == "critnet.htsr/1"
    assert doc["layers"] == rows


def test_bad_input_raises_before_any_work():
    with pytest.raises(ValueError, match="no Linear or Conv layer"):
        critnet.htsr(torch.nn.Sequential(torch.nn.ReLU()))
    with pytest.raises(TypeError, match="bootstrap"):
        critnet.htsr(SmallCnn(), bootstrap=1.5)
    with pytest.raises(ValueError, match="threads"):
        critnet.htsr(SmallCnn(), threads=-2)
    tiny = torch.nn.Linear(3, 2)
    rows = critnet.htsr(tiny, bootstrap=0)
    assert rows[0]["error"].startswith("2 eigenvalues above")
