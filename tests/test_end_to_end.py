"""The walking skeleton end to end (issue 2): extracts -> warehouse -> effects -> 8 reports."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import duckdb
import pytest

from pipeline.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _networks() -> list[str]:
    with open(PROJECT_ROOT / "seeds" / "catalogue" / "networks.csv", encoding="utf-8") as fh:
        return [row["network_id"] for row in csv.DictReader(fh)]


def test_run_writes_warehouse_and_one_report_per_network(demo_run):
    out, summary = demo_run
    networks = _networks()
    assert len(networks) == 8
    for network_id in networks:
        html = (out / "reports" / f"{network_id}.html")
        assert html.is_file(), f"missing report for {network_id}"
        assert html.stat().st_size > 10_000
    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    for network_id in networks:
        assert f"{network_id}.html" in index
    with duckdb.connect(str(out / "frieval.duckdb"), read_only=True) as con:
        n_effects = con.execute("select count(*) from marts.fct_effects where is_primary").fetchone()[0]
        n_values = con.execute("select count(*) from marts.fct_indicator_values").fetchone()[0]
    assert n_effects > 0 and n_values > 0
    assert summary.n_effects >= n_effects
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run_id"] == summary.run_id
    assert manifest["inputs"], "the manifest lists the input files with checksums"


def test_every_computable_pair_has_an_effect(demo_run):
    """fct_effects is filled for every experiment x measure the catalogue links and the data hold."""
    out, _ = demo_run
    with duckdb.connect(str(out / "frieval.duckdb"), read_only=True) as con:
        missing = con.execute("""
            select distinct pm.experiment_id, pm.measure_code
            from marts.fct_person_measures pm
            anti join (select * from marts.fct_effects where is_primary) e
              using (experiment_id, measure_code)
        """).fetchall()
    assert missing == []


def test_planted_effects_are_recovered_in_direction(demo_run, synthetic_extracts):
    out, _ = demo_run
    truth = json.loads((synthetic_extracts / "truth.json").read_text())
    planted = {(t["experiment_id"], t["measure_code"], t.get("stratum") or ""): t
               for t in truth["effects"] if t["direction"] != 0}
    with duckdb.connect(str(out / "frieval.duckdb"), read_only=True) as con:
        rows = con.execute("""
            select experiment_id, measure_code, coalesce(stratum, ''), estimate, ci_low, ci_high, scale
            from marts.fct_effects where is_primary
        """).fetchall()
    compared = agree = covered = 0
    for exp, code, stratum, est, lo, hi, scale in rows:
        t = planted.get((exp, code, stratum))
        if t is None or est is None:
            continue
        assert scale == t["scale"], f"{exp}/{code}: estimate on {scale}, truth on {t['scale']}"
        compared += 1
        agree += (est > 0) == (t["direction"] > 0)
        covered += lo <= t["value"] <= hi
    assert compared >= 20, f"only {compared} planted effects could be compared"
    assert agree / compared >= 0.8, f"direction recovered for {agree}/{compared}"
    assert covered / compared >= 0.8, f"truth inside the 95% CI for {covered}/{compared}"


def test_run_on_a_folder_with_only_some_tables(tmp_path, synthetic_extracts):
    """A user folder holding only persons, enrolment and admissions still runs; reports say what is missing."""
    from pipeline.run import run_pipeline

    data = tmp_path / "partial"
    for wave in ("wave=baseline", "wave=followup"):
        (data / wave).mkdir(parents=True)
        for table in ("persons", "enrolment", "admissions"):
            for src in (synthetic_extracts / wave).glob(f"{table}.*"):
                shutil.copy(src, data / wave / src.name)
    out = tmp_path / "out"
    summary = run_pipeline(data, out, lang="en")
    with duckdb.connect(str(out / "frieval.duckdb"), read_only=True) as con:
        absent = {r[0] for r in con.execute(
            "select table_name from marts.fct_row_accounting where status = 'absent'").fetchall()}
        families = {r[0] for r in con.execute(
            "select distinct split_part(measure_code, '_', 1) from marts.fct_effects").fetchall()}
    assert {"employment_status", "case_events", "fit_sessions", "costs", "experience"} <= absent
    assert families == {"adm"}
    report = (out / "reports" / "acute_care.html").read_text(encoding="utf-8")
    assert "employment_status" in report, "the report names the extract tables that were absent"
    assert summary.n_effects > 0


def test_cli_reports_bad_data_folder_in_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--data", str(tmp_path / "nope"),
                           "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode != 0
    err = proc.stderr.strip()
    assert err.count("\n") == 0 and "nope" in err and "not found" in err


def test_suite_only_data_tests_pass_on_the_demo_warehouse(demo_run, tmp_path):
    """The data tests a run skips (tag suite_only: invariants that hold by construction and cost a
    full pass over a large table, see pipeline.run.PIPELINE_BUILD) still run here, on a copy of
    the session's warehouse."""
    from pipeline.dbt_runner import run_dbt

    out, _summary = demo_run
    db = tmp_path / "frieval.duckdb"  # same file name: the views name their database after it
    shutil.copy(out / "frieval.duckdb", db)
    result = run_dbt(["test", "--select", "tag:suite_only", "--exclude-resource-type", "unit_test"],
                     db_path=db, work_dir=tmp_path / "work", check=False)
    assert result.ok, result.failures
    assert result.n_failed == 0
    assert result.n_ok >= 1, "no data test is tagged suite_only: drop this test or the tag from the run"
