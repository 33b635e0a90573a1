"""A small fake warehouse with exactly the report's input columns (docs/architecture.md).

Used by the report tests and for developing the report without the full pipeline. It holds two
networks and three experiments with deliberately small cells (a municipality of 3 persons, a
comparison arm of 4 at baseline) so that disclosure control has something to do.
Values are random; effects are fitted with plain OLS on the fake person rows and mean nothing.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ..paths import SEEDS_DIR

NETWORKS = [
    ("N01", "Børn som vores vigtigste ressource", "Children as our most important resource", "FK2"),
    ("N02", "En plan for en sammenhængende indsats", "One plan for a coherent effort", "FK2"),
]
EXPERIMENTS = [
    # id, network, title_da, title_en, period_design, design, intervention munis (n persons), comparison munis
    ("E_ADM", "N01", "Sammenhængende sundhedsindsats", "Coherent health effort", "person", "did",
     {"101": 40, "102": 3}, {"201": 30, "202": 25}),
    ("E_FIT", "N01", "FIT i børnesager", "FIT in children's cases", "person", "did",
     {"103": 30}, {"203": 4}),
    ("E_EMP", "N02", "Én plan", "One plan", "cohort", "cohort_before_after",
     {"104": 35, "105": 12}, {}),
]
INDICATORS = [
    # indicator_id, experiment, measure_code, stratum, dimension, direction, node_id, computable
    ("I_ADM1", "E_ADM", "adm_stays", None, "health", "down", "E_ADM_o1", True),
    ("I_ADM2", "E_ADM", "cost_per_person_month", "total", "cost", "down", "E_ADM_o2", True),
    ("I_ADM3", "E_ADM", "exp_score", "citizen", "experience", "up", "E_ADM_o1", True),
    ("I_ADM4", "E_ADM", None, None, "experience", "up", "E_ADM_o2", False),
    ("I_FIT1", "E_FIT", "fit_ors_change", "child|CORS", "health", "up", "E_FIT_o1", True),
    ("I_FIT2", "E_FIT", "fit_reliable_improvement", "child|CORS", "health", "up", "E_FIT_o1", True),
    ("I_FIT3", "E_FIT", "case_days_to_intervention", None, "experience", "down", "E_FIT_out", True),
    ("I_EMP1", "E_EMP", "emp_selfsupport_end", None, "health", "up", "E_EMP_o1", True),
    ("I_EMP2", "E_EMP", "emp_weeks_to_selfsupport", None, "none", "down", "E_EMP_o1", True),
    ("I_EMP3", "E_EMP", "cost_per_person_month", "total", "cost", "down", "E_EMP_o2", True),
]
NODE_TYPES = ["input", "activity", "output", "short_term_outcome", "long_term_outcome"]


def _measures() -> pd.DataFrame:
    path = SEEDS_DIR / "reference" / "measure_definitions.csv"
    with open(path, encoding="utf-8") as fh:
        return pd.DataFrame(list(csv.DictReader(fh)))


def build_fake_warehouse(db_path: Path, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    db_path = Path(db_path)
    if db_path.exists():
        db_path.unlink()
    measures = _measures()
    mtype = dict(zip(measures.measure_code, measures.measure_type))
    con = duckdb.connect(str(db_path))
    for schema in ("seeds", "marts", "raw", "staging", "intermediate"):
        con.execute(f"create schema if not exists {schema}")

    def put(name: str, df: pd.DataFrame) -> None:
        con.register("_df", df)
        con.execute(f"create or replace table {name} as select * from _df")
        con.unregister("_df")

    put("seeds.networks", pd.DataFrame(
        [(n, da, en, prog, "004.txt", 1) for n, da, en, prog in NETWORKS],
        columns=["network_id", "name_da", "name_en", "programme", "source_doc", "source_line"]))
    put("seeds.experiments", pd.DataFrame(
        [(e[0], e[1], e[2], e[3], "004.txt", 10, 90) for e in EXPERIMENTS],
        columns=["experiment_id", "network_id", "title_da", "title_en", "source_doc",
                 "source_line_start", "source_line_end"]))
    put("seeds.experiment_periods", pd.DataFrame(
        [(e[0], e[4], pd.Timestamp("2018-01-01").date(), 365, 365) for e in EXPERIMENTS],
        columns=["experiment_id", "period_design", "start_date", "baseline_days", "followup_days"]))
    put("seeds.indicators", pd.DataFrame([
        (i, e, f"Indikator {i}", f"Indicator {i}", dim, dirn, "", "registry", mc, st, comp,
         None if comp else "Survey not in the extracts", node, False, "004.txt", 20)
        for i, e, mc, st, dim, dirn, node, comp in INDICATORS],
        columns=["indicator_id", "experiment_id", "name_da", "name_en", "triple_aim_dimension",
                 "expected_direction", "unit", "data_source", "measure_code", "stratum", "computable",
                 "not_computable_reason", "node_id", "inferred", "source_doc", "source_line"]))
    nodes, edges = [], []
    for e in EXPERIMENTS:
        ex = e[0]
        chain = [(f"{ex}_in", "input"), (f"{ex}_act", "activity"), (f"{ex}_out", "output"),
                 (f"{ex}_o1", "short_term_outcome"), (f"{ex}_o2", "long_term_outcome")]
        for node_id, ntype in chain:
            nodes.append((node_id, ex, ntype, f"{ntype} of {ex}", f"{ntype} for {ex} (da)", False, "004.txt", 30))
        for k in range(len(chain) - 1):
            edges.append((f"{ex}_e{k}", ex, chain[k][0], chain[k + 1][0], f"If {chain[k][1]} then more",
                          f"Hvis {chain[k][1]} så mere", k == 0, "004.txt", 31))
        edges.append((f"{ex}_e9", ex, chain[2][0], chain[4][0], "Output drives the long-term outcome",
                      "Output driver det langsigtede mål", True, "004.txt", 32))
    put("seeds.programme_theory_nodes", pd.DataFrame(nodes, columns=[
        "node_id", "experiment_id", "node_type", "label_en", "label_da", "inferred", "source_doc", "source_line"]))
    put("seeds.programme_theory_edges", pd.DataFrame(edges, columns=[
        "edge_id", "experiment_id", "from_node_id", "to_node_id", "assumption_en", "assumption_da",
        "inferred", "source_doc", "source_line"]))
    put("marts.dim_measures", measures)

    # Person measures.
    rows = []
    pid = 0
    for ex, _net, _tda, _ten, _pdes, _design, imunis, cmunis in EXPERIMENTS:
        codes = sorted({(mc, st or "") for i, e, mc, st, *_ in INDICATORS if e == ex and mc})
        for arm, munis in (("intervention", imunis), ("comparison", cmunis)):
            for muni, n in munis.items():
                for _ in range(n):
                    pid += 1
                    for period in ("baseline", "followup"):
                        # E_FIT's comparison has one fewer person at follow-up (a primary cell 3).
                        if ex == "E_FIT" and arm == "comparison" and period == "followup" and _ == 0:
                            continue
                        lift = 1.0 if (arm == "intervention" and period == "followup") else 0.0
                        for mc, st in codes:
                            t = mtype[mc]
                            py = 1.0
                            cens = None
                            num = den = None
                            if t == "count":
                                num = float(rng.poisson(0.8 - 0.3 * lift))
                                val = num
                            elif t == "binary":
                                val = float(rng.random() < 0.4 + 0.2 * lift)
                                num, den = val, 1.0
                            elif t == "time_to_event":
                                val = float(rng.exponential(60 - 20 * lift))
                                cens = bool(rng.random() < 0.2)
                            else:
                                val = float(rng.normal(10 + 2 * lift, 3))
                            rows.append(("fake-run", pd.Timestamp("2026-01-01"), ex, f"p{pid:05d}", muni, arm,
                                         period, mc, st, val, num, den, py, cens))
    pm = pd.DataFrame(rows, columns=[
        "run_id", "run_started_at", "experiment_id", "person_id", "municipality_code", "arm", "period",
        "measure_code", "stratum", "value", "numerator", "denominator", "person_years", "censored"])
    put("marts.fct_person_measures", pm)
    put("seeds._measure_types", measures[["measure_code", "measure_type", "unit"]])
    con.execute("""
        create or replace table marts.fct_indicator_values as
        select any_value(pm.run_id) as run_id, any_value(pm.run_started_at) as run_started_at,
               experiment_id, municipality_code, arm, period, pm.measure_code, stratum,
               count(distinct person_id) as n_persons, sum(numerator) as numerator,
               sum(denominator) as denominator, avg(value) as value, any_value(m.unit) as unit,
               sum(person_years) as person_years,
               case when any_value(m.measure_type) = 'count'
                    then 1000 * sum(numerator) / sum(person_years) end as rate_per_1000py,
               case when any_value(m.measure_type) = 'time_to_event'
                    then count(*) filter (where censored) end as n_censored,
               any_value(m.measure_type) as measure_type
        from marts.fct_person_measures pm join seeds._measure_types m using (measure_code)
        group by all
    """)
    con.execute("drop table seeds._measure_types")

    # Effects: OLS of value on arm x period (or period only), just to have coherent columns.
    import statsmodels.formula.api as smf

    eff = []
    for (ex, mc, st), g in pm.groupby(["experiment_id", "measure_code", "stratum"]):
        design = next(e[5] for e in EXPERIMENTS if e[0] == ex)
        g = g.assign(post=(g.period == "followup").astype(int), treat=(g.arm == "intervention").astype(int))
        if design == "did":
            fit = smf.ols("value ~ treat * post", data=g).fit()
            term = "treat:post"
        else:
            fit = smf.ols("value ~ post", data=g).fit()
            term = "post"
        t = mtype[mc]
        scale = {"continuous": "difference", "binary": "log_odds_ratio", "count": "log_rate_ratio",
                 "time_to_event": "log_hazard_ratio"}[t]
        est = float(fit.params[term])
        lo, hi = (float(v) for v in fit.conf_int().loc[term])
        if scale != "difference":  # squeeze onto a log scale for the fake
            est, lo, hi = est / 20, lo / 20, hi / 20
        ni = g[g.treat == 1].person_id.nunique()
        nc = g[g.treat == 0].person_id.nunique()
        eff.append(dict(
            experiment_id=ex, measure_code=mc, stratum=st, design=design,
            method="ols_crve" if design == "did" else "paired_bootstrap", term=term, is_primary=True,
            estimate=est, std_error=float(fit.bse[term]), ci_low=lo, ci_high=hi,
            p_value=float(fit.pvalues[term]), p_value_adj=min(1.0, float(fit.pvalues[term]) * 3),
            ratio=float(np.exp(est)) if scale != "difference" else None, scale=scale,
            n_intervention=ni, n_comparison=nc,
            n_clusters_intervention=g[g.treat == 1].municipality_code.nunique(),
            n_clusters_comparison=g[g.treat == 0].municipality_code.nunique(),
            warnings="few clusters (2 treated municipalities)" if design == "did" else
            "only 3 of 47 persons observed in both periods: periods compared as cohorts; small n: followup n=4 < 20",
            effect_per_1000_dkk=None, run_id="fake-run", run_started_at=pd.Timestamp("2026-01-01")))
    put("marts.fct_effects", pd.DataFrame(eff))

    # Series in the columns of models/marts/fct_series.sql (series_code, time_unit, t).
    series = []
    for ex, *_ in EXPERIMENTS:
        codes = {mc for i, e, mc, st, *_ in INDICATORS if e == ex and mc}
        for arm in ("intervention", "comparison"):
            if ex == "E_EMP" and arm == "comparison":
                continue
            if codes & {"adm_stays", "cost_per_person_month"}:
                for k in range(24):
                    t = (2017 + k // 12) * 100 + k % 12 + 1
                    series.append((ex, arm, "adm_admissions_rate_month", "month", t, int(rng.integers(2, 40)),
                                   float(rng.normal(600, 100))))
                    series.append((ex, arm, "cost_per_person_month_total", "month", t, int(rng.integers(2, 40)),
                                   float(rng.normal(9000, 800))))
            if any(c.startswith("fit_") for c in codes):
                for period in ("baseline", "followup"):
                    for k in range(1, 9):
                        series.append((ex, arm, f"fit_mean_score_{period}|child|CORS", "session", k,
                                       int(30 / k) + 1 if arm == "intervention" else 3, 20 + k + float(rng.normal())))
            if any(c.startswith("emp_") for c in codes):
                for k in range(-20, 52):
                    series.append((ex, arm, "emp_selfsupport_share_week", "week_since_index", k, 47,
                                   min(1.0, max(0.0, 0.3 + k / 150 + float(rng.normal(0, 0.02))))))
    fs = pd.DataFrame(series, columns=["experiment_id", "arm", "series_code", "time_unit", "t", "n_persons",
                                       "value"])
    fs.insert(0, "run_started_at", pd.Timestamp("2026-01-01"))
    fs.insert(0, "run_id", "fake-run")
    put("marts.fct_series", fs)

    tables = ["persons", "enrolment", "admissions", "employment_status", "case_events", "fit_sessions",
              "costs", "experience"]
    files = []
    acct = []
    for t in tables:
        for wave in ("baseline", "followup"):
            if t == "experience" and wave == "followup":
                files.append((t, wave, None, None, None, None, 0, None, "absent"))
                continue
            src = f"wave={wave}/{t}.csv"
            n = int(rng.integers(100, 1000))
            q = int(rng.integers(0, 5))
            s = int(rng.integers(0, 3)) if wave == "baseline" else 0
            files.append((t, wave, src, "csv", "utf-8", ";", n, f"{rng.integers(1 << 62):064x}", "present"))
            acct.append((t, wave, src, n, n - q - s, q + s, s, "present"))
    put("raw.ingest_files", pd.DataFrame(files, columns=[
        "table_name", "wave", "source_file", "file_format", "encoding", "separator", "rows_read", "sha256",
        "status"]))
    put("marts.fct_row_accounting", pd.DataFrame(acct, columns=[
        "table_name", "wave", "source_file", "rows_read", "rows_staged", "rows_quarantined", "rows_superseded",
        "status"]))
    quar = []
    for t, wave, src, n, staged, q, s, _ in acct:
        for k in range(q - s):
            quar.append((t, wave, src, k + 2, "birth_date", "invalid_date"))
        for k in range(s):
            quar.append((t, wave, src, k + 50, None, "superseded_by_followup"))
    put("marts.fct_quarantine", pd.DataFrame(quar, columns=[
        "table_name", "wave", "source_file", "source_row", "column_name", "reason"]))
    con.close()
    return db_path
