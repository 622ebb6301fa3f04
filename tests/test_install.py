"""The installed package is self-contained: it imports in a new process with no environment."""
import os
import subprocess
import sys

import activesci


def test_imports_in_clean_process_without_environment():
    code = ("import activesci._core as c, activesci; "
            "info = c.blas_info(); assert info['num_procs'] >= 1; print(info['symbol_prefix'])")
    out = subprocess.run([sys.executable, "-c", code], env={}, cwd="/",
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() in ("scipy_", "")


def test_openblas_is_bundled_or_system():
    from activesci import _core
    libs = os.path.join(os.path.dirname(_core.__file__), ".libs")
    if _core.blas_info()["symbol_prefix"] == "scipy_":
        assert os.path.exists(os.path.join(libs, "libscipy_openblas.so"))
    assert activesci.__version__
