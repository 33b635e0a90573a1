"""The fallback renderer's pandoc step: fragments set aside from pandoc come back byte for byte."""

from __future__ import annotations

import nbformat
import pytest

from pipeline.errors import FrievalError
from pipeline.report import render

CHART = ('<div class="frv plot" data-chart="run"><div style="height:360px; width:100%;">    '
         '<div id="chart-1" class="plotly-graph-div" style="height:100%; width:100%;"></div>    <script>'
         ' if (document.getElementById("chart-1")) { Plotly.newPlot("chart-1", [{"name": "A & B <i>"}]) }; '
         '</script>    </div></div>')
TEXT = '<div class="frv"><p>"Bedre" &amp; dårligere</p></div>'
LINKED = CHART.replace("<script>", '<script src="plotly.min.js"></script><script>')


def _nb(*fragments):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell("# Titel"))
    for f in fragments:
        cell = nbformat.v4.new_code_cell("display(HTML(...))")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": f})]
        nb.cells.append(cell)
    return nb


def test_only_fragments_pandoc_leaves_unchanged_are_set_aside():
    assert render._set_aside(CHART)
    assert render._set_aside("<script>" + "x" * (render.BIG_SCRIPT + 1) + "</script>")
    assert not render._set_aside(TEXT)  # pandoc's --embed-resources re-escapes the quotes
    assert not render._set_aside(LINKED)  # a linked script must be embedded by pandoc
    assert not render._set_aside(CHART.replace('style="height:360px; width:100%;"', 'style="a&amp;b"'))


def test_setting_fragments_aside_gives_the_same_bytes_as_pandoc(tmp_path):
    nb = _nb(CHART, TEXT, CHART.replace("chart-1", "chart-2"))
    big: dict = {}
    render.pandoc_convert(render.html_only(nb, "t", big), tmp_path / "aside.html", "T", "da", big)
    render.pandoc_convert(render.html_only(nb, "t"), tmp_path / "pandoc.html", "T", "da")
    assert len(big) == 2
    page = (tmp_path / "aside.html").read_bytes()
    assert page == (tmp_path / "pandoc.html").read_bytes()
    assert b"data-frieval-inline" not in page and b"&quot;Bedre&quot;" in page


def test_a_lost_placeholder_is_an_error(tmp_path):
    nb = _nb(CHART)
    big = {render.PLACEHOLDER.format(k=7): "never written"}
    with pytest.raises(FrievalError, match="placeholder"):
        render.pandoc_convert(render.html_only(nb, "t", big), tmp_path / "x.html", "T", "da", big)
