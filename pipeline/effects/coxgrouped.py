"""Cox proportional hazards with Efron ties on grouped data, for the warehouse step.

The warehouse's Cox models have only arm/period indicators as covariates, so subjects fall into at
most four covariate patterns. The Efron partial likelihood then depends only on, per distinct
time and pattern, the number of events and of subjects leaving the risk set; this module fits it
by Newton–Raphson with arrays of length (#distinct times × #patterns) and (#events), which is
orders of magnitude faster than a per-subject fit and gives the same estimates as
statsmodels' PHReg(ties="efron") (tests/test_effects_suffstats.py checks it).

The cluster-robust variance is the sandwich H⁻¹(Σ_g U_g U_g')H⁻¹ with Breslow-type score
residuals (the ones statsmodels' PHReg uses), times the small-sample factor G/(G−1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .suffstats import Est


def cox_grouped(time: np.ndarray, status: np.ndarray, X: np.ndarray, clusters=None, *, max_iter: int = 50) -> Est:
    """Log hazard ratio of X's last column; cluster-robust SE (t with G−1 df) when clusters are given."""
    fit = CoxGrouped(time, status, X).fit(max_iter=max_iter)
    if fit is None:
        return Est(None, None, warnings=["Cox model could not be fitted (no events)"])
    beta, cov_model, converged = fit
    warn = [] if converged else ["Cox model did not converge"]
    j = X.shape[1] - 1
    if clusters is not None:
        codes = pd.factorize(clusters, sort=True)[0]
        G = int(codes.max()) + 1
        if G < 2:
            est = Est(float(beta[j]), None, warnings=warn + ["one cluster: no cluster-robust standard error"])
            return est
        V = CoxGrouped(time, status, X).robust_cov(beta, codes, G)
        est = Est.wald(beta[j], V[j, j], df=G - 1)
    else:
        est = Est.wald(beta[j], cov_model[j, j])
    est.warnings += warn
    return est


class CoxGrouped:
    def __init__(self, time, status, X):
        X = np.asarray(X, dtype=float)
        self.k, self.ut = pd.factorize(np.asarray(time, float), sort=True)
        radix = np.zeros(len(X), dtype=np.int64)
        for j in range(X.shape[1]):  # mixed-radix code of the covariate pattern (hash-based, no sort of rows)
            cj, uj = pd.factorize(X[:, j], sort=True)
            radix = radix * len(uj) + cj
        self.c, codes = pd.factorize(radix, sort=True)
        first = pd.Series(np.arange(len(X))).groupby(self.c).first().to_numpy()
        self.Xc = X[first]
        self.status = np.asarray(status, float)
        T, C = len(self.ut), len(self.Xc)
        flat = self.k * C + self.c
        self.m = np.bincount(flat, minlength=T * C).reshape(T, C).astype(float)
        self.d = np.bincount(flat, weights=self.status, minlength=T * C).reshape(T, C)
        self.R = np.cumsum(self.m[::-1], axis=0)[::-1]  # at risk at each distinct time
        self.D = self.d.sum(1)
        ev = np.nonzero(self.D > 0)[0]
        Dev = self.D[ev].astype(int)
        self.kk = np.repeat(ev, Dev)  # one entry per event (Efron's l = 0..D−1)
        starts = np.repeat(np.cumsum(Dev) - Dev, Dev)
        self.f = (np.arange(len(self.kk)) - starts) / np.repeat(Dev, Dev)
        self.dx = self.d.sum(0) @ self.Xc  # Σ events × covariates

    def _sums(self, beta):
        Xc = self.Xc
        eta = Xc @ beta
        w = np.exp(eta - eta.max())
        wx = w[:, None] * Xc
        wxx = w[:, None, None] * Xc[:, :, None] * Xc[:, None, :]
        S, E = self.R @ w, self.d @ w
        S1, E1 = self.R @ wx, self.d @ wx
        S2 = np.einsum("tc,cij->tij", self.R, wxx)
        E2 = np.einsum("tc,cij->tij", self.d, wxx)
        return w, eta.max(), S, E, S1, E1, S2, E2

    def loglik_grad_hess(self, beta):
        w, shift, S, E, S1, E1, S2, E2 = self._sums(beta)
        kk, f = self.kk, self.f
        T = len(S)
        den = S[kk] - f * E[kk]
        inv = 1 / den
        # Efron's sums over l = 0..D−1 at each time, reduced to per-time scalars
        a0 = np.bincount(kk, inv, minlength=T)
        a1 = np.bincount(kk, f * inv, minlength=T)
        b0 = np.bincount(kk, inv * inv, minlength=T)
        b1 = np.bincount(kk, f * inv * inv, minlength=T)
        b2 = np.bincount(kk, f * f * inv * inv, minlength=T)
        ll = self.dx @ beta - np.sum(np.log(den) + shift)
        grad = self.dx - (a0 @ S1 - a1 @ E1)
        outer = (np.einsum("t,ti,tj->ij", b0, S1, S1) - np.einsum("t,ti,tj->ij", b1, S1, E1)
                 - np.einsum("t,ti,tj->ij", b1, E1, S1) + np.einsum("t,ti,tj->ij", b2, E1, E1))
        hess = -(np.einsum("t,tij->ij", a0, S2) - np.einsum("t,tij->ij", a1, E2) - outer)
        return ll, grad, hess

    def fit(self, max_iter=50, tol=1e-9):
        if self.status.sum() == 0:
            return None
        p = self.Xc.shape[1]
        beta = np.zeros(p)
        ll, g, H = self.loglik_grad_hess(beta)
        converged = False
        for _ in range(max_iter):
            try:
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                break
            t = 1.0
            while True:
                nb = beta - t * step
                nll, ng, nH = self.loglik_grad_hess(nb)
                if np.isfinite(nll) and nll >= ll - 1e-12 or t < 1e-6:
                    break
                t /= 2
            done = abs(nll - ll) < tol * (1 + abs(ll)) and np.max(np.abs(nb - beta)) < 1e-7
            beta, ll, g, H = nb, nll, ng, nH
            if done:
                converged = True
                break
        converged = converged and np.all(np.isfinite(beta)) and np.max(np.abs(beta)) < 20
        try:
            cov = np.linalg.inv(-H)
        except np.linalg.LinAlgError:
            cov = np.full((p, p), np.nan)
        return beta, cov, converged

    def robust_cov(self, beta, codes, G):
        """H⁻¹ (Σ_g U_g U_g') H⁻¹ · G/(G−1), Breslow-type score residuals U."""
        w, shift, S, E, S1, E1, S2, E2 = self._sums(beta)
        _, _, H = self.loglik_grad_hess(beta)
        with np.errstate(divide="ignore", invalid="ignore"):
            xbar = np.where(S[:, None] > 0, S1 / S[:, None], 0.0)
            dchaz = np.where(S > 0, self.D / S, 0.0)
        C0 = np.cumsum(dchaz)
        C1 = np.cumsum(xbar * dchaz[:, None], axis=0)
        xi = self.Xc[self.c]
        wi = w[self.c]
        U = self.status[:, None] * (xi - xbar[self.k]) - wi[:, None] * (xi * C0[self.k][:, None] - C1[self.k])
        Ug = np.stack([np.bincount(codes, U[:, j], minlength=G) for j in range(U.shape[1])], axis=1)
        Hinv = np.linalg.inv(H)
        return G / (G - 1) * Hinv @ (Ug.T @ Ug) @ Hinv
