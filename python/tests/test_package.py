"""critnet installs like a Python package: pip puts it into a venv (the CTest fixture
python_install), it imports from outside the checkout, and it carries its type information."""
import importlib.metadata
import os
import pathlib
import subprocess
import sys

import pytest

import critnet

ROOT = pathlib.Path(__file__).resolve().parents[2]
INSTALLED = os.environ.get("CRITNET_EXPECT_INSTALLED")


@pytest.mark.skipif(not INSTALLED, reason="not run against a pip-installed package")
def test_the_installed_package_is_the_one_imported(tmp_path):
    venv = pathlib.Path(INSTALLED).resolve()
    package = pathlib.Path(critnet.__file__).resolve().parent
    assert venv in package.parents, f"critnet imported from {package}, not from {venv}"
    # From another folder, with no PYTHONPATH: the same package.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", "import critnet; print(critnet.__file__)"],
                         cwd=tmp_path, env=env, check=True, capture_output=True, text=True)
    assert pathlib.Path(out.stdout.strip()).resolve().parent == package
    assert importlib.metadata.version("critnet") == critnet.__version__
    assert (package / "py.typed").exists() and (package / "_critnet.pyi").exists()
    assert list(package.glob("_critnet*.so")), "the extension is not in the installed package"


def test_nothing_is_built_into_the_source_tree():
    assert not list((ROOT / "python" / "critnet").glob("_critnet*.so"))
