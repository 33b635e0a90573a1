"""The one result type every estimator returns, and helpers to fill it."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

Z95 = stats.norm.ppf(0.975)


@dataclass
class Term:
    term: str
    estimate: float | None
    std_error: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    ratio: float | None = None  # exp(estimate) where the model is on a log scale
    scale: str = "difference"

    def as_dict(self) -> dict:
        return {k: _clean(v) for k, v in asdict(self).items()}


@dataclass
class EffectResult:
    design: str
    method: str
    n: int
    effect_term: str
    terms: list[Term]
    warnings: list[str] = field(default_factory=list)
    extras: dict = field(default_factory=dict)  # medians, log-rank test, CRVE p beside a bootstrap p, ...

    @property
    def effect(self) -> Term:
        for t in self.terms:
            if t.term == self.effect_term:
                return t
        raise KeyError(self.effect_term)

    def as_dict(self) -> dict:
        eff = self.effect.as_dict()
        eff.pop("scale", None)
        return {
            "design": self.design,
            "method": self.method,
            "n": int(self.n),
            "effect": eff,
            "terms": [t.as_dict() for t in self.terms],
            "warnings": list(self.warnings),
            "extras": {k: _clean(v) for k, v in self.extras.items()},
        }


def _clean(v):
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return v if math.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def finite(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def wald_term(name: str, est: float, se: float, *, df: float | None = None, log_scale: bool = False,
              scale: str = "difference", p_value: float | None = None) -> Term:
    """A term with a Wald CI and p-value (t with df when given, else normal)."""
    est, se = finite(est), finite(se)
    if est is None or se is None or se <= 0:
        return Term(name, est, se, None, None, None, _ratio(est) if log_scale else None, scale)
    crit = stats.t.ppf(0.975, df) if df else Z95
    tstat = est / se
    p = p_value if p_value is not None else (2 * stats.t.sf(abs(tstat), df) if df else 2 * stats.norm.sf(abs(tstat)))
    return Term(name, est, se, est - crit * se, est + crit * se, finite(p),
                _ratio(est) if log_scale else None, scale)


def _ratio(est):
    if est is None:
        return None
    try:
        return finite(math.exp(est))
    except OverflowError:
        return None


def log_scale_term(name: str, est, se, lo, hi, p, scale: str) -> Term:
    return Term(name, finite(est), finite(se), finite(lo), finite(hi), finite(p), _ratio(finite(est)), scale)


def bh_adjust(p: list[float | None]) -> list[float | None]:
    """Benjamini–Hochberg adjusted p-values; None stays None and is not counted."""
    idx = [i for i, x in enumerate(p) if x is not None and math.isfinite(x)]
    out: list[float | None] = [None] * len(p)
    if not idx:
        return out
    vals = np.array([p[i] for i in idx], dtype=float)
    m = len(vals)
    order = np.argsort(vals, kind="mergesort")
    ranked = vals[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.minimum(adj, 1.0)
    res = np.empty(m)
    res[order] = adj
    for j, i in enumerate(idx):
        out[i] = float(res[j])
    return out
