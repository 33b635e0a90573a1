"""Report data (computed once): pooled values, verdicts, grades, i18n, render errors."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline.errors import FrievalError
from pipeline.report import data as report_data
from pipeline.report import i18n
from pipeline.report.fake_warehouse import build_fake_warehouse
from pipeline.report.theory import combine


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    db = build_fake_warehouse(tmp_path_factory.mktemp("rdata") / "fake.duckdb")
    return db, report_data.compute(db, 5)


def test_pooled_arm_values_match_the_person_rows(fake):
    db, d = fake
    with duckdb.connect(str(db), read_only=True) as con:
        pm = con.execute("select * from marts.fct_person_measures").df()
    panel = d.tables["panel"].set_index("indicator_id")
    # a rate per 1,000 person-years (E_ADM, intervention, follow-up)
    g = pm[(pm.experiment_id == "E_ADM") & (pm.measure_code == "adm_stays") & (pm.arm == "intervention")
           & (pm.period == "followup")]
    assert panel.loc["I_ADM1", "v_if"] == pytest.approx(1000 * g.numerator.sum() / g.person_years.sum())
    assert panel.loc["I_ADM1", "n_if"] == g.person_id.nunique()
    # a person-weighted mean over two municipalities
    g = pm[(pm.experiment_id == "E_ADM") & (pm.measure_code == "exp_score") & (pm.arm == "comparison")
           & (pm.period == "baseline")]
    assert panel.loc["I_ADM3", "v_cb"] == pytest.approx(g.value.mean())
    # a median of a time-to-event measure comes from Kaplan-Meier, not a mean
    g = pm[(pm.experiment_id == "E_EMP") & (pm.measure_code == "emp_weeks_to_selfsupport")
           & (pm.arm == "intervention") & (pm.period == "followup")]
    from statsmodels.duration.survfunc import SurvfuncRight

    sf = SurvfuncRight(g.value.to_numpy(), (~g.censored.astype(bool)).astype(int).to_numpy())
    assert panel.loc["I_EMP2", "v_if"] == pytest.approx(sf.quantile(0.5))


def test_verdicts_follow_the_expected_direction(fake):
    _db, d = fake
    p = d.tables["panel"].set_index("indicator_id")
    for ind, r in p.iterrows():
        if r.verdict not in ("better", "worse"):
            continue
        sign = {"up": 1, "down": -1}[r.expected_direction]
        null = 1.0 if r.scale in report_data.LOG_SCALES else 0.0
        if r.scale == "log_hazard_ratio":
            sign = -sign
        assert (r.lo > null) or (r.hi < null), ind
        moved_up = r.lo > null
        assert (r.verdict == "better") == (moved_up == (sign == 1)), ind
    assert p.loc["I_ADM4", "verdict"] == "not_computable"
    assert set(p.loc[["I_FIT1", "I_FIT2", "I_FIT3"], "verdict"]) == {"suppressed"}
    assert p.loc[["I_FIT1"], "est"].isna().all()


def test_hazard_ratio_sign_is_turned_for_shorter_times(tmp_path):
    """Days to an event, expected lower: a hazard ratio above 1 (events sooner) is better."""
    db = build_fake_warehouse(tmp_path / "f.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("""update marts.fct_effects set estimate = 0.5, ci_low = 0.2, ci_high = 0.8
                       where measure_code = 'emp_weeks_to_selfsupport'""")
    p = report_data.compute(db, 5).tables["panel"].set_index("indicator_id")
    assert p.loc["I_EMP2", "verdict"] == "better"
    assert p.loc["I_EMP2", "est"] == pytest.approx(np.exp(0.5))


def test_grades_combine_indicators(fake):
    _db, d = fake
    nodes = d.tables["pt_nodes"].set_index("node_id")
    # E_ADM_o2 has a worse cost indicator and a not-computable one: contradicted
    assert nodes.loc["E_ADM_o2", "grade"] == "contradicted"
    assert nodes.loc["E_ADM_in", "grade"] == "not_measured"
    assert combine(["supported", "contradicted"]) == "inconclusive"
    assert combine(["supported", "not_measured"]) == "supported"
    links = d.tables["pt_links"]
    assert set(links.grade) <= {"supported", "contradicted", "inconclusive", "not_measured"}


def test_missing_mart_is_one_clear_error(tmp_path):
    db = build_fake_warehouse(tmp_path / "f.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute("drop table marts.fct_effects")
    with pytest.raises(FrievalError, match="fct_effects"):
        report_data.compute(db, 5)
    with pytest.raises(FrievalError, match="threshold"):
        report_data.compute(db, 0)


def test_number_formatting_and_translations():
    assert i18n.number(1234.5, "da", 1) == "1.234,5"
    assert i18n.number(1234.5, "en", 1) == "1,234.5"
    assert i18n.number(-0.25, "da", 2, sign=True) == "−0,25"
    assert i18n.number(float("nan"), "da") == "–"
    assert i18n.check_complete() == []
    assert i18n.stratum("child|CORS", "da") == "barn · CORS"
    text, ok = i18n.warning("small n: intervention/followup n=3 < 20", "da")
    assert ok and text.startswith("få personer")
    with pytest.raises(KeyError):
        i18n.t("no_such_key", "da")


def test_unknown_network_fails_the_render_in_one_line(tmp_path, fake):
    _db, d = fake
    d.write(tmp_path)
    from pipeline.report.render import render_all

    with pytest.raises(FrievalError) as err:
        render_all([{"network_id": "nope", "lang": "da", "data_dir": tmp_path / "report_data", "title": "x"}],
                   tmp_path / "reports")
    assert "nope" in str(err.value) and "\n" not in str(err.value)


def _reverse_every_table(db) -> int:
    """Rewrite every base table with its rows in reverse order (same content, other scan order)."""
    with duckdb.connect(str(db)) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() where not temporary").fetchall()
        con.execute("set preserve_insertion_order = true")
        for schema, table in tables:
            con.execute(f'create or replace table "{schema}"."{table}" as '
                        f'select * from "{schema}"."{table}" order by rowid desc')
    return len(tables)


@pytest.mark.slow
def test_report_data_does_not_depend_on_the_row_order_of_the_warehouse(demo_run, tmp_path):
    """The build writes tables in parallel without keeping insertion order, so two runs on the same
    data can hold the same rows in another order. Nothing computed for the reports may change
    with it (a tie broken by row order once changed a report's summary between two runs)."""
    import shutil

    out, _summary = demo_run
    a, b = tmp_path / "a" / "frieval.duckdb", tmp_path / "b" / "frieval.duckdb"
    for db in (a, b):
        db.parent.mkdir()
        shutil.copy(out / "frieval.duckdb", db)
    assert _reverse_every_table(b) > 20
    da, db_ = report_data.compute(a, 5), report_data.compute(b, 5)
    for group in ("tables", "exports"):
        ta, tb = getattr(da, group), getattr(db_, group)
        assert ta.keys() == tb.keys()
        for name in ta:
            assert ta[name].to_csv(index=False) == tb[name].to_csv(index=False), f"{group}/{name} depends on row order"
