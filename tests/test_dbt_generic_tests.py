"""The project's generic data tests fail when they should, and say what failed in one line."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipeline.dbt_runner import run_dbt

pytestmark = pytest.mark.slow


def test_columns_not_null_names_the_model_and_every_null_column(demo_run, tmp_path):
    """columns_not_null replaces one not_null test per column: a NULL in any listed column must
    still fail the build, naming the model, the column and the number of NULL rows."""
    out, _summary = demo_run
    db = tmp_path / "frieval.duckdb"  # same file name: the views name their database after it
    shutil.copy(out / "frieval.duckdb", db)
    select = ["test", "--select", "int_person_periods,test_name:columns_not_null",
              "--exclude-resource-type", "unit_test"]
    clean = run_dbt(select, db_path=db, work_dir=tmp_path / "clean", check=False)
    assert clean.ok and clean.n_ok == 1, clean.failures

    with duckdb.connect(str(db)) as con:
        con.execute("update intermediate.int_person_periods set period = null where rowid < 2")
        con.execute("update intermediate.int_person_periods set person_days = null where rowid = 5")
    broken = run_dbt(select, db_path=db, work_dir=tmp_path / "broken", check=False)
    assert not broken.ok and broken.n_failed == 1
    (failure,) = broken.failures
    assert "\n" not in failure
    assert "int_person_periods has NULL in period (2 rows), person_days (1 rows)" in failure


def test_every_not_null_check_is_a_columns_not_null_test():
    """Per-column not_null tests cost one dbt node and one table scan each; required columns go in
    the model's columns_not_null list (a not_null with its own config, e.g. severity warn, stays)."""
    import glob

    import yaml

    from pipeline.paths import PROJECT_ROOT

    plain = []
    for path in glob.glob(str(PROJECT_ROOT / "models" / "**" / "*.yml"), recursive=True):
        doc = yaml.safe_load(open(path, encoding="utf-8")) or {}
        for model in doc.get("models") or []:
            for column in model.get("columns") or []:
                if "not_null" in (column.get("data_tests") or []):
                    plain.append(f"{model['name']}.{column['name']}")
    assert plain == []
