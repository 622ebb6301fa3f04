"""Every notebook in notebooks/ runs top to bottom (in its own directory, as a user would)."""
import os
import pathlib
import time

import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    t0 = time.time()
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    assert time.time() - t0 < 120, f"{path.name} took {time.time() - t0:.0f} s"


def test_there_are_six_notebooks():
    assert len(NOTEBOOKS) >= 6 or os.environ.get("ACTIVESCI_PARTIAL_NOTEBOOKS"), NOTEBOOKS
