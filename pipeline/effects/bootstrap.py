"""Cluster-robust OLS inference and the wild cluster restricted (WCR) bootstrap from cluster sums.

Everything here works on per-cluster sufficient statistics: X_g'X_g (G×k×k) and X_g'y_g (G×k).
Those come either from per-person arrays (`cluster_sums`) or straight from cell aggregates when
every regressor is constant within a cell (the pipeline's saturated DiD), so the bootstrap never
touches person-level data. The algebra (Roodman, MacKinnon, Nielsen & Webb 2019, "Fast and wild",
Stata Journal 19(1)) is:

    β* − β̃ = (X'X)⁻¹ Σ_g v_g S̃_g,      S̃_g = X_g'y_g − X_g'X_g β̃   (restricted scores)
    X_g'u*_g = v_g S̃_g − X_g'X_g (β* − β̃)

so each bootstrap draw costs O(G·k). Webb's six-point weights are used (Webb 2014/2023), which
behave better than Rademacher weights when there are few clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


@dataclass
class ClusterSums:
    XtX_g: np.ndarray  # (G, k, k)
    Xty_g: np.ndarray  # (G, k)
    n: int             # observations

    @property
    def G(self) -> int:
        return self.XtX_g.shape[0]

    @property
    def k(self) -> int:
        return self.XtX_g.shape[1]


def cluster_sums(X: np.ndarray, y: np.ndarray, groups: np.ndarray) -> ClusterSums:
    """Per-cluster X'X and X'y from person-level arrays (vectorised over clusters)."""
    codes, _ = _codes(groups)
    G, k = codes.max() + 1, X.shape[1]
    order = np.argsort(codes, kind="stable")
    Xs, ys, cs = X[order], y[order], codes[order]
    bounds = np.searchsorted(cs, np.arange(G + 1))
    XtX_g = np.empty((G, k, k))
    Xty_g = np.empty((G, k))
    for g in range(G):  # a loop over clusters (≤ a few hundred), never over persons
        xs = Xs[bounds[g]:bounds[g + 1]]
        XtX_g[g] = xs.T @ xs
        Xty_g[g] = xs.T @ ys[bounds[g]:bounds[g + 1]]
    return ClusterSums(XtX_g, Xty_g, len(y))


def _codes(groups):
    uniq, codes = np.unique(np.asarray(groups), return_inverse=True)
    return codes.ravel(), uniq


def cr1_factor(G: int, n: int, k: int) -> float:
    """Stata's CR1 small-sample factor for OLS: G/(G−1)·(N−1)/(N−K)."""
    return G / (G - 1) * (n - 1) / max(n - k, 1)


def ols_cr1(cs: ClusterSums):
    """OLS coefficients and the CR1 cluster-robust covariance from cluster sums."""
    XtX = cs.XtX_g.sum(0)
    Xty = cs.Xty_g.sum(0)
    A = np.linalg.pinv(XtX)
    beta = A @ Xty
    S = cs.Xty_g - cs.XtX_g @ beta  # (G, k) scores
    meat = S.T @ S
    V = cr1_factor(cs.G, cs.n, cs.k) * A @ meat @ A
    return beta, V


@dataclass
class WildBootstrap:
    p_value: float
    t_stat: float
    B: int
    weights: str
    ci_low: float | None = None
    ci_high: float | None = None


class _WCR:
    """Wild cluster restricted bootstrap test of β_j = null, reusable for many nulls (CI inversion)."""

    def __init__(self, cs: ClusterSums, j: int, B: int, seed: int):
        self.cs, self.j = cs, j
        self.XtX = cs.XtX_g.sum(0)
        self.Xty = cs.Xty_g.sum(0)
        self.A = np.linalg.pinv(self.XtX)
        self.c = cr1_factor(cs.G, cs.n, cs.k)
        rng = np.random.default_rng(seed)
        self.V = WEBB[rng.integers(0, 6, size=(B, cs.G))]
        self.a_j = self.A[:, j]
        self.beta = self.A @ self.Xty
        S = cs.Xty_g - cs.XtX_g @ self.beta
        q = S @ self.a_j
        self.se = float(np.sqrt(self.c * np.sum(q ** 2)))
        self.others = [i for i in range(cs.k) if i != j]
        self.XtXa = cs.XtX_g @ self.a_j  # (G, k)

    def t_stat(self, null: float) -> float:
        return (self.beta[self.j] - null) / self.se if self.se > 0 else np.inf

    def p_value(self, null: float) -> float:
        cs, j, R = self.cs, self.j, self.others
        Xty_r = self.Xty - null * self.XtX[:, j]
        beta_r = np.zeros(cs.k)
        if R:
            beta_r[R] = np.linalg.lstsq(self.XtX[np.ix_(R, R)], Xty_r[R], rcond=None)[0]
        beta_r[j] = null
        S_r = cs.Xty_g - cs.XtX_g @ beta_r  # (G, k) restricted scores
        D = (self.V @ S_r) @ self.A  # (B, k) β* − β̃
        q = self.V * (S_r @ self.a_j)[None, :] - D @ self.XtXa.T  # (B, G)
        se_star = np.sqrt(self.c * np.sum(q ** 2, axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = D[:, j] / se_star
        t0 = abs(self.t_stat(null))
        return float(np.mean(np.abs(np.nan_to_num(t_star, nan=0.0)) >= t0 - 1e-12))


def wild_cluster_bootstrap(cs: ClusterSums, j: int, *, null: float = 0.0, B: int = 9999,
                           seed: int = 20161201, ci: bool = True, level: float = 0.95) -> WildBootstrap:
    """WCR bootstrap p-value (symmetric, t-statistic) for H0: β_j = null; CI by test inversion."""
    w = _WCR(cs, j, B, seed)
    p = w.p_value(null)
    lo = hi = None
    if ci and w.se > 0 and np.isfinite(w.se):
        alpha = 1 - level
        b = w.beta[j]
        lo = _invert(w, b, -1, alpha)
        hi = _invert(w, b, +1, alpha)
    return WildBootstrap(p, float(w.t_stat(null)), B, "webb", lo, hi)


def _invert(w: _WCR, b: float, sign: int, alpha: float, tol_se: float = 0.005) -> float | None:
    """The null value on one side of b where the bootstrap p-value crosses alpha (bisection)."""
    inner, step = b, 2.0 * w.se
    outer = b + sign * step
    for _ in range(12):
        if w.p_value(outer) < alpha:
            break
        inner, step = outer, step * 2
        outer = b + sign * step
    else:
        return None  # p stays above alpha: an unbounded interval
    # Bounded: when the SE is below the floating-point resolution of b (a near-constant outcome),
    # the midpoint stops moving and an open-ended `while` would never end.
    for _ in range(80):
        if abs(outer - inner) <= tol_se * w.se:
            break
        mid = (inner + outer) / 2
        if mid in (inner, outer):
            break
        if w.p_value(mid) < alpha:
            outer = mid
        else:
            inner = mid
    return float((inner + outer) / 2)


def t_crit(df: float, level: float = 0.95) -> float:
    return float(stats.t.ppf(0.5 + level / 2, df))
