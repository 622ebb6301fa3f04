"""Every notebook in notebooks/ runs top to bottom (in its own directory, as a user would)."""
import pathlib

import pytest

NOTEBOOKS = sorted((pathlib.Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}}).execute()


def test_the_six_notebooks_of_the_guide_exist():
    names = {p.name[:2] for p in NOTEBOOKS}
    assert {"01", "02", "03", "04", "05", "06"} <= names, NOTEBOOKS
