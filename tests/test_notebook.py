"""The researchers' notebook runs top to bottom, with its plots, on a built dataset (the
bundled samples plus a synthetic corpus), so it never rots."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import nbclient
import nbformat

from gongkai.synth.reports import write_corpus
from tests.conftest import ROOT, SAMPLES
from transform.build import build_dataset

NOTEBOOK = ROOT / "notebooks" / "compare_townships.ipynb"
ARTIFACTS = ROOT / "test-artifacts"


def test_notebook_runs_with_its_plots(tmp_path: Path):
    write_corpus(40, tmp_path / "synth", ("txt", "html"), seed=3)
    out = tmp_path / "dataset"
    build_dataset([SAMPLES, tmp_path / "synth" / "reports"], out)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "commit the notebook without outputs")
    previous = os.environ.get("GONGKAI_DATASET")
    os.environ["GONGKAI_DATASET"] = str(out)
    try:
        client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                         resources={"metadata": {"path": str(NOTEBOOK.parent)}})
        client.execute()  # raises CellExecutionError on any error
    finally:
        if previous is None:
            os.environ.pop("GONGKAI_DATASET", None)
        else:
            os.environ["GONGKAI_DATASET"] = previous
    images = [base64.b64decode(o["data"]["image/png"]) for c in notebook.cells
              if c.cell_type == "code" for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    plotting = [c for c in notebook.cells if c.cell_type == "code" and "plt.show()" in c.source]
    assert len(images) == len(plotting) >= 6
    assert all(len(png) > 10_000 for png in images)
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    ARTIFACTS.mkdir(exist_ok=True)
    nbformat.write(notebook, ARTIFACTS / "compare_townships.executed.ipynb")
