#!/bin/sh
# The CTest fixture python_install: a fresh venv at $2 that sees the system's packages (Debian's
# torch, numpy, pytest) and critnet pip-installed from the checkout $3, offline, with no build
# isolation (setup.py reuses the extension of CRITNET_BUILD_DIR). $1: the Python interpreter.
set -eu
python=$1 venv=$2 source=$3
rm -rf "$venv"
"$python" -m venv --system-site-packages "$venv"
"$venv/bin/python" -m pip install --no-build-isolation --quiet "$source"
cd /
"$venv/bin/python" -c 'import critnet; print("installed:", critnet.__file__, critnet.__version__)'
