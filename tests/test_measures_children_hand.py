"""Hand-checked children's-case, FIT, cost and experience measures (issue 3).

A small hand-made data set is written into the warehouse's raw schema exactly as pipeline.ingest
would leave it (every contract column VARCHAR, plus wave / source_file / source_row), so the real
staging models type and quarantine it. The catalogue tables `seeds.experiment_periods` and
`seeds.indicators` are written directly; the reference seeds (cut-offs, legal benchmarks, event
types) are loaded with `dbt seed`. `dbt build` then runs staging, the measure models, their unit
tests and data tests, and the marts. Every expected value below is worked out by hand from the
definitions in docs/measures.md; the comments show the arithmetic. Nothing was copied from a
model's output.

Experiment EC, cohort design, start 2020-01-01, baseline_days 365, followup_days 366:
  baseline window [2019-01-01, 2020-01-01) = 365 days, follow-up [2020-01-01, 2021-01-01) = 366
  days (2020 is a leap year). A case belongs to the period whose window holds its notification.

  C1  intervention, municipality 157, born 2012
  C2  intervention, municipality 157, born 2006 (answers the ORS himself: adolescent cut-off 28)
  C3  comparison,   municipality 159, born 2010
  C4  comparison,   municipality 159, born 2008, dies 2020-07-16: at risk in the follow-up
      2020-01-01 .. 2020-07-16 inclusive = 31+29+31+30+31+30+16 = 198 days

The end of the case data is the latest event in the case extract: 2021-03-31 (K2's triage).
"""

from __future__ import annotations

import duckdb
import pytest

from pipeline.dbt_runner import run_dbt
from pipeline.ingest import CONTRACT

PY = 365.25            # days per person-year
PM = 365.25 / 12       # days per person-month

PERSONS = [
    ("C1", "2012-01-01", "F", "157", "", ""),
    ("C2", "2006-01-01", "M", "157", "", ""),
    ("C3", "2010-01-01", "F", "159", "", ""),
    ("C4", "2008-01-01", "M", "159", "2020-07-16", ""),
]
ENROLMENT = [
    ("C1", "EC", "157", "intervention", "2020-01-01", ""),
    ("C2", "EC", "157", "intervention", "2020-01-01", ""),
    ("C3", "EC", "159", "comparison", "2020-01-01", ""),
    ("C4", "EC", "159", "comparison", "2020-01-01", ""),
]
CASE_EVENTS = [
    # C1, K1 (follow-up): triage the next day (= 24 h), assessment exactly 4 months later,
    # intervention 07-01, closed 09-01; re-notified 2021-01-15 (K2) = within 6 months of closure
    ("K1", "C1", "notification", "2020-02-10"), ("K1", "C1", "triage", "2020-02-11"),
    ("K1", "C1", "assessment_end", "2020-06-10"), ("K1", "C1", "intervention_start", "2020-07-01"),
    ("K1", "C1", "case_closed", "2020-09-01"),
    ("K2", "C1", "notification", "2021-01-15"), ("K2", "C1", "triage", "2021-03-31"),
    # C2, K3 (follow-up): triage after 2 days, assessment one day past 4 months, no intervention
    ("K3", "C2", "notification", "2020-03-01"), ("K3", "C2", "triage", "2020-03-03"),
    ("K3", "C2", "assessment_end", "2020-07-02"),
    # C3, K4 (baseline): triage the same day, closed 06-01, never assessed, never re-notified
    ("K4", "C3", "notification", "2019-05-01"), ("K4", "C3", "triage", "2019-05-01"),
    ("K4", "C3", "case_closed", "2019-06-01"),
    # C4, K5 (follow-up): triage the same day; the child dies 07-16 before any assessment
    ("K5", "C4", "notification", "2020-07-01"), ("K5", "C4", "triage", "2020-07-01"),
]


def _s(case, person, date, resp, inst, items):
    return (case, person, date, resp, inst, *[str(i) for i in items])


FIT_SESSIONS = [
    # C1 child on the CORS: 5+5+5+5 = 20, 6+6+6+6 = 24, 9+9+8+8 = 34
    _s("K1", "C1", "2020-03-01", "child", "CORS", (5, 5, 5, 5)),
    _s("K1", "C1", "2020-04-01", "child", "CORS", (6, 6, 6, 6)),
    _s("K1", "C1", "2020-05-01", "child", "CORS", (9, 9, 8, 8)),
    # C1 mother ORS: 20 -> 25 (+5 exactly); her 06-01 session has item1 = 11 (quarantined by
    # staging: if it leaked, the course would have 3 sessions and last = 11+5+5+5 = 26)
    _s("K1", "C1", "2020-03-01", "mother", "ORS", (5, 5, 5, 5)),
    _s("K1", "C1", "2020-05-01", "mother", "ORS", (6, 6, 6, 7)),
    _s("K1", "C1", "2020-06-01", "mother", "ORS", (11, 5, 5, 5)),
    # C1 father ORS: 2+2+3+3 = 10 -> 4+4+4+3 = 15 (+5, reliable, still below 25)
    _s("K1", "C1", "2020-03-01", "father", "ORS", (2, 2, 3, 3)),
    _s("K1", "C1", "2020-05-01", "father", "ORS", (4, 4, 4, 3)),
    # C1 child CSRS: 36 (not below 36), 35 (below), 40
    _s("K1", "C1", "2020-03-01", "child", "CSRS", (9, 9, 9, 9)),
    _s("K1", "C1", "2020-04-01", "child", "CSRS", (8, 9, 9, 9)),
    _s("K1", "C1", "2020-05-01", "child", "CSRS", (10, 10, 10, 10)),
    # C1 mother SRS: 30 (below), 38
    _s("K1", "C1", "2020-03-01", "mother", "SRS", (7.5, 7.5, 7.5, 7.5)),
    _s("K1", "C1", "2020-05-01", "mother", "SRS", (9.5, 9.5, 9.5, 9.5)),
    # C2 mother ORS: 28 -> 6+6+5+6 = 23 (-5 exactly: reliable deterioration)
    _s("K3", "C2", "2020-04-01", "mother", "ORS", (7, 7, 7, 7)),
    _s("K3", "C2", "2020-05-01", "mother", "ORS", (6, 6, 5, 6)),
    # C2 (14 years) answers the ORS himself: 7+7+6+6 = 26 < 28 (adolescent cut-off), one session
    _s("K3", "C2", "2020-04-01", "child", "ORS", (7, 7, 6, 6)),
    # C3 child CORS in case K4 (notified in the baseline): 30, 33, and 36 on 2020-01-15, a date
    # in the follow-up window that still belongs to the baseline cohort
    _s("K4", "C3", "2019-05-10", "child", "CORS", (7.5, 7.5, 7.5, 7.5)),
    _s("K4", "C3", "2019-06-10", "child", "CORS", (8, 8, 8, 9)),
    _s("K4", "C3", "2020-01-15", "child", "CORS", (9, 9, 9, 9)),
]
COSTS = [
    # C4: home care 1,000 a month Jan-Jul 2020 (he dies 07-16), hospital 5,000 in March;
    # 600 home care in Dec 2019 (baseline)
    *[("C4", f"2020-{m:02d}", "home_care", "1000") for m in range(1, 8)],
    ("C4", "2020-03", "hospital", "5000"),
    ("C4", "2019-12", "home_care", "600"),
    # C1: 300 in June 2020; 999 in Jan 2021 lies outside both windows
    ("C1", "2020-06", "home_care", "300"),
    ("C1", "2021-01", "home_care", "999"),
]
EXPERIENCE = [
    ("C1", "2020-06-01", "citizen", "q1", "4", "5"),
    ("C1", "2020-06-01", "citizen", "q2", "3", "5"),
    ("C1", "2020-06-01", "relative", "q1", "8", "10"),
    ("C3", "2019-06-01", "citizen", "q1", "9", "10"),
    ("C4", "2020-08-01", "citizen", "q1", "2", "4"),   # after C4's death: not used
]
RAW = {"persons": PERSONS, "enrolment": ENROLMENT, "case_events": CASE_EVENTS,
       "fit_sessions": FIT_SESSIONS, "costs": COSTS, "experience": EXPERIENCE}

CASE = ["case_days_to_triage", "case_days_to_assessment_end", "case_days_to_intervention",
        "case_triage_within_24h", "case_assessment_within_4m", "case_reopened_6m"]
FIT = ["fit_sessions", "fit_ors_first", "fit_ors_last", "fit_ors_change", "fit_clinical_at_intake",
       "fit_reliable_improvement", "fit_reliable_deterioration", "fit_recovered",
       "fit_srs_below_cutoff_share"]
LINKED = CASE + FIT + ["cost_per_person_month", "exp_score"]

SELECT = "+fct_person_measures +fct_series +fct_indicator_values"


def _load_fixture(db) -> None:
    con = duckdb.connect(str(db))
    con.execute("create schema if not exists raw; create schema if not exists seeds")
    for table, columns in CONTRACT.items():
        cols = ", ".join(f"{c} varchar" for c in columns)
        con.execute(f"create or replace table raw.{table} ({cols}, wave varchar, "
                    "source_file varchar, source_row bigint)")
        rows = RAW.get(table, [])
        if rows:
            marks = ", ".join(["?"] * len(columns))
            con.executemany(
                f"insert into raw.{table} values ({marks}, 'baseline', 'hand/{table}.csv', ?)",
                [(*[v if v != "" else None for v in r], i + 1) for i, r in enumerate(rows)])
    con.execute("create or replace table raw.ingest_files as select unnest(?) as table_name, "
                "'baseline' as wave, 'present' as status, 1::bigint as rows_read", [list(CONTRACT)])
    con.execute("create or replace table seeds.experiment_periods (experiment_id varchar, "
                "period_design varchar, start_date date, baseline_days integer, "
                "followup_days integer)")
    con.execute("insert into seeds.experiment_periods values ('EC', 'cohort', '2020-01-01', 365, 366)")
    con.execute("create or replace table seeds.indicators (indicator_id varchar, experiment_id "
                "varchar, measure_code varchar, stratum varchar)")
    con.executemany("insert into seeds.indicators values (?, 'EC', ?, NULL)",
                    [(f"EC-{i}", m) for i, m in enumerate(LINKED)])
    con.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("children_hand")
    db, work = tmp / "hand.duckdb", tmp / "work"
    run_dbt(["seed", "--select", "path:seeds/reference"], db_path=db, work_dir=work)
    _load_fixture(db)
    run_dbt(["build", "--select", *SELECT.split(), "--exclude", "resource_type:seed"],
            db_path=db, work_dir=work)
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def _rows(con, person, period, measure):
    """{stratum: (value, numerator, denominator, person_years, censored)}"""
    return {r[0]: r[1:] for r in con.execute(
        "select stratum, value, numerator, denominator, person_years, censored "
        "from marts.fct_person_measures where experiment_id = 'EC' and person_id = ? "
        "and period = ? and measure_code = ?", [person, period, measure]).fetchall()}


def _one(con, person, period, measure, stratum=""):
    rows = _rows(con, person, period, measure)
    return rows.get(stratum)


def _cell(con, muni, arm, period, measure, stratum=""):
    rows = con.execute(
        "select n_persons, numerator, denominator, value, n_censored from marts.fct_indicator_values "
        "where experiment_id = 'EC' and municipality_code = ? and arm = ? and period = ? "
        "and measure_code = ? and stratum = ?", [muni, arm, period, measure, stratum]).fetchall()
    assert len(rows) == 1, rows
    return dict(zip(["n", "num", "den", "value", "n_censored"], rows[0]))


# ------------------------------------------------------------------------------------------ cases

@pytest.mark.parametrize("person, period, expected", [
    # (days to triage, censored), (days to assessment end, censored), (days to intervention,
    # censored), triage within 24 h, assessment within 4 months, reopened within 6 months
    # C1 K1 notified 2020-02-10: triage 02-11 = 1 day; assessment 06-10 = 19 (rest of Feb, leap
    # year) + 31 + 30 + 31 + 10 = 121 days = exactly 4 months (deadline 06-10) -> 1;
    # intervention 07-01 = 121 + 21 = 142; closed 09-01, re-notified 2021-01-15 <= 2021-03-01 -> 1
    ("C1", "followup", ((1, False), (121, False), (142, False), 1, 1, 1)),
    # C2 K3 notified 2020-03-01: triage 03-03 = 2 days -> not within 24 h; assessment 07-02 =
    # 31 + 30 + 31 + 30 + 1 = 123 days, deadline 07-01 -> 0; no intervention by the end of data
    # 2021-03-31: 365 (2020-03-01 -> 2021-03-01) + 30 = 395 days, censored; never closed
    ("C2", "followup", ((2, False), (123, False), (395, True), 0, 0, None)),
    # C3 K4 notified 2019-05-01: triage same day; never assessed: 2019-05-01 -> 2021-03-31 =
    # 366 + 334 = 700 days censored, deadline 2019-09-01 passed -> 0; no intervention: 700
    # censored; closed 2019-06-01, observed past 2019-12-01 without a new notification -> 0
    ("C3", "baseline", ((0, False), (700, True), (700, True), 1, 0, 0)),
    # C4 K5 notified 2020-07-01, dies 07-16: censored at death after 15 days; the 4-month
    # deadline 2020-11-01 lies after his death -> undecidable, no row
    ("C4", "followup", ((0, False), (15, True), (15, True), 1, None, None)),
])
def test_case_measures(warehouse, person, period, expected):
    (tri, tri_c), (ass, ass_c), (itv, itv_c), within24, within4m, reopened = expected
    for code, days, cens in (("case_days_to_triage", tri, tri_c),
                             ("case_days_to_assessment_end", ass, ass_c),
                             ("case_days_to_intervention", itv, itv_c)):
        value, num, den, _, censored = _one(warehouse, person, period, code)
        assert (value, censored, num, den) == (days, cens, None, None), code
    for code, v in (("case_triage_within_24h", within24), ("case_assessment_within_4m", within4m),
                    ("case_reopened_6m", reopened)):
        got = _one(warehouse, person, period, code)
        if v is None:
            assert got is None, code
        else:
            assert got[:3] == (v, v, 1) and got[4] is None, code


def test_case_rows_only_in_the_notification_period(warehouse):
    # K2 (C1, notified 2021-01-15) lies after both windows; C1 has no baseline case; C3's case is
    # in the baseline only
    assert _rows(warehouse, "C1", "baseline", "case_days_to_triage") == {}
    assert _rows(warehouse, "C3", "followup", "case_days_to_triage") == {}
    # person-years of the period: C4 follow-up 198 days
    assert _one(warehouse, "C4", "followup", "case_days_to_triage")[3] == pytest.approx(198 / PY)


def test_case_indicator_values(warehouse):
    # 157 / intervention / follow-up: triage within 24 h C1 = 1, C2 = 0 -> 1/2
    c = _cell(warehouse, "157", "intervention", "followup", "case_triage_within_24h")
    assert (c["n"], c["num"], c["den"], c["value"]) == (2, 1, 2, 0.5)
    # days to intervention: 142 (event), 395 (censored): Kaplan-Meier S(142) = 1/2 -> median 142
    c = _cell(warehouse, "157", "intervention", "followup", "case_days_to_intervention")
    assert (c["n"], c["value"], c["n_censored"]) == (2, 142, 1)
    # 159 / comparison / follow-up: only C4; assessment within 4 months undecidable -> no cell
    assert warehouse.execute(
        "select count(*) from marts.fct_indicator_values where experiment_id = 'EC' and "
        "municipality_code = '159' and period = 'followup' and "
        "measure_code = 'case_assessment_within_4m'").fetchone()[0] == 0


# -------------------------------------------------------------------------------------------- FIT

def test_item_11_session_quarantined_never_measured(warehouse):
    reason = warehouse.execute(
        "select quarantine_column, quarantine_reason from staging.base_registry__fit_sessions "
        "where person_id = 'C1' and session_date = date '2020-06-01'").fetchall()
    assert reason == [("item1", "out_of_range")]
    assert warehouse.execute(
        "select count(*) from staging.stg_registry__fit_sessions where item1 > 10").fetchone()[0] == 0
    # the mother's course keeps 2 sessions, last 25 (not 26)
    assert _one(warehouse, "C1", "followup", "fit_sessions", "mother|ORS")[0] == 2
    assert _one(warehouse, "C1", "followup", "fit_ors_last", "mother|ORS")[0] == 25


@pytest.mark.parametrize("person, period, stratum, expected", [
    # sessions, first, last, change, clinical at intake, reliable improvement, reliable
    # deterioration, recovered
    # C1 child CORS 20, 24, 34: +14; 20 < 32 clinical; 34 >= 32 -> recovered
    ("C1", "followup", "child|CORS", (3, 20, 34, 14, 1, 1, 0, 1)),
    # C1 mother ORS 20 -> 25: +5 = reliable (>= 5); 25 is not < 25 -> crosses -> recovered
    ("C1", "followup", "mother|ORS", (2, 20, 25, 5, 1, 1, 0, 1)),
    # C1 father ORS 10 -> 15: reliable but 15 < 25 still clinical -> not recovered
    ("C1", "followup", "father|ORS", (2, 10, 15, 5, 1, 1, 0, 0)),
    # C2 mother ORS 28 -> 23: -5 = reliable deterioration; 28 >= 25 not clinical at intake
    ("C2", "followup", "mother|ORS", (2, 28, 23, -5, 0, 0, 1, 0)),
    # C2 himself on the ORS: 26 < 28 (adolescent cut-off) clinical; one session, no change
    ("C2", "followup", "child|ORS", (1, 26, 26, None, 1, None, None, None)),
    # C3 child CORS in the baseline cohort: 30, 8+8+8+9 = 33, 36 (dated in the follow-up window,
    # still case K4's course): +6 reliable, 30 < 32 -> 36 >= 32 recovered
    ("C3", "baseline", "child|CORS", (3, 30, 36, 6, 1, 1, 0, 1)),
])
def test_fit_measures(warehouse, person, period, stratum, expected):
    codes = FIT[:8]
    for code, v in zip(codes, expected):
        got = _one(warehouse, person, period, code, stratum)
        if v is None:
            assert got is None, code
        else:
            assert got[0] == v, code
            if code in ("fit_clinical_at_intake", "fit_reliable_improvement",
                        "fit_reliable_deterioration", "fit_recovered"):
                assert got[1:3] == (v, 1), code
    # nothing of C3's baseline cohort course leaks into the follow-up
    assert _rows(warehouse, "C3", "followup", "fit_sessions") == {}


def test_fit_alliance_share(warehouse):
    # C1 child CSRS 36, 35, 40: one of three below 36; mother SRS 30, 38: one of two
    assert _one(warehouse, "C1", "followup", "fit_srs_below_cutoff_share", "child|CSRS")[:3] == \
        pytest.approx((1 / 3, 1, 3))
    assert _one(warehouse, "C1", "followup", "fit_srs_below_cutoff_share", "mother|SRS")[:3] == \
        pytest.approx((1 / 2, 1, 2))
    # alliance instruments get no outcome measures
    assert _one(warehouse, "C1", "followup", "fit_ors_first", "mother|SRS") is None


def test_fit_series(warehouse):
    got = {r[0]: r[1:] for r in warehouse.execute(
        "select t, n_persons, value from marts.fct_series where experiment_id = 'EC' and "
        "arm = 'intervention' and series_code = 'fit_mean_score_followup|mother|ORS'").fetchall()}
    # session 1: C1 20, C2 28 -> mean 24; session 2: C1 25, C2 23 -> 24 (no 3rd: quarantined)
    assert got == {1: (2, 24.0), 2: (2, 24.0)}


# ------------------------------------------------------------------------------------------- cost

@pytest.mark.parametrize("person, period, days, costs", [
    # C4 follow-up: 198 days at risk (dies 07-16); 7 x 1,000 home care + 5,000 hospital
    ("C4", "followup", 198, {"home_care": 7000, "hospital": 5000}),
    # C4 baseline: 365 days; 600 in Dec 2019
    ("C4", "baseline", 365, {"home_care": 600, "hospital": 0}),
    # C1 follow-up: 300 in June; the Jan 2021 cost is outside the window
    ("C1", "followup", 366, {"home_care": 300, "hospital": 0}),
    # C2 follow-up: no cost at all -> 0 in every stratum
    ("C2", "followup", 366, {"home_care": 0, "hospital": 0}),
])
def test_cost_per_person_month(warehouse, person, period, days, costs):
    got = _rows(warehouse, person, period, "cost_per_person_month")
    months = days / PM           # C4 follow-up: 198 / 30.4375 = 6.5051 person-months
    expected = dict(costs, total=sum(costs.values()))
    assert set(got) == set(expected)
    for stratum, dkk in expected.items():
        value, num, den, py, _ = got[stratum]
        assert (num, den, py) == pytest.approx((dkk, months, days / PY))
        assert value == pytest.approx(dkk / months)
    if person == "C4" and period == "followup":
        # 12,000 / 6.5051 = 1,844.70 DKK per person-month
        assert got["total"][0] == pytest.approx(1844.697, abs=1e-3)


def test_cost_indicator_and_series(warehouse):
    # 159 / comparison / follow-up, total: mean of C3 (0) and C4 (1,844.70) = 922.35
    c = _cell(warehouse, "159", "comparison", "followup", "cost_per_person_month", "total")
    assert c["n"] == 2 and c["value"] == pytest.approx(12000 / (198 / PM) / 2)
    series = {r[0]: r[1:] for r in warehouse.execute(
        "select t, n_persons, value from marts.fct_series where experiment_id = 'EC' and "
        "arm = 'comparison' and series_code = 'cost_per_person_month_total'").fetchall()}
    # March 2020: C3 and C4 at risk 31 days each; 1,000 + 5,000 DKK
    assert series[202003] == pytest.approx((2, 6000 / (62 / PM)))
    # July 2020: C3 31 days + C4 1-16 July = 16 days; 1,000 DKK
    assert series[202007] == pytest.approx((2, 1000 / (47 / PM)))
    # August 2020: only C3 at risk, no cost
    assert series[202008] == pytest.approx((1, 0.0))
    # December 2019 (baseline): C3 and C4 at risk 31 days each; 600 DKK
    assert series[201912] == pytest.approx((2, 600 / (62 / PM)))


# ------------------------------------------------------------------------------------- experience

def test_experience_score(warehouse):
    # C1 citizen: (4/5 + 3/5) x 100 / 2 = (80 + 60) / 2 = 70; relative 8/10 x 100 = 80
    got = _rows(warehouse, "C1", "followup", "exp_score")
    assert {k: v[:3] for k, v in got.items()} == {"citizen": (70, 140, 2), "relative": (80, 80, 1)}
    # C3 baseline 9/10 -> 90
    assert _one(warehouse, "C3", "baseline", "exp_score", "citizen")[0] == 90
    # C4's answer after his death is not used
    assert _rows(warehouse, "C4", "followup", "exp_score") == {}
