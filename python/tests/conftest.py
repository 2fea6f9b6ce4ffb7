import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def critnet_binary():
    """The CLI of the same build (CTest sets CRITNET_BINARY; else build/critnet)."""
    path = pathlib.Path(os.environ.get("CRITNET_BINARY", ROOT / "build" / "critnet"))
    if not path.exists():
        pytest.fail(f"no critnet CLI at {path}: build it, or set CRITNET_BINARY")
    return str(path)
