"""The code in the documentation runs.

Every fenced ```python block of README.md and docs/*.md is executed, the blocks of one page in
order in one namespace (a page reads top to bottom like a notebook), in a temporary working
directory so that pages may write files.  A block written as a doctest (``>>>`` prompts) is run
by doctest, so its printed output is checked too.  A block whose info string is ``python no-run`` is
shown but not executed (cluster set-ups that need a scheduler, for instance).
"""
from __future__ import annotations

import doctest
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
FENCE = re.compile(r"^```python[ \t]*(?P<info>[^\n]*)\n(?P<code>.*?)^```[ \t]*$",
                   re.MULTILINE | re.DOTALL)


def python_blocks(page: pathlib.Path):
    """(line number, code) of each executable python block of ``page``."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for m in FENCE.finditer(text):
        if "no-run" in m.group("info"):
            continue
        blocks.append((text.count("\n", 0, m.start()) + 1, m.group("code")))
    return blocks


def test_fence_pattern_finds_blocks():
    # the pattern itself: a page with a runnable and a shown-only block
    text = "x\n```python\na = 1\n```\n\n```python no-run\nb = 2\n```\n"
    found = [(m.group("info"), m.group("code")) for m in FENCE.finditer(text)]
    assert found == [("", "a = 1\n"), ("no-run", "b = 2\n")]


def run_doctest(code: str, namespace: dict, where: str) -> None:
    """Run a ``>>>`` block in ``namespace``; fail with doctest's report of any mismatch."""
    test = doctest.DocTestParser().get_doctest(code, namespace, where, where, 0)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    report: list = []
    runner.run(test, out=report.append, clear_globs=False)
    namespace.update(test.globs)
    if runner.failures:
        raise AssertionError(f"the doctest block at {where} failed:\n" + "".join(report))


@pytest.mark.parametrize("page", [p for p in PAGES if python_blocks(p)],
                         ids=lambda p: p.name)
def test_page_code_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for line, code in python_blocks(page):
        if code.lstrip().startswith(">>>"):
            run_doctest(code, namespace, f"{page.name}:{line}")
            continue
        try:
            exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
        except Exception as exc:  # name the page and line of the failing block
            raise AssertionError(f"the python block at {page.name} line {line} failed: "
                                 f"{type(exc).__name__}: {exc}") from exc
    import matplotlib.pyplot as plt

    plt.close("all")
