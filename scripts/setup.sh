#!/usr/bin/env bash
# Installs everything critnet needs to build, test and run on Debian 12 (idempotent).
# Run as root (or with sudo). Only Debian's packages are used; nothing is downloaded otherwise.
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config git clang-format
  libtorch-dev libopenblas0-openmp          # LibTorch, and a fast BLAS for it (else reference BLAS)
  libdnnl-dev                                # oneDNN's sgemm (AVX-512) for the float32 products
  libblas-dev                                # cblas.h + libblas.so: the Gram kernels call LibTorch's BLAS
  libcli11-dev nlohmann-json3-dev libfmt-dev zlib1g-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libgsl-dev                                 # Hurwitz zeta, special functions for the power-law fits
  gnuplot-nox                                # figures (SVG, PNG)
  dataset-fashion-mnist                      # the embedded default data
  python3 python3-torch                      # the PyTorch reference for benchmark ratios
  python3-dev pybind11-dev pybind11-json-dev # the Python extension critnet._critnet (python/)
  python3-numpy python3-pytest               # the Python package's arrays and its tests
  python3-venv python3-pip python3-setuptools python3-wheel  # pip install . (pyproject.toml)
  mypy                                       # type-checks the Python package (pytest runs it)
  clang-14 libclang-rt-14-dev libomp-14-dev  # sanitizer build: ASan/UBSan runtimes, OpenMP
  libfuzzer-14-dev                           # fuzz targets (scripts/fuzz.sh)
  slurm-wlm munge                            # the Slurm job-array test (a one-node cluster)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
else
  echo "setup: all packages present" >&2
fi
