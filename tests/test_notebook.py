"""The researcher's notebook runs on a real run's outputs and reproduces an effect by hand (issue 2)."""

import duckdb
import nbformat
import pytest
from nbclient import NotebookClient

from pipeline.paths import NOTEBOOKS_DIR

pytestmark = pytest.mark.slow


def test_walkthrough_notebook_reproduces_the_pipeline_effect(demo_run, monkeypatch):
    out, _ = demo_run
    monkeypatch.setenv("FRIEVAL_OUT", str(out))
    nb = nbformat.read(NOTEBOOKS_DIR / "walkthrough.ipynb", as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    # A writer could open the warehouse while the notebook holds it: the notebook reads only.
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS_DIR)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "reproduced: estimate" in printed
    with duckdb.connect(str(out / "frieval.duckdb"), read_only=True) as con:  # not left locked
        assert con.execute("select count(*) from marts.fct_effects").fetchone()[0] > 0
