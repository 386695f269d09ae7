"""examples/notebook.ipynb runs top to bottom in a real kernel: its own cells assert the seed
case's SPEC figures, LeNet-5's MACs under every dataflow and the exploration's optimum."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from ripple.examples import example_path


def test_notebook_runs(tmp_path):
    notebook = nbformat.read(example_path("notebook.ipynb"), as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), \
        "commit the notebook without outputs"
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 2
    tables = [o for o in outputs if "text/html" in o.get("data", {})]
    assert len(tables) >= 4
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "mapping best_conv2: output-indexed nest" in printed
