"""Compute, once for all networks, every table and chart series the reports draw.

Reads the warehouse read-only, applies disclosure control (disclosure.py) and returns plain
DataFrames; `write` stores them as OUT/report_data/*.parquet (what the report draws) and
OUT/exports/*.parquet (the disclosure-controlled exports). No person identifier leaves here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ..errors import FrievalError
from . import disclosure as dc
from . import provenance
from .provenance import quality
from .survival import SERIES_COLS, apply_km_medians, kaplan_meier
from .theory import programme_theory

DOCS_HREF = "dbt-docs/index.html"
ARMS = ("intervention", "comparison")
PERIODS = ("baseline", "followup")
ALL = "_all"  # key of a total in the published count tables
SMALL_N = 30  # persons in an arm at follow-up below which a result carries the small-n caveat
FEW_CLUSTERS = 5  # treated municipalities below which cluster-robust inference is fragile
LOG_SCALES = {"log_odds_ratio", "log_rate_ratio", "log_hazard_ratio"}
NO_COUNTERFACTUAL = {"paired", "cohort_before_after"}


@dataclass
class ReportData:
    tables: dict = field(default_factory=dict)  # name -> DataFrame (report_data)
    exports: dict = field(default_factory=dict)  # name -> DataFrame (exports)

    def write(self, out_dir: Path) -> None:
        for sub, frames in (("report_data", self.tables), ("exports", self.exports)):
            folder = Path(out_dir) / sub
            folder.mkdir(parents=True, exist_ok=True)
            for name, df in frames.items():
                df.to_parquet(folder / f"{name}.parquet", index=False)


# ---------------------------------------------------------------------------------------- reading

class _Warehouse:
    def __init__(self, db_path: Path):
        if not Path(db_path).is_file():
            raise FrievalError(f"{db_path}: warehouse not found")
        self.con = duckdb.connect(str(db_path), read_only=True)
        rows = self.con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()
        self.tables = {f"{s}.{t}" for s, t in rows}

    def has(self, name: str) -> bool:
        return name in self.tables

    def df(self, sql: str, params=None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def table(self, name: str) -> pd.DataFrame:
        """A whole table in a fixed row order. The build writes tables in parallel without keeping
        insertion order, so a plain scan's order can change between two runs on the same data,
        and with it whatever the report takes first (a tie) or draws in row order."""
        return self.df(f"select * from {name} order by all")

    def need(self, name: str, sql: str | None = None) -> pd.DataFrame:
        if not self.has(name):
            raise FrievalError(f"warehouse has no table {name}: run dbt build and the effects step first")
        return self.df(sql) if sql else self.table(name)

    def columns(self, name: str) -> list[str]:
        schema, table = name.split(".")
        return [r[0] for r in self.con.execute(
            "select column_name from information_schema.columns where table_schema=? and table_name=?",
            [schema, table]).fetchall()]

    def close(self):
        self.con.close()



def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The rows of frames, one after the other. An empty frame adds only its columns: pandas is
    deprecating the rule that empty frames do not decide the result's dtypes, so they are left
    out of the concat and their columns added back (the same result as today, without warnings)."""
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    rows = [f for f in frames if len(f)]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True).reindex(columns=columns)

def _catalogue(wh: _Warehouse, name: str) -> pd.DataFrame:
    """Catalogue tables live in seeds.<name>; a marts.dim_<name> is preferred when it exists."""
    for cand in (f"marts.dim_{name}", f"seeds.{name}"):
        if wh.has(cand):
            return wh.table(cand)
    raise FrievalError(f"warehouse has neither marts.dim_{name} nor seeds.{name}")


def _measures(wh: _Warehouse) -> pd.DataFrame:
    for cand in ("marts.dim_measures", "seeds.measure_definitions"):
        if wh.has(cand):
            return wh.table(cand)
    raise FrievalError("warehouse has neither marts.dim_measures nor seeds.measure_definitions")


# ------------------------------------------------------------------------------------ computing

def compute(db_path: Path, threshold: int = 5) -> ReportData:
    if int(threshold) < 1:
        raise FrievalError(f"threshold {threshold}: expected a whole number of persons, at least 1")
    wh = _Warehouse(db_path)
    try:
        return _compute(wh, int(threshold))
    finally:
        wh.close()


def _compute(wh: _Warehouse, T: int) -> ReportData:
    networks = _catalogue(wh, "networks")
    experiments = _catalogue(wh, "experiments")
    periods = _catalogue(wh, "experiment_periods") if (
        wh.has("seeds.experiment_periods") or wh.has("marts.dim_experiment_periods")) else pd.DataFrame(
        columns=["experiment_id", "period_design", "start_date", "baseline_days", "followup_days"])
    indicators = _catalogue(wh, "indicators")
    nodes = _catalogue(wh, "programme_theory_nodes")
    edges = _catalogue(wh, "programme_theory_edges")
    measures = _measures(wh).set_index("measure_code")
    indicators["stratum"] = indicators["stratum"].fillna("").astype(str)
    effects = wh.need("marts.fct_effects")
    effects["stratum"] = effects["stratum"].fillna("").astype(str)
    values = wh.need("marts.fct_indicator_values")
    values["stratum"] = values["stratum"].fillna("").astype(str)

    counts, cell_values, supp = _counts_and_values(wh, values, measures, T)
    km_series, km_medians = kaplan_meier(wh, measures, T)
    cell_values = apply_km_medians(cell_values, km_medians, measures, counts)
    panel = _panel(indicators, experiments, measures, effects, counts, cell_values, T)
    exp_table = _experiments(experiments, networks, periods, effects, panel)
    pt_nodes, pt_edges, pt_links = programme_theory(nodes, edges, panel, experiments)
    series = _stack([km_series, _fct_series(wh, T, supp), _value_charts(cell_values, measures)])
    methods = _methods(effects, panel, experiments, T)
    quality_files, quality_reasons, absent, inputs = quality(wh)
    supp_table = _suppression_summary(counts, panel, supp, experiments)
    meta = provenance.meta(wh, effects, T, SMALL_N, FEW_CLUSTERS)

    net = networks.copy()
    net["n_experiments"] = net.network_id.map(experiments.groupby("network_id").size()).fillna(0).astype(int)
    by_net = supp_table.groupby("network_id")[["counts_primary", "counts_secondary", "counts_shown",
                                                "effects_suppressed"]].sum()
    for col in by_net.columns:
        net[col] = net.network_id.map(by_net[col]).fillna(0).astype(int)
    prim = effects[effects.is_primary.astype(bool)].merge(experiments[["experiment_id", "network_id"]],
                                                         on="experiment_id")
    net["n_primary_estimates"] = net.network_id.map(prim.groupby("network_id").size()).fillna(0).astype(int)
    qt = {c: int(pd.to_numeric(quality_files[c], errors="coerce").fillna(0).sum()) if c in quality_files else 0
          for c in ("rows_read", "rows_staged", "rows_quarantined", "rows_superseded")}
    quality_totals = pd.DataFrame([qt])
    counts_pub = counts.merge(experiments[["experiment_id", "network_id"]], on="experiment_id", how="left")
    meas = measures.reset_index()[[c for c in ("measure_code", "family", "name_da", "name_en", "measure_type",
                                                "unit", "aggregation", "better_when", "sql_model")
                                    if c in measures.reset_index().columns]]
    tables = {
        "measures": meas, "meta": meta, "networks": net, "experiments": exp_table, "panel": panel,
        "counts": counts_pub[counts_pub.level != "municipality"].reset_index(drop=True),
        "pt_nodes": pt_nodes, "pt_edges": pt_edges, "pt_links": pt_links, "series": series,
        "methods": methods, "quality_files": quality_files, "quality_totals": quality_totals, "quality_reasons": quality_reasons,
        "absent_tables": absent, "inputs": inputs, "suppression": supp_table,
    }
    exports = {
        "indicator_values": _export_values(counts_pub, cell_values),
        "effects": _export_effects(panel),
        "suppression": supp_table,
    }
    _assert_no_person_ids(tables, exports)
    return ReportData(tables, exports)


def _counts_and_values(wh, values: pd.DataFrame, measures: pd.DataFrame, T: int):
    """Published count tables (municipality -> arm -> all, per period) with disclosure control.

    Returns counts (long: experiment, measure, stratum, level, municipality, arm, period, n,
    status, display), cell values (same keys; value shown only where the count is shown) and a
    dict of suppression tallies.
    """
    supp = {"tables": 0, "audit_rounds": 0, "notes": []}
    v = values.copy()
    for col in ("numerator", "denominator", "person_years", "value"):
        if col not in v:
            v[col] = np.nan
    v["vw"] = v.value * v.n_persons
    v["one"] = 1
    tkeys = ["experiment_id", "measure_code", "stratum"]
    sum_cols = ["n", "num", "den", "py", "vw", "vsum", "cnt"]
    v = v.rename(columns={"n_persons": "n", "numerator": "num", "denominator": "den", "person_years": "py",
                          "value": "vsum", "one": "cnt"})
    v["v1"] = v.vsum

    def roll(df, keys):  # sums stay NaN when every part is missing (min_count=1)
        g = df.groupby(keys, sort=True)
        out = g[sum_cols].sum(min_count=1)
        out["v1"] = g["v1"].first()
        return out.reset_index()

    mun = roll(v, tkeys + ["period", "arm", "municipality_code"])
    arm = roll(mun, tkeys + ["period", "arm"])
    tot = roll(arm, tkeys + ["period"])
    agg_of = measures.aggregation.to_dict() if "aggregation" in measures else {}
    for df in (mun, arm, tot):
        df["pooled"] = _pool_vec(df, df.measure_code.map(agg_of).fillna("mean"))
    mun_val = {tuple(k): (int(n), p) for *k, n, p in mun[tkeys + ["period", "arm", "municipality_code", "n", "pooled"]]
               .itertuples(index=False, name=None)}
    arm_val = {tuple(k): p for *k, p in arm[tkeys + ["period", "arm", "pooled"]].itertuples(index=False, name=None)}
    tot_val = {tuple(k): p for *k, p in tot[tkeys + ["period", "pooled"]].itertuples(index=False, name=None)}
    members = mun.groupby(tkeys + ["arm"]).municipality_code.agg(lambda s: sorted(set(s))).to_dict()
    rows_c, rows_v = [], []
    for ex, mc, st in mun[tkeys].drop_duplicates().itertuples(index=False, name=None):
        arms = [a for a in ARMS if (ex, mc, st, a) in members]
        cells, relations, vals = {}, [], {}
        for period in PERIODS:
            arm_keys = []
            for a in arms:
                muni_keys = []
                for muni in members[(ex, mc, st, a)]:
                    key = ("municipality", muni, a, period)
                    n, pooled = mun_val.get((ex, mc, st, period, a, muni), (0, np.nan))
                    cells[key], vals[key] = n, pooled
                    muni_keys.append(key)
                akey = ("arm", ALL, a, period)
                cells[akey] = sum(cells[k] for k in muni_keys)
                vals[akey] = arm_val.get((ex, mc, st, period, a), np.nan)
                relations.append((akey, muni_keys))
                arm_keys.append(akey)
            if len(arm_keys) > 1:
                tkey = ("all", ALL, ALL, period)
                cells[tkey] = sum(cells[k] for k in arm_keys)
                vals[tkey] = tot_val.get((ex, mc, st, period), np.nan)
                relations.append((tkey, arm_keys))
        prot = dc.protect(cells, relations, T, cost=lambda k, c=cells: _COST[k[0]] * c[k])
        supp["tables"] += 1
        supp["audit_rounds"] += prot.audit_rounds
        supp["notes"] += prot.notes
        for key, n in cells.items():
            level, muni, a, period = key
            status = prot.status[key]
            rows_c.append((ex, mc, st, level, muni, a, period, None if status else n, status,
                           dc.display_count(n, status, T)))
            rows_v.append((ex, mc, st, level, muni, a, period, np.nan if status else vals[key]))
    cols = ["experiment_id", "measure_code", "stratum", "level", "municipality_code", "arm", "period"]
    counts = pd.DataFrame(rows_c, columns=cols + ["n", "status", "display"])
    counts["n"] = counts["n"].astype("Int64")
    cell_values = pd.DataFrame(rows_v, columns=cols + ["value"])
    return counts, cell_values, supp


# Which cells to give up first when a partner is needed: the all-persons total, then a
# municipality, and an arm subtotal (what the panel and the effect need) only as a last resort.
_COST = {"all": 0.5, "municipality": 1.0, "arm": 20.0}


def _pool_vec(df: pd.DataFrame, agg: pd.Series) -> pd.Series:
    """Pool fct_indicator_values rows (summed per cell) with the measure's aggregation.

    rate: 1000 x numerator / person-years; share: numerator / denominator (the person-weighted
    mean when there is no denominator); sum: sum of values; mean: person-weighted mean; median:
    not poolable from municipality medians (arm-level medians come from the Kaplan-Meier curve,
    _apply_km_medians; a single municipality keeps its own).
    """
    n = df.n.astype(float).where(df.n > 0)
    mean = df.vw / n
    rate = 1000 * df.num / df.py.where(df.py > 0)
    share = (df.num / df.den.where(df.den > 0)).fillna(mean)
    out = mean.copy()
    out[agg == "rate"] = rate[agg == "rate"]
    out[agg == "share"] = share[agg == "share"]
    out[agg == "sum"] = df.vsum[agg == "sum"]
    out[agg == "median"] = df.v1.where(df.cnt == 1)[agg == "median"]
    return out.where(n.notna())


def _effect_display(row) -> tuple[float, float, float]:
    if row.scale in LOG_SCALES:
        return math.exp(row.estimate), math.exp(row.ci_low), math.exp(row.ci_high)
    return row.estimate, row.ci_low, row.ci_high


def _desired_sign(ind, measure) -> int:
    d = ind.expected_direction
    if d not in ("up", "down"):
        bw = measure.get("better_when") if measure is not None else None
        d = {"higher": "up", "lower": "down"}.get(bw)
    return {"up": 1, "down": -1}.get(d, 0)


def _panel(indicators, experiments, measures, effects, counts, cell_values, T) -> pd.DataFrame:
    """One row per indicator: values, effect, verdict. The Triple Aim panel and the links draw it."""
    prim_df = effects[effects.is_primary.astype(bool)]
    prim = {tuple(k): row for k, row in zip(
        prim_df[["experiment_id", "measure_code", "stratum"]].itertuples(index=False, name=None),
        prim_df.itertuples(index=False))}
    k5 = ["experiment_id", "measure_code", "stratum", "arm", "period"]
    ac = counts[counts.level == "arm"]
    arm_counts = {tuple(k): (n, d, s) for *k, n, d, s in ac[k5 + ["n", "display", "status"]]
                  .itertuples(index=False, name=None)}
    av = cell_values[cell_values.level == "arm"]
    arm_vals = {tuple(k): val for *k, val in av[k5 + ["value"]].itertuples(index=False, name=None)}
    net_of = experiments.set_index("experiment_id").network_id
    rows = []
    for ind in indicators.itertuples(index=False):
        mc = ind.measure_code if isinstance(ind.measure_code, str) and ind.measure_code else None
        m = measures.loc[mc] if mc is not None and mc in measures.index else None
        r = dict(network_id=net_of.get(ind.experiment_id), experiment_id=ind.experiment_id,
                 indicator_id=ind.indicator_id, name_da=ind.name_da, name_en=ind.name_en,
                 dimension=ind.triple_aim_dimension, expected_direction=ind.expected_direction,
                 measure_code=mc, stratum=ind.stratum, node_id=ind.node_id,
                 inferred=bool(ind.inferred) if pd.notna(ind.inferred) else False,
                 measure_name_da=m["name_da"] if m is not None else None,
                 measure_name_en=m["name_en"] if m is not None else None,
                 measure_type=m["measure_type"] if m is not None else None,
                 aggregation=m["aggregation"] if m is not None else None,
                 unit=m["unit"] if m is not None else None,
                 sql_model=m["sql_model"] if m is not None else None,
                 docs_link=(f"{DOCS_HREF}#!/model/model.frieval.{m['sql_model']}" if m is not None
                            and isinstance(m["sql_model"], str) and m["sql_model"] else None),
                 not_computable_reason=ind.not_computable_reason if pd.notna(ind.not_computable_reason)
                 else None)
        for arm in ARMS:
            for period in PERIODS:
                k = f"{arm[0]}{period[0]}"
                key = (ind.experiment_id, mc, ind.stratum, arm, period)
                if mc is not None and key in arm_counts:
                    r[f"n_{k}"], r[f"nd_{k}"], r[f"s_{k}"] = arm_counts[key]
                    r[f"v_{k}"] = arm_vals[key]
                else:
                    r[f"n_{k}"], r[f"nd_{k}"], r[f"v_{k}"], r[f"s_{k}"] = pd.NA, None, np.nan, "absent"
        eff = prim.get((ind.experiment_id, mc, ind.stratum)) if mc is not None else None
        computable = bool(ind.computable) if pd.notna(ind.computable) else mc is not None
        r.update(design=None, method=None, scale=None, est=np.nan, lo=np.nan, hi=np.nan, p_value=np.nan,
                 p_value_adj=np.nan, warnings=None, n_clusters_i=pd.NA, n_clusters_c=pd.NA,
                 small_n=False, few_clusters=False, no_counterfactual=False, suppressed_reason=None)
        if not computable or mc is None:
            verdict = "not_computable"
        elif eff is None or pd.isna(eff.estimate) or pd.isna(eff.ci_low) or pd.isna(eff.ci_high):
            verdict = "not_computable"
            r["not_computable_reason"] = r["not_computable_reason"] or "no_estimate"
        else:
            design = eff.design
            used = [("intervention", p) for p in PERIODS]
            if design not in NO_COUNTERFACTUAL:
                used += [("comparison", p) for p in PERIODS]
            hidden_used = [(a, p) for a, p in used if r[f"s_{a[0]}{p[0]}"]]
            n_eff = [eff.n_intervention] + ([eff.n_comparison] if design not in NO_COUNTERFACTUAL else [])
            r.update(design=design, method=eff.method, scale=eff.scale,
                     warnings=dc.safe_warnings(eff.warnings, T),
                     n_clusters_i=eff.n_clusters_intervention, n_clusters_c=eff.n_clusters_comparison,
                     no_counterfactual=design in NO_COUNTERFACTUAL)
            if hidden_used or any(pd.isna(n) or int(n) < T for n in n_eff):
                verdict = "suppressed"
                r["suppressed_reason"] = "small_cell" if hidden_used else "small_n_effect"
            else:
                est, lo, hi = _effect_display(eff)
                r.update(est=est, lo=lo, hi=hi, p_value=eff.p_value, p_value_adj=eff.p_value_adj)
                sign = _desired_sign(ind, m)
                if eff.scale == "log_hazard_ratio":
                    sign = -sign  # a higher hazard of the event means a shorter time to it
                if eff.ci_low <= 0 <= eff.ci_high or sign == 0:
                    verdict = "unclear"
                else:
                    verdict = "better" if np.sign(eff.estimate) == sign else "worse"
                nf = [r["n_if"]] + ([r["n_cf"]] if design not in NO_COUNTERFACTUAL else [])
                r["small_n"] = any(pd.isna(n) or int(n) < SMALL_N for n in nf)
                r["few_clusters"] = (design == "did" and pd.notna(eff.n_clusters_intervention)
                                     and int(eff.n_clusters_intervention) < FEW_CLUSTERS)
        r["verdict"] = verdict
        r["grade"] = {"better": "supported", "worse": "contradicted", "unclear": "inconclusive",
                      "suppressed": "inconclusive", "not_computable": "not_measured"}[verdict]
        rows.append(r)
    panel = pd.DataFrame(rows)
    for c in ("n_ib", "n_if", "n_cb", "n_cf", "n_clusters_i", "n_clusters_c"):
        panel[c] = panel[c].astype("Int64")
    return panel


def _experiments(experiments, networks, periods, effects, panel) -> pd.DataFrame:
    ex = experiments[["experiment_id", "network_id", "title_da", "title_en"]].merge(
        periods, on="experiment_id", how="left")
    prim = effects[effects.is_primary.astype(bool)]
    design = prim.groupby("experiment_id").design.agg(lambda s: s.mode().iloc[0] if len(s) else None)
    ex["design"] = ex.experiment_id.map(design)
    nci = prim.groupby("experiment_id").n_clusters_intervention.max()
    ncc = prim.groupby("experiment_id").n_clusters_comparison.max()
    ex["n_clusters_i"] = ex.experiment_id.map(nci).astype("Int64")
    ex["n_clusters_c"] = ex.experiment_id.map(ncc).astype("Int64")
    for v in ("better", "worse", "unclear", "suppressed", "not_computable"):
        ex[f"n_{v}"] = ex.experiment_id.map(panel[panel.verdict == v].groupby("experiment_id").size()
                                            ).fillna(0).astype(int)
    ex["n_indicators"] = ex.experiment_id.map(panel.groupby("experiment_id").size()).fillna(0).astype(int)
    ex["small_n"] = ex.experiment_id.map(panel.groupby("experiment_id").small_n.any()).fillna(False)
    ex["few_clusters"] = ex.experiment_id.map(panel.groupby("experiment_id").few_clusters.any()).fillna(False)
    # Persons in the intervention / comparison arm at follow-up: the largest shown count over measures.
    for arm_k in ("if", "cf"):
        ex[f"n_{arm_k}"] = ex.experiment_id.map(
            panel.groupby("experiment_id")[f"n_{arm_k}"].max()).astype("Int64")
    return ex


def _fct_series(wh, T: int, supp: dict) -> pd.DataFrame:
    """Run charts (month), FIT score trajectories (session) and self-support by week since index
    from marts.fct_series; a point is drawn only when at least T persons are behind it."""
    supp["series_points_dropped"] = 0
    if not wh.has("marts.fct_series"):
        supp["series_missing"] = True
        return pd.DataFrame(columns=SERIES_COLS)
    have = set(wh.columns("marts.fct_series"))
    need = {"experiment_id", "arm", "series_code", "time_unit", "t", "n_persons", "value"}
    if not need <= have:
        raise FrievalError(f"marts.fct_series lacks columns {sorted(need - have)} the report needs")
    s = wh.df("select experiment_id, arm, series_code, time_unit, t, n_persons, value from marts.fct_series "
              "order by all")
    keep = (s.n_persons >= T) & s.value.notna()
    supp["series_points_dropped"] = int((~keep).sum())
    s = s[keep].copy()
    s["chart"] = s.time_unit.map({"month": "run", "session": "fit", "week_since_index": "selfsupport"}
                                 ).fillna(s.time_unit)
    s["x"] = s.t.astype(float)
    month = s.time_unit == "month"
    s["x_date"] = pd.NaT
    s.loc[month, "x_date"] = pd.to_datetime((s.loc[month, "t"] * 100 + 1).astype(int).astype(str),
                                            format="%Y%m%d")
    s["x_date"] = pd.to_datetime(s["x_date"])
    # FIT: series_code 'fit_mean_score_<period>|<respondent>|<instrument>'.
    fit = s.series_code.str.startswith("fit_mean_score_")
    parts = s.loc[fit, "series_code"].str.removeprefix("fit_mean_score_").str.split("|", n=1)
    s["period"] = None
    s["stratum"] = ""
    s.loc[fit, "period"] = parts.str[0]
    s.loc[fit, "stratum"] = parts.str[1]
    s.loc[fit, "series_code"] = "fit_mean_score"
    s["measure_code"] = None
    s["y"] = s.value.astype(float)
    s["y_low"] = np.nan
    s["y_high"] = np.nan
    # Run-chart centre line: the median of the arm's shown points.
    s["centre"] = np.nan
    s.loc[month, "centre"] = s[month].groupby(["experiment_id", "series_code", "arm"]).y.transform("median")
    return s[SERIES_COLS].reset_index(drop=True)


def _value_charts(cell_values, measures) -> pd.DataFrame:
    """Bar charts of shown arm-level values: admission rates and FIT reliable-change shares."""
    fam = measures.family if "family" in measures else pd.Series(dtype=str)
    cv = cell_values[cell_values.level == "arm"].dropna(subset=["value"]).copy()
    adm = cv.measure_code.map(lambda m: fam.get(m) == "admissions" and measures.aggregation.get(m) == "rate")
    fit = cv.measure_code.isin(["fit_reliable_improvement", "fit_reliable_deterioration", "fit_recovered"])
    out = []
    for name, mask in (("admission_rate", adm), ("reliable_change", fit)):
        part = cv[mask.astype(bool)]
        out.append(pd.DataFrame({
            "experiment_id": part.experiment_id, "chart": name, "series_code": part.measure_code,
            "measure_code": part.measure_code,
            "stratum": part.stratum, "arm": part.arm, "period": part.period, "x": np.nan, "x_date": pd.NaT,
            "y": part.value, "y_low": np.nan, "y_high": np.nan, "centre": np.nan}))
    return pd.concat(out, ignore_index=True)


def _methods(effects, panel, experiments, T: int) -> pd.DataFrame:
    keep = ["experiment_id", "measure_code", "stratum", "design", "method", "term", "is_primary", "scale",
            "n_clusters_intervention", "n_clusters_comparison", "p_value", "p_value_adj", "warnings"]
    m = effects[[c for c in keep if c in effects]].copy()
    m["warnings"] = m.warnings.map(lambda w: dc.safe_warnings(w, T)) if "warnings" in m else None
    m = m.merge(experiments[["experiment_id", "network_id"]], on="experiment_id", how="left")
    # p-values of suppressed effects are withheld with the effect.
    sup = panel[panel.verdict == "suppressed"][["experiment_id", "measure_code", "stratum"]]
    m = m.merge(sup.assign(_sup=True).drop_duplicates(), how="left", on=["experiment_id", "measure_code", "stratum"])
    sup_mask = m.pop("_sup").astype("boolean").fillna(False).astype(bool)
    m.loc[sup_mask, ["p_value", "p_value_adj"]] = np.nan
    m["suppressed"] = sup_mask
    return m


def _suppression_summary(counts, panel, supp, experiments) -> pd.DataFrame:
    rows = []
    for ex in experiments.experiment_id:
        c = counts[counts.experiment_id == ex]
        p = panel[panel.experiment_id == ex]
        rows.append(dict(experiment_id=ex,
                         counts_primary=int((c.status == dc.PRIMARY).sum()),
                         counts_secondary=int((c.status == dc.SECONDARY).sum()),
                         counts_shown=int((c.status == "").sum()),
                         effects_suppressed=int((p.verdict == "suppressed").sum())))
    out = pd.DataFrame(rows).merge(experiments[["experiment_id", "network_id"]], on="experiment_id")
    out["series_points_dropped_all"] = supp.get("series_points_dropped", 0)
    return out


def _export_values(counts, cell_values) -> pd.DataFrame:
    keys = ["experiment_id", "measure_code", "stratum", "level", "municipality_code", "arm", "period"]
    out = counts.merge(cell_values, on=keys, how="left")
    out = out.rename(columns={"n": "n_persons", "display": "n_persons_display", "status": "suppression"})
    return out[["network_id", *keys, "n_persons", "n_persons_display", "suppression", "value"]]


def _export_effects(panel) -> pd.DataFrame:
    cols = ["network_id", "experiment_id", "indicator_id", "measure_code", "stratum", "dimension",
            "expected_direction", "design", "method", "scale", "est", "lo", "hi", "p_value", "p_value_adj",
            "verdict", "grade", "suppressed_reason", "small_n", "few_clusters", "nd_if", "nd_cf", "sql_model"]
    return panel[cols].rename(columns={"est": "estimate_natural_scale", "lo": "ci_low_natural_scale",
                                       "hi": "ci_high_natural_scale", "nd_if": "n_intervention_followup",
                                       "nd_cf": "n_comparison_followup"})


def _assert_no_person_ids(*groups) -> None:
    for frames in groups:
        for name, df in frames.items():
            if "person_id" in df.columns:
                raise AssertionError(f"report table {name} holds person_id")
