"""Hand-checked admissions/employment measures and indicator aggregates (issue 3).

A small hand-made data set is written straight into the warehouse as typed staging tables
(`staging.stg_registry__*`, the contract of docs/architecture.md) and catalogue tables
(`seeds.experiment_periods`, `seeds.indicators`); the reference seeds are loaded with `dbt seed`
and the measure models, their unit tests and data tests run with `dbt build`. Every expected
value below is worked out by hand from the definitions in docs/measures.md; the comments show the
arithmetic. Nothing here was copied from a model's output.

Calendar used throughout (ISO weeks, Mondays):
  2020-12-21 = 2020-W52, 2020-12-28 = 2020-W53 (2020 has 53 ISO weeks), 2021-01-04 = 2021-W01,
  ..., 2021-02-22 = 2021-W08, 2021-03-01 = 2021-W09, ..., 2021-05-03 = 2021-W18.

Experiment E1 (person design, baseline_days = followup_days = 70), catalogue links all adm_* and
emp_* codes. Experiment E2 (cohort design, start 2021-03-01, 70/70) links only adm_admissions.

  P1  intervention, municipality 101, born 1950-06-15, index 2021-03-01 (Monday), age 70
  P2  intervention, municipality 101, born 1980-01-10, index 2021-03-03 (Wednesday), age 41,
      dies 2021-03-31
  P3  comparison,   municipality 202, born 1940-02-29, index 2021-03-01, age 81,
      emigrates 2021-02-14 (inside the baseline window)
  P4  comparison,   municipality 202, born 1955-05-05, index 2021-03-01, age 65
  P1 is also enrolled in E2 (index 2021-04-01, ignored by the cohort windows).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

import pipeline.dbt_runner as dbt_runner
from pipeline.dbt_runner import run_dbt
from pipeline.paths import EXTRACT_TABLES, PROJECT_ROOT

PY = 365.25  # days per person-year

STAGING_COLUMNS = {
    "persons": "person_id varchar, birth_date date, sex varchar, municipality_code varchar, "
    "death_date date, emigration_date date",
    "enrolment": "person_id varchar, experiment_id varchar, municipality_code varchar, arm varchar, "
    "index_date date, end_date date",
    "admissions": "person_id varchar, admission_ts timestamp, discharge_ts timestamp, "
    "admission_type varchar, action_diagnosis varchar, department_type varchar, "
    "hospital_code varchar",
    "employment_status": "person_id varchar, iso_year integer, iso_week integer, benefit_code varchar",
    "case_events": "case_id varchar, person_id varchar, event_type varchar, event_date date",
    "fit_sessions": "case_id varchar, person_id varchar, session_date date, respondent varchar, "
    "instrument varchar, item1 double, item2 double, item3 double, item4 double",
    "costs": "person_id varchar, month varchar, month_start date, cost_category varchar, "
    "amount_dkk double",
    "experience": "person_id varchar, survey_date date, respondent_type varchar, item_id varchar, "
    "score double, scale_max double",
}

PERSONS = [
    ("P1", "1950-06-15", "F", "101", None, None),
    ("P2", "1980-01-10", "M", "101", "2021-03-31", None),
    ("P3", "1940-02-29", "F", "202", None, "2021-02-14"),
    ("P4", "1955-05-05", "M", "202", None, None),
]
ENROLMENT = [
    ("P1", "E1", "101", "intervention", "2021-03-01", None),
    ("P2", "E1", "101", "intervention", "2021-03-03", None),
    ("P3", "E1", "202", "comparison", "2021-03-01", None),
    ("P4", "E1", "202", "comparison", "2021-03-01", None),
    ("P1", "E2", "101", "intervention", "2021-04-01", None),
]
ADMISSIONS = [
    # P1 baseline: planned 48 h admission, 2 bed-days
    ("P1", "2021-01-20 08:00", "2021-01-22 08:00", "planned", "DZ74", "somatic", "H1"),
    # P1 follow-up stay A: two contacts exactly 4 h apart (20:00 -> 00:00) merge: 03-10 08:00 to
    # 03-12 10:00, acute, pneumonia DJ189 (preventable, lower respiratory), bed-days 12-10 = 2
    ("P1", "2021-03-10 08:00", "2021-03-10 20:00", "acute", "DJ189", "somatic", "H1"),
    ("P1", "2021-03-11 00:00", "2021-03-12 10:00", "acute", "DJ189", "somatic", "H1"),
    # P1 stay B: 11 h 59 min -> a stay but not an admission
    ("P1", "2021-04-05 09:00", "2021-04-05 20:59", "acute", "DS720", "somatic", "H1"),
    # P1 admission C: acute, starts 30 days after A's discharge date (03-12 + 30 = 04-11) -> A is
    # readmitted; bed-days 14-11 = 3
    ("P1", "2021-04-11 10:00", "2021-04-14 10:00", "acute", "DI21", "somatic", "H1"),
    # P2 follow-up: acute 03-20 10:00 -> 03-25 12:00, dehydration but aged 41; bed-days 5
    ("P2", "2021-03-20 10:00", "2021-03-25 12:00", "acute", "DE86", "somatic", "H2"),
    # P2 after death (bad data): outside person-time, never counted
    ("P2", "2021-04-05 10:00", "2021-04-05 20:00", "planned", "DI10", "somatic", "H2"),
    # P3 baseline: acute exactly 12 h (an admission), fracture written as bare ICD 'S72.0'
    # (normalised to DS720, preventable, age 81); bed-days 11-10 = 1
    ("P3", "2021-01-10 23:00", "2021-01-11 11:00", "acute", "S72.0", "somatic", "H3"),
    # P3: planned 24 h admission 9 days later: a planned readmission does not count; bed-days 1
    ("P3", "2021-01-20 08:00", "2021-01-21 08:00", "planned", "DZ03", "somatic", "H3"),
    # P4 follow-up: acute 14 h same-day admission, cystitis DN390 (preventable, age 65), bed-days 1
    ("P4", "2021-03-15 08:00", "2021-03-15 22:00", "acute", "DN390", "somatic", "H4"),
    # P4: next contact 4 h 1 min after discharge -> its own stay (3 h 59 min, not an admission)
    ("P4", "2021-03-16 02:01", "2021-03-16 06:00", "acute", "DR10", "somatic", "H4"),
    # P4: acute admission on day 31 after 03-15 (04-15) -> not a readmission; bed-days 1
    ("P4", "2021-04-15 09:00", "2021-04-16 09:00", "acute", "DI10", "somatic", "H4"),
]
EMPLOYMENT = (
    # P1 baseline weeks 2020-W52..2021-W08 (10): cash benefit 701 in W52 and W53, unknown code
    # '555' in 2021-W01, no code afterwards
    [("P1", 2020, 52, "701"), ("P1", 2020, 53, "701"), ("P1", 2021, 1, "555")]
    # P1 follow-up weeks 2021-W09..W18 (10): sickness benefit 890 in W09-W11 and W13
    + [("P1", 2021, w, "890") for w in (9, 10, 11, 13)]
    # P2: SU (651) in every week from 2020-W53 to 2021-W09, then nothing (a NULL code row in W10)
    + [("P2", 2020, 53, "651")] + [("P2", 2021, w, "651") for w in range(1, 10)]
    + [("P2", 2021, 10, None)]
    # P3: unemployment insurance 111 in 2020-W53; a 2021-W53 row (no such week) and a row after
    # emigration are never matched
    + [("P3", 2020, 53, "111"), ("P3", 2021, 53, "701"), ("P3", 2021, 10, "701")]
    # P4: no rows -> self-supporting throughout
)
EXPERIMENT_PERIODS = [("E1", "person", None, 70, 70), ("E2", "cohort", "2021-03-01", 70, 70)]
ADM = ["adm_stays", "adm_admissions", "adm_acute_admissions", "adm_bed_days", "adm_readmit_30d",
       "adm_preventable"]
EMP = ["emp_selfsupport_end", "emp_selfsupport_degree", "emp_benefit_weeks",
       "emp_fulltime_persons", "emp_weeks_to_selfsupport"]
INDICATORS = (
    [(f"E1-{i}", "E1", m) for i, m in enumerate(ADM + EMP)]
    + [("E1-x", "E1", None), ("E2-1", "E2", "adm_admissions"), ("E2-2", "E2", "adm_admissions")]
)

MY_MARTS = "+fct_indicator_values +fct_series +dim_measures +int_employment_unknown_codes_counted"
MY_MODELS = ["int_experiment_measures_linked", "int_person_periods",
             "int_admissions_merged_to_stays", "int_admissions_readmissions_flagged",
             "int_admissions_measures", "int_employment_weeks_coded", "int_employment_weeks_classified",
             "int_employment_unknown_codes_counted", "int_employment_measures",
             "fct_person_measures", "fct_indicator_values", "fct_series", "dim_measures"]


def _project_dir(tmp: Path) -> Path:
    """The repository when staging models and catalogue seeds exist, else a copy of it with
    parse-only stand-ins for the missing ones (they are excluded from the build: the test writes
    their tables itself)."""
    missing_stg = [t for t in EXTRACT_TABLES
                   if not (PROJECT_ROOT / "models" / "staging" / f"stg_registry__{t}.sql").exists()]
    missing_seeds = [s for s in ("experiment_periods", "indicators")
                     if not (PROJECT_ROOT / "seeds" / "catalogue" / f"{s}.csv").exists()]
    if not missing_stg and not missing_seeds:
        return PROJECT_ROOT
    proj = tmp / "project"
    proj.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_ROOT / name, proj / name)
    for sub in ("models", "macros", "seeds", "tests/dbt", "analyses"):
        if (PROJECT_ROOT / sub).exists():
            shutil.copytree(PROJECT_ROOT / sub, proj / sub)
    for t in missing_stg:
        cols = ", ".join(f"cast(null as {c.split()[1]}) as {c.split()[0]}"
                         for c in STAGING_COLUMNS[t].split(", "))
        (proj / "models" / "staging" / f"stg_registry__{t}.sql").write_text(
            f"select {cols} where false\n")
    (proj / "seeds" / "catalogue").mkdir(parents=True, exist_ok=True)
    headers = {"experiment_periods": "experiment_id,period_design,start_date,baseline_days,followup_days",
               "indicators": "indicator_id,experiment_id,measure_code,stratum"}
    for s in missing_seeds:
        (proj / "seeds" / "catalogue" / f"{s}.csv").write_text(headers[s] + "\n")
    return proj


def _load_fixture(db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute("create schema if not exists staging; create schema if not exists seeds")
    for t, cols in STAGING_COLUMNS.items():
        con.execute(f"create or replace table staging.stg_registry__{t} ({cols}, wave varchar, "
                    "source_file varchar, source_row integer)")
    # Every extract delivered: measures are computed only for extracts ingest saw.
    con.execute("create or replace table staging.stg_registry__ingest_files as "
                "select unnest(?) as table_name, 'baseline' as wave, 'present' as status, "
                "1::bigint as rows_read", [list(STAGING_COLUMNS) + ["case_events", "fit_sessions", "costs", "experience"]])
    rows = {"persons": PERSONS, "enrolment": ENROLMENT, "admissions": ADMISSIONS,
            "employment_status": EMPLOYMENT}
    for t, data in rows.items():
        n = len(data[0])
        con.executemany(f"insert into staging.stg_registry__{t} values "
                        f"({', '.join(['?'] * n)}, 'baseline', 'hand.csv', 1)", data)
    con.execute("create or replace table seeds.experiment_periods (experiment_id varchar, "
                "period_design varchar, start_date date, baseline_days integer, "
                "followup_days integer)")
    con.executemany("insert into seeds.experiment_periods values (?, ?, ?, ?, ?)",
                    EXPERIMENT_PERIODS)
    con.execute("create or replace table seeds.indicators (indicator_id varchar, experiment_id "
                "varchar, measure_code varchar, stratum varchar)")
    con.executemany("insert into seeds.indicators values (?, ?, ?, NULL)", INDICATORS)
    con.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("measures_hand")
    proj = _project_dir(tmp)
    db = tmp / "hand.duckdb"
    work = tmp / "work"
    old_root = dbt_runner.PROJECT_ROOT
    dbt_runner.PROJECT_ROOT = proj
    try:
        run_dbt(["seed", "--select", "path:seeds/reference"], db_path=db, work_dir=work)
        _load_fixture(db)
        exclude = ["--exclude", "path:models/staging", "resource_type:seed"]
        # every model the marts need (colleagues' measure models included) ...
        run_dbt(["run", "--select", *MY_MARTS.split(), *exclude], db_path=db, work_dir=work)
        # ... then this library's models again with their unit tests and data tests
        run_dbt(["build", "--select", *MY_MODELS, *exclude], db_path=db, work_dir=work)
    finally:
        dbt_runner.PROJECT_ROOT = old_root
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def _person(con, exp, person, period, measure):
    rows = con.execute(
        "select value, numerator, denominator, person_years, censored from marts.fct_person_measures "
        "where experiment_id = ? and person_id = ? and period = ? and measure_code = ?",
        [exp, person, period, measure]).fetchall()
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def _cell(con, exp, muni, arm, period, measure):
    rows = con.execute(
        "select n_persons, numerator, denominator, value, person_years, rate_per_1000py, "
        "n_censored, measure_type, unit from marts.fct_indicator_values where experiment_id = ? "
        "and municipality_code = ? and arm = ? and period = ? and measure_code = ? and stratum = ''",
        [exp, muni, arm, period, measure]).fetchall()
    assert len(rows) == 1, rows
    return dict(zip(["n", "num", "den", "value", "py", "rate", "n_censored", "type", "unit"],
                    rows[0]))


def test_person_periods(warehouse):
    got = {r[:3]: r[3:] for r in warehouse.execute(
        "select experiment_id, person_id, period, window_start::varchar, window_end::varchar, "
        "person_days, age_at_index from intermediate.int_person_periods").fetchall()}
    # P1 person design: baseline [03-01 - 70 d, 03-01) = [2020-12-21, 2021-03-01); 70 days
    assert got[("E1", "P1", "baseline")] == ("2020-12-21", "2021-03-01", 70, 70)
    assert got[("E1", "P1", "followup")] == ("2021-03-01", "2021-05-10", 70, 70)
    # P2 dies 03-31: at risk 03-03 .. 03-31 inclusive = 29 days
    assert got[("E1", "P2", "followup")] == ("2021-03-03", "2021-05-12", 29, 41)
    # P3 emigrates 02-14: baseline 2020-12-21 .. 2021-02-14 inclusive = 11 + 31 + 14 = 56 days;
    # follow-up entirely after emigration = 0; born 29 Feb 1940 -> 81 on 2021-03-01
    assert got[("E1", "P3", "baseline")][2:] == (56, 81)
    assert got[("E1", "P3", "followup")][2] == 0
    # P4 born 1955-05-05: 2021 - 1955 = 66, birthday not reached by 03-01 -> 65
    assert got[("E1", "P4", "followup")][3] == 65
    # E2 cohort design: windows anchored on start_date 2021-03-01, not on P1's index 04-01
    assert got[("E2", "P1", "baseline")][:3] == ("2020-12-21", "2021-03-01", 70)
    assert got[("E2", "P1", "followup")][:3] == ("2021-03-01", "2021-05-10", 70)


@pytest.mark.parametrize("person, period, expected", [
    # (stays, admissions, acute admissions, bed-days, readmitted index admissions / index admissions)
    ("P1", "baseline", (1, 1, 0, 2, 0, 1)),   # planned 01-20..01-22 only
    ("P1", "followup", (3, 2, 2, 5, 1, 2)),   # A (merged 4 h), B (11h59), C; bed-days 2 + 3;
                                              # A readmitted by C on day 30
    ("P2", "baseline", (0, 0, 0, 0, 0, 0)),   # no stays: a row of zeros
    ("P2", "followup", (1, 1, 1, 5, 0, 1)),   # 03-20..03-25 = 5 bed-days; 04-05 after death
    ("P3", "baseline", (2, 2, 1, 2, 0, 2)),   # 12 h acute (1) + planned 24 h (1); planned
                                              # readmission does not count
    ("P4", "followup", (3, 2, 2, 2, 0, 2)),   # 14 h same-day (1) + 4h01 stay + day-31 adm (1)
])
def test_admissions_person_values(warehouse, person, period, expected):
    stays, adm, acute, bed, readm_num, readm_den = expected
    got = {m: _person(warehouse, "E1", person, period, m) for m in ADM[:5]}
    assert got["adm_stays"][0] == stays
    assert got["adm_admissions"][0] == adm
    assert got["adm_acute_admissions"][0] == acute
    assert got["adm_bed_days"][0] == bed
    assert got["adm_readmit_30d"][1:3] == (readm_num, readm_den)
    assert got["adm_readmit_30d"][0] == (readm_num / readm_den if readm_den else None)
    # count measures carry the person-years at risk as denominator
    assert got["adm_admissions"][2] == pytest.approx(got["adm_admissions"][3])


def test_admissions_censoring_and_preventable(warehouse):
    # P3 follow-up has no person-time (emigrated in baseline): no measure rows at all
    assert _person(warehouse, "E1", "P3", "followup", "adm_admissions") is None
    # P2 follow-up person-years: 29 / 365.25
    assert _person(warehouse, "E1", "P2", "followup", "adm_stays")[3] == pytest.approx(29 / PY)
    # preventable: rows only for persons aged 65+ at index (P2 is 41)
    assert _person(warehouse, "E1", "P2", "followup", "adm_preventable") is None
    assert _person(warehouse, "E1", "P1", "followup", "adm_preventable")[0] == 1  # DJ189 acute
    assert _person(warehouse, "E1", "P1", "baseline", "adm_preventable")[0] == 0  # planned DZ74
    assert _person(warehouse, "E1", "P3", "baseline", "adm_preventable")[0] == 1  # 'S72.0'
    assert _person(warehouse, "E1", "P4", "followup", "adm_preventable")[0] == 1  # DN390 same day
    assert _person(warehouse, "E1", "P4", "baseline", "adm_preventable")[0] == 0


@pytest.mark.parametrize("person, period, expected", [
    # (weeks at risk, self-supporting weeks, public-support weeks, end 0/1, weeks to run, censored)
    ("P1", "baseline", (10, 7, 2, 1, 3, False)),   # 701 701 555 . . . . . . . -> run from idx 3
    ("P1", "followup", (10, 6, 4, 1, 5, False)),   # 890x3 . 890 . . . . . -> run from idx 5
    ("P2", "baseline", (10, 0, 0, 0, 10, True)),   # Mondays 12-28 .. 03-01, all SU (not self-
                                                   # support by default, not public support)
    ("P2", "followup", (4, 4, 0, 1, 0, False)),    # Mondays 03-08..03-29 (dies 03-31)
    ("P3", "baseline", (8, 7, 1, 1, 2, False)),    # Mondays 12-21..02-08; 111 in 2020-W53
    ("P4", "followup", (10, 10, 0, 1, 0, False)),  # no rows at all: self-supporting
])
def test_employment_person_values(warehouse, person, period, expected):
    weeks, ss, ben, end, ttss, cens = expected
    got = {m: _person(warehouse, "E1", person, period, m) for m in EMP}
    assert got["emp_selfsupport_degree"][:3] == pytest.approx((ss / weeks, ss, weeks))
    assert got["emp_benefit_weeks"][0] == ben
    assert got["emp_fulltime_persons"][:3] == pytest.approx((ben / weeks, ben, weeks))
    assert got["emp_selfsupport_end"][0] == end
    assert got["emp_weeks_to_selfsupport"][0] == ttss
    assert got["emp_weeks_to_selfsupport"][4] is cens


def test_unknown_codes_reported(warehouse):
    rows = warehouse.execute(
        "select benefit_code, n_weeks, n_persons, n_weeks_in_windows "
        "from intermediate.int_employment_unknown_codes_counted").fetchall()
    # only '555' (P1, 2021-W01) is outside the code list; 701 in the impossible 2021-W53 is known
    assert rows == [("555", 1, 1, 1)]


def test_indicator_values_admissions(warehouse):
    # E1 / 101 / intervention / follow-up: P1 (70 days) + P2 (29 days) = 99 days
    c = _cell(warehouse, "E1", "101", "intervention", "followup", "adm_admissions")
    assert (c["n"], c["num"], c["type"]) == (2, 3, "count")           # 2 + 1 admissions
    assert c["py"] == pytest.approx(99 / PY)
    assert c["value"] == pytest.approx(3 / (99 / PY) * 1000)           # = 11,068.18 per 1,000 PY
    assert c["rate"] == pytest.approx(c["value"])
    c = _cell(warehouse, "E1", "101", "intervention", "followup", "adm_bed_days")
    assert c["value"] == pytest.approx((5 + 5) / (99 / PY) * 1000)     # = 36,893.94
    c = _cell(warehouse, "E1", "101", "intervention", "followup", "adm_readmit_30d")
    assert (c["num"], c["den"]) == (1, 3)                              # (1 + 0) / (2 + 1)
    assert c["value"] == pytest.approx(1 / 3) and c["rate"] is None
    c = _cell(warehouse, "E1", "101", "intervention", "followup", "adm_preventable")
    assert c["n"] == 1 and c["value"] == pytest.approx(1 / (70 / PY) * 1000)  # only P1 is 65+
    # E1 / 202 / comparison / baseline: P3 (56 days) + P4 (70 days) = 126 days, 2 + 0 admissions
    c = _cell(warehouse, "E1", "202", "comparison", "baseline", "adm_admissions")
    assert c["value"] == pytest.approx(2 / (126 / PY) * 1000)          # = 5,797.62
    c = _cell(warehouse, "E1", "202", "comparison", "followup", "adm_stays")
    assert (c["n"], c["num"]) == (1, 3)                                # P3 has no person-time
    # E2 (cohort, start 2021-03-01): baseline = P1's planned 01-20 admission, follow-up = A and C
    assert _cell(warehouse, "E2", "101", "intervention", "baseline", "adm_admissions")["num"] == 1
    assert _cell(warehouse, "E2", "101", "intervention", "followup", "adm_admissions")["num"] == 2
    # the catalogue links only adm_admissions to E2
    assert warehouse.execute("select count(*) from marts.fct_person_measures where "
                             "experiment_id = 'E2' and measure_code <> 'adm_admissions'"
                             ).fetchone()[0] == 0


def test_indicator_values_employment(warehouse):
    base = ("E1", "101", "intervention", "baseline")
    c = _cell(warehouse, *base, "emp_selfsupport_degree")
    assert c["value"] == pytest.approx((0.7 + 0.0) / 2)                # mean of person degrees
    assert (c["num"], c["den"]) == (7, 20)
    assert _cell(warehouse, *base, "emp_selfsupport_end")["value"] == pytest.approx(0.5)  # 1 of 2
    # Jobindsats full-time persons: summed, 2/10 + 0/10 = 0.2
    assert _cell(warehouse, *base, "emp_fulltime_persons")["value"] == pytest.approx(0.2)
    # benefit weeks per 1,000 PY: 2 / (140 / 365.25) * 1000 = 5,217.86
    assert _cell(warehouse, *base, "emp_benefit_weeks")["value"] == pytest.approx(
        2 / (140 / PY) * 1000)
    # Kaplan-Meier median: P1 event at 3, P2 censored at 10 -> S(3) = 1 - 1/2 = 0.5 -> median 3
    c = _cell(warehouse, *base, "emp_weeks_to_selfsupport")
    assert (c["value"], c["n_censored"], c["type"]) == (3, 1, "time_to_event")
    fu = ("E1", "101", "intervention", "followup")
    assert _cell(warehouse, *fu, "emp_selfsupport_degree")["value"] == pytest.approx(
        (0.6 + 1.0) / 2)
    assert _cell(warehouse, *fu, "emp_fulltime_persons")["value"] == pytest.approx(0.4 + 0.0)
    # events at 0 (P2) and 5 (P1): S(0) = 1 - 1/2 = 0.5 -> median 0, nobody censored
    c = _cell(warehouse, *fu, "emp_weeks_to_selfsupport")
    assert (c["value"], c["n_censored"]) == (0, 0)
    c = _cell(warehouse, "E1", "202", "comparison", "baseline", "emp_selfsupport_degree")
    assert c["value"] == pytest.approx((7 / 8 + 1.0) / 2)              # P3 0.875, P4 1


def test_series(warehouse):
    s = {r[:3]: r[3:] for r in warehouse.execute(
        "select arm, series_code, t, n_persons, value from marts.fct_series "
        "where experiment_id = 'E1'").fetchall()}
    # March 2021, intervention: P1 31 days (follow-up), P2 2 days baseline (03-01, 03-02) + 29
    # days follow-up = 31; admissions starting in March: P1 A, P2 03-20 -> 2 / (62 / 365.25) * 1000
    n, v = s[("intervention", "adm_admissions_rate_month", 202103)]
    assert n == 2 and v == pytest.approx(2 / (62 / PY) * 1000)
    # week since index 1 (week of 03-08): P1 890 (no), P2 self-supporting (yes) -> 0.5
    assert s[("intervention", "emp_selfsupport_share_week", 1)] == (2, 0.5)
    # week -10 (2020-12-21): only P1 (P2's window starts 12-23), code 701 -> 0
    assert s[("intervention", "emp_selfsupport_share_week", -10)] == (1, 0.0)


def test_dim_measures_and_run_stamp(warehouse):
    assert warehouse.execute("select count(*), count(distinct measure_code) from marts.dim_measures"
                             ).fetchone() == (28, 28)
    for mart in ("fct_person_measures", "fct_indicator_values", "fct_series", "dim_measures"):
        assert warehouse.execute(f"select count(*) from marts.{mart} where run_id is null or "
                                 "run_started_at is null").fetchone()[0] == 0
