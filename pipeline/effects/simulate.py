"""A small synthetic measure warehouse with planted effects, for the effects tests and checks.

It writes marts.fct_person_measures, marts.dim_measures and seeds.experiment_periods in the
contract's shape, so `run_effects` can be exercised before (and independently of) the dbt marts.
The planted effects are on the primary scales and are marginal (population-averaged) effects,
which is what the estimators target:

- continuous: y = μ + municipality + person + municipality×period shock + γ·post + δ·treated·post + ε;
- binary: marginal P(y=1) on the logit scale, within-person correlation by a shared uniform;
- count: Poisson with a mean-one gamma person frailty and person-years exposure;
- time to event: exponential durations, administrative censoring.
"""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

MEASURES = pd.DataFrame({
    "measure_code": ["sim_score", "sim_binary", "sim_count", "sim_time", "cost_per_person_month"],
    "family": ["sim", "sim", "sim", "sim", "cost"],
    "measure_type": ["continuous", "binary", "count", "time_to_event", "continuous"],
    "unit": ["points", "share", "events", "days", "DKK per person-month"],
})
SCALE = {"continuous": "difference", "binary": "log_odds_ratio", "count": "log_rate_ratio",
         "time_to_event": "log_hazard_ratio"}


@dataclass
class ExperimentSpec:
    experiment_id: str
    period_design: str = "person"      # person | cohort
    comparison: bool = True
    n_treated_clusters: int = 12
    n_comparison_clusters: int = 12
    persons_per_cluster: int = 40


def _expit(x):
    return 1 / (1 + np.exp(-x))


def simulate_experiment(spec: ExperimentSpec, rng: np.random.Generator, effects: dict[str, float] | None = None,
                        measures=None):
    """Person-period rows for one experiment and the planted truths (list of dicts)."""
    measures = MEASURES if measures is None else measures
    G_t = spec.n_treated_clusters
    G_c = spec.n_comparison_clusters if spec.comparison else 0
    G = G_t + G_c
    sizes = rng.integers(max(2, spec.persons_per_cluster // 2), spec.persons_per_cluster * 3 // 2 + 1, G)
    muni = np.repeat(np.arange(G), sizes)
    n = len(muni)
    treated = (muni < G_t).astype(int)
    base = zlib.crc32(spec.experiment_id.encode()) % 400
    codes = np.array([f"{100 + base + g:03d}" for g in range(G)])
    pid = np.array([f"{spec.experiment_id}-p{i}" for i in range(n)])
    rows, truth = [], []
    for m in measures.itertuples():
        delta = (effects or {}).get(m.measure_code)
        if delta is None:
            delta = float(rng.choice([0.0, 1.0]) * rng.normal(0, 1)) * {"continuous": 2.0, "binary": 0.4,
                                                                        "count": 0.3, "time_to_event": 0.4}[m.measure_type]
            if m.measure_code.startswith("cost"):
                delta = float(rng.normal(300, 100))
        tp = treated if spec.comparison else np.ones(n, int)
        cols = _draw(m.measure_type, m.measure_code, n, muni, G, tp, delta, spec, rng)
        for post in (0, 1):
            if spec.period_design == "cohort" and post == 1:
                ids = np.array([p + "-f" for p in pid])
            else:
                ids = pid
            v, num, py, cens = cols[post]
            rows.append(pd.DataFrame({
                "experiment_id": spec.experiment_id, "person_id": ids, "municipality_code": codes[muni],
                "arm": np.where(tp == 1, "intervention", "comparison"),
                "period": "followup" if post else "baseline", "measure_code": m.measure_code,
                "stratum": "total" if m.measure_code.startswith("cost") else "",
                "value": v, "numerator": _col(num, n), "denominator": _col(py if num is not None else None, n),
                "person_years": _col(py, n), "censored": _col(cens, n, bool)}))
        truth.append({"experiment_id": spec.experiment_id, "measure_code": m.measure_code,
                      "stratum": "total" if m.measure_code.startswith("cost") else "",
                      "scale": SCALE[m.measure_type], "value": delta, "direction": int(np.sign(delta))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return pd.concat(rows, ignore_index=True), truth


def _col(x, n, kind=float):
    if x is None:
        return pd.array([None] * n, dtype="boolean" if kind is bool else "Float64")
    return x


def _draw(mtype, code, n, muni, G, tp, delta, spec, rng):
    cohort = spec.period_design == "cohort"
    out = {}
    if mtype == "continuous":
        scale = 1000.0 if code.startswith("cost") else 10.0
        a = rng.normal(0, 0.3 * scale, G)
        shock = rng.normal(0, 0.05 * scale, (G, 2))
        person = rng.normal(0, 0.8 * scale, n)
        for post in (0, 1):
            pers = person if not (cohort and post) else rng.normal(0, 0.8 * scale, n)
            y = (5 * scale + a[muni] + shock[muni, post] + pers + 0.1 * scale * post * spec.comparison + delta * tp * post
                 + rng.normal(0, 0.5 * scale, n))
            out[post] = (y, None, None, None)
    elif mtype == "binary":
        u0 = rng.random(n)
        for post in (0, 1):
            p = _expit(-0.5 + 0.3 * tp + 0.2 * post * spec.comparison + delta * tp * post)
            shared = rng.random(n) < 0.6
            u = np.where(shared & ~(cohort and post == 1), u0, rng.random(n)) if post else u0
            out[post] = ((u < p).astype(float), None, None, None)
    elif mtype == "count":
        frailty = rng.gamma(2.0, 0.5, n)
        for post in (0, 1):
            fr = frailty if not (cohort and post) else rng.gamma(2.0, 0.5, n)
            py = rng.uniform(0.5, 1.0, n)
            mu = py * fr * np.exp(0.2 + 0.1 * tp + 0.1 * post * spec.comparison + delta * tp * post)
            y = rng.poisson(mu).astype(float)
            out[post] = (y, y, py, None)
    else:
        for post in (0, 1):
            lam = np.exp(np.log(1 / 200) + 0.1 * tp + 0.1 * post * spec.comparison + delta * tp * post)
            t = np.ceil(rng.exponential(1 / lam))
            cens = t > 365
            out[post] = (np.minimum(t, 365.0), None, None, cens)
    return out


def build_warehouse(db_path, specs: list[ExperimentSpec], seed: int = 1, effects: dict | None = None,
                    run_id: str = "sim-run") -> list[dict]:
    """Write the three input tables into db_path; return the planted truths."""
    rng = np.random.default_rng(seed)
    frames, truth = [], []
    for s in specs:
        f, t = simulate_experiment(s, rng, effects)
        frames.append(f)
        truth += t
    pm = pd.concat(frames, ignore_index=True)
    pm.insert(0, "run_started_at", pd.Timestamp("2024-01-01 12:00:00"))
    pm.insert(0, "run_id", run_id)
    periods = pd.DataFrame({"experiment_id": [s.experiment_id for s in specs],
                            "period_design": [s.period_design for s in specs],
                            "start_date": pd.Timestamp("2018-01-01"), "baseline_days": 365, "followup_days": 365})
    with duckdb.connect(str(db_path)) as con:
        for schema in ("marts", "seeds"):
            con.execute(f"create schema if not exists {schema}")
        con.register("pm", pm)
        con.execute("""create or replace table marts.fct_person_measures as
            select run_id, run_started_at, experiment_id, person_id, municipality_code, arm, period, measure_code,
                   stratum, value::double as value, numerator::double as numerator, denominator::double as denominator,
                   person_years::double as person_years, censored::boolean as censored from pm""")
        con.register("dm", MEASURES)
        con.execute("create or replace table marts.dim_measures as select * from dm")
        con.register("ep", periods)
        con.execute("create or replace table seeds.experiment_periods as select * from ep")
    return truth
