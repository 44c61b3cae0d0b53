"""Builds the `onyx` Python package with CMake; see pyproject.toml for the pip command.

CMake compiles libonyx and the extension onyx._onyx (python/CMakeLists.txt).
The wheel holds python/onyx/*.py, the extension, and libonyx.so.N beside it:
the extension's RPATH is $ORIGIN, so nothing has to be on LD_LIBRARY_PATH.

The CMake build folder is build-pip/cmake (kept, so a second install only
rebuilds what changed); ONYX_CMAKE_BUILD_DIR names another one, e.g. the
folder `make` already built, to reuse its compiled library.
"""
import glob
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
BUILD_BASE = os.path.join(ROOT, "build-pip")


def onyx_version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(onyx VERSION ([0-9.]+)", f.read()).group(1)


class CMakeExtension(Extension):
    """An extension CMake builds (no sources for setuptools to compile)."""

    def __init__(self, name):
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.path.abspath(os.environ.get("ONYX_CMAKE_BUILD_DIR") or os.path.join(BUILD_BASE, "cmake"))
        configure = [
            "cmake", "-S", ROOT, "-B", build_dir,
            "-DCMAKE_BUILD_TYPE=Release",
            "-DONYX_BUILD_PYTHON=ON",
            # The interpreter itself, not a venv's link to it: the build only
            # needs its headers and ABI tag, and a venv may be deleted later.
            "-DPython3_EXECUTABLE=" + os.path.realpath(sys.executable),
        ]
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            # A fresh folder builds only what the package needs.
            configure += ["-DONYX_BUILD_TESTS=OFF", "-DONYX_BUILD_BENCH=OFF"]
            if shutil.which("ninja"):
                configure += ["-G", "Ninja"]
        subprocess.check_call(configure)
        jobs = str(self.parallel or os.cpu_count() or 1)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "onyx_py", "-j", jobs])

        package_dir = os.path.join(build_dir, "python", "onyx")
        built = glob.glob(os.path.join(package_dir, "_onyx*.so"))
        libs = glob.glob(os.path.join(package_dir, "libonyx.so.*"))
        if len(built) != 1 or len(libs) != 1:
            raise RuntimeError("expected one _onyx*.so and one libonyx.so.N in %s, found %s" % (package_dir, built + libs))
        dest = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(built[0], dest)
        # The library itself (the build tree has a link), under its soname.
        shutil.copyfile(libs[0], os.path.join(os.path.dirname(dest), os.path.basename(libs[0])))


os.makedirs(BUILD_BASE, exist_ok=True)
setup(
    version=onyx_version(),
    packages=["onyx", "onyx.capi"],
    package_dir={"": "python"},
    ext_modules=[CMakeExtension("onyx._onyx")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
    options={"build": {"build_base": BUILD_BASE}, "egg_info": {"egg_base": BUILD_BASE}},
)
