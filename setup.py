"""Builds the extension critnet._critnet with CMake for pip (pyproject.toml has the metadata).

Without CRITNET_BUILD_DIR it configures a Release build in build-pip (the checkout's
CMakeLists.txt, CRITNET_PYTHON=ON, no tests) and builds the target _critnet there; ccache, when
installed, serves the objects that scripts/build.sh's build/ compiled (CCACHE_BASEDIR = the
checkout makes the paths relative, and build-pip sits at build/'s depth, so they are the same). With
CRITNET_BUILD_DIR=DIR (a build configured by scripts/build.sh) it builds _critnet in DIR,
usually nothing to do, and takes the extension from there. Nothing is downloaded.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def version() -> str:
    match = re.search(r"project\(critnet VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())
    if not match:
        raise RuntimeError("CMakeLists.txt: no 'project(critnet VERSION x.y.z' line")
    return match.group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        given = os.environ.get("CRITNET_BUILD_DIR")
        build_dir = Path(given).resolve() if given else ROOT / "build-pip"
        env = dict(os.environ)
        env.setdefault("CCACHE_BASEDIR", str(ROOT))
        if not (build_dir / "CMakeCache.txt").exists():
            if given:
                raise RuntimeError(f"CRITNET_BUILD_DIR={given} is not a configured CMake build "
                                   "(run scripts/build.sh first, or leave it unset)")
            self.announce(f"critnet: configuring {build_dir}", level=2)
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir),
                            "-DCMAKE_BUILD_TYPE=Release", "-DCRITNET_PYTHON=ON",
                            "-DCRITNET_BUILD_TESTS=OFF", f"-DPython3_EXECUTABLE={sys.executable}"],
                           check=True, env=env)
        jobs = os.environ.get("CRITNET_JOBS", str(os.cpu_count() or 1))
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_critnet", "-j", jobs],
                       check=True, env=env)
        built = sorted((build_dir / "python" / "critnet").glob("_critnet*.so"))
        if not built:
            raise RuntimeError(f"{build_dir}: the build made no python/critnet/_critnet*.so")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built[-1], target)


SCRATCH = ROOT / "build-pip"
SCRATCH.mkdir(exist_ok=True)
setup(
    version=version(),
    ext_modules=[Extension("critnet._critnet", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    # setuptools' own scratch folders stay out of the sources.
    options={"build": {"build_base": str(SCRATCH / "setuptools")},
             "egg_info": {"egg_base": str(SCRATCH)}},
)
