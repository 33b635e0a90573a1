"""Typed raw columns for Parquet extracts (pipeline/ingest.py TYPED_COLUMNS, macros/registry_staging.sql).

Ingest keeps a Parquet column's type when every file of the table is Parquet and the type is the one
staging gives the column; the staging macros then skip the text parsing for it. These tests hold the
promise that makes this safe: the same data as CSV (all text), as typed Parquet and as Parquet with
unexpected types (which falls back to text) gives the same staged rows and the same quarantine
reasons. The data set is built from CSV rows whose typed values all exist in Parquet types (a typed
column cannot hold "20x0"); unparseable text is covered by tests/test_bad_input.py.
"""

from __future__ import annotations

import pytest

import duckdb

from pipeline.ingest import CONTRACT, TYPED_COLUMNS, ingest
from test_bad_input import CsvFile, build_quality, query, valid_row

# (table, wave, overrides of a valid row): every check a typed column still takes part in
CASES = [
    ("persons", "baseline", {"birth_date": ""}),                                   # missing_value
    ("persons", "baseline", {"birth_date": "1850-01-01"}),                         # implausible_date
    ("persons", "baseline", {"death_date": "1970-01-01"}),                         # death_before_birth
    ("persons", "followup", {"emigration_date": "2200-01-01"}),                    # implausible_date
    ("persons", "followup", {"death_date": "2021-06-30"}),                         # staged
    ("enrolment", "baseline", {"end_date": "2019-01-01"}),                         # end_before_index
    ("enrolment", "baseline", {"index_date": ""}),
    ("enrolment", "followup", {"end_date": "2022-12-31"}),
    ("admissions", "baseline", {"discharge_ts": "2020-02-01 10:00:00"}),           # discharge_before_admission
    ("admissions", "baseline", {"admission_ts": ""}),
    ("admissions", "followup", {"admission_ts": "1800-01-01 00:00:00"}),           # implausible
    ("admissions", "followup", {"admission_ts": "2020-03-01 10:00:00.5", "discharge_ts": ""}),
    ("employment_status", "baseline", {"iso_week": "54"}),                         # out_of_range
    ("employment_status", "baseline", {"iso_week": "0"}),
    ("employment_status", "baseline", {"iso_year": "2021", "iso_week": "53"}),     # week_53_in_52_week_year
    ("employment_status", "baseline", {"iso_year": "2020", "iso_week": "53"}),     # staged
    ("employment_status", "followup", {"iso_year": "1899"}),
    ("employment_status", "followup", {"iso_week": ""}),
    ("employment_status", "followup", {"iso_year": "-5"}),
    ("employment_status", "followup", {"iso_year": "1234567890"}),                 # 10 digits: unparseable
    ("case_events", "baseline", {"event_date": ""}),
    ("case_events", "followup", {"event_date": "1899-12-31"}),
    ("fit_sessions", "baseline", {"item1": "11"}),
    ("fit_sessions", "baseline", {"item2": ""}),
    ("fit_sessions", "followup", {"item3": "-1"}),
    ("fit_sessions", "followup", {"item4": "7.5", "session_date": ""}),
    ("costs", "baseline", {"amount_dkk": ""}),
    ("costs", "baseline", {"amount_dkk": "-12.25"}),
    ("costs", "followup", {"amount_dkk": "1e+20"}),
    ("experience", "baseline", {"score": "6"}),                                    # above scale_max
    ("experience", "baseline", {"scale_max": "0"}),
    ("experience", "followup", {"score": ""}),
    ("experience", "followup", {"score": "-0.5"}),
    ("experience", "followup", {"survey_date": "2150-01-01"}),
]

# SQL type of each typed column in the typed Parquet files; iso_year BIGINT, so that a value beyond
# nine digits can exist and the BIGINT branch of registry_integer is exercised too.
PARQUET_TYPES = {"DATE": "date", "TIMESTAMP": "timestamp", "DOUBLE": "double"}


def _csv_data(data):
    """The data set as CSV: valid rows, the CASES, a duplicate and wave re-deliveries per table."""
    files = {(t, w): CsvFile(t) for t in CONTRACT for w in ("baseline", "followup")}
    n = 0
    for (t, w), f in files.items():
        for _ in range(3):
            n += 1
            f.add(None, valid_row(t, n))
        f.add(None, valid_row(t, 90000))                       # same key and values in both waves
        f.add(None, valid_row(t, 90001) if w == "baseline" else valid_row(t, 90001, **_changed(t)))
    for t, w, over in CASES:
        n += 1
        files[(t, w)].add(None, valid_row(t, n, **over))
    for t in CONTRACT:
        files[(t, "baseline")].add(None, valid_row(t, 90002))   # an exact duplicate in the wave
        files[(t, "baseline")].add(None, valid_row(t, 90002))
    for (t, w), f in files.items():
        f.write(data / f"wave={w}" / f"{t}.csv")


def _changed(table):
    """A non-key change of a valid row (the re-delivery conflicts with the baseline row)."""
    return {"persons": {"municipality_code": "147"}, "enrolment": {"arm": "comparison"},
            "admissions": {"discharge_ts": "2020-03-04 12:00:00"}, "employment_status": {"benefit_code": "121"},
            "case_events": {"person_id": "P77777"}, "fit_sessions": {"item1": "6"},
            "costs": {"amount_dkk": "200"}, "experience": {"score": "3"}}[table]


def _to_parquet(csv_dir, pq_dir, types):
    """Rewrite every CSV of csv_dir as Parquet; types: {(table, wave, column): SQL type} (else text)."""
    with duckdb.connect() as con:
        for csv in sorted(csv_dir.glob("wave=*/*.csv")):
            table, wave = csv.stem, csv.parent.name.removeprefix("wave=")
            sel = []
            for c in CONTRACT[table]:
                typ = types.get((table, wave, c))
                sel.append(f"nullif({c}, '')::{typ} as {c}" if typ else c)
            out = pq_dir / csv.parent.name / f"{table}.parquet"
            out.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"copy (select {', '.join(sel)} from read_csv('{csv}', all_varchar = true, header = true,"
                        f" delim = ',', quote = '\"')) to '{out}' (format parquet)")


def _typed_types():
    types = {}
    for t, cols in TYPED_COLUMNS.items():
        for c, accepted in cols.items():
            for w in ("baseline", "followup"):
                if c == "iso_year":
                    types[(t, w, c)] = "bigint"
                elif c == "iso_week":
                    types[(t, w, c)] = "smallint"
                else:
                    types[(t, w, c)] = PARQUET_TYPES[next(iter(accepted))]
    return types


def _build(tmp, name, data):
    db = tmp / name / "wh.duckdb"
    ingest(data, db)
    mp = pytest.MonkeyPatch()
    try:
        result = build_quality(db, tmp / name / "work", mp)
    finally:
        mp.undo()
    assert result.ok, result.failures
    return db


def _raw_types(db):
    return {(t, c): typ for t, c, typ in query(db, "select table_name, column_name, data_type from "
                                                   "information_schema.columns where table_schema = 'raw'")}


def _staged(db):
    """Every base_registry__* row (staged or quarantined) and every quarantine row, file-format blind."""
    rows = {}
    for t in CONTRACT:
        cols = [r[0] for r in query(db, "select column_name from information_schema.columns where "
                                        f"table_schema = 'staging' and table_name = 'base_registry__{t}' "
                                        "order by ordinal_position")]
        sel = ", ".join("regexp_replace(source_file, '\\.(csv|parquet)$', '')" if c == "source_file" else c
                        for c in cols)
        rows[t] = sorted(query(db, f"select {sel} from staging.base_registry__{t}"), key=repr)
    rows["quarantine"] = sorted(query(db, "select table_name, wave, regexp_replace(source_file, "
                                          "'\\.(csv|parquet)$', ''), source_row, column_name, reason "
                                          "from marts.fct_quarantine"), key=repr)
    return rows


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("typed")
    _csv_data(tmp / "csv")
    _to_parquet(tmp / "csv", tmp / "typed", _typed_types())
    odd = _typed_types()
    odd.update({("employment_status", w, "iso_year"): None for w in ("baseline", "followup")})   # text
    odd[("employment_status", "followup", "iso_week")] = "integer"      # the waves disagree: text
    odd.update({("costs", w, "amount_dkk"): "decimal(24, 2)" for w in ("baseline", "followup")})
    odd.update({("experience", w, "scale_max"): "float" for w in ("baseline", "followup")})
    _to_parquet(tmp / "csv", tmp / "odd", odd)
    # one table with a CSV wave and a Parquet wave: the whole table is text
    (tmp / "odd" / "wave=followup" / "persons.parquet").unlink()
    (tmp / "odd" / "wave=followup" / "persons.csv").write_bytes((tmp / "csv" / "wave=followup" / "persons.csv")
                                                                 .read_bytes())
    return {name: _build(tmp, name, tmp / name) for name in ("csv", "typed", "odd")}


def test_parquet_columns_of_the_staged_type_stay_typed_in_raw(built):
    csv, typed, odd = (_raw_types(built[k]) for k in ("csv", "typed", "odd"))
    assert all(v == "VARCHAR" for (t, c), v in csv.items() if c in CONTRACT.get(t, ()))
    assert typed[("persons", "birth_date")] == "DATE"
    assert typed[("admissions", "admission_ts")] == "TIMESTAMP"
    assert typed[("employment_status", "iso_year")] == "BIGINT"
    assert typed[("employment_status", "iso_week")] == "SMALLINT"
    assert typed[("costs", "amount_dkk")] == "DOUBLE"
    assert typed[("experience", "survey_date")] == "DATE"
    assert typed[("persons", "person_id")] == "VARCHAR" and typed[("costs", "month")] == "VARCHAR"
    # unexpected types fall back to text, as every Parquet column was before
    assert odd[("employment_status", "iso_year")] == "VARCHAR"         # written as text
    assert odd[("employment_status", "iso_week")] == "VARCHAR"         # SMALLINT in one wave, INTEGER in the other
    assert odd[("costs", "amount_dkk")] == "VARCHAR"                   # DECIMAL
    assert odd[("experience", "scale_max")] == "VARCHAR"               # FLOAT
    assert odd[("experience", "score")] == "DOUBLE"
    assert odd[("persons", "birth_date")] == "VARCHAR"                 # one wave is CSV


def test_typed_parquet_gives_the_same_staged_rows_and_reasons_as_csv(built):
    csv, typed = _staged(built["csv"]), _staged(built["typed"])
    reasons = {r[5] for r in csv["quarantine"]}
    # the data set exercises the checks typed columns take part in (so equality means something)
    assert {"missing_value", "implausible_date", "death_before_birth", "end_before_index",
            "discharge_before_admission", "out_of_range", "week_53_in_52_week_year", "unparseable_number",
            "duplicate_row", "superseded_by_followup", "conflict_superseded_by_followup"} <= reasons
    for key in csv:
        assert typed[key] == csv[key], key


def test_parquet_with_unexpected_types_falls_back_to_text_with_the_same_reasons(built):
    csv, odd = _staged(built["csv"]), _staged(built["odd"])
    for key in csv:
        assert odd[key] == csv[key], key
