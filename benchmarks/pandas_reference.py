"""A plain pandas reference implementation of the admissions, employment, cost and experience
measures, written for the benchmark (not part of the package, not used by the pipeline).

It starts from the same extract folder `frieval run` reads (wave=baseline/, wave=followup/, the
Parquet files `frieval synth` writes) and ends at the rows of `marts.fct_indicator_values` for the
measure codes adm_*, emp_*, cost_per_person_month and exp_score, so that the benchmark can check
both implementations give the same numbers and compare their run times.

What it re-implements, following docs/architecture.md, docs/measures.md and the SQL models:
- staging: wave precedence (a baseline row whose natural key the follow-up wave re-delivers is
  superseded), conflicting duplicates within a wave (all rows of the key dropped), exact
  duplicates (one kept), and the value checks the synthetic data can hit (missing keys, codes,
  ranges). Text parsing of malformed input (day-first dates, decimal commas, CPR
  pseudonymisation) is NOT re-implemented: the reference reads the typed Parquet columns.
- int_person_periods, the admissions stays/readmissions, the DREAM week classification (without
  materialising the week spine: weeks without a row are self-supporting, so only rows with a code
  are joined), cost month allocation, experience scores;
- the aggregation of fct_indicator_values (mean / share / rate / sum / Kaplan-Meier median).

Not covered: the children's case measures (case_*) and the FIT measures (fit_*) — they are
compared by their own hand-checked tests (tests/test_measures_children_hand.py), not here.

Usage: python -m benchmarks.pandas_reference DATA_DIR OUT.parquet
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
WAVES = ("baseline", "followup")
COVERED_PREFIXES = ("adm_", "emp_", "cost_", "exp_")
EDU_GRANT_IS_SELFSUPPORT = False   # dbt var education_grant_is_selfsupport (default)
RUN_WEEKS = 4                      # dbt var selfsupport_run_weeks (default)
DAY_S = 86_400


# --- helpers --------------------------------------------------------------------------------------

def _days(s: pd.Series) -> np.ndarray:
    """date column -> float days since 1970-01-01 (NaN for missing)."""
    v = pd.to_datetime(s).to_numpy(dtype="datetime64[D]")
    out = v.astype("int64").astype("float64")
    out[np.isnat(v)] = np.nan
    return out


def _seconds(s: pd.Series) -> np.ndarray:
    v = pd.to_datetime(s).to_numpy(dtype="datetime64[s]")
    out = v.astype("int64").astype("float64")
    out[np.isnat(v)] = np.nan
    return out


def _civil(days: np.ndarray):
    """int days since epoch -> (year, month, day) arrays (proleptic Gregorian)."""
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(int) + 1970
    m = d.astype("datetime64[M]").astype(int) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(int) + 1
    return y, m, dd


def _weekday(days) -> np.ndarray:
    return (np.asarray(days, dtype="int64") + 3) % 7          # Monday = 0 (1970-01-01 was a Thursday)


class Ids:
    """Person identifiers -> int32 codes (one dictionary for the whole run; -1 = unknown)."""

    def __init__(self, ids: pd.Index):
        self.index = pd.Index(pd.unique(ids.dropna()))

    def codes(self, col: pd.Series) -> np.ndarray:
        if isinstance(col.dtype, pd.CategoricalDtype):
            cat_codes = self.index.get_indexer(col.cat.categories)
            c = col.cat.codes.to_numpy()
            return np.where(c >= 0, cat_codes[c], -1).astype("int32")
        return self.index.get_indexer(col).astype("int32")


def read_table(data_dir: Path, table: str, columns: list[str], dictionary=()) -> pd.DataFrame:
    parts = []
    for w, wave in enumerate(WAVES):
        path = data_dir / f"wave={wave}" / f"{table}.parquet"
        if not path.exists():
            continue
        df = pq.read_table(path, columns=columns, read_dictionary=list(dictionary)).to_pandas()
        df["wave"] = np.int8(w)
        parts.append(df)
    if not parts:
        return pd.DataFrame(columns=[*columns, "wave"])
    return pd.concat(parts, ignore_index=True)


def current_rows(df: pd.DataFrame, key: list[str], values: list[str]) -> pd.DataFrame:
    """The staging row status: keep the valid, current rows (see macros/registry_staging.sql)."""
    if df.empty:
        return df
    h = pd.util.hash_pandas_object(df[values], index=False).to_numpy()
    df = df.assign(_h=h)
    fu_keys = df.loc[df["wave"] == 1, key].drop_duplicates()
    fu_keys["_fu"] = True
    df = df.merge(fu_keys, on=key, how="left")
    df = df[~((df["wave"] == 0) & df["_fu"].eq(True))]
    n_hash = df.groupby(["wave", *key], sort=False)["_h"].transform("nunique")
    df = df[n_hash == 1]
    df = df.drop_duplicates(["wave", *key, "_h"])
    return df.drop(columns=["_h", "_fu"]).reset_index(drop=True)


# --- seeds ----------------------------------------------------------------------------------------

def load_seeds():
    s = {}
    s["params"] = pd.read_csv(SEEDS / "reference/measure_parameters.csv").set_index("parameter")["value"].astype(float)
    s["codes"] = pd.read_csv(SEEDS / "reference/dream_benefit_codes.csv", dtype={"benefit_code": str})
    s["icd"] = pd.read_csv(SEEDS / "reference/preventable_admission_icd10.csv")
    s["defs"] = pd.read_csv(SEEDS / "reference/measure_definitions.csv")
    s["periods"] = pd.read_csv(SEEDS / "catalogue/experiment_periods.csv")
    ind = pd.read_csv(SEEDS / "catalogue/indicators.csv", dtype=str)
    ind = ind[ind["measure_code"].notna()]
    ind["measure_code"] = ind["measure_code"].str.strip()
    ind = ind[ind["measure_code"] != ""]
    s["linked"] = ind[["experiment_id", "measure_code"]].drop_duplicates()
    return s


def linked_experiments(seeds, pred) -> set[str]:
    lk = seeds["linked"]
    return set(lk.loc[lk["measure_code"].map(pred), "experiment_id"])


# --- person periods -------------------------------------------------------------------------------

def person_periods(data_dir: Path, seeds, ids_out: list) -> tuple[pd.DataFrame, Ids, pd.DataFrame]:
    persons = read_table(data_dir, "persons", ["person_id", "birth_date", "sex", "municipality_code",
                                                "death_date", "emigration_date"])
    enrol = read_table(data_dir, "enrolment", ["person_id", "experiment_id", "municipality_code", "arm",
                                               "index_date", "end_date"])
    ids = Ids(pd.concat([enrol["person_id"], persons["person_id"]], ignore_index=True))
    for df in (persons, enrol):
        df["pid"] = ids.codes(df["person_id"])
        df.drop(columns=["person_id"], inplace=True)
    persons["birth"] = _days(persons.pop("birth_date"))
    persons["death"] = _days(persons.pop("death_date"))
    persons["emig"] = _days(persons.pop("emigration_date"))
    persons["sex"] = persons["sex"].str.strip().str.upper()
    ok = (persons["pid"] >= 0) & persons["birth"].notna() & persons["sex"].isin(["M", "F"]) \
        & persons["municipality_code"].notna() \
        & ~(persons["death"] < persons["birth"]) & ~(persons["emig"] < persons["birth"])
    persons = current_rows(persons[ok], ["pid"], ["pid", "birth", "sex", "municipality_code", "death", "emig"])

    enrol["index"] = _days(enrol.pop("index_date"))
    enrol["end"] = _days(enrol.pop("end_date"))
    enrol["arm"] = enrol["arm"].str.strip().str.lower()
    enrol["municipality_code"] = enrol["municipality_code"].str.strip().str.zfill(3)
    ok = (enrol["pid"] >= 0) & enrol["experiment_id"].notna() & enrol["municipality_code"].notna() \
        & enrol["arm"].isin(["intervention", "comparison"]) & enrol["index"].notna() \
        & ~(enrol["end"] < enrol["index"])
    enrol = current_rows(enrol[ok], ["pid", "experiment_id"],
                         ["pid", "experiment_id", "municipality_code", "arm", "index", "end"])
    enrol = enrol.sort_values(["experiment_id", "pid", "index", "municipality_code", "arm"], kind="stable")
    enrol = enrol.drop_duplicates(["experiment_id", "pid"])

    d = seeds["periods"].copy()
    d["start"] = _days(d["start_date"])
    e = enrol.merge(d[["experiment_id", "period_design", "start", "baseline_days", "followup_days"]],
                    on="experiment_id", how="inner")
    anchor = np.where(e["period_design"] == "cohort", e["start"], e["index"])
    base = e.assign(period="baseline", ws=anchor - e["baseline_days"], we=anchor)
    fu = e.assign(period="followup", ws=anchor, we=anchor + e["followup_days"])
    pp = pd.concat([base, fu], ignore_index=True)
    pp = pp.merge(persons[["pid", "birth", "death", "emig"]], on="pid", how="left")
    censor = np.fmin(np.fmin(pp["we"].to_numpy(), (pp["death"] + 1).to_numpy()), (pp["emig"] + 1).to_numpy())
    pp["person_days"] = np.maximum(censor - pp["ws"].to_numpy(), 0)
    pp["are"] = np.maximum(censor, pp["ws"].to_numpy())
    by, bm, bd = _civil(np.nan_to_num(pp["birth"].to_numpy()).astype("int64"))
    iy, im, idd = _civil(pp["index"].to_numpy().astype("int64"))
    age = (iy - by) - ((im * 100 + idd) < (bm * 100 + bd)).astype(int)
    pp["age"] = np.where(pp["birth"].isna(), np.nan, age)
    pp["person_years"] = pp["person_days"] / 365.25
    keep = ["experiment_id", "pid", "municipality_code", "arm", "period", "ws", "we", "are",
            "person_days", "person_years", "age", "index"]
    return pp[keep], ids, persons


# --- admissions -----------------------------------------------------------------------------------

def admissions_measures(data_dir, seeds, pp, ids) -> pd.DataFrame:
    exps = linked_experiments(seeds, lambda m: m.startswith("adm_"))
    a = read_table(data_dir, "admissions", ["person_id", "admission_ts", "discharge_ts", "admission_type",
                                            "action_diagnosis", "department_type", "hospital_code"],
                   dictionary=["person_id"])
    a["pid"] = ids.codes(a.pop("person_id"))
    a["adm"] = _seconds(a.pop("admission_ts"))
    a["dis"] = _seconds(a.pop("discharge_ts"))
    a["admission_type"] = a["admission_type"].str.strip().str.lower()
    a["department_type"] = a["department_type"].str.strip().str.lower()
    a["action_diagnosis"] = a["action_diagnosis"].str.strip().str.replace(".", "", regex=False).str.upper()
    ok = (a["pid"] >= 0) & a["adm"].notna() & ~(a["dis"] < a["adm"]) \
        & a["admission_type"].isin(["acute", "planned"]) \
        & a["action_diagnosis"].str.fullmatch(r"D[A-Z][0-9]{2}[0-9A-Z]{0,4}").fillna(False).astype(bool) \
        & a["department_type"].isin(["somatic", "psychiatric"])
    a = current_rows(a[ok], ["pid", "adm"], ["pid", "adm", "dis", "admission_type", "action_diagnosis",
                                             "department_type", "hospital_code"])
    a = a[a["dis"].notna() & (a["dis"] >= a["adm"])]
    a = a.sort_values(["pid", "adm", "dis"], kind="stable").reset_index(drop=True)
    p = seeds["params"]
    cm = a.groupby("pid", sort=False)["dis"].cummax()
    prev = cm.shift(1)
    prev[a["pid"] != a["pid"].shift(1)] = np.nan
    new = prev.isna() | ((a["adm"] - prev) > p["stay_merge_max_gap_hours"] * 3600)
    a["seq"] = new.astype(int).groupby(a["pid"], sort=False).cumsum()
    g = a.groupby(["pid", "seq"], sort=False)
    st = g.agg(start=("adm", "min"), end=("dis", "max"), atype=("admission_type", "first"),
               diag=("action_diagnosis", "first")).reset_index()
    dur_h = (st["end"] - st["start"]) / 3600.0
    st["is_adm"] = dur_h >= p["admission_min_duration_hours"]
    st["is_acute"] = st["atype"] == "acute"
    sd, ed = np.floor(st["start"] / DAY_S), np.floor(st["end"] / DAY_S)
    st["bed_days"] = np.where(sd == ed, p["same_day_stay_bed_days"], ed - sd)
    # readmission: the first acute admission starting after the discharge, within 30 calendar days
    acute = st[st["is_adm"] & st["is_acute"]].sort_values(["pid", "start"])
    ak = acute["pid"].to_numpy().astype("int64") * 10**11 + acute["start"].to_numpy().astype("int64")
    qk = st["pid"].to_numpy().astype("int64") * 10**11 + st["end"].to_numpy().astype("int64")
    pos = np.searchsorted(ak, qk, side="right")
    has = pos < len(ak)
    nxt_pid = np.where(has, acute["pid"].to_numpy()[np.minimum(pos, len(ak) - 1)], -2)
    nxt_start = np.where(has, acute["start"].to_numpy()[np.minimum(pos, len(ak) - 1)], np.nan)
    within = (nxt_pid == st["pid"].to_numpy()) & \
        ((np.floor(nxt_start / DAY_S) - ed) <= p["readmission_window_days"])
    st["readmitted"] = st["is_adm"] & within
    sks = st["diag"].where(st["diag"].str.match(r"^D[A-Z][0-9]").fillna(False).astype(bool), "D" + st["diag"])
    prefixes = tuple(seeds["icd"]["icd10_prefix"].str.upper())
    st["prev_dx"] = sks.str.startswith(prefixes).fillna(False).astype(bool)

    per = pp[(pp["person_days"] > 0) & pp["experiment_id"].isin(exps)]
    j = per[["experiment_id", "pid", "period", "ws", "are"]].merge(st, on="pid", how="inner")
    j = j[(j["start"] >= j["ws"] * DAY_S) & (j["start"] < j["are"] * DAY_S)]
    j = j.assign(n_stays=1, n_adm=j["is_adm"].astype(int), n_acute=(j["is_adm"] & j["is_acute"]).astype(int),
                 n_bed=np.where(j["is_adm"], j["bed_days"], 0),
                 n_readm=(j["is_adm"] & j["readmitted"]).astype(int),
                 n_prev=(j["is_adm"] & j["is_acute"] & j["prev_dx"]).astype(int))
    cnt = j.groupby(["experiment_id", "pid", "period"])[["n_stays", "n_adm", "n_acute", "n_bed", "n_readm",
                                                         "n_prev"]].sum().reset_index()
    per = per.merge(cnt, on=["experiment_id", "pid", "period"], how="left")
    for c in ["n_stays", "n_adm", "n_acute", "n_bed", "n_readm", "n_prev"]:
        per[c] = per[c].fillna(0).astype(float)
    base = per[["experiment_id", "pid", "municipality_code", "arm", "period", "person_years"]]
    out = []
    for code, col in [("adm_stays", "n_stays"), ("adm_admissions", "n_adm"), ("adm_acute_admissions", "n_acute"),
                      ("adm_bed_days", "n_bed")]:
        out.append(base.assign(measure_code=code, value=per[col], numerator=per[col], denominator=per["person_years"]))
    den = per["n_adm"]
    out.append(base.assign(measure_code="adm_readmit_30d", value=per["n_readm"] / den.where(den != 0),
                           numerator=per["n_readm"], denominator=den))
    old = per["age"] >= p["preventable_min_age_years"]
    out.append(base[old].assign(measure_code="adm_preventable", value=per.loc[old, "n_prev"],
                                numerator=per.loc[old, "n_prev"], denominator=per.loc[old, "person_years"]))
    return _only_linked(pd.concat(out, ignore_index=True), seeds)


# --- employment -----------------------------------------------------------------------------------

def employment_measures(data_dir, seeds, pp, ids) -> pd.DataFrame:
    exps = linked_experiments(seeds, lambda m: m.startswith("emp_"))
    e = read_table(data_dir, "employment_status", ["person_id", "iso_year", "iso_week", "benefit_code"],
                   dictionary=["person_id", "benefit_code"])
    e["pid"] = ids.codes(e.pop("person_id"))
    e["code"] = e.pop("benefit_code").astype("object").str.strip().str.upper()
    e["code"] = e["code"].where(e["code"] != "", None)
    ok = (e["pid"] >= 0) & e["iso_year"].between(1900, 2100) & e["iso_week"].between(1, 53)
    e = e[ok]
    y = e["iso_year"].to_numpy().astype("int64")
    w = e["iso_week"].to_numpy().astype("int64")
    jan4 = (y - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype("int64") + 3
    week1 = jan4 - _weekday(jan4)
    e["wk"] = week1 + 7 * (w - 1)
    # staging: week 53 only in years that have one (28 December is always in the last ISO week)
    dec28 = (y - 1970 + 1).astype("datetime64[Y]").astype("datetime64[D]").astype("int64") - 4
    last_wk = (dec28 - _weekday(dec28) - week1) // 7 + 1
    e = e[~((w == 53) & (last_wk != 53))]
    e = current_rows(e, ["pid", "iso_year", "iso_week"], ["pid", "iso_year", "iso_week", "code"])
    # one code per week (a code before no code, then the lowest code); the pair must round-trip
    thu = e["wk"].to_numpy() + 3
    ty, _, _ = _civil(thu)
    doy = thu - (ty - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype("int64")
    e = e[(ty == e["iso_year"].to_numpy()) & (doy // 7 + 1 == e["iso_week"].to_numpy())]
    e = e.sort_values(["pid", "wk", "code"], na_position="last", kind="stable").drop_duplicates(["pid", "wk"])
    codes = seeds["codes"].set_index("benefit_code")
    e = e[e["code"].notna()]        # no code = self-supporting: nothing to join
    known = e["code"].isin(codes.index)
    edu = e["code"].map(codes["is_education_grant"]).fillna(False).astype(bool)
    pub = e["code"].map(codes["is_public_support"]).fillna(False).astype(bool)
    e["nonself"] = ~(known & edu & EDU_GRANT_IS_SELFSUPPORT)
    e["public"] = known & ~edu & pub
    e = e[["pid", "wk", "nonself", "public"]]

    per = pp[(pp["person_days"] > 0) & pp["experiment_id"].isin(exps)].copy()
    ws = per["ws"].to_numpy().astype("int64")
    fm = ws + 6 - _weekday(ws + 6)
    last = per["are"].to_numpy().astype("int64") - 1
    per["fm"] = fm
    per["n_weeks"] = np.where(fm <= last, (last - fm) // 7 + 1, 0)
    per = per[per["n_weeks"] > 0].reset_index(drop=True)
    per["ppid"] = np.arange(len(per))
    j = per[["ppid", "pid", "fm", "n_weeks"]].merge(e, on="pid", how="inner")
    j["idx"] = (j["wk"] - j["fm"]) // 7
    j = j[(j["wk"] >= j["fm"]) & (j["idx"] < j["n_weeks"])]
    j = j[j["nonself"]].sort_values(["ppid", "idx"])
    agg = j.groupby("ppid").agg(n_nonself=("idx", "size"), n_public=("public", "sum"), last_ns=("idx", "max"))
    # first run of k self-supporting weeks: after each non-self week (and before the first one)
    k = RUN_WEEKS
    prev = j.groupby("ppid")["idx"].shift(1).fillna(-1).to_numpy()
    gap_ok = (j["idx"].to_numpy() - prev - 1) >= k
    cand = pd.Series(np.where(gap_ok, prev + 1, np.nan), index=j["ppid"].to_numpy())
    first_gap = cand.groupby(level=0).min()
    per = per.join(agg, on="ppid").join(first_gap.rename("first_gap"), on="ppid")
    per["n_nonself"] = per["n_nonself"].fillna(0)
    per["n_public"] = per["n_public"].fillna(0).astype(float)
    nw = per["n_weeks"].astype(float)
    tail_start = per["last_ns"].fillna(-1) + 1
    tail = np.where(nw - tail_start >= k, tail_start, np.nan)
    first_run = np.fmin(per["first_gap"].to_numpy(), tail)          # NaN when no run completes
    per["ss_end"] = (per["last_ns"] != nw - 1).astype(float)
    n_ss = nw - per["n_nonself"]
    base = per[["experiment_id", "pid", "municipality_code", "arm", "period", "person_years"]]
    out = [
        base.assign(measure_code="emp_selfsupport_end", value=per["ss_end"], numerator=per["ss_end"], denominator=1.0),
        base.assign(measure_code="emp_selfsupport_degree", value=n_ss / nw, numerator=n_ss, denominator=nw),
        base.assign(measure_code="emp_benefit_weeks", value=per["n_public"], numerator=per["n_public"],
                    denominator=per["person_years"]),
        base.assign(measure_code="emp_fulltime_persons", value=per["n_public"] / nw, numerator=per["n_public"],
                    denominator=nw),
        base.assign(measure_code="emp_weeks_to_selfsupport", value=np.where(np.isnan(first_run), nw, first_run),
                    numerator=np.where(np.isnan(first_run), 0.0, 1.0), denominator=1.0,
                    censored=np.isnan(first_run).astype(float)),
    ]
    return _only_linked(pd.concat(out, ignore_index=True), seeds)


# --- costs and experience -------------------------------------------------------------------------

def cost_measures(data_dir, seeds, pp, ids) -> pd.DataFrame:
    exps = linked_experiments(seeds, lambda m: m == "cost_per_person_month")
    c = read_table(data_dir, "costs", ["person_id", "month", "cost_category", "amount_dkk"],
                   dictionary=["person_id", "month", "cost_category"])
    c["pid"] = ids.codes(c.pop("person_id"))
    c["month"] = c["month"].astype("object").str.strip()
    c["cost_category"] = c["cost_category"].astype("object").str.strip().str.lower()
    ms = pd.to_datetime(c["month"] + "-01", format="%Y-%m-%d", errors="coerce")
    c["ms"] = _days(ms)
    ok = (c["pid"] >= 0) & c["month"].str.fullmatch(r"[0-9]{4}-[0-9]{2}").fillna(False).astype(bool) \
        & c["ms"].notna() & c["cost_category"].notna() & c["amount_dkk"].notna()
    c = current_rows(c[ok], ["pid", "month", "cost_category"], ["pid", "month", "cost_category", "amount_dkk"])
    ms_dt = c["ms"].to_numpy().astype("int64").astype("datetime64[D]")
    c["me"] = (ms_dt.astype("datetime64[M]") + 1).astype("datetime64[D]").astype("int64").astype(float)
    categories = sorted(c["cost_category"].unique())
    per = pp[pp["experiment_id"].isin(exps)]
    j = per[["experiment_id", "pid", "period", "ws", "we"]].merge(
        c[["pid", "ms", "me", "cost_category", "amount_dkk"]], on="pid", how="inner")
    j = j[(j["ms"] < j["we"]) & (j["me"] > j["ws"])]
    diw = np.fmin(j["me"], j["we"]) - np.fmax(j["ms"], j["ws"])
    j = j.assign(alloc=j["amount_dkk"] * diw / (j["me"] - j["ms"]))
    by_cat = j.groupby(["experiment_id", "pid", "period", "cost_category"])["alloc"].sum().rename("cost").reset_index()
    tot = j.groupby(["experiment_id", "pid", "period"])["alloc"].sum().rename("cost").reset_index()
    tot["cost_category"] = "total"
    alloc = pd.concat([tot, by_cat], ignore_index=True).rename(columns={"cost_category": "stratum"})
    per = per[per["person_days"] > 0]
    strata = pd.DataFrame({"stratum": ["total", *categories]})
    x = per[["experiment_id", "pid", "municipality_code", "arm", "period", "person_days", "person_years"]] \
        .merge(strata, how="cross").merge(alloc, on=["experiment_id", "pid", "period", "stratum"], how="left")
    pm = x["person_days"] * 12 / 365.25
    cost = x["cost"].fillna(0.0)
    out = x[["experiment_id", "pid", "municipality_code", "arm", "period", "stratum", "person_years"]].assign(
        measure_code="cost_per_person_month", value=cost / pm, numerator=cost, denominator=pm)
    return _only_linked(out, seeds)


def experience_measures(data_dir, seeds, pp, ids) -> pd.DataFrame:
    exps = linked_experiments(seeds, lambda m: m == "exp_score")
    x = read_table(data_dir, "experience", ["person_id", "survey_date", "respondent_type", "item_id", "score",
                                            "scale_max"], dictionary=["person_id", "respondent_type", "item_id"])
    x["pid"] = ids.codes(x.pop("person_id"))
    x["day"] = _days(x.pop("survey_date"))
    x["respondent_type"] = x["respondent_type"].astype("object").str.strip().str.lower()
    x["item_id"] = x["item_id"].astype("object").str.strip()
    ok = (x["pid"] >= 0) & x["day"].notna() & x["respondent_type"].isin(["citizen", "relative", "staff"]) \
        & x["item_id"].notna() & (x["scale_max"] > 0) & (x["score"] >= 0) & ~(x["score"] > x["scale_max"])
    x = current_rows(x[ok], ["pid", "day", "respondent_type", "item_id"],
                     ["pid", "day", "respondent_type", "item_id", "score", "scale_max"])
    x["pct"] = x["score"] / x["scale_max"] * 100
    per = pp[pp["experiment_id"].isin(exps)]
    j = per[["experiment_id", "pid", "municipality_code", "arm", "period", "ws", "are", "person_years"]] \
        .merge(x[["pid", "day", "respondent_type", "pct"]], on="pid", how="inner")
    j = j[(j["day"] >= j["ws"]) & (j["day"] < j["are"])]
    g = j.groupby(["experiment_id", "pid", "municipality_code", "arm", "period", "respondent_type"])
    out = g.agg(value=("pct", "mean"), numerator=("pct", "sum"), denominator=("pct", "size"),
                person_years=("person_years", "first")).reset_index()
    out = out.rename(columns={"respondent_type": "stratum"}).assign(measure_code="exp_score")
    out["denominator"] = out["denominator"].astype(float)
    return _only_linked(out, seeds)


def _only_linked(df: pd.DataFrame, seeds) -> pd.DataFrame:
    df = df.merge(seeds["linked"], on=["experiment_id", "measure_code"], how="inner")
    if "stratum" not in df:
        df["stratum"] = ""
    if "censored" not in df:
        df["censored"] = np.nan
    return df


# --- aggregation (fct_indicator_values) -----------------------------------------------------------

CELL = ["experiment_id", "municipality_code", "arm", "period", "measure_code", "stratum"]


def km_median(df: pd.DataFrame) -> pd.Series:
    t = df.assign(ev=(~df["censored"].eq(1.0)).astype(int), one=1)
    t = t[t["value"].notna()]
    times = t.groupby([*CELL, "value"]).agg(d=("ev", "sum"), n=("one", "sum")).reset_index()
    times = times.sort_values([*CELL, "value"])
    times["at_risk"] = times.iloc[::-1].groupby(CELL)["n"].cumsum().iloc[::-1]
    times["s"] = np.exp(np.log(np.maximum(1.0 - times["d"] / times["at_risk"], 1e-300))
                        .groupby([times[c] for c in CELL]).cumsum())
    hit = times[times["s"] <= 0.5 + 1e-12]
    return hit.groupby(CELL)["value"].min().rename("median_t")


def indicator_values(pm: pd.DataFrame, seeds) -> pd.DataFrame:
    defs = seeds["defs"].set_index("measure_code")
    pm = pm.assign(cens=pm["censored"].eq(1.0))
    g = pm.groupby(CELL)
    cells = pd.DataFrame({
        "n_persons": g["pid"].nunique(),
        "numerator": g["numerator"].sum(min_count=1),
        "denominator": g["denominator"].sum(min_count=1),
        "person_years": g["person_years"].sum(min_count=1),
        "mean_value": g["value"].mean(),
        "sum_value": g["value"].sum(min_count=1),
        "n_censored": g["cens"].sum(),
    }).reset_index()
    tte = pm[pm["measure_code"].map(defs["measure_type"]) == "time_to_event"]
    if len(tte):
        cells = cells.merge(km_median(tte).reset_index(), on=CELL, how="left")
    else:
        cells["median_t"] = np.nan
    agg = cells["measure_code"].map(defs["aggregation"])
    rate = cells["numerator"] / cells["person_years"].where(cells["person_years"] != 0) * 1000
    cells["value"] = np.select(
        [agg == "mean", agg == "share", agg == "rate", agg == "sum", agg == "median"],
        [cells["mean_value"], cells["numerator"] / cells["denominator"].where(cells["denominator"] != 0), rate,
         cells["sum_value"], cells["median_t"]], default=np.nan)
    cells["rate_per_1000py"] = np.where(agg == "rate", rate, np.nan)
    is_tte = cells["measure_code"].map(defs["measure_type"]) == "time_to_event"
    cells["n_censored"] = cells["n_censored"].where(is_tte)
    return cells[[*CELL, "n_persons", "numerator", "denominator", "value", "person_years", "rate_per_1000py",
                  "n_censored"]]


def compute(data_dir) -> tuple[pd.DataFrame, dict]:
    data_dir = Path(data_dir)
    timings = {}
    t0 = time.perf_counter()
    seeds = load_seeds()
    pp, ids, _ = person_periods(data_dir, seeds, [])
    timings["person_periods"] = time.perf_counter() - t0
    parts = []
    for name, fn in [("admissions", admissions_measures), ("employment", employment_measures),
                     ("costs", cost_measures), ("experience", experience_measures)]:
        t = time.perf_counter()
        parts.append(fn(data_dir, seeds, pp, ids))
        timings[name] = time.perf_counter() - t
    t = time.perf_counter()
    pm = pd.concat(parts, ignore_index=True)
    iv = indicator_values(pm, seeds)
    timings["indicator_values"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return iv, timings


def main(argv=None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    iv, timings = compute(argv[0])
    iv.to_parquet(argv[1], index=False)
    import json
    print(json.dumps({"rows": len(iv), "seconds": timings}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
