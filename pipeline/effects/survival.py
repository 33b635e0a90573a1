"""Time to event: Kaplan–Meier per group with medians, log-rank test, Cox model (Efron ties)."""

from __future__ import annotations

import warnings as _pywarnings

import numpy as np
import pandas as pd
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from ..errors import FrievalError
from .inputs import binary01, complete, numeric, require_columns
from .results import EffectResult, Term, finite

MIN_EVENTS = 10


def survival(df: pd.DataFrame, duration: str, event: str, group: str, *, covariates=(),
             cluster: str | None = None, source: str = "data") -> EffectResult:
    """Cox proportional hazards (Efron ties); effect = log hazard ratio of group (1 vs 0)."""
    covariates = list(covariates or [])
    require_columns(df, [duration, event, group, cluster, *covariates], source)
    w: list[str] = []
    numeric(df, duration, source, "duration")
    df = complete(df, [duration, event, group, cluster, *covariates], w)
    time = numeric(df, duration, source, "duration")
    if (time < 0).any():
        raise FrievalError(f"{source}: duration {duration!r} must be non-negative")
    ev = numeric(df, event, source, "event")
    if not set(np.unique(ev)) <= {0.0, 1.0}:
        raise FrievalError(f"{source}: event {event!r} must be 0 (censored) or 1 (event)")
    if ev.sum() == 0:
        raise FrievalError(f"{source}: event {event!r}: all observations are censored; no event to estimate from")
    g = binary01(df, group, source, "group")
    X = pd.DataFrame({group: g.to_numpy()})
    for c in covariates:
        X[c] = numeric(df, c, source, "covariate").to_numpy()
    return cox_fit(time.to_numpy(), ev.to_numpy(), X, group, w,
                   groups=pd.factorize(df[cluster])[0] if cluster else None, km_group=g.to_numpy())


def cox_fit(time, status, X: pd.DataFrame, effect_term: str, w: list[str], *, groups=None, km_group=None,
            design: str = "survival") -> EffectResult:
    model = PHReg(time, X.to_numpy(dtype=float), status=status, ties="efron")
    with _pywarnings.catch_warnings(record=True) as caught:
        _pywarnings.simplefilter("always")
        try:
            res = model.fit(groups=groups) if groups is not None else model.fit()
        except (np.linalg.LinAlgError, ValueError) as err:
            raise FrievalError(f"Cox model could not be fitted ({err})") from None
    if any("converge" in str(c.message).lower() for c in caught) or not np.all(np.isfinite(res.params)):
        w.append("Cox model did not converge")
    params, bse = np.asarray(res.params), np.asarray(res.bse)
    ci, pv = np.asarray(res.conf_int()), np.asarray(res.pvalues)
    terms = [Term(name, finite(params[i]), finite(bse[i]), finite(ci[i, 0]), finite(ci[i, 1]), finite(pv[i]),
                  finite(np.exp(params[i])), "log_hazard_ratio") for i, name in enumerate(X.columns)]
    extras: dict = {"events": int(status.sum())}
    if km_group is not None:
        for lvl, label in ((0.0, "group0"), (1.0, "group1")):
            m = km_group == lvl
            n_ev = int(status[m].sum())
            extras[f"n_{label}"] = int(m.sum())
            extras[f"events_{label}"] = n_ev
            extras[f"median_{label}"] = _km_median(time[m], status[m]) if n_ev else None
            if n_ev < MIN_EVENTS:
                w.append(f"small n: {n_ev} events in {label.replace('group', 'group ')} (< {MIN_EVENTS})")
        if len(np.unique(km_group)) == 2:
            chisq, p = survdiff(time, status, km_group)
            extras.update(logrank_chisq=finite(chisq), logrank_p=finite(p))
    method = "Cox proportional hazards (Efron ties)" + (", cluster-robust SE" if groups is not None else "")
    return EffectResult(design, method, len(time), effect_term, terms, w, extras)


def _km_median(time, status):
    sf = SurvfuncRight(time, status)
    s = sf.surv_prob
    idx = np.nonzero(s <= 0.5)[0]
    return finite(sf.surv_times[idx[0]]) if len(idx) else None
