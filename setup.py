"""Build the C extension ``activesci._core`` from ``csrc/``.

BLAS/LAPACK come from OpenBLAS, chosen by the environment variable ``ACTIVESCI_BLAS``:

``scipy-openblas32`` (default)
    The wheel NumPy and SciPy build against. Its symbols carry the prefix ``scipy_``; the
    prototypes in ``csrc/blas.h`` add it through ``-DBLAS_SYMBOL_PREFIX=scipy_``. The shared
    library is copied into ``activesci/.libs`` and found through an ``$ORIGIN``-relative rpath,
    as a repaired wheel would do, so the installed package has no run-time dependency on it.
``system``
    An OpenBLAS found with ``pkg-config openblas`` (no symbol prefix).
"""
from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import sys

import numpy
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
LIBS_DIR = ".libs"


def _blas_config() -> dict:
    choice = os.environ.get("ACTIVESCI_BLAS", "scipy-openblas32").strip().lower()
    if choice in ("system", "pkg-config", "pkgconfig"):
        try:
            cflags = subprocess.check_output(["pkg-config", "--cflags", "openblas"], text=True)
            libs = subprocess.check_output(["pkg-config", "--libs", "openblas"], text=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(f"ACTIVESCI_BLAS=system but `pkg-config openblas` failed ({exc}); "
                     "install OpenBLAS with its .pc file or unset ACTIVESCI_BLAS.")
        return {"extra_compile_args": shlex.split(cflags) + ["-DBLAS_SYMBOL_PREFIX="],
                "extra_link_args": shlex.split(libs), "bundle": None}
    if choice not in ("scipy-openblas32", "scipy_openblas32", "wheel"):
        sys.exit(f"ACTIVESCI_BLAS={choice!r} is not understood; use 'scipy-openblas32' or 'system'.")
    try:
        import scipy_openblas32 as sob
    except ImportError:
        sys.exit("scipy-openblas32 is a build requirement; `pip install scipy-openblas32` or "
                 "set ACTIVESCI_BLAS=system to use a system OpenBLAS found with pkg-config.")
    libfile = os.path.join(sob.get_lib_dir(), f"lib{sob.get_library()}.so")
    return {"extra_compile_args": [f"-I{sob.get_include_dir()}", "-DBLAS_SYMBOL_PREFIX=scipy_"],
            "extra_link_args": [f"-L{sob.get_lib_dir()}", f"-l{sob.get_library()}",
                                f"-Wl,-rpath,$ORIGIN/{LIBS_DIR}"],
            "bundle": libfile}


class BuildExtBundlingBLAS(build_ext):
    """build_ext that copies the OpenBLAS shared library next to the extension."""

    def run(self):
        super().run()
        bundle = _blas_config()["bundle"]
        if not bundle:
            return
        for ext in self.extensions:
            target_dir = os.path.dirname(self.get_ext_fullpath(ext.name))
            libs = os.path.join(target_dir, LIBS_DIR)
            os.makedirs(libs, exist_ok=True)
            dest = os.path.join(libs, os.path.basename(bundle))
            if not (os.path.exists(dest) and os.path.getsize(dest) == os.path.getsize(bundle)):
                shutil.copy2(bundle, dest)

    def get_outputs(self):
        outputs = super().get_outputs()
        bundle = _blas_config()["bundle"]
        if bundle:
            for ext in self.extensions:
                target_dir = os.path.dirname(self.get_ext_fullpath(ext.name))
                outputs.append(os.path.join(target_dir, LIBS_DIR, os.path.basename(bundle)))
        return outputs


def _extension() -> Extension:
    blas = _blas_config()
    sources = sorted(glob.glob(os.path.join("csrc", "*.c")))
    return Extension(
        "activesci._core",
        sources=sources,
        include_dirs=["csrc", numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_21_API_VERSION")],
        # -ffp-contract=fast: ISO C mode (-std=c11) would keep a*b + c as two roundings; fused
        # into one FMA, the AVX2/AVX-512 clones (csrc/vmath.h) fit a GP 5-8% faster (exp's
        # polynomial), and results stay the same run to run on a given machine.
        extra_compile_args=["-std=c11", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fopenmp-simd",
                            "-ffp-contract=fast", "-Wall", "-Wextra",
                            "-Wno-unused-parameter", "-Wno-missing-field-initializers",
                            "-D_GNU_SOURCE", "-pthread"] + blas["extra_compile_args"],
        extra_link_args=["-pthread", "-lm"] + blas["extra_link_args"],
        depends=sorted(glob.glob(os.path.join("csrc", "*.h"))
                       + glob.glob(os.path.join("csrc", "binding", "*.inc"))),
    )


setup(ext_modules=[_extension()], cmdclass={"build_ext": BuildExtBundlingBLAS})
