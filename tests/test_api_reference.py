"""docs/api.md lists every public name with its current signature and summary."""
from __future__ import annotations

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_api_reference_in_sync_with_code():
    expected = _generator().render()
    actual = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert actual == expected, ("docs/api.md is out of date with the public API: "
                                "run `python docs/gen_api.py` and commit docs/api.md")


def test_every_public_name_has_a_docstring_summary():
    gen = _generator()
    missing = []
    for modname in gen.MODULES:
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError:
            continue
        for name in gen._public_names(mod):
            obj = getattr(mod, name)
            if isinstance(obj, (int, float, str, tuple)) or type(obj).__name__ == "module":
                continue
            if not gen._summary(obj):
                missing.append(f"{modname}.{name}")
    assert not missing, f"public names without a docstring: {missing}"


def test_core_modules_are_documented():
    # the reference would silently shrink if a module stopped importing
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for modname in ("activesci.gp", "activesci.simulators", "activesci.io", "activesci.design"):
        assert f"## `{modname}`" in text
