"""`run_effects`: every experiment × measure × stratum in marts.fct_person_measures → marts.fct_effects.

Reads aggregates through DuckDB (never per-person Python loops) and applies the closed forms in
suffstats.py; time-to-event measures are fitted with a Cox model on person-level arrays.
See docs/effects.md for the choice of estimator per measure type and design.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ..errors import FrievalError
from .results import bh_adjust, finite
from .suffstats import (Est, binary_change_clustered, binary_cohort, binary_did, binary_paired,
                        count_change_clustered, count_cohort, count_did, count_paired, ols_cells, paired_mean,
                        ri_p_value, welch)

MIN_N = 20            # persons per arm (or period) below which an estimate is flagged
FEW_CLUSTERS = 10     # treated (or comparison) municipalities below which bootstrap / RI p-values are used
N_BOOT = 1999         # wild cluster bootstrap replications in the warehouse step
N_RI = 1999           # randomisation-inference re-assignments
MIN_BOTH_PERIODS = 0.5  # share of persons seen in both periods needed for the paired (change-score) form

PRIMARY_SCALE = {"continuous": "difference", "binary": "log_odds_ratio", "count": "log_rate_ratio",
                 "time_to_event": "log_hazard_ratio"}
NO_COUNTERFACTUAL = "before/after comparison without a comparison group: no counterfactual, not an effect estimate"

COLUMNS = ["experiment_id", "measure_code", "stratum", "design", "method", "term", "is_primary", "estimate",
           "std_error", "ci_low", "ci_high", "p_value", "p_value_adj", "ratio", "scale", "n_intervention",
           "n_comparison", "n_clusters_intervention", "n_clusters_comparison", "warnings", "effect_per_1000_dkk",
           "run_id", "run_started_at"]
DDL = """create or replace table marts.fct_effects (
  experiment_id varchar, measure_code varchar, stratum varchar, design varchar, method varchar, term varchar,
  is_primary boolean, estimate double, std_error double, ci_low double, ci_high double, p_value double,
  p_value_adj double, ratio double, scale varchar, n_intervention bigint, n_comparison bigint,
  n_clusters_intervention bigint, n_clusters_comparison bigint, warnings varchar, effect_per_1000_dkk double,
  run_id varchar, run_started_at timestamp)"""


@dataclass
class EffectsSummary:
    n_effects: int = 0            # primary effect rows written
    n_rows: int = 0               # all rows (terms) written
    n_with_estimate: int = 0
    n_warnings: int = 0
    seconds: float = 0.0
    by_design: dict = field(default_factory=dict)

    def describe(self) -> str:
        return (f"effects: {self.n_effects} experiment × measure × stratum estimates "
                f"({self.n_with_estimate} with an estimate, {self.n_warnings} with warnings)")


def _seed(seed: int, *key) -> int:
    return (seed + zlib.crc32("|".join(map(str, key)).encode())) % (2 ** 31)


KEY = ["experiment_id", "measure_code", "stratum"]

# The person measures as the estimators see them. `usable` marks the rows that enter the sums of
# the measure's estimator, `a` and `b` are what is summed: the value (continuous), the event flag
# (binary), the count and its person-years (count). Time-to-event rows are read whole (Cox fit).
BASE = """
  select pm.experiment_id, pm.measure_code, coalesce(pm.stratum, '') as stratum, pm.person_id,
         pm.municipality_code, case when pm.arm = 'comparison' then 0 else 1 end as treated,
         case when pm.period = 'followup' then 1 else 0 end as post,
         pm.value, pm.censored, dm.measure_type,
         case dm.measure_type when 'count' then coalesce(coalesce(pm.numerator, pm.value) is not null
                                                         and pm.person_years > 0, false)
                              when 'continuous' then pm.value is not null
                              when 'binary' then pm.value is not null
                              else false end as usable,
         case dm.measure_type when 'count' then coalesce(pm.numerator, pm.value)
                              when 'binary' then case when pm.value > 0 then 1.0 else 0.0 end
                              else pm.value end as a,
         case when dm.measure_type = 'count' then pm.person_years end as b
  from marts.fct_person_measures pm join marts.dim_measures dm using (measure_code)
"""


class ExactSums:
    """SQL for sums of doubles that do not depend on the order of their terms.

    A sum of doubles depends on the order in which its terms are added, and DuckDB adds them in
    whatever order its threads finish. Here every term is scaled by 2^k and cast to HUGEINT: an
    integer sum is exact in any order, so the result is the same on any number of threads, and
    run after run. k is as large as fits: with at most n_rows terms, each below 2^e, the scaled
    sum stays below 2^126 (HUGEINT holds 2^127). Terms are then exact down to 2^-k (k >= 60 for
    values up to 2^16 and 2^25 rows; bits below that, in terms many orders of magnitude smaller
    than the largest, are rounded once, the same way on every run). The exact sum is rounded to
    a double once at the end: the result is at least as accurate as any order of double additions.
    `linear` is for terms bounded by 2·max|x| (values, differences of two values), `quadratic`
    for terms bounded by 4·max|x|² (squares and products of two values, squared differences).
    """

    def __init__(self, n_rows: int, max_abs: float):
        if not np.isfinite(max_abs):
            raise FrievalError("marts.fct_person_measures: a value, numerator or person_years is not a "
                               "finite number; effects cannot be estimated")
        m = max(float(max_abs), 1.0)
        rows_bits = max(int(n_rows), 1).bit_length()
        self.k1 = 126 - rows_bits - np.frexp(2 * m)[1]
        self.k2 = 126 - rows_bits - np.frexp(4 * m * m)[1]

    def _k(self, kind: str) -> int:
        return {"linear": self.k1, "quadratic": self.k2}[kind]

    def raw(self, expr: str, kind: str, where: str | None = None) -> str:
        """The exact sum of expr·2^k as a HUGEINT: partial sums of it can be summed again, exactly."""
        term = f"cast(({expr}) * {float(2.0 ** self._k(kind))!r}::double as hugeint)"
        if where:  # CASE rather than FILTER: the term is not even computed for rows left out
            term = f"case when {where} then {term} end"
        return f"sum({term})"

    def value(self, raw_sql: str, kind: str) -> str:
        """A raw sum as the nearest double. HUGEINT -> DOUBLE casts the two 64-bit halves separately
        (up to two roundings); through its exact decimal text the sum is rounded once."""
        return f"cast(cast({raw_sql} as varchar) as double) / {float(2.0 ** self._k(kind))!r}::double"

    def linear(self, expr: str, where: str | None = None) -> str:
        return self.value(self.raw(expr, "linear", where), "linear")

    def quadratic(self, expr: str, where: str | None = None) -> str:
        return self.value(self.raw(expr, "quadratic", where), "quadratic")


def run_effects(db_path, seed: int = 20161201, progress=None) -> EffectsSummary:
    import time

    t_start = time.perf_counter()
    db_path = Path(db_path)
    if not db_path.exists():
        raise FrievalError(f"{db_path}: warehouse not found")
    con = duckdb.connect(str(db_path))
    try:
        for tbl in ("marts.fct_person_measures", "marts.dim_measures"):
            try:
                con.execute(f"select 1 from {tbl} limit 0")
            except duckdb.CatalogException:
                raise FrievalError(f"{db_path}: table {tbl} not found; build the measure marts first") from None
        # Two runs must give byte-identical tables, whatever the thread scheduling (the mart's own
        # row order is not fixed either: the build writes in parallel). Counts, max and min are
        # exact on any number of threads; sums of doubles are made exact by ExactSums. So every
        # query runs on all threads, straight from the mart, without a sorted copy.
        con.execute(f"set memory_limit = '{os.environ.get('FRIEVAL_MEMORY_LIMIT', '4GB')}'")
        con.execute("create schema if not exists marts")
        con.execute(f"create or replace temp view pm_src as {BASE}")
        stamp = con.execute("select min(run_id), min(run_started_at) from marts.fct_person_measures").fetchone()
        stats = _stats(con)
        groups = stats["groups"]
        task = progress.task("effects", total=max(len(groups), 1)) if progress is not None else None
        rows: list[dict] = []
        for mtype, fn in (("continuous", _continuous), ("binary", _binary), ("count", _count),
                          ("time_to_event", _time_to_event)):
            g = groups[groups["measure_type"] == mtype]
            if len(g):
                rows += fn(con, g, stats, seed, task)
        unknown = groups[~groups["measure_type"].isin(PRIMARY_SCALE)]
        for r in unknown.itertuples():
            rows.append(_row(r, "did" if r.has_comparison else "paired", "none", "effect", None,
                             [f"unknown measure_type {r.measure_type!r}: not estimated"], scale="difference"))
            if task:
                task.advance()
        out = _finish(rows, stamp, con)
        con.execute(DDL)
        if len(out):
            con.register("fct_effects_df", out)
            con.execute(f"insert into marts.fct_effects select {', '.join(COLUMNS)} from fct_effects_df")
            con.unregister("fct_effects_df")
        if task:
            task.done()
    finally:
        con.close()
    prim = out[out["is_primary"]] if len(out) else out
    return EffectsSummary(
        n_effects=int(len(prim)), n_rows=int(len(out)),
        n_with_estimate=int(prim["estimate"].notna().sum()) if len(out) else 0,
        n_warnings=int((prim["warnings"].fillna("") != "").sum()) if len(out) else 0,
        seconds=time.perf_counter() - t_start,
        by_design=prim["design"].value_counts().to_dict() if len(out) else {})


# Sums over persons seen with a usable value in both periods: (name, expression, kind).
CHANGE_SUMS = [("s1", "a1 - a0", "linear"), ("s2", "(a1 - a0) * (a1 - a0)", "quadratic")]
COUNT_PAIR_SUMS = [("y0", "a0", "linear"), ("e0", "b0", "linear"), ("y1", "a1", "linear"), ("e1", "b1", "linear"),
                   ("y0y0", "a0 * a0", "quadratic"), ("y0e0", "a0 * b0", "quadratic"), ("e0e0", "b0 * b0", "quadratic"),
                   ("y1y1", "a1 * a1", "quadratic"), ("y1e1", "a1 * b1", "quadratic"), ("e1e1", "b1 * b1", "quadratic"),
                   ("y1y0", "a1 * a0", "quadratic"), ("y1e0", "a1 * b0", "quadratic"), ("e1y0", "b1 * a0", "quadratic"),
                   ("e1e0", "b1 * b0", "quadratic")]


def _stats(con) -> dict:
    """Every sufficient statistic of the estimators, from two passes over the person measures.

    Pass 1 (pm_cells): per experiment × measure × stratum × municipality × arm × period, the
    rows, the usable rows and the sums the estimators need. Pass 2 (pm_persons): one row per
    person and experiment × measure × stratum, with the arms and periods seen and the usable
    value in each period, aggregated straight away (it is never stored: ~14 M rows at 1M
    persons) per experiment × measure × stratum × municipality × arm: the group facts, the
    change scores and the paired sums, as counts and raw exact sums that add up exactly.
    """
    n_rows, max_abs = con.execute(
        "select count(*), greatest(coalesce(max(abs(a)) filter (where usable), 0), "
        "coalesce(max(abs(b)) filter (where usable), 0)) from pm_src").fetchone()
    xs = ExactSums(n_rows, max_abs)
    lin, quad = xs.linear, xs.quadratic
    con.execute(f"""
        create or replace temp table pm_cells as
        select experiment_id, measure_code, stratum, any_value(measure_type) as measure_type,
               municipality_code as cluster, treated, post, count(*) as n_rows,
               count(*) filter (where usable) as n,
               {lin('a', 'usable')} as s1, {quad('a * a', 'usable')} as s2,
               {lin('b', 'usable')} as e, {quad('a * b', 'usable')} as ye, {quad('b * b', 'usable')} as ee
        from pm_src group by experiment_id, measure_code, stratum, municipality_code, treated, post""")
    # A small integer per experiment × measure × stratum: the person pass then groups on it and
    # the person id instead of three strings, which keeps its hash table smaller.
    con.execute("""
        create or replace temp table pm_keys as
        select row_number() over (order by experiment_id, measure_code, stratum)::integer as key_id,
               experiment_id, measure_code, stratum, measure_type
        from (select distinct experiment_id, measure_code, stratum, measure_type from pm_cells)""")
    paired = {t: f"pair and measure_type = '{t}'" for t in ("continuous", "count")}
    raw = ",\n               ".join(
        [f"{xs.raw(e, k, paired['continuous'])} as {n}" for n, e, k in CHANGE_SUMS]
        + [f"sum(case when pair and measure_type = 'binary' then {e} end) as {n}"  # sums of 0/1: exact
           for n, e in (("y0", "a0"), ("y1", "a1"), ("yboth", "a0 * a1"))]
        + [f"{xs.raw(e, k, paired['count'])} as c_{n}" for n, e, k in COUNT_PAIR_SUMS])
    # The person pass is the costliest step of the effects (a hash table of ~14 M persons at 1M):
    # it groups on small keys (the key id; the measure type is a function of it) and keeps few
    # states per person. `seen` collects, as bits, what bool_or would give for each of: treated=1
    # (1), treated=0 (2), period 0 (4), period 1 (8), usable in period 0 (16), usable in period 1
    # (32), usable and treated=1 (64).
    con.execute(f"""
        create or replace temp table pm_pairs as
        with pm_persons as (
          select k.key_id, k.measure_type, p.person_id,
                 bit_or((case when p.treated = 1 then 1 else 2 end) + (case when p.post = 0 then 4 else 8 end)
                        + (case when p.usable then (case when p.post = 0 then 16 else 32 end)
                                                   + (case when p.treated = 1 then 64 else 0 end) else 0 end)
                        ) as seen,
                 min(p.municipality_code) filter (where p.usable) as cluster,
                 max(p.a) filter (where p.usable and p.post = 0) as a0,
                 max(p.a) filter (where p.usable and p.post = 1) as a1,
                 max(p.b) filter (where p.usable and p.post = 0) as b0,
                 max(p.b) filter (where p.usable and p.post = 1) as b1
          from pm_src p join pm_keys k using (experiment_id, measure_code, stratum)
          group by k.key_id, k.measure_type, p.person_id),
        flags as (
          select *, seen & 1 > 0 as in_int, seen & 2 > 0 as in_cmp, seen & 12 = 12 as both_periods,
                 seen & 48 = 48 as pair,
                 case when seen & 64 > 0 then 1 when seen & 48 > 0 then 0 end as treated  -- of usable rows
          from pm_persons)
        select key_id, cluster, treated,
               count(person_id) filter (where in_int) as n_int, count(person_id) filter (where in_cmp) as n_cmp,
               count(*) as n_persons, count(*) filter (where both_periods) as n_both,
               count(*) filter (where pair) as n,
               {raw}
        from flags group by key_id, cluster, treated""")
    out = {"groups": _groups(con)}
    cells = con.execute("""
        select * exclude (n_rows) from pm_cells where n > 0
        order by experiment_id, measure_code, stratum, cluster, treated, post""").df()
    cols = {"continuous": {"s1": "s1", "s2": "s2"}, "binary": {"s1": "s1"},
            "count": {"s1": "y", "e": "e", "s2": "yy", "ye": "ye", "ee": "ee"}}
    for mtype, ren in cols.items():
        c = cells[cells["measure_type"] == mtype]
        out[mtype, "cells"] = _split(c[KEY + ["cluster", "treated", "post", "n", *ren]].rename(columns=ren))
    # Persons seen with a usable value in both periods: change scores per municipality × arm
    # (continuous) and paired sums per experiment × measure × stratum (binary, count).
    out["continuous", "pairs"] = _split(con.execute(f"""
        select experiment_id, measure_code, stratum, cluster, treated, n,
               {', '.join(f"{xs.value(n, k)} as {n}" for n, _, k in CHANGE_SUMS)}
        from pm_pairs join pm_keys using (key_id) where measure_type = 'continuous' and n > 0
        order by experiment_id, measure_code, stratum, cluster, treated""").df())
    out["binary", "pairs"] = _split(con.execute("""
        select experiment_id, measure_code, stratum, sum(n)::bigint as n, sum(y0) as y0, sum(y1) as y1,
               sum(yboth) as yboth
        from pm_pairs join pm_keys using (key_id) where measure_type = 'binary'
        group by all having sum(n) > 0 order by all""").df())
    out["count", "pairs"] = _split(con.execute(f"""
        select experiment_id, measure_code, stratum, sum(n)::bigint as n,
               {', '.join(f"{xs.value(f'sum(c_{n})', k)} as {n}" for n, _, k in COUNT_PAIR_SUMS)}
        from pm_pairs join pm_keys using (key_id) where measure_type = 'count'
        group by all having sum(n) > 0 order by all""").df())
    for t in ("pm_pairs", "pm_keys", "pm_cells"):
        con.execute(f"drop table {t}")
    return out


def _groups(con) -> pd.DataFrame:
    """One row per experiment × measure × stratum: type, design facts, persons and clusters per arm."""
    has_periods = True
    try:
        con.execute("select experiment_id, period_design from seeds.experiment_periods limit 0")
    except duckdb.Error:
        has_periods = False
    periods = ("left join (select experiment_id, any_value(period_design) as period_design "
               "from seeds.experiment_periods group by 1) ep using (experiment_id)") if has_periods else ""
    pd_col = "ep.period_design" if has_periods else "null"
    return con.execute(f"""
      with g as (
        select key_id, sum(n_int)::bigint as n_int, sum(n_cmp)::bigint as n_cmp,
               sum(n_persons)::bigint as n_persons, sum(n_both)::bigint as n_both
        from pm_pairs group by key_id),
      c as (
        select experiment_id, measure_code, stratum,
               count(distinct cluster) filter (where treated = 1) as g_int,
               count(distinct cluster) filter (where treated = 0) as g_cmp,
               bool_or(treated = 0) and bool_or(treated = 1) as has_comparison
        from pm_cells group by all)
      select k.experiment_id, k.measure_code, k.stratum, k.measure_type, g.n_int, g.n_cmp, c.g_int, c.g_cmp,
             c.has_comparison, g.n_persons, g.n_both, {pd_col} as period_design
      from pm_keys k join g using (key_id) join c using (experiment_id, measure_code, stratum) {periods}
      order by k.experiment_id, k.measure_code, k.stratum
    """).df()


def _design(r) -> tuple[str, bool]:
    """(design, use the paired/change-score form)."""
    pdsg = r.period_design if isinstance(r.period_design, str) else None
    both_ok = r.n_persons > 0 and r.n_both / r.n_persons >= MIN_BOTH_PERIODS
    paired = (pdsg == "person" or pdsg is None) and both_ok
    if r.has_comparison:
        return "did", paired
    return ("paired" if paired else "cohort_before_after"), paired


def _row(r, design, method, term, est: Est | None, warnings, *, scale, primary=True, ratio=False,
         counts=None) -> dict:
    e = est or Est(None, None)
    estimate = finite(e.estimate)
    n_int, n_cmp, g_int, g_cmp = counts if counts else (r.n_int, r.n_cmp if r.has_comparison else None,
                                                        r.g_int, r.g_cmp if r.has_comparison else None)
    return dict(experiment_id=r.experiment_id, measure_code=r.measure_code, stratum=r.stratum, design=design,
                method=method, term=term, is_primary=primary, estimate=estimate, std_error=finite(e.std_error),
                ci_low=finite(e.ci_low), ci_high=finite(e.ci_high), p_value=finite(e.p_value),
                ratio=finite(np.exp(estimate)) if ratio and estimate is not None else None, scale=scale,
                n_intervention=n_int, n_comparison=n_cmp, n_clusters_intervention=g_int,
                n_clusters_comparison=g_cmp, _warnings=list(dict.fromkeys(warnings + e.warnings)))


def _common_warnings(r, design, paired) -> list[str]:
    w = []
    if design != "did":
        w.append(NO_COUNTERFACTUAL)
    if design == "did":
        if r.n_int < MIN_N or r.n_cmp < MIN_N:
            w.append(f"small n: {r.n_int} intervention / {r.n_cmp} comparison persons (minimum {MIN_N})")
        if r.g_int < FEW_CLUSTERS or r.g_cmp < FEW_CLUSTERS:
            w.append(f"few clusters: {r.g_int} intervention / {r.g_cmp} comparison municipalities")
    else:
        if r.n_int < MIN_N:
            w.append(f"small n: {r.n_int} persons (minimum {MIN_N})")
        if r.g_int < FEW_CLUSTERS:
            w.append(f"{r.g_int} municipalities (< {FEW_CLUSTERS}): person-level standard errors, which ignore "
                     f"municipality-level shocks")
    if paired and r.n_both < r.n_persons:
        w.append(f"{r.n_persons - r.n_both} persons not observed in both periods left out of the paired comparison")
    if not paired and r.period_design == "person":
        w.append(f"only {r.n_both} of {r.n_persons} persons observed in both periods: periods compared as cohorts")
    return w


def _by_cluster(r) -> bool:
    """Before/after without comparison: cluster by municipality when there are enough of them."""
    return r.g_int >= FEW_CLUSTERS


def _few(r) -> bool:
    return r.has_comparison and (r.g_int < FEW_CLUSTERS or r.g_cmp < FEW_CLUSTERS)


def _split(df: pd.DataFrame):
    return {k: sub for k, sub in df.groupby(KEY, sort=True)} if len(df) else {}


# ---------------------------------------------------------------------------------- continuous
def _continuous(con, g, stats, seed, task) -> list[dict]:
    cells, changes = stats["continuous", "cells"], stats["continuous", "pairs"]
    rows = []
    for r in g.itertuples():
        key = (r.experiment_id, r.measure_code, r.stratum)
        design, paired = _design(r)
        w = _common_warnings(r, design, paired)
        few = _few(r)
        if design == "did" and paired and key in changes:
            c = changes[key]
            X = np.column_stack([np.ones(len(c)), c["treated"].to_numpy(float)])
            est = ols_cells(X, c["n"].to_numpy(float), c["s1"].to_numpy(float), c["cluster"].to_numpy(), 1,
                            few_clusters=few, seed=_seed(seed, *key), B=N_BOOT)
            method = "OLS DiD on person change scores (person fixed effects), CR1 cluster-robust SE by municipality"
        elif design == "did" and key in cells:
            c = cells[key]
            t, p = c["treated"].to_numpy(float), c["post"].to_numpy(float)
            X = np.column_stack([np.ones(len(c)), t, p, t * p])
            est = ols_cells(X, c["n"].to_numpy(float), c["s1"].to_numpy(float), c["cluster"].to_numpy(), 3,
                            few_clusters=few, seed=_seed(seed, *key), B=N_BOOT)
            method = "OLS DiD (arm × period), CR1 cluster-robust SE by municipality"
        elif design == "paired" and key in changes and _by_cluster(r):
            c = changes[key]
            est = ols_cells(np.ones((len(c), 1)), c["n"].to_numpy(float), c["s1"].to_numpy(float),
                            c["cluster"].to_numpy(), 0, few_clusters=False, seed=0, B=0)
            method = "mean of follow-up − baseline, same persons, CR1 cluster-robust SE by municipality"
        elif design == "paired" and key in changes:
            c = changes[key]
            est = paired_mean(c["n"].sum(), c["s1"].sum(), c["s2"].sum())
            method = "paired t: mean of follow-up − baseline, same persons"
        elif key in cells and _by_cluster(r) and cells[key]["post"].nunique() == 2:
            c = cells[key]
            X = np.column_stack([np.ones(len(c)), c["post"].to_numpy(float)])
            est = ols_cells(X, c["n"].to_numpy(float), c["s1"].to_numpy(float), c["cluster"].to_numpy(), 1,
                            few_clusters=False, seed=0, B=0)
            method = "follow-up cohort − baseline cohort (OLS), CR1 cluster-robust SE by municipality"
        elif key in cells:
            c = cells[key].groupby("post")[["n", "s1", "s2"]].sum()
            if len(c) == 2:
                est = welch(*c.loc[0], *c.loc[1])
            else:
                est = Est(None, None, warnings=["only one period observed"])
            method = "Welch t: follow-up cohort − baseline cohort"
        else:
            est, method = Est(None, None, warnings=["no non-missing values"]), "none"
        if few and est.std_error and design == "did":
            method += " + wild cluster restricted bootstrap"
            w.append(f"few clusters: p-value and CI from the wild cluster restricted bootstrap "
                     f"(Webb weights, B={N_BOOT}), not the cluster-robust t")
        rows.append(_row(r, design, method, "treated:post" if design == "did" else "followup_minus_baseline",
                         est, w, scale="difference"))
        if task:
            task.advance()
    return rows


def _few_clusters_ri(est, cells, model: str, seed: int, warnings: list) -> str:
    """With few clusters: the p-value from randomisation inference (set on est, warning added).
    Returns what to add to the method text."""
    p, used = ri_p_value(cells, model, R=N_RI, seed=seed)
    if p is None:
        warnings.append("few clusters: cluster-robust p-value and CI may be too small")
        return ""
    est.p_value = p
    warnings.append(f"few clusters: p-value from randomisation inference over {used} re-assignments of "
                    f"the treated municipalities; CI from the cluster-robust t(G−1) and may be too narrow")
    return " + randomisation inference"


# -------------------------------------------------------------------------------------- binary
def _binary(con, g, stats, seed, task) -> list[dict]:
    cells, pairs = stats["binary", "cells"], stats["binary", "pairs"]
    rows = []
    for r in g.itertuples():
        key = (r.experiment_id, r.measure_code, r.stratum)
        design, paired = _design(r)
        w = _common_warnings(r, design, paired)
        if design == "did" and key in cells:
            c = cells[key]
            lor, rd = binary_did(c)
            method = "logistic DiD (arm × period, pooled), CR1 cluster-robust SE by municipality"
            if _few(r) and lor.std_error:
                method += _few_clusters_ri(lor, c, "logit", _seed(seed, *key), w)
        elif key in cells and _by_cluster(r):
            lor, rd = binary_change_clustered(cells[key])
            method = "marginal logistic follow-up vs baseline, CR1 cluster-robust SE by municipality"
        elif design == "paired" and key in pairs:
            s = pairs[key].iloc[0]
            lor, rd = binary_paired(s["n"], s["y0"], s["y1"], s["yboth"])
            method = "marginal logistic before/after (same persons), person-level sandwich SE"
        elif key in cells:
            c = cells[key].groupby("post")[["n", "s1"]].sum()
            if len(c) == 2:
                lor, rd = binary_cohort(c.loc[0, "n"], c.loc[0, "s1"], c.loc[1, "n"], c.loc[1, "s1"])
            else:
                lor = rd = Est(None, None, warnings=["only one period observed"])
            method = "logistic before/after of two cohorts (model SE)"
        else:
            lor = rd = Est(None, None, warnings=["no non-missing values"])
            method = "none"
        term = "treated:post" if design == "did" else "followup_vs_baseline"
        rows.append(_row(r, design, method, term, lor, w, scale="log_odds_ratio", ratio=True))
        rows.append(_row(r, design, method.replace("logistic", "linear probability", 1), term, rd, w,
                         scale="risk_difference", primary=False))
        if task:
            task.advance()
    return rows


# --------------------------------------------------------------------------------------- count
def _count(con, g, stats, seed, task) -> list[dict]:
    cells, pairs = stats["count", "cells"], stats["count", "pairs"]
    rows = []
    for r in g.itertuples():
        key = (r.experiment_id, r.measure_code, r.stratum)
        design, paired = _design(r)
        w = _common_warnings(r, design, paired)
        if design == "did" and key in cells:
            c = cells[key]
            est = count_did(c)
            method = "Poisson DiD, log(person-years) offset, CR1 cluster-robust SE by municipality"
            if _few(r) and est.std_error:
                method += _few_clusters_ri(est, c, "log_rate", _seed(seed, *key), w)
        elif key in cells and _by_cluster(r):
            est = count_change_clustered(cells[key])
            method = "Poisson follow-up vs baseline, log(person-years) offset, CR1 cluster-robust SE by municipality"
        elif design == "paired" and key in pairs:
            est = count_paired(pairs[key].iloc[0].to_dict())
            method = "Poisson before/after (same persons), log(person-years) offset, person-level sandwich SE"
        elif key in cells:
            c = cells[key].groupby("post")[["y", "e", "yy", "ye", "ee"]].sum()
            if len(c) == 2:
                est = count_cohort(c.loc[0].to_dict(), c.loc[1].to_dict())
            else:
                est = Est(None, None, warnings=["only one period observed"])
            method = "Poisson before/after of two cohorts, log(person-years) offset, robust SE"
        else:
            est, method = Est(None, None, warnings=["no counts with person-years"]), "none"
        rows.append(_row(r, design, method, "treated:post" if design == "did" else "followup_vs_baseline", est, w,
                         scale="log_rate_ratio", ratio=True))
        if task:
            task.advance()
    return rows


# ------------------------------------------------------------------------------- time to event
def _time_to_event(con, g, stats, seed, task) -> list[dict]:
    from .coxgrouped import cox_grouped

    # Person-level rows for the Cox fits, in a fixed order (ORDER BY every column).
    data = _split(con.execute("""
        select experiment_id, measure_code, stratum, person_id, municipality_code as cluster, treated, post,
               value as t, case when censored then 0 else 1 end as d
        from pm_src where measure_type = 'time_to_event' and value is not null and value >= 0
        order by all""").df())
    rows = []
    for r in g.itertuples():
        key = (r.experiment_id, r.measure_code, r.stratum)
        design, paired = _design(r)
        w = _common_warnings(r, design, paired)
        term = "treated:post" if design == "did" else "followup_vs_baseline"
        c = data.get(key)
        if c is None or c["d"].sum() == 0:
            est, method = Est(None, None, warnings=["no events (all censored): hazard ratio not estimable"]), "none"
        else:
            t, p = c["treated"].to_numpy(float), c["post"].to_numpy(float)
            if design == "did":
                X = np.column_stack([t, p, t * p])
                clusters = c["cluster"].to_numpy()
                method = "Cox DiD (Efron ties), cluster-robust SE by municipality"
            else:
                X = p[:, None]
                if _by_cluster(r):
                    clusters = c["cluster"].to_numpy()
                    method = "Cox before/after (Efron ties), cluster-robust SE by municipality"
                else:
                    clusters = c["person_id"].to_numpy() if paired else None
                    method = "Cox before/after (Efron ties)" + (", robust SE by person" if paired else "")
            est = cox_grouped(c["t"].to_numpy(float), c["d"].to_numpy(float), X, clusters)
            if design == "did" and _few(r):
                w.append("few clusters: cluster-robust p-value and CI may be too small")
            if int(c["d"].sum()) < 10:
                w.append(f"small n: {int(c['d'].sum())} events")
        rows.append(_row(r, design, method, term, est, w, scale="log_hazard_ratio", ratio=True))
        if task:
            task.advance()
    return rows


# ------------------------------------------------------------------------------------- finish
def _cost_measures(con) -> set[str]:
    cols = {r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = 'dim_measures'").fetchall()}
    cond = ["lower(unit) like '%dkk%'"] if "unit" in cols else []
    if "family" in cols:
        cond.append("family = 'cost'")
    if not cond:
        return set()
    return {r[0] for r in con.execute(
        f"select measure_code from marts.dim_measures where measure_type = 'continuous' and ({' or '.join(cond)})").fetchall()}


def _finish(rows: list[dict], stamp, con) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    df = pd.DataFrame(rows)
    df["p_value_adj"] = None
    df["effect_per_1000_dkk"] = None
    cost_codes = _cost_measures(con)
    for exp, idx in df[df["is_primary"]].groupby("experiment_id").groups.items():
        idx = list(idx)
        adj = bh_adjust([df.at[i, "p_value"] for i in idx])
        for i, a in zip(idx, adj):
            df.at[i, "p_value_adj"] = a
        cost = df.loc[idx][df.loc[idx, "measure_code"].isin(cost_codes) & df.loc[idx, "stratum"].isin(["total", ""])]
        cost = cost[cost["estimate"].notna()]
        if len(cost) == 0:
            continue
        c = cost.iloc[0]
        if not c["estimate"] or abs(c["estimate"]) < 1e-9:
            continue
        spans_zero = c["ci_low"] is None or c["ci_high"] is None or c["ci_low"] <= 0 <= c["ci_high"]
        for i in df.index[(df["experiment_id"] == exp) & df["estimate"].notna() & ~df["measure_code"].isin(cost_codes)]:
            df.at[i, "effect_per_1000_dkk"] = df.at[i, "estimate"] / c["estimate"] * 1000.0
            if spans_zero:
                df.at[i, "_warnings"] = df.at[i, "_warnings"] + [
                    "effect per 1,000 DKK: the cost difference's CI includes 0, so the ratio is unstable"]
    df["warnings"] = [("; ".join(w) if w else None) for w in df.pop("_warnings")]
    df["run_id"] = stamp[0] if stamp else None
    df["run_started_at"] = stamp[1] if stamp else None
    df = df.sort_values(["experiment_id", "measure_code", "stratum", "is_primary", "scale", "term"],
                        ascending=[True, True, True, False, True, True], kind="mergesort").reset_index(drop=True)
    for c in ["estimate", "std_error", "ci_low", "ci_high", "p_value", "p_value_adj", "ratio", "effect_per_1000_dkk"]:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
        df[c] = [float(f"{x:.12g}") if np.isfinite(x) else np.nan for x in df[c]]  # guard against last-bit noise
    for c in ["n_intervention", "n_comparison", "n_clusters_intervention", "n_clusters_comparison"]:
        df[c] = pd.array(df[c], dtype="Int64")
    df["run_started_at"] = pd.to_datetime(df["run_started_at"])
    return df[COLUMNS]
