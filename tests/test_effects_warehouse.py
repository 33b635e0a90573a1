"""run_effects on a synthetic measure warehouse: contract columns, designs, warnings, determinism."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline.effects import run_effects
from pipeline.effects.simulate import ExperimentSpec as S, build_warehouse
from pipeline.effects.warehouse import COLUMNS

SPECS = [S("E_did"), S("E_paired", comparison=False, n_treated_clusters=3),
         S("E_cohort", period_design="cohort", comparison=False),
         S("E_few", period_design="cohort", n_treated_clusters=3, n_comparison_clusters=8)]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("eff") / "w.duckdb"
    truth = build_warehouse(db, SPECS, seed=3)
    calls = []

    class P:
        def task(self, desc, total=None):
            calls.append(("task", desc, total))
            return self

        def advance(self, n=1):
            calls.append(("advance",))

        def done(self):
            calls.append(("done",))

    summary = run_effects(db, progress=P())
    with duckdb.connect(str(db), read_only=True) as con:
        df = con.execute("select * from marts.fct_effects").df()
    return db, truth, summary, df, calls


def test_columns_and_one_primary_per_group(warehouse):
    db, truth, summary, df, calls = warehouse
    assert list(df.columns) == COLUMNS
    prim = df[df.is_primary]
    assert len(prim) == len(truth) == summary.n_effects == 20
    assert not prim.duplicated(["experiment_id", "measure_code", "stratum"]).any()
    assert prim.estimate.notna().all()
    assert (df.run_id == "sim-run").all() and df.run_started_at.notna().all()
    assert calls[0][0] == "task" and calls[-1] == ("done",) and sum(c == ("advance",) for c in calls) == 20


def test_designs_scales_and_ratios(warehouse):
    _, _, _, df, _ = warehouse
    prim = df[df.is_primary].set_index(["experiment_id", "measure_code"])
    assert prim.loc[("E_did", "sim_score"), "design"] == "did"
    assert prim.loc[("E_paired", "sim_score"), "design"] == "paired"
    assert prim.loc[("E_cohort", "sim_score"), "design"] == "cohort_before_after"
    assert dict(prim.loc["E_did"]["scale"]) == {"sim_score": "difference", "sim_binary": "log_odds_ratio",
                                                "sim_count": "log_rate_ratio", "sim_time": "log_hazard_ratio",
                                                "cost_per_person_month": "difference"}
    logs = prim[prim.scale != "difference"]
    assert np.allclose(logs.ratio, np.exp(logs.estimate))
    assert set(df[~df.is_primary].scale) == {"risk_difference"}
    did = prim.loc[("E_did", "sim_score")]
    assert did.n_clusters_intervention == 12 and did.n_clusters_comparison == 12
    assert pd.isna(prim.loc[("E_paired", "sim_score")].n_comparison)


def test_honest_inference_warnings(warehouse):
    _, _, _, df, _ = warehouse
    prim = df[df.is_primary].set_index(["experiment_id", "measure_code"])
    assert "wild cluster restricted bootstrap" in prim.loc[("E_few", "sim_score"), "warnings"]
    assert "randomisation inference" in prim.loc[("E_few", "sim_binary"), "warnings"]
    assert "randomisation inference" in prim.loc[("E_few", "sim_count"), "warnings"]
    assert "no counterfactual" in prim.loc[("E_paired", "sim_score"), "warnings"]
    assert "person-level standard errors" in prim.loc[("E_paired", "sim_score"), "warnings"]
    assert prim.loc[("E_did", "sim_score"), "warnings"] is None or "few clusters" not in prim.loc[("E_did", "sim_score"), "warnings"]


def test_bh_and_effect_per_1000_dkk(warehouse):
    _, _, _, df, _ = warehouse
    prim = df[df.is_primary]
    for _, g in prim.groupby("experiment_id"):
        from statsmodels.stats.multitest import multipletests

        assert np.allclose(g.p_value_adj, multipletests(g.p_value, method="fdr_bh")[1])
    e = prim[prim.experiment_id == "E_did"].set_index("measure_code")
    cost = e.loc["cost_per_person_month", "estimate"]
    assert np.isnan(e.loc["cost_per_person_month", "effect_per_1000_dkk"])
    assert e.loc["sim_score", "effect_per_1000_dkk"] == pytest.approx(e.loc["sim_score", "estimate"] / cost * 1000)


def test_small_n_warning(tmp_path):
    db = tmp_path / "s.duckdb"
    build_warehouse(db, [S("tiny", n_treated_clusters=2, n_comparison_clusters=2, persons_per_cluster=6)], seed=2)
    run_effects(db)
    with duckdb.connect(str(db), read_only=True) as con:
        w = con.execute("select warnings from marts.fct_effects where is_primary and measure_code = 'sim_score'").fetchone()[0]
    assert "small n" in w


def test_two_runs_byte_identical(tmp_path, warehouse):
    db, *_ = warehouse
    outs = []
    for i in range(2):
        copy = tmp_path / f"c{i}.duckdb"
        copy.write_bytes(db.read_bytes())
        run_effects(copy)
        with duckdb.connect(str(copy)) as con:
            con.execute(f"copy marts.fct_effects to '{tmp_path}/e{i}.csv' (header)")
        outs.append((tmp_path / f"e{i}.csv").read_bytes())
    assert outs[0] == outs[1]
    assert len(outs[0]) > 1000


def test_missing_marts_is_one_line_error(tmp_path):
    from pipeline.errors import FrievalError

    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(FrievalError, match="fct_person_measures not found"):
        run_effects(db)
