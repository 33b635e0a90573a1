"""The warehouse closed forms equal statsmodels fits on person-level data; bootstrap algebra; BH."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.stats.multitest import multipletests

from pipeline.effects.bootstrap import WEBB, cluster_sums, cr1_factor, wild_cluster_bootstrap
from pipeline.effects.coxgrouped import cox_grouped
from pipeline.effects.results import bh_adjust
from pipeline.effects.suffstats import (binary_change_clustered, binary_did, count_change_clustered, count_did,
                                        ols_cells)


@pytest.fixture(scope="module")
def persons():
    rng = np.random.default_rng(5)
    n = 3000
    g = rng.integers(0, 14, n)
    t = (g < 5).astype(int)
    p = rng.integers(0, 2, n)
    y = 1 + 0.5 * t + 0.3 * p + 0.4 * t * p + rng.normal(0, 1, n) + rng.normal(0, 0.3, 14)[g]
    b = (rng.random(n) < 1 / (1 + np.exp(-(-0.3 + 0.2 * t + 0.3 * p + 0.5 * t * p)))).astype(int)
    e = rng.uniform(0.2, 1.0, n)
    c = rng.poisson(e * np.exp(0.1 + 0.2 * t - 0.1 * p - 0.3 * t * p) * rng.gamma(2, 0.5, n))
    return pd.DataFrame(dict(cluster=g, treated=t, post=p, y=y, b=b, e=e, c=c))


def _X(d):
    return np.column_stack([np.ones(len(d)), d.treated, d.post, d.treated * d.post])


def test_continuous_did_cells_equal_statsmodels_cluster(persons):
    d = persons
    ref = sm.OLS(d.y, _X(d)).fit(cov_type="cluster", cov_kwds={"groups": d.cluster}, use_t=True)
    cells = d.groupby(["cluster", "treated", "post"]).agg(n=("y", "size"), s1=("y", "sum")).reset_index()
    X = np.column_stack([np.ones(len(cells)), cells.treated, cells.post, cells.treated * cells.post]).astype(float)
    est = ols_cells(X, cells.n.to_numpy(float), cells.s1.to_numpy(float), cells.cluster.to_numpy(), 3,
                    few_clusters=False, seed=1, B=0)
    assert est.estimate == pytest.approx(ref.params.iloc[3], rel=1e-10)
    assert est.std_error == pytest.approx(ref.bse.iloc[3], rel=1e-8)
    assert est.ci_low == pytest.approx(ref.conf_int().iloc[3, 0], rel=1e-8)


def test_binary_did_closed_form_equals_glm_and_lpm(persons):
    d = persons
    cells = d.groupby(["cluster", "treated", "post"]).agg(n=("b", "size"), s1=("b", "sum")).reset_index()
    lor, rd = binary_did(cells)
    glm = sm.GLM(d.b, _X(d), family=sm.families.Binomial()).fit(cov_type="cluster", cov_kwds={"groups": d.cluster})
    lpm = sm.OLS(d.b, _X(d)).fit(cov_type="cluster", cov_kwds={"groups": d.cluster})
    assert lor.estimate == pytest.approx(glm.params.iloc[3], rel=1e-7)
    assert rd.estimate == pytest.approx(lpm.params.iloc[3], rel=1e-10)
    assert rd.std_error == pytest.approx(lpm.bse.iloc[3], rel=1e-8)
    assert lor.std_error == pytest.approx(glm.bse.iloc[3], rel=1e-5)


def test_count_did_closed_form_equals_poisson_glm(persons):
    d = persons
    cells = d.groupby(["cluster", "treated", "post"]).agg(n=("c", "size"), y=("c", "sum"), e=("e", "sum")).reset_index()
    est = count_did(cells)
    glm = sm.GLM(d.c, _X(d), family=sm.families.Poisson(), offset=np.log(d.e)).fit(
        cov_type="cluster", cov_kwds={"groups": d.cluster})
    assert est.estimate == pytest.approx(glm.params.iloc[3], rel=1e-7)
    assert est.std_error == pytest.approx(glm.bse.iloc[3], rel=1e-5)


def test_before_after_clustered_equal_glms(persons):
    d = persons
    X = np.column_stack([np.ones(len(d)), d.post])
    cells = d.groupby(["cluster", "post"]).agg(n=("b", "size"), s1=("b", "sum"), y=("c", "sum"), e=("e", "sum")).reset_index()
    lor, rd = binary_change_clustered(cells)
    glm = sm.GLM(d.b, X, family=sm.families.Binomial()).fit(cov_type="cluster", cov_kwds={"groups": d.cluster})
    assert lor.estimate == pytest.approx(glm.params.iloc[1], rel=1e-7)
    assert lor.std_error == pytest.approx(glm.bse.iloc[1], rel=1e-5)
    est = count_change_clustered(cells)
    pg = sm.GLM(d.c, X, family=sm.families.Poisson(), offset=np.log(d.e)).fit(
        cov_type="cluster", cov_kwds={"groups": d.cluster})
    assert est.estimate == pytest.approx(pg.params.iloc[1], rel=1e-7)
    assert est.std_error == pytest.approx(pg.bse.iloc[1], rel=1e-5)


def test_grouped_cox_equals_phreg():
    rng = np.random.default_rng(3)
    n = 2500
    t, p = rng.integers(0, 2, n), rng.integers(0, 2, n)
    X = np.column_stack([t, p, t * p]).astype(float)
    T = np.ceil(rng.exponential(150 * np.exp(-0.4 * X[:, 2])))
    d = (T < 300).astype(float)
    T = np.minimum(T, 300)
    g = rng.integers(0, 12, n)
    ref = PHReg(T, X, status=d, ties="efron").fit(groups=g)
    est = cox_grouped(T, d, X, g)
    assert est.estimate == pytest.approx(ref.params[2], rel=1e-7)
    # our robust variance adds the G/(G−1) small-sample factor to statsmodels' sandwich
    assert est.std_error == pytest.approx(ref.bse[2] * np.sqrt(12 / 11), rel=1e-6)
    ref0 = PHReg(T, X, status=d, ties="efron").fit()
    assert cox_grouped(T, d, X).std_error == pytest.approx(ref0.bse[2], rel=1e-6)


def test_wild_bootstrap_matches_brute_force():
    """The O(G) algebra equals refitting OLS on y* = Xβ̃ + v_g·ũ for every draw."""
    rng = np.random.default_rng(11)
    G, n = 8, 400
    g = rng.integers(0, G, n)
    X = np.column_stack([np.ones(n), (g < 3).astype(float), rng.normal(size=n)])
    y = X @ np.array([1.0, 0.2, 0.5]) + rng.normal(size=n) + rng.normal(0, 0.5, G)[g]
    B, seed = 199, 4
    fast = wild_cluster_bootstrap(cluster_sums(X, y, g), 1, B=B, seed=seed, ci=False)
    # brute force with the same weight draws
    V = WEBB[np.random.default_rng(seed).integers(0, 6, size=(B, G))]
    Xr = X[:, [0, 2]]
    br = np.linalg.lstsq(Xr, y, rcond=None)[0]
    fitted_r, u_r = Xr @ br, y - Xr @ br

    def tstat(yy):
        res = sm.OLS(yy, X).fit(cov_type="cluster", cov_kwds={"groups": g})
        return res.params[1] / res.bse[1]

    t0 = tstat(y)
    ts = np.array([tstat(fitted_r + V[b, g] * u_r) for b in range(B)])
    assert fast.t_stat == pytest.approx(t0, rel=1e-8)
    assert fast.p_value == pytest.approx(np.mean(np.abs(ts) >= abs(t0)), abs=1e-12)


def test_bh_adjust_matches_statsmodels():
    p = [0.01, 0.04, None, 0.03, 0.20, 0.002]
    got = bh_adjust(p)
    ref = multipletests([x for x in p if x is not None], method="fdr_bh")[1]
    assert got[2] is None
    assert np.allclose([x for x in got if x is not None], ref)


def test_cr1_factor():
    assert cr1_factor(10, 100, 4) == pytest.approx(10 / 9 * 99 / 96)


@pytest.mark.timeout(120)
def test_wild_bootstrap_ci_ends_when_the_outcome_is_exactly_determined():
    """A DiD whose outcome has no noise (0.1 everywhere, 0.6 for treated at follow-up): the
    residuals, and so the SE, are rounding errors far below the resolution of the estimate 0.5.
    The CI inversion must still end (it looped forever before the bisection was bounded)."""
    from pipeline.effects.suffstats import ols_cells

    rows = [(g, t, p) for g in range(6) for t in (g < 3,) for p in (0, 1)]
    t = np.array([float(r[1]) for r in rows])
    p = np.array([float(r[2]) for r in rows])
    n = np.full(len(rows), 7.0)
    y = np.where((t == 1) & (p == 1), 0.6, 0.1)
    X = np.column_stack([np.ones(len(rows)), t, p, t * p])
    est = ols_cells(X, n, n * y, np.array([r[0] for r in rows]), 3, few_clusters=True, seed=1, B=199)
    assert est.estimate == pytest.approx(0.5)
