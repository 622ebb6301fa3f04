"""Every module-level import of a third-party package is a declared run-time dependency.

A fresh ``pip install .`` brings only ``[project].dependencies``; a module that imports anything
else at import time (outside a ``try: ... except ImportError``) breaks for users even though the
test environment, which has the test extras, never notices.
"""
import ast
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
# import name -> distribution name, where they differ
DIST_OF = {"sklearn": "scikit-learn", "skopt": "scikit-optimize"}


def declared_dependencies():
    text = (ROOT / "pyproject.toml").read_text()
    block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.MULTILINE | re.DOTALL).group(1)
    return {re.split(r"[<>=!~;\[ ]", item.strip().strip('"'))[0].lower()
            for item in re.findall(r'"[^"]+"', block)}


def module_level_imports(tree):
    """Top-level package names imported when the module is imported (not in functions, not
    guarded by an ImportError handler)."""
    names = []

    def visit(body, guarded):
        for node in body:
            if isinstance(node, ast.Import):
                names.extend((a.name.split(".")[0], guarded) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.append((node.module.split(".")[0], guarded))
            elif isinstance(node, ast.Try):
                handles = any(isinstance(h.type, ast.Name) and h.type.id in (
                    "ImportError", "ModuleNotFoundError") for h in node.handlers)
                visit(node.body, guarded or handles)
            elif isinstance(node, ast.If):
                visit(node.body, guarded)
                visit(node.orelse, guarded)

    visit(tree.body, False)
    return names


def test_module_level_third_party_imports_are_declared():
    declared = declared_dependencies()
    stdlib = set(sys.stdlib_module_names)
    undeclared = []
    for path in sorted((ROOT / "activesci").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, guarded in module_level_imports(tree):
            if guarded or name in stdlib or name in ("activesci", "__future__"):
                continue
            if DIST_OF.get(name, name).lower() not in declared:
                undeclared.append(f"{path.relative_to(ROOT)}: {name}")
    assert not undeclared, ("imported at module level but not in [project].dependencies "
                            f"(declare them, or import them inside the function that needs "
                            f"them with a clear ImportError): {undeclared}")


def test_the_declared_dependencies_are_parsed():
    assert {"numpy", "scipy", "tqdm"} <= declared_dependencies()


def test_plots_without_matplotlib_say_how_to_install_it(monkeypatch):
    import pytest

    from activesci.plots import pyplot

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # as if not installed
    with pytest.raises(ImportError, match=r"activesci\[plots\]"):
        pyplot()
