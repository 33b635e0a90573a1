"""Simulation: planted effects are covered by the 95% CIs; the wild bootstrap holds its size.

Coverage is checked over 1,000 experiment × measure draws (five designs, four measure types and a
cost measure) so that the 93–97% band is about ±2 binomial standard errors wide.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline.effects import run_effects
from pipeline.effects.bootstrap import wild_cluster_bootstrap
from pipeline.effects.simulate import ExperimentSpec as S, build_warehouse
from pipeline.effects.suffstats import cells_to_cluster_sums, ols_cells


def _specs(rep: int) -> list[S]:
    kinds = [dict(), dict(comparison=False), dict(period_design="cohort", comparison=False),
             dict(period_design="cohort"), dict(n_treated_clusters=4, n_comparison_clusters=10)]
    return [S(f"X{rep}_{i}", persons_per_cluster=15, **kinds[i % 5]) for i in range(100)]


@pytest.fixture(scope="module")
def coverage_draws(tmp_path_factory):
    frames = []
    for rep in range(2):
        db = tmp_path_factory.mktemp("cov") / f"cov{rep}.duckdb"
        truth = pd.DataFrame(build_warehouse(db, _specs(rep), seed=100 + rep))
        run_effects(db, seed=rep)
        with duckdb.connect(str(db), read_only=True) as con:
            est = con.execute("select experiment_id, measure_code, stratum, estimate, ci_low, ci_high, p_value "
                              "from marts.fct_effects where is_primary").df()
        frames.append(est.merge(truth, on=["experiment_id", "measure_code", "stratum"], validate="1:1"))
    return pd.concat(frames, ignore_index=True)


def test_ci_coverage_of_planted_effects(coverage_draws):
    d = coverage_draws
    assert len(d) == 1000 and d.estimate.notna().all()
    covered = (d.ci_low <= d.value) & (d.value <= d.ci_high)
    assert 0.93 <= covered.mean() <= 0.97, f"coverage {covered.mean():.3f}"
    for code, g in d.groupby("measure_code"):  # no measure type is badly off on its own
        cov = ((g.ci_low <= g.value) & (g.value <= g.ci_high)).mean()
        assert cov >= 0.88, f"{code}: coverage {cov:.3f}"


def test_rejection_rate_under_no_effect(coverage_draws):
    null = coverage_draws[coverage_draws.value == 0]
    assert len(null) > 300
    assert 0.03 <= (null.p_value < 0.05).mean() <= 0.08


def _few_cluster_cells(rng, G_t=4, G_c=12):
    G = G_t + G_c
    rows = []
    for g in range(G):
        n = int(rng.integers(10, 60))
        a, sd = rng.normal(0, 1), rng.uniform(0.5, 2.0)  # heteroskedastic clusters
        for post in (0, 1):
            y = a + 0.3 * post + rng.normal(0, 0.5) + rng.normal(0, sd, n)  # no treatment effect
            rows.append((g, int(g < G_t), post, n, y.sum()))
    c = pd.DataFrame(rows, columns=["cluster", "treated", "post", "n", "s1"])
    t, p = c.treated.to_numpy(float), c.post.to_numpy(float)
    return np.column_stack([np.ones(len(c)), t, p, t * p]), c


def test_wild_bootstrap_size_with_few_treated_clusters():
    """4 treated and 12 comparison municipalities, no effect: the WCR bootstrap rejects near 5%."""
    rng = np.random.default_rng(2024)
    rej_boot = rej_crve = 0
    R = 400
    for r in range(R):
        X, c = _few_cluster_cells(rng)
        cs = cells_to_cluster_sums(X, c.n.to_numpy(float), c.s1.to_numpy(float), c.cluster.to_numpy())
        wb = wild_cluster_bootstrap(cs, 3, B=399, seed=r, ci=False)
        rej_boot += wb.p_value < 0.05
        crve = ols_cells(X, c.n.to_numpy(float), c.s1.to_numpy(float), c.cluster.to_numpy(), 3,
                         few_clusters=False, seed=0, B=0)
        rej_crve += crve.p_value < 0.05
    rate = rej_boot / R
    assert 0.025 <= rate <= 0.08, f"wild bootstrap rejection rate {rate:.3f}"
    print(f"wild bootstrap rejection {rate:.3f}, CRVE t(G-1) rejection {rej_crve / R:.3f}")
