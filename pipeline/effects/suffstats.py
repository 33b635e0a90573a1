"""Closed-form effect estimates from aggregates (sufficient statistics), for the warehouse step.

The pipeline's models are saturated in arm × period, so their maximum-likelihood estimates and
sandwich variances are functions of per-cell (and per-cluster) sums. Each function here equals the
corresponding statsmodels fit on the person-level data (tests/test_effects_suffstats.py checks it):

- continuous DiD: OLS, CR1 cluster-robust, wild cluster restricted bootstrap (bootstrap.py);
- binary DiD: logistic (log odds ratio) and linear probability (risk difference), cluster-robust;
- count DiD: Poisson with log(person-years) offset (log rate ratio), cluster-robust;
- before/after without a comparison arm: paired (same persons, person-level sandwich) or two
  independent cohorts.

Cluster-robust variances use the same small-sample factor as statsmodels/Stata,
G/(G−1)·(N−1)/(N−K), and t(G−1) reference distributions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .bootstrap import ClusterSums, cr1_factor, ols_cr1, wild_cluster_bootstrap
from .results import Z95, finite

SIGNS = {(1, 1): 1.0, (1, 0): -1.0, (0, 1): -1.0, (0, 0): 1.0}  # treated, post → DiD sign


@dataclass
class Est:
    estimate: float | None
    std_error: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    df: float | None = None
    warnings: list[str] = field(default_factory=list)
    method: str = ""

    @classmethod
    def wald(cls, est, var, df=None, method=""):
        est = finite(est)
        se = finite(np.sqrt(var)) if var is not None and np.isfinite(var) and var >= 0 else None
        if est is None or se is None or se == 0:
            return cls(est, se, method=method, df=df)
        crit = stats.t.ppf(0.975, df) if df else Z95
        z = est / se
        p = 2 * (stats.t.sf(abs(z), df) if df else stats.norm.sf(abs(z)))
        return cls(est, se, est - crit * se, est + crit * se, float(p), df, method=method)


# ------------------------------------------------------------------------------- continuous
def cells_to_cluster_sums(X: np.ndarray, n: np.ndarray, s1: np.ndarray, cluster: np.ndarray) -> ClusterSums:
    """Per-cluster X'X and X'y when every regressor is constant within a cell (rows of X)."""
    codes = pd.factorize(cluster, sort=True)[0]
    G, k = codes.max() + 1, X.shape[1]
    XtX_g = np.zeros((G, k, k))
    Xty_g = np.zeros((G, k))
    np.add.at(XtX_g, codes, n[:, None, None] * X[:, :, None] * X[:, None, :])
    np.add.at(Xty_g, codes, s1[:, None] * X)
    return ClusterSums(XtX_g, Xty_g, int(n.sum()))


def ols_cells(X, n, s1, cluster, j, *, few_clusters: bool, seed: int, B: int) -> Est:
    """OLS coefficient j with CR1 SE and t(G−1); with few clusters the WCR bootstrap p and CI."""
    cs = cells_to_cluster_sums(X, n, s1, cluster)
    if cs.G < 2:
        beta = np.linalg.pinv(cs.XtX_g.sum(0)) @ cs.Xty_g.sum(0)
        return Est(finite(beta[j]), None, warnings=["one cluster: no cluster-robust standard error"])
    beta, V = ols_cr1(cs)
    est = Est.wald(beta[j], V[j, j], df=cs.G - 1)
    if few_clusters and est.std_error:
        wb = wild_cluster_bootstrap(cs, j, B=B, seed=seed)
        est.p_value, est.ci_low, est.ci_high = wb.p_value, wb.ci_low, wb.ci_high
    return est


def paired_mean(n, s1, s2) -> Est:
    """Paired t on change scores from n, Σd, Σd²."""
    if n < 2:
        return Est(finite(s1 / n) if n else None, None)
    mean = s1 / n
    var = max((s2 - n * mean ** 2) / (n - 1), 0.0)
    return Est.wald(mean, var / n, df=n - 1)


def welch(n0, s0, q0, n1, s1, q1) -> Est:
    """Difference of means (1 − 0) between independent groups, Welch t."""
    if n0 < 2 or n1 < 2:
        return Est(None, None)
    m0, m1 = s0 / n0, s1 / n1
    v0 = max((q0 - n0 * m0 ** 2) / (n0 - 1), 0.0) / n0
    v1 = max((q1 - n1 * m1 ** 2) / (n1 - 1), 0.0) / n1
    if v0 + v1 == 0:
        return Est(m1 - m0, 0.0)
    df = (v0 + v1) ** 2 / (v0 ** 2 / (n0 - 1) + v1 ** 2 / (n1 - 1))
    return Est.wald(m1 - m0, v0 + v1, df=df)


# ----------------------------------------------------------------------------------- binary
def _logit(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(p / (1 - p))


def binary_did(cells: pd.DataFrame):
    """cells: cluster, treated, post, n, s1 (events). Returns (log OR Est, risk difference Est, t-stat fn)."""
    tot = cells.groupby(["treated", "post"])[["n", "s1"]].sum()
    if len(tot) < 4:
        return Est(None, None), Est(None, None)
    p = (tot["s1"] / tot["n"]).to_dict()
    ncell = tot["n"].to_dict()
    sign = np.array([SIGNS[(t, q)] for t, q in zip(cells["treated"], cells["post"])])
    pc = np.array([p[(t, q)] for t, q in zip(cells["treated"], cells["post"])])
    nc = np.array([ncell[(t, q)] for t, q in zip(cells["treated"], cells["post"])])
    resid = cells["s1"].to_numpy() - cells["n"].to_numpy() * pc
    codes = pd.factorize(cells["cluster"], sort=True)[0]
    G, N = codes.max() + 1, int(cells["n"].sum())
    c = cr1_factor(G, N, 4) if G > 1 else np.nan
    df = G - 1 if G > 1 else None
    rd = sum(SIGNS[k] * v for k, v in p.items())
    psi_rd = np.bincount(codes, sign * resid / nc, minlength=G)
    rd_est = Est.wald(rd, c * np.sum(psi_rd ** 2), df=df)
    if min(p.values()) <= 0 or max(p.values()) >= 1:
        lor = Est(None, None, warnings=["a treated/period cell has no events or no non-events: the odds ratio is not identified"])
    else:
        lo = sum(SIGNS[k] * _logit(v) for k, v in p.items())
        psi = np.bincount(codes, sign * resid / (nc * pc * (1 - pc)), minlength=G)
        lor = Est.wald(lo, c * np.sum(psi ** 2), df=df)
    return lor, rd_est


def binary_paired(n, y0, y1, both):
    """Marginal log odds ratio and risk difference, after vs before, same persons (person sandwich)."""
    p0, p1 = y0 / n, y1 / n
    cov = both / n - p0 * p1
    corr = n / (n - 1) if n > 1 else np.nan
    rd = Est.wald(p1 - p0, corr * (p1 * (1 - p1) + p0 * (1 - p0) - 2 * cov) / n)
    if min(p0, p1) <= 0 or max(p0, p1) >= 1:
        return Est(None, None, warnings=["no events or no non-events in a period: the odds ratio is not identified"]), rd
    a0, a1 = p0 * (1 - p0), p1 * (1 - p1)
    var = corr * (1 / a1 + 1 / a0 - 2 * cov / (a1 * a0)) / n
    return Est.wald(_logit(p1) - _logit(p0), var), rd


def binary_cohort(n0, e0, n1, e1):
    """Log odds ratio (Woolf / logistic MLE) and risk difference between two independent cohorts."""
    p0, p1 = e0 / n0, e1 / n1
    rd = Est.wald(p1 - p0, p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    if min(e0, e1, n0 - e0, n1 - e1) <= 0:
        return Est(None, None, warnings=["no events or no non-events in a period: the odds ratio is not identified"]), rd
    return Est.wald(_logit(p1) - _logit(p0), 1 / e0 + 1 / (n0 - e0) + 1 / e1 + 1 / (n1 - e1)), rd


# ------------------------------------------------------------------------------------ count
def count_did(cells: pd.DataFrame) -> Est:
    """cells: cluster, treated, post, n, y (Σ counts), e (Σ person-years). Poisson DiD log rate ratio."""
    tot = cells.groupby(["treated", "post"])[["n", "y", "e"]].sum()
    if len(tot) < 4:
        return Est(None, None)
    if (tot["y"] <= 0).any():
        return Est(None, None, warnings=["an arm/period cell has no events: the rate ratio is not identified"])
    r = (tot["y"] / tot["e"]).to_dict()
    Y = tot["y"].to_dict()
    keys = list(zip(cells["treated"], cells["post"]))
    sign = np.array([SIGNS[k] for k in keys])
    rc = np.array([r[k] for k in keys])
    Yc = np.array([Y[k] for k in keys])
    resid = cells["y"].to_numpy() - rc * cells["e"].to_numpy()
    codes = pd.factorize(cells["cluster"], sort=True)[0]
    G, N = codes.max() + 1, int(cells["n"].sum())
    est = sum(SIGNS[k] * np.log(v) for k, v in r.items())
    if G < 2:
        return Est(est, None, warnings=["one cluster: no cluster-robust standard error"])
    psi = np.bincount(codes, sign * resid / Yc, minlength=G)
    return Est.wald(est, cr1_factor(G, N, 4) * np.sum(psi ** 2), df=G - 1)


def _ssq(Y2, YE, E2, r):
    return Y2 - 2 * r * YE + r * r * E2


def count_paired(s: dict) -> Est:
    """Log rate ratio after/before, same persons; person-level (GEE-type) sandwich.

    s holds Σ over persons with both periods: y0,e0,y1,e1, y0y0,y0e0,e0e0, y1y1,y1e1,e1e1, y1y0,y1e0,e1y0,e1e0."""
    if s["y0"] <= 0 or s["y1"] <= 0:
        return Est(None, None, warnings=["no events in a period: the rate ratio is not identified"])
    r0, r1 = s["y0"] / s["e0"], s["y1"] / s["e1"]
    v1 = _ssq(s["y1y1"], s["y1e1"], s["e1e1"], r1) / s["y1"] ** 2
    v0 = _ssq(s["y0y0"], s["y0e0"], s["e0e0"], r0) / s["y0"] ** 2
    cross = (s["y1y0"] - r0 * s["y1e0"] - r1 * s["e1y0"] + r1 * r0 * s["e1e0"]) / (s["y1"] * s["y0"])
    return Est.wald(np.log(r1 / r0), v1 + v0 - 2 * cross)


def count_cohort(c0: dict, c1: dict) -> Est:
    """Log rate ratio between independent cohorts; person-level robust (HC0) Poisson variance."""
    if c0["y"] <= 0 or c1["y"] <= 0:
        return Est(None, None, warnings=["no events in a period: the rate ratio is not identified"])
    r0, r1 = c0["y"] / c0["e"], c1["y"] / c1["e"]
    var = _ssq(c1["yy"], c1["ye"], c1["ee"], r1) / c1["y"] ** 2 + _ssq(c0["yy"], c0["ye"], c0["ee"], r0) / c0["y"] ** 2
    return Est.wald(np.log(r1 / r0), var)


# -------------------------------------------------------------------- randomisation inference
def ri_p_value(cells: pd.DataFrame, kind: str, *, R: int, seed: int) -> tuple[float | None, int]:
    """Randomisation inference over which municipalities are treated, on the studentised DiD.

    cells: cluster, treated, post and the sums (kind "logit": n, s1; kind "log_rate": e, y).
    Treated must be constant within a cluster. Every re-assignment keeps the number of treated
    municipalities; all of them when there are at most R, else R − 1 random ones plus the observed
    one. Vectorised over re-assignments. Returns (p, re-assignments used)."""
    arm = cells.groupby("cluster")["treated"].agg(["min", "max"])
    if (arm["min"] != arm["max"]).any() or len(arm) < 3:
        return None, 0
    num, den = ("s1", "n") if kind == "logit" else ("y", "e")
    wide = cells.pivot_table(index="cluster", columns="post", values=[num, den], aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(arm.index)
    a = np.stack([wide[(num, 0)].to_numpy(), wide[(num, 1)].to_numpy()], axis=1).astype(float)  # (G, 2)
    b = np.stack([wide[(den, 0)].to_numpy(), wide[(den, 1)].to_numpy()], axis=1).astype(float)
    treated = arm["min"].to_numpy().astype(int)
    G, Gt = len(treated), int(treated.sum())
    from itertools import combinations
    from math import comb

    if comb(G, Gt) <= R:
        D = np.zeros((comb(G, Gt), G))
        for r, c in enumerate(combinations(range(G), Gt)):
            D[r, list(c)] = 1
    else:
        rng = np.random.default_rng(seed)
        D = np.zeros((R, G))
        D[0] = treated
        for r in range(1, R):
            D[r, rng.choice(G, Gt, replace=False)] = 1
    t_obs = _ri_stats(treated[None, :].astype(float), a, b, kind)[0]
    t_all = _ri_stats(D, a, b, kind)
    ok = np.isfinite(t_all)
    if not np.isfinite(t_obs) or not ok.any():
        return None, 0
    return float(np.mean(np.abs(t_all[ok]) >= abs(t_obs) - 1e-9)), int(ok.sum())


def _ri_stats(D, a, b, kind):
    """Studentised DiD statistics for assignment matrix D (R×G), cluster sums a, b (G×2)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.zeros(D.shape[0])
        psi = np.zeros(D.shape)
        for t, Dt in ((1, D), (0, 1 - D)):
            for q in (0, 1):
                A = Dt @ a[:, q]
                Bq = Dt @ b[:, q]
                s = SIGNS[(t, q)]
                if kind == "logit":
                    p = A / Bq
                    stat += s * np.log(p / (1 - p))
                    psi += Dt * s * (a[None, :, q] - b[None, :, q] * p[:, None]) / (Bq * p * (1 - p))[:, None]
                else:
                    r = A / Bq
                    stat += s * np.log(r)
                    psi += Dt * s * (a[None, :, q] - b[None, :, q] * r[:, None]) / A[:, None]
        return stat / np.sqrt(np.sum(psi ** 2, axis=1))


# ----------------------------------------------- before/after without comparison, clustered
def _change_setup(cells, num, den):
    tot = cells.groupby("post")[list(dict.fromkeys([num, den, "n"]))].sum()
    codes = pd.factorize(cells["cluster"], sort=True)[0]
    G, N = codes.max() + 1, int(cells["n"].sum())
    return tot, codes, G, N


def binary_change_clustered(cells: pd.DataFrame):
    """Follow-up vs baseline log odds ratio and risk difference; cells: cluster, post, n, s1; CR1 by cluster."""
    tot, codes, G, N = _change_setup(cells, "s1", "n")
    if len(tot) < 2:
        return Est(None, None, warnings=["only one period observed"]), Est(None, None)
    p = (tot["s1"] / tot["n"]).to_dict()
    sign = np.where(cells["post"].to_numpy() == 1, 1.0, -1.0)
    pc = cells["post"].map(p).to_numpy()
    nc = cells["post"].map(tot["n"]).to_numpy()
    resid = cells["s1"].to_numpy() - cells["n"].to_numpy() * pc
    c = cr1_factor(G, N, 2)
    psi = np.bincount(codes, sign * resid / nc, minlength=G)
    rd = Est.wald(p[1] - p[0], c * np.sum(psi ** 2), df=G - 1)
    if min(p.values()) <= 0 or max(p.values()) >= 1:
        return Est(None, None, warnings=["no events or no non-events in a period: the odds ratio is not identified"]), rd
    psi = np.bincount(codes, sign * resid / (nc * pc * (1 - pc)), minlength=G)
    return Est.wald(_logit(p[1]) - _logit(p[0]), c * np.sum(psi ** 2), df=G - 1), rd


def count_change_clustered(cells: pd.DataFrame) -> Est:
    """Follow-up vs baseline log rate ratio; cells: cluster, post, n, y, e; CR1 by cluster."""
    tot, codes, G, N = _change_setup(cells, "y", "e")
    if len(tot) < 2:
        return Est(None, None, warnings=["only one period observed"])
    if (tot["y"] <= 0).any():
        return Est(None, None, warnings=["no events in a period: the rate ratio is not identified"])
    r = (tot["y"] / tot["e"]).to_dict()
    sign = np.where(cells["post"].to_numpy() == 1, 1.0, -1.0)
    resid = cells["y"].to_numpy() - cells["post"].map(r).to_numpy() * cells["e"].to_numpy()
    psi = np.bincount(codes, sign * resid / cells["post"].map(tot["y"]).to_numpy(), minlength=G)
    return Est.wald(np.log(r[1] / r[0]), cr1_factor(G, N, 2) * np.sum(psi ** 2), df=G - 1)
