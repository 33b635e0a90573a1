"""Disclosure control: try to recover suppressed counts from what the pipeline publishes.

The attacker reads only OUT/exports and OUT/report_data, knows the table structure
(municipalities sum to the arm, arms sum to all persons, per period) and what the symbols mean
("<T": 0..T-1; "x": a count that was not below T). It tries
- differences: a total minus the shown parts (row/column totals, arm vs all, per period);
- linear programming over all relations of a table at once (exact recovery = one whole number);
- differences between arms and periods through published effects and values.
It must recover nothing. A control shows the same attack does recover cells when secondary
suppression is switched off, so the test can fail.
"""

from __future__ import annotations

import math
import re

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from pipeline.report import data as report_data
from pipeline.report import disclosure as dc
from pipeline.report.fake_warehouse import build_fake_warehouse

T = 5


# ----------------------------------------------------------------------------- the attacker

def tables_from_export(values: pd.DataFrame):
    """Published cells grouped into tables with their additive relations (attacker's view)."""
    for (ex, mc, st, period), g in values.groupby(["experiment_id", "measure_code", "stratum", "period"]):
        cells = {}
        for r in g.itertuples(index=False):
            key = (r.level, r.municipality_code, r.arm)
            cells[key] = (None if pd.isna(r.n_persons) else int(r.n_persons), r.n_persons_display)
        relations = []
        arms = sorted({k[2] for k in cells if k[0] == "arm"})
        for arm in arms:
            parts = [k for k in cells if k[0] == "municipality" and k[2] == arm]
            relations.append((("arm", "_all", arm), parts))
        if ("all", "_all", "_all") in cells:
            relations.append((("all", "_all", "_all"), [("arm", "_all", a) for a in arms]))
        yield (ex, mc, st, period), cells, relations


def attacker_bounds(display: str, threshold: int):
    if display.startswith("<"):
        return (0, threshold - 1)
    if display == "x":
        return (threshold, None)
    raise AssertionError(f"unexpected display {display!r}")


def difference_attack(cells, relations) -> list:
    hits = []
    for total, parts in relations:
        entries = [total, *parts]
        hidden = [e for e in entries if cells[e][0] is None]
        if len(hidden) == 1:
            hits.append(hidden[0])
    return hits


def lp_attack(cells, relations, threshold: int) -> list:
    """Suppressed cells the published relations pin to a single whole number."""
    hidden = [k for k, (n, _d) in cells.items() if n is None]
    if not hidden:
        return []
    idx = {k: i for i, k in enumerate(hidden)}
    rows, rhs = [], []
    for total, parts in relations:
        row = np.zeros(len(hidden))
        b = 0.0
        for e, coef in [(total, -1.0)] + [(p, 1.0) for p in parts]:
            n, _ = cells[e]
            if n is None:
                row[idx[e]] += coef
            else:
                b -= coef * n
        if row.any():
            rows.append(row)
            rhs.append(b)
        elif abs(b) > 1e-9:
            raise AssertionError("published relation does not add up")
    bounds = [attacker_bounds(cells[k][1], threshold) for k in hidden]
    pinned = []
    for k in hidden:
        if not cells[k][1].startswith("<"):
            continue  # only counts below the threshold are confidential
        i = idx[k]
        c = np.zeros(len(hidden))
        c[i] = 1
        if rows:
            lo = linprog(c, A_eq=np.vstack(rows), b_eq=rhs, bounds=bounds, method="highs")
            hi = linprog(-c, A_eq=np.vstack(rows), b_eq=rhs, bounds=bounds, method="highs")
            assert lo.status == 0, "the attacker's system should be feasible"
            vmin = lo.fun
            vmax = math.inf if hi.status == 3 else -hi.fun
        else:
            vmin, vmax = bounds[i]
        if math.floor(vmax + 1e-7) <= math.ceil(vmin - 1e-7):
            pinned.append(k)
    return pinned


def attack_all(values: pd.DataFrame, threshold: int) -> list:
    found = []
    for name, cells, relations in tables_from_export(values):
        for k in difference_attack(cells, relations):
            found.append((name, k, "difference"))
        for k in lp_attack(cells, relations, threshold):
            found.append((name, k, "lp"))
    return found


# ----------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    root = tmp_path_factory.mktemp("disclosure")
    db = build_fake_warehouse(root / "fake.duckdb")
    d = report_data.compute(db, T)
    d.write(root)
    return db, root, d


# ----------------------------------------------------------------------------- tests

def test_published_counts_recover_nothing(fake):
    _db, root, _d = fake
    values = pd.read_parquet(root / "exports" / "indicator_values.parquet")
    assert (values.suppression == dc.PRIMARY).sum() > 0, "the fake warehouse must have small cells"
    assert (values.suppression == dc.SECONDARY).sum() > 0
    assert attack_all(values, T) == []


def test_attack_recovers_cells_without_secondary_suppression(fake):
    """Control: publish the true value of every secondary cell and the attack must succeed."""
    db, root, _d = fake
    values = pd.read_parquet(root / "exports" / "indicator_values.parquet")
    truth = _true_counts(db)
    leaked = values.copy()
    sec = leaked.suppression == dc.SECONDARY
    keys = ["experiment_id", "measure_code", "stratum", "level", "municipality_code", "arm", "period"]
    leaked = leaked.merge(truth, on=keys, how="left")
    leaked.loc[sec, "n_persons"] = leaked.loc[sec, "n_true"]
    leaked.loc[sec, "n_persons_display"] = leaked.loc[sec, "n_true"].astype(int).astype(str)
    found = attack_all(leaked.drop(columns="n_true"), T)
    assert found, "without secondary suppression the attacker should recover a primary cell"
    # and what it recovers is right
    for (ex, mc, st, period), (level, muni, arm), how in found:
        row = leaked[(leaked.experiment_id == ex) & (leaked.measure_code == mc) & (leaked.stratum == st)
                     & (leaked.period == period) & (leaked.level == level) & (leaked.municipality_code == muni)
                     & (leaked.arm == arm)]
        assert int(row.n_true.iloc[0]) < T


def _true_counts(db) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        v = con.execute("""select experiment_id, measure_code, coalesce(stratum,'') as stratum, municipality_code,
                                  arm, period, sum(n_persons) as n from marts.fct_indicator_values group by all""").df()
    rows = []
    for (ex, mc, st, period), g in v.groupby(["experiment_id", "measure_code", "stratum", "period"]):
        for r in g.itertuples(index=False):
            rows.append((ex, mc, st, "municipality", r.municipality_code, r.arm, period, r.n))
        for arm, ga in g.groupby("arm"):
            rows.append((ex, mc, st, "arm", "_all", arm, period, ga.n.sum()))
        rows.append((ex, mc, st, "all", "_all", "_all", period, g.n.sum()))
    return pd.DataFrame(rows, columns=["experiment_id", "measure_code", "stratum", "level", "municipality_code",
                                       "arm", "period", "n_true"])


def test_primary_cells_are_exactly_the_small_counts(fake):
    db, root, _d = fake
    values = pd.read_parquet(root / "exports" / "indicator_values.parquet")
    keys = ["experiment_id", "measure_code", "stratum", "level", "municipality_code", "arm", "period"]
    m = values.merge(_true_counts(db), on=keys, how="left")
    assert m.n_true.notna().all()
    small = m.n_true < T
    assert (m.loc[small, "suppression"] == dc.PRIMARY).all()
    assert (m.loc[small, "n_persons_display"] == f"<{T}").all()
    assert (m.loc[~small, "suppression"] != dc.PRIMARY).all()
    shown = m.suppression == ""
    assert (m.loc[shown, "n_persons"].astype(int) == m.loc[shown, "n_true"].astype(int)).all()
    # a value is shown only where its count is shown
    assert m.loc[~shown, "value"].isna().all()


def test_effects_and_values_do_not_reopen_suppressed_cells(fake):
    """Differences between arms and periods: an effect is published only when every value it rests
    on is published (otherwise value = effect - the other values would recover it)."""
    _db, root, d = fake
    eff = pd.read_parquet(root / "exports" / "effects.parquet")
    panel = d.tables["panel"]
    shown = eff[eff.estimate_natural_scale.notna()]
    assert len(shown) > 0
    for r in shown.itertuples(index=False):
        p = panel[panel.indicator_id == r.indicator_id].iloc[0]
        cells = ["ib", "if"] + ([] if p.design in report_data.NO_COUNTERFACTUAL else ["cb", "cf"])
        for c in cells:
            assert not str(p[f"nd_{c}"]).startswith("<") and p[f"nd_{c}"] != "x", (r.indicator_id, c)
            assert pd.notna(p[f"v_{c}"]), (r.indicator_id, c)
    hidden = eff[eff.verdict == "suppressed"]
    assert len(hidden) > 0 and hidden.estimate_natural_scale.isna().all()
    methods = d.tables["methods"]
    assert methods[methods.suppressed].p_value.isna().all()


def test_chart_points_rest_on_enough_persons(fake):
    db, root, _d = fake
    s = pd.read_parquet(root / "report_data" / "series.parquet")
    with duckdb.connect(str(db), read_only=True) as con:
        fs = con.execute("select experiment_id, arm, series_code, time_unit, t, n_persons from marts.fct_series").df()
        pm = con.execute("""select experiment_id, measure_code, coalesce(stratum,'') as stratum, arm, period, value
                            from marts.fct_person_measures where censored is not null""").df()
    assert (fs.n_persons < T).any(), "the fake series must have small points to drop"
    run = s[s.chart.isin(["run", "selfsupport"])].copy()
    run["t"] = run.x.astype(int)
    m = run.merge(fs, on=["experiment_id", "arm", "series_code", "t"], how="left")
    assert len(m) == len(run) and (m.n_persons >= T).all()
    fit = s[s.chart == "fit"]
    assert not fit.empty
    # Kaplan-Meier: at every drawn time at least T persons are still at risk.
    km = s[s.chart == "km"]
    assert not km.empty
    for (ex, mc, st, arm, period), g in km.groupby(["experiment_id", "measure_code", "stratum", "arm", "period"]):
        persons = pm[(pm.experiment_id == ex) & (pm.measure_code == mc) & (pm.stratum == st) & (pm.arm == arm)
                     & (pm.period == period)]
        at_risk = (persons.value >= g.x.max()).sum()
        assert at_risk >= T, (ex, mc, arm, period, at_risk)


def test_no_person_identifier_published(fake):
    _db, root, _d = fake
    with duckdb.connect() as con:
        for folder in ("exports", "report_data"):
            for f in (root / folder).glob("*.parquet"):
                df = pd.read_parquet(f)
                assert "person_id" not in df.columns, f
                text = df.astype(str).to_csv()
                assert "p0000" not in text, f"{f} holds a fake person id"


@pytest.mark.parametrize("warning, shown", [
    ("only 3 of 78 persons observed in both periods: periods compared as cohorts",
     "only <5 of ≈80 persons observed in both periods: periods compared as cohorts"),
    # 12 - 9 = 3 persons: both numbers go, or a = b - (b - a) would give them away
    ("only 9 of 12 persons observed in both periods: periods compared as cohorts",
     "only <5 of <5 persons observed in both periods: periods compared as cohorts"),
    ("4 persons not observed in both periods left out of the paired comparison",
     "<5 persons not observed in both periods left out of the paired comparison"),
    ("small n: intervention/followup n=3 < 20", "small n: intervention/followup n=<5 < 20"),
    ("2 municipalities (< 10): person-level standard errors, which ignore municipality-level shocks",
     "2 municipalities (< 10): person-level standard errors, which ignore municipality-level shocks"),
    ("something new about 2 persons", "something new about <5 persons"),
])
def test_engine_warnings_carry_no_small_person_counts(warning, shown):
    assert dc.safe_warnings(warning, T) == shown


def test_published_warnings_are_protected(fake):
    _db, _root, d = fake
    for name in ("methods", "panel"):
        for w in d.tables[name].warnings.dropna():
            for part in w.split("; "):
                if "persons" in part or "small n" in part:
                    assert not re.search(r"(?<![<≈\w])[0-4]\b", part), part


@pytest.mark.parametrize("threshold", [4, 10])
def test_threshold_is_configurable(fake, threshold):
    db, _root, _d = fake
    d = report_data.compute(db, threshold)
    v = d.exports["indicator_values"]
    assert (v.n_persons_display == f"<{threshold}").any()
    assert v.loc[v.suppression == "", "n_persons"].astype(int).min() >= threshold
    assert attack_all(v, threshold) == []


# ----------------------------------------------------------------------------- protect() itself

@pytest.mark.parametrize("values, relations, must_hide", [
    # one small municipality: its sibling must go too
    ({"m1": 3, "m2": 40, "Ti": 43}, [("Ti", ["m1", "m2"])], {"m1", "m2"}),
    # sibling of exactly T: the bounds would pin m1 = 0 from Ti = 5; the total must go as well
    ({"m1": 0, "m2": 5, "Ti": 5, "m3": 30, "m4": 25, "Tc": 55, "T": 60},
     [("Ti", ["m1", "m2"]), ("Tc", ["m3", "m4"]), ("T", ["Ti", "Tc"])], {"m1"}),
    # a single municipality equal to its arm: the arm is small itself; the all-total must not reveal it
    ({"m1": 3, "Ti": 3, "m3": 30, "m4": 25, "Tc": 55, "T": 58},
     [("Ti", ["m1"]), ("Tc", ["m3", "m4"]), ("T", ["Ti", "Tc"])], {"m1", "Ti"}),
])
def test_protect_hand_cases(values, relations, must_hide):
    prot = dc.protect(values, relations, T)
    hidden = {k for k, s in prot.status.items() if s}
    assert must_hide <= hidden
    assert all(sum(1 for e in [t, *parts] if e in hidden) != 1 for t, parts in relations)
    assert dc.audit(values, relations, prot.status, T) == []
    cells = {k: (None if prot.status[k] else v, dc.display_count(v, prot.status[k], T)) for k, v in values.items()}
    assert difference_attack(cells, relations) == []
    assert lp_attack(cells, relations, T) == []


def test_protect_rejects_inconsistent_tables():
    with pytest.raises(ValueError):
        dc.protect({"a": 1, "b": 2, "t": 4}, [("t", ["a", "b"])], T)


def test_random_tables_are_protected():
    rng = np.random.default_rng(3)
    for _ in range(300):
        values, relations, arms = {}, [], []
        for arm in ("i", "c"):
            parts = []
            for m in range(int(rng.integers(1, 5))):
                k = f"{arm}{m}"
                values[k] = int(rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 30]))
                parts.append(k)
            values[arm] = sum(values[p] for p in parts)
            relations.append((arm, parts))
            arms.append(arm)
        values["all"] = values["i"] + values["c"]
        relations.append(("all", arms))
        prot = dc.protect(values, relations, T)
        cells = {k: (None if prot.status[k] else v, dc.display_count(v, prot.status[k], T)) for k, v in values.items()}
        assert difference_attack(cells, relations) == [], values
        assert lp_attack(cells, relations, T) == [], values


# ----------------------------------------------------------------------------- the demo run

@pytest.mark.slow
def test_demo_exports_recover_nothing(demo_run):
    out, _ = demo_run
    values = pd.read_parquet(out / "exports" / "indicator_values.parquet")
    assert attack_all(values, T) == []
    eff = pd.read_parquet(out / "exports" / "effects.parquet")
    assert "n_intervention" not in eff.columns and "person_id" not in eff.columns
