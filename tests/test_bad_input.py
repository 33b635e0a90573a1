"""Bad input matrix (issue 7 item 1): every malformed input ends in a clear one-line error with a
non-zero exit, or in rows in marts.fct_quarantine with a reason; rows read = staged + quarantined.

Row-level and line-level cases share one data folder (one ingest + one dbt build); whole-file
cases that must stop the run need no dbt. dbt runs on a copy of the project that holds only the
staging and quality layers (tests/../models/staging, models/marts/quality, macros, tests/dbt), so
this file tests the contract layer on its own, independent of the measure models.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

import pipeline.dbt_runner as dbt_runner
from pipeline.errors import InputError
from pipeline.ingest import CONTRACT, KEY_ENV, ingest
from pipeline.paths import PROJECT_ROOT

# --- helpers shared with tests/test_ingest.py ------------------------------------------------------

VALID = {
    "persons": {"person_id": "P", "birth_date": "1980-01-01", "sex": "M", "municipality_code": "101",
                "death_date": "", "emigration_date": ""},
    "enrolment": {"person_id": "P", "experiment_id": "FK2-01", "municipality_code": "101", "arm": "intervention",
                  "index_date": "2020-01-01", "end_date": ""},
    "admissions": {"person_id": "P", "admission_ts": "2020-03-01 10:00:00", "discharge_ts": "2020-03-03 12:00:00",
                   "admission_type": "acute", "action_diagnosis": "DJ189", "department_type": "somatic",
                   "hospital_code": "H1"},
    "employment_status": {"person_id": "P", "iso_year": "2020", "iso_week": "10", "benefit_code": ""},
    "case_events": {"case_id": "C", "person_id": "P", "event_type": "notification", "event_date": "2020-01-01"},
    "fit_sessions": {"case_id": "C", "person_id": "P", "session_date": "2020-02-01", "respondent": "child",
                     "instrument": "ORS", "item1": "5", "item2": "5", "item3": "5", "item4": "5"},
    "costs": {"person_id": "P", "month": "2020-01", "cost_category": "home_care", "amount_dkk": "100.5"},
    "experience": {"person_id": "P", "survey_date": "2020-05-01", "respondent_type": "citizen", "item_id": "Q1",
                   "score": "4", "scale_max": "5"},
}


def valid_row(table: str, n: int, **over) -> dict:
    row = dict(VALID[table])
    if "person_id" in row:
        row["person_id"] = f"P{n:05d}"
    if "case_id" in row:
        row["case_id"] = f"C{n:05d}"
    row.update(over)
    return row


class CsvFile:
    """Builds one extract CSV and remembers which source_row each case landed on."""

    def __init__(self, table: str, sep: str = ",", encoding: str = "utf-8", bom: bool = False,
                 newline: str = "\n", header: list[str] | None = None):
        self.table, self.sep, self.encoding, self.bom, self.newline = table, sep, encoding, bom, newline
        self.header = header or list(CONTRACT[table])
        self.lines: list[str] = []
        self.rows: dict[str, int] = {}

    def add(self, case: str | None, row: dict) -> int:
        self.lines.append(self.sep.join(row.get(c, "") for c in self.header))
        if case:
            self.rows[case] = len(self.lines)
        return len(self.lines)

    def add_raw(self, case: str | None, line: str) -> int:
        self.lines.append(line)
        if case:
            self.rows[case] = len(self.lines)
        return len(self.lines)

    def write(self, path: Path, trailing: str = "") -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = self.newline.join([self.sep.join(self.header)] + self.lines) + self.newline + trailing
        data = text.encode(self.encoding)
        path.write_bytes((b"\xef\xbb\xbf" if self.bom else b"") + data)
        return path

    @property
    def n_data_rows(self) -> int:
        return sum(1 for ln in self.lines if ln.strip())


def quality_project(tmp: Path) -> Path:
    """A copy of the project with only the contract layer (staging + quality marts)."""
    proj = tmp / "proj"
    if proj.exists():
        return proj
    (proj / "models" / "marts").mkdir(parents=True)
    (proj / "tests").mkdir()
    for f in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_ROOT / f, proj / f)
    shutil.copytree(PROJECT_ROOT / "macros", proj / "macros")
    shutil.copytree(PROJECT_ROOT / "models" / "staging", proj / "models" / "staging")
    shutil.copytree(PROJECT_ROOT / "models" / "marts" / "quality", proj / "models" / "marts" / "quality")
    (proj / "tests" / "dbt").mkdir()
    shutil.copy(PROJECT_ROOT / "tests" / "dbt" / "assert_row_accounting_balances.sql", proj / "tests" / "dbt")
    return proj


def build_quality(db_path: Path, work: Path, monkeypatch_root) -> dbt_runner.DbtResult:
    """dbt build of staging + quality marts (and their tests) on the warehouse at db_path."""
    monkeypatch_root.setattr(dbt_runner, "PROJECT_ROOT", quality_project(work))
    return dbt_runner.run_dbt(["build", "--select", "path:models/staging", "path:models/marts/quality"],
                              db_path=db_path, work_dir=work, check=False)


def query(db_path: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


# --- the matrix: row- and line-level cases ---------------------------------------------------------

# (case id, table, wave, overrides of a valid row, expected)  expected = ("q", column, reason) for a
# row in quarantine, ("s", column, typed value) for a row that must be staged with that value.
ROW_CASES = [
    ("persons_unparseable_date", "persons", "baseline", {"birth_date": "1980-13-45"}, ("q", "birth_date", "unparseable_date")),
    ("persons_impossible_date", "persons", "baseline", {"birth_date": "2021-02-30"}, ("q", "birth_date", "unparseable_date")),
    ("persons_implausible_date", "persons", "baseline", {"birth_date": "1850-01-01"}, ("q", "birth_date", "implausible_date")),
    ("persons_unknown_sex", "persons", "baseline", {"sex": "X"}, ("q", "sex", "not_in_accepted_values")),
    ("persons_bad_municipality", "persons", "baseline", {"municipality_code": "abc"}, ("q", "municipality_code", "invalid_format")),
    ("persons_death_before_birth", "persons", "baseline", {"death_date": "1970-01-01"}, ("q", "death_date", "death_before_birth")),
    ("persons_missing_id", "persons", "baseline", {"person_id": ""}, ("q", "person_id", "missing_value")),
    ("persons_short_municipality_padded", "persons", "baseline", {"municipality_code": "57"}, ("s", "municipality_code", "057")),
    ("persons_danish_date_form", "persons", "baseline", {"birth_date": "02-03-1990"}, ("s", "birth_date", "1990-03-02")),
    ("enrolment_unknown_arm", "enrolment", "baseline", {"arm": "control"}, ("q", "arm", "not_in_accepted_values")),
    ("enrolment_end_before_index", "enrolment", "baseline", {"end_date": "2019-01-01"}, ("q", "end_date", "end_before_index")),
    ("enrolment_missing_experiment", "enrolment", "followup", {"experiment_id": ""}, ("q", "experiment_id", "missing_value")),
    ("admissions_discharge_before_admission", "admissions", "baseline", {"discharge_ts": "2020-02-01 10:00:00"}, ("q", "discharge_ts", "discharge_before_admission")),
    ("admissions_unparseable_ts", "admissions", "baseline", {"admission_ts": "yesterday"}, ("q", "admission_ts", "unparseable_timestamp")),
    ("admissions_unknown_type", "admissions", "baseline", {"admission_type": "emergency"}, ("q", "admission_type", "not_in_accepted_values")),
    ("admissions_malformed_diagnosis", "admissions", "followup", {"action_diagnosis": "12345"}, ("q", "action_diagnosis", "invalid_format")),
    ("admissions_unknown_department", "admissions", "followup", {"department_type": "dental"}, ("q", "department_type", "not_in_accepted_values")),
    ("admissions_dotted_diagnosis", "admissions", "followup", {"action_diagnosis": "dj18.9"}, ("s", "action_diagnosis", "DJ189")),
    ("employment_week_54", "employment_status", "baseline", {"iso_week": "54"}, ("q", "iso_week", "out_of_range")),
    ("employment_week_53_in_2021", "employment_status", "baseline", {"iso_year": "2021", "iso_week": "53"}, ("q", "iso_week", "week_53_in_52_week_year")),
    ("employment_week_53_in_2020_ok", "employment_status", "baseline", {"iso_year": "2020", "iso_week": "53"}, ("s", "iso_week", 53)),
    ("employment_wrong_type_year", "employment_status", "baseline", {"iso_year": "20x0"}, ("q", "iso_year", "unparseable_number")),
    ("employment_unknown_benefit_code_staged", "employment_status", "followup", {"benefit_code": "ZZ999"}, ("s", "benefit_code", "ZZ999")),
    ("case_events_missing_type", "case_events", "baseline", {"event_type": ""}, ("q", "event_type", "missing_value")),
    ("case_events_unparseable_date", "case_events", "baseline", {"event_date": "31/31/2020"}, ("q", "event_date", "unparseable_date")),
    ("case_events_unknown_type_staged", "case_events", "baseline", {"event_type": "escalation"}, ("s", "event_type", "escalation")),
    ("fit_item_above_10", "fit_sessions", "baseline", {"item1": "11"}, ("q", "item1", "out_of_range")),
    ("fit_item_missing", "fit_sessions", "baseline", {"item2": ""}, ("q", "item2", "missing_value")),
    ("fit_item_negative", "fit_sessions", "baseline", {"item3": "-1"}, ("q", "item3", "out_of_range")),
    ("fit_unknown_instrument", "fit_sessions", "followup", {"instrument": "XYZ"}, ("q", "instrument", "not_in_accepted_values")),
    ("fit_unknown_respondent", "fit_sessions", "followup", {"respondent": "teacher"}, ("q", "respondent", "not_in_accepted_values")),
    ("costs_bad_month", "costs", "followup", {"month": "2020-13"}, ("q", "month", "invalid_format")),
    ("costs_wrong_type_amount", "costs", "followup", {"amount_dkk": "abc"}, ("q", "amount_dkk", "unparseable_number")),
    ("experience_score_above_max", "experience", "baseline", {"score": "6"}, ("q", "score", "out_of_range")),
    ("experience_zero_scale", "experience", "baseline", {"scale_max": "0"}, ("q", "scale_max", "out_of_range")),
    ("experience_unknown_respondent", "experience", "baseline", {"respondent_type": "visitor"}, ("q", "respondent_type", "not_in_accepted_values")),
]

# line-level cases: (case id, table, wave, raw line, expected reason prefix in fct_quarantine)
LINE_CASES = [
    ("persons_too_few_fields", "persons", "followup", "P90001;1980-01-01", "unparseable_line: expected 6 fields"),
    ("admissions_too_many_fields", "admissions", "baseline", ",".join(["x"] * 9), "unparseable_line: expected 7 fields"),
    ("case_events_binary_garbage", "case_events", "baseline", "C1,\x00\x01\x02\x7f\x03,notification,2020-01-01",
     "unparseable_line: binary or control characters"),
    ("employment_line_of_3_mb", "employment_status", "followup", "P1," + "9" * 3_000_000 + ",1,",
     "unparseable_line: line longer than"),
    ("fit_unbalanced_quote", "fit_sessions", "baseline", 'C9,"P9,2020-02-01,child,ORS,1,1,1,1', "unparseable_line: unbalanced quotes"),
]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad_input")
    data = tmp / "data"
    # one file per table and wave, each with its own dialect
    dialects = {
        ("persons", "baseline"): dict(sep=";", encoding="cp1252"),
        ("persons", "followup"): dict(sep=";", bom=True),
        ("enrolment", "baseline"): dict(sep=",", newline="\r\n"),
        ("enrolment", "followup"): dict(sep=","),
        ("admissions", "baseline"): dict(sep=","),
        ("admissions", "followup"): dict(sep=";"),
        ("employment_status", "baseline"): dict(sep=","),
        ("employment_status", "followup"): dict(sep=","),
        ("case_events", "baseline"): dict(sep=","),
        ("fit_sessions", "baseline"): dict(sep=","),
        ("fit_sessions", "followup"): dict(sep=";"),
        ("costs", "baseline"): dict(sep=";", encoding="cp1252"),
        ("costs", "followup"): dict(sep=","),
        ("experience", "baseline"): dict(sep=";"),
        ("experience", "followup"): dict(sep=";"),   # header only
        # case_events followup: absent
    }
    files = {k: CsvFile(k[0], **v) for k, v in dialects.items()}
    n = 0
    for (table, wave), f in files.items():
        if (table, wave) == ("experience", "followup"):
            continue
        for _ in range(3):                              # some plain valid rows in every file
            n += 1
            f.add(None, valid_row(table, n))
    expected: dict[str, tuple] = {}
    where: dict[str, tuple] = {}
    for case, table, wave, over, exp in ROW_CASES:
        n += 1
        f = files[(table, wave)]
        row = valid_row(table, n, **over)
        if f.sep == ";" and table in ("costs", "fit_sessions", "experience"):
            row = {k: v.replace(".", ",") for k, v in row.items()}
        f.add(case, row)
        expected[case], where[case] = exp, (table, wave)
    for case, table, wave, line, reason in LINE_CASES:
        f = files[(table, wave)]
        f.add_raw(case, line if f.sep == "," else line.replace(",", ";"))
        expected[case], where[case] = ("q", "*", reason), (table, wave)

    # dialect cases with a staged value to check
    n += 1
    files[("persons", "baseline")].add("cp1252_danish_letters", valid_row("persons", n, person_id="Søren-Æblø"))
    expected["cp1252_danish_letters"], where["cp1252_danish_letters"] = ("s", "person_id", "Søren-Æblø"), ("persons", "baseline")
    n += 1
    files[("costs", "baseline")].add("decimal_comma_thousands", valid_row("costs", n, amount_dkk="1.234,50", cost_category="hjemmepleje æøå"))
    expected["decimal_comma_thousands"], where["decimal_comma_thousands"] = ("s", "amount_dkk", 1234.5), ("costs", "baseline")
    n += 1
    files[("fit_sessions", "followup")].add("fit_decimal_comma", valid_row("fit_sessions", n, item1="7,5"))
    expected["fit_decimal_comma"], where["fit_decimal_comma"] = ("s", "item1", 7.5), ("fit_sessions", "followup")
    n += 1
    files[("fit_sessions", "baseline")].add_raw("fit_quoted_fields", f'"C{n:05d}","P{n:05d}",2020-02-01,child,"ORS","7.5",5,5,5')
    expected["fit_quoted_fields"], where["fit_quoted_fields"] = ("s", "item1", 7.5), ("fit_sessions", "baseline")

    # duplicates within a wave and conflicts between waves
    dup = valid_row("persons", 80001)
    files[("persons", "baseline")].add("persons_first_copy", dup)
    files[("persons", "baseline")].add("persons_duplicate_row", dup)
    expected["persons_first_copy"], where["persons_first_copy"] = ("s", "person_id", "P80001"), ("persons", "baseline")
    expected["persons_duplicate_row"], where["persons_duplicate_row"] = ("q", "*", "duplicate_row"), ("persons", "baseline")
    for i, case in enumerate(["enrolment_conflict_in_wave_a", "enrolment_conflict_in_wave_b"]):
        files[("enrolment", "followup")].add(case, valid_row("enrolment", 80002, arm=["intervention", "comparison"][i]))
        expected[case] = ("q", "person_id+experiment_id", "conflicting_duplicate_in_wave")
        where[case] = ("enrolment", "followup")
    same = valid_row("persons", 80003)
    files[("persons", "baseline")].add("persons_redelivered_identical", same)
    files[("persons", "followup")].add("persons_redelivered_identical_new", same)
    expected["persons_redelivered_identical"] = ("q", "person_id", "superseded_by_followup")
    where["persons_redelivered_identical"] = ("persons", "baseline")
    expected["persons_redelivered_identical_new"] = ("s", "person_id", "P80003")
    where["persons_redelivered_identical_new"] = ("persons", "followup")
    files[("persons", "baseline")].add("persons_redelivered_changed", valid_row("persons", 80004, municipality_code="101"))
    files[("persons", "followup")].add("persons_redelivered_changed_new", valid_row("persons", 80004, municipality_code="147"))
    expected["persons_redelivered_changed"] = ("q", "person_id", "conflict_superseded_by_followup")
    where["persons_redelivered_changed"] = ("persons", "baseline")
    expected["persons_redelivered_changed_new"] = ("s", "municipality_code", "147")
    where["persons_redelivered_changed_new"] = ("persons", "followup")
    files[("employment_status", "baseline")].add("employment_redelivered_changed", valid_row("employment_status", 80005, benefit_code="111"))
    files[("employment_status", "followup")].add("employment_redelivered_changed_new", valid_row("employment_status", 80005, benefit_code="121"))
    expected["employment_redelivered_changed"] = ("q", "person_id+iso_year+iso_week", "conflict_superseded_by_followup")
    where["employment_redelivered_changed"] = ("employment_status", "baseline")
    expected["employment_redelivered_changed_new"] = ("s", "benefit_code", "121")
    where["employment_redelivered_changed_new"] = ("employment_status", "followup")
    # a baseline row with a follow-up re-delivery that is itself invalid stays current
    files[("costs", "baseline")].add("costs_kept_when_followup_invalid", valid_row("costs", 80006, amount_dkk="5"))
    files[("costs", "followup")].add("costs_invalid_redelivery", valid_row("costs", 80006, amount_dkk="five"))
    expected["costs_kept_when_followup_invalid"] = ("s", "amount_dkk", 5.0)
    where["costs_kept_when_followup_invalid"] = ("costs", "baseline")
    expected["costs_invalid_redelivery"] = ("q", "amount_dkk", "unparseable_number")
    where["costs_invalid_redelivery"] = ("costs", "followup")

    # a blank line in the middle and trailing blank lines
    files[("employment_status", "baseline")].add_raw(None, "")
    n += 1
    files[("employment_status", "baseline")].add("employment_after_blank_line", valid_row("employment_status", n, iso_week="7"))
    expected["employment_after_blank_line"] = ("s", "iso_week", 7)
    where["employment_after_blank_line"] = ("employment_status", "baseline")

    paths = {}
    for (table, wave), f in files.items():
        trailing = "\n\n\n" if (table, wave) == ("employment_status", "baseline") else ""
        paths[(table, wave)] = f.write(data / f"wave={wave}" / f"{table}.csv", trailing=trailing)
    db = tmp / "wh.duckdb"
    summary = ingest(data, db)
    mp = pytest.MonkeyPatch()
    try:
        result = build_quality(db, tmp / "work", mp)
    finally:
        mp.undo()
    return dict(db=db, files=files, expected=expected, where=where, summary=summary, result=result, data=data)


def test_matrix_size():
    n_error_cases = len(ERROR_CASES)
    assert len(ROW_CASES) + len(LINE_CASES) + n_error_cases >= 30
    tables = {c[1] for c in ROW_CASES} | {c[1] for c in LINE_CASES} | {c[1] for c in ERROR_CASES}
    assert tables == set(CONTRACT)


def test_dbt_build_and_tests_pass(matrix):
    r = matrix["result"]
    assert r.ok, r.failures
    assert r.n_ok > 50


def test_every_case_lands_where_expected(matrix):
    db, files = matrix["db"], matrix["files"]
    problems = []
    for case, exp in matrix["expected"].items():
        table, wave = matrix["where"][case]
        src_file = f"wave={wave}/{table}.csv"
        row = files[(table, wave)].rows[case]
        q = query(db, "select column_name, reason from marts.fct_quarantine where table_name = ? and "
                      "source_file = ? and source_row = ?", [table, src_file, row])
        if exp[0] == "q":
            if not q:
                problems.append(f"{case}: not in quarantine")
            elif q[0][0] != exp[1] or not q[0][1].startswith(exp[2]):
                problems.append(f"{case}: quarantined as {q[0]}, expected {exp[1:]}")
        else:
            if q:
                problems.append(f"{case}: quarantined as {q[0]}, expected staged")
                continue
            s = query(db, f"select {exp[1]} from staging.stg_registry__{table} where source_file = ? "
                          "and source_row = ?", [src_file, row])
            val = s[0][0] if s else "<missing>"
            if str(val) != str(exp[2]):
                problems.append(f"{case}: staged {exp[1]}={val!r}, expected {exp[2]!r}")
    assert not problems, "\n".join(problems)


def test_rows_read_equal_staged_plus_quarantined_for_every_file(matrix):
    db, files = matrix["db"], matrix["files"]
    acc = {(t, w): (read, staged, quar, status) for t, w, read, staged, quar, status in query(
        db, "select table_name, wave, rows_read, rows_staged, rows_quarantined, status from marts.fct_row_accounting")}
    assert len(acc) == len(CONTRACT) * 2
    for key, f in files.items():
        read, staged, quar, status = acc[key]
        assert status == "present"
        assert read == f.n_data_rows, key          # independent count: the data lines written
        assert read == staged + quar, key
    assert acc[("case_events", "followup")] == (0, 0, 0, "absent")
    assert acc[("experience", "followup")] == (0, 0, 0, "present")       # header only
    # raw holds exactly the rows not rejected at ingest
    for (table, wave), f in files.items():
        raw = query(db, f"select count(*) from raw.{table} where wave = ?", [wave])[0][0]
        rej = query(db, "select count(*) from raw.ingest_rejects where table_name = ? and wave = ?", [table, wave])[0][0]
        assert raw + rej == f.n_data_rows


def test_quarantine_holds_no_identifier_or_value(matrix):
    db = matrix["db"]
    cols = [r[0] for r in query(db, "select column_name from information_schema.columns where "
                                    "table_schema = 'marts' and table_name = 'fct_quarantine'")]
    assert "person_id" not in cols and "case_id" not in cols
    text = " ".join(str(v) for r in query(db, "select * from marts.fct_quarantine") for v in r)
    assert "P0" not in text and "C0" not in text and "Søren" not in text


def test_detected_dialects(matrix):
    got = {(t, w): (enc, sep) for t, w, enc, sep in query(
        matrix["db"], "select table_name, wave, encoding, separator from raw.ingest_files where status = 'present'")}
    assert got[("persons", "baseline")] == ("cp1252", ";")
    assert got[("persons", "followup")] == ("utf-8-bom", ";")
    assert got[("enrolment", "baseline")] == ("utf-8", ",")


# --- whole-file cases: a one-line error and a non-zero exit -----------------------------------------

def _good(table: str, sep: str = ",") -> str:
    f = CsvFile(table, sep=sep)
    f.add(None, valid_row(table, 1))
    return sep.join(f.header) + "\n" + f.lines[0] + "\n"


# (case id, table, file name, bytes, words the message must contain)
ERROR_CASES = [
    ("missing_column", "persons", "persons.csv",
     "person_id,birth_date,municipality_code,death_date,emigration_date\nP1,1980-01-01,101,,\n".encode(),
     ["persons.csv", "column sex", "expected columns"]),
    ("renamed_column", "admissions", "admissions.csv",
     _good("admissions").replace("admission_ts", "admitted_at", 1).encode(),
     ["admissions.csv", "column admission_ts", "admitted_at"]),
    ("empty_file", "costs", "costs.csv", b"", ["costs.csv", "empty", "expected a header"]),
    ("only_blank_lines", "experience", "experience.csv", b"\n\n\n", ["experience.csv", "empty"]),
    ("not_csv_xlsx", "enrolment", "enrolment.csv", b"PK\x03\x04" + bytes(range(256)) * 20,
     ["enrolment.csv", "not a CSV", "zip"]),
    ("not_csv_binary", "case_events", "case_events.csv", bytes(range(256)) * 50, ["case_events.csv", "not a CSV"]),
    ("wrong_separator", "fit_sessions", "fit_sessions.csv",
     _good("fit_sessions").replace(",", "|").encode(), ["fit_sessions.csv", "separator", "expected"]),
    ("duplicate_header_column", "employment_status", "employment_status.csv",
     b"person_id,iso_year,iso_week,benefit_code,iso_week\nP1,2020,1,,1\n", ["employment_status.csv", "twice"]),
    ("cpr_without_key", "persons", "persons.csv",
     b"person_id,birth_date,sex,municipality_code,death_date,emigration_date\n010190-1234,1990-01-01,M,101,,\n",
     ["persons.csv", "column person_id", KEY_ENV]),
    ("corrupt_parquet", "costs", "costs.parquet", b"PAR1" + b"\x00garbage" * 10, ["costs.parquet", "Parquet"]),
]


@pytest.mark.parametrize("case,table,name,content,words", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_whole_file_errors(tmp_path, monkeypatch, case, table, name, content, words):
    monkeypatch.delenv(KEY_ENV, raising=False)
    (tmp_path / "data" / "wave=baseline").mkdir(parents=True)
    (tmp_path / "data" / "wave=baseline" / name).write_bytes(content)
    db = tmp_path / "wh.duckdb"
    with pytest.raises(InputError) as err:
        ingest(tmp_path / "data", db)
    msg = str(err.value)
    assert "\n" not in msg
    for w in words:
        assert w.lower() in msg.lower(), (w, msg)
    assert "0101901234" not in msg and "010190-1234" not in msg
    assert not db.exists(), "a failed ingest must not leave a half-written warehouse"


def test_error_exits_non_zero_with_one_line(tmp_path, monkeypatch):
    """The CLI turns an InputError into one line on stderr and a non-zero exit."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    d = tmp_path / "data" / "wave=baseline"
    d.mkdir(parents=True)
    (d / "persons.csv").write_text("person_id,birth_date,municipality_code\nP1,1980-01-01,101\n")
    code = (
        "import sys\n"
        "from pipeline.errors import FrievalError\n"
        "from pipeline.ingest import ingest\n"
        "try:\n"
        f"    ingest({str(tmp_path / 'data')!r}, {str(tmp_path / 'wh.duckdb')!r})\n"
        "except FrievalError as e:\n"
        "    print(e, file=sys.stderr); sys.exit(2)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode != 0
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "persons.csv" in lines[0] and "column sex" in lines[0]
