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


def test_report_bytes_do_not_depend_on_the_kernel_or_what_it_ran_before(tmp_path):
    """Two kernels share the reports; each report must come out the same whichever kernel ran it
    and after whatever report (nothing carried over between notebooks in a kernel)."""
    from pipeline.report import data as report_data
    from pipeline.report.fake_warehouse import build_fake_warehouse

    db = build_fake_warehouse(tmp_path / "fake.duckdb")
    report_data.compute(db, 5).write(tmp_path)
    import pandas as pd

    nets = sorted(pd.read_parquet(tmp_path / "report_data" / "networks.parquet").network_id)
    assert len(nets) == 2

    def jobs(order):
        return [{"network_id": n, "lang": "da", "data_dir": tmp_path / "report_data", "title": n} for n in order]

    one = render.render_all(jobs(nets), tmp_path / "one", renderers=render.start_renderers(1))
    two = render.render_all(jobs(nets[::-1]), tmp_path / "two", renderers=render.start_renderers(2))
    assert [r.path.stem for r in one] == nets and [r.path.stem for r in two] == nets[::-1]
    for n in nets:
        assert (tmp_path / "one" / f"{n}.html").read_bytes() == (tmp_path / "two" / f"{n}.html").read_bytes()


def test_a_failing_report_among_several_kernels_is_one_clear_error(tmp_path):
    from pipeline.report import data as report_data
    from pipeline.report.fake_warehouse import build_fake_warehouse

    db = build_fake_warehouse(tmp_path / "fake.duckdb")
    report_data.compute(db, 5).write(tmp_path)
    jobs = [{"network_id": n, "lang": "da", "data_dir": tmp_path / "report_data", "title": n}
            for n in ("nope", "also_missing")]
    with pytest.raises(FrievalError) as err:
        render.render_all(jobs, tmp_path / "reports", renderers=render.start_renderers(2))
    assert "nope" in str(err.value) and "\n" not in str(err.value)  # the first failing job, in job order


def test_kernels_follow_the_cores_and_the_reports():
    assert render.kernels_for(0) == 1 and render.kernels_for(1) == 1
    assert 1 <= render.kernels_for(8) <= render.MAX_KERNELS


def test_a_docs_failure_is_raised_after_the_reports_render(tmp_path, monkeypatch):
    import pipeline.report as report
    from pipeline.report.fake_warehouse import build_fake_warehouse

    def fail(*args):
        raise FrievalError("dbt docs generate failed (1 failed): x")

    monkeypatch.setattr(report, "ship_dbt_docs", fail)
    db = build_fake_warehouse(tmp_path / "fake.duckdb")
    with pytest.raises(FrievalError, match="dbt docs generate failed"):
        report.build_reports(db, tmp_path / "out", lang="da")
    assert len(list((tmp_path / "out" / "reports").glob("*.html"))) == 2  # rendered meanwhile; no index
