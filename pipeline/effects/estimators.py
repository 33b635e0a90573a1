"""Effect estimators on person-level (or series) DataFrames, on statsmodels.

Each returns an EffectResult (pipeline.effects.results). The warehouse step (`run_effects`) uses
the closed forms in `pipeline.effects.suffstats`, which give the same numbers from aggregates;
these functions are the reference implementations and back `frieval estimate`.
"""

from __future__ import annotations

import warnings as _pywarnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from ..errors import FrievalError
from .bootstrap import cluster_sums, wild_cluster_bootstrap
from .inputs import binary01, complete, numeric, outcome01, require_columns
from .results import EffectResult, Term, finite, wald_term
from .survival import survival  # noqa: F401  (re-exported)

MIN_N = 20                 # persons per group below which an estimate carries a small-n warning
FEW_CLUSTERS = 10          # treated clusters below which the wild bootstrap p-value is reported
DEFAULT_SEED = 20161201
DEFAULT_BOOT = 9999
INTERACTION = "treated:post"


def _fit(model_fit, warnings: list[str], what: str):
    """Fit, turning convergence warnings (and failures) into result warnings."""
    with _pywarnings.catch_warnings(record=True) as caught:
        _pywarnings.simplefilter("always")
        try:
            res = model_fit()
        except (np.linalg.LinAlgError, ValueError) as err:
            raise FrievalError(f"{what}: model could not be fitted ({err})") from None
    for w in caught:
        if issubclass(w.category, ConvergenceWarning) or "converge" in str(w.message).lower():
            warnings.append(f"{what}: model did not converge")
            break
    conv = getattr(res, "mle_retvals", None) or {}
    if conv and conv.get("converged") is False and not any("converge" in w for w in warnings):
        warnings.append(f"{what}: model did not converge")
    if getattr(res, "converged", True) is False and not any("converge" in w for w in warnings):
        warnings.append(f"{what}: model did not converge")
    return res


def _terms_from(res, names, *, skip=(), log_scale=False, scale="difference") -> list[Term]:
    ci = np.asarray(res.conf_int())
    params, bse, pv = np.asarray(res.params), np.asarray(res.bse), np.asarray(res.pvalues)
    out = []
    for i, name in enumerate(names):
        if name in skip:
            continue
        out.append(Term(name, finite(params[i]), finite(bse[i]), finite(ci[i, 0]), finite(ci[i, 1]),
                        finite(pv[i]), finite(np.exp(params[i])) if log_scale else None, scale))
    return out


def _small_n(warnings, counts: dict[str, int], min_n: int = MIN_N):
    for label, n in counts.items():
        if n < min_n:
            warnings.append(f"small n: {label} n={n} < {min_n}")


# --------------------------------------------------------------------------------------- paired
def paired(df: pd.DataFrame, before: str, after: str, *, source: str = "data") -> EffectResult:
    """Mean of after − before over the same persons; paired t interval."""
    require_columns(df, [before, after], source)
    w: list[str] = []
    b, a = numeric(df, before, source, "column"), numeric(df, after, source, "column")
    d = (a - b).dropna()
    if len(d) < len(df):
        w.append(f"{len(df) - len(d)} persons without both values dropped")
    n = len(d)
    if n < 2:
        raise FrievalError(f"{source}: paired design needs at least 2 complete pairs, found {n}")
    _small_n(w, {"pairs": n})
    se = d.std(ddof=1) / np.sqrt(n)
    term = wald_term("after_minus_before", d.mean(), se, df=n - 1)
    w.append("before/after change of the same persons: no counterfactual, not an effect estimate")
    return EffectResult("paired", "paired t (mean of after − before)", n, term.term, [term], w,
                        {"mean_before": float(b.mean()), "mean_after": float(a.mean())})


# ------------------------------------------------------------------------------------------ did
def _design(df, treated, post, unit_fe, time_fe, covariates, source):
    """Design matrix for the DiD models: const, treated, post, treated:post, covariates, FE dummies."""
    t = binary01(df, treated, source, "treated")
    p = binary01(df, post, source, "post")
    cols = {"const": np.ones(len(df))}
    absorbed = set()
    if unit_fe and df.groupby(unit_fe)[treated].nunique().max() <= 1:
        absorbed.add("treated")
    if time_fe and df.groupby(time_fe)[post].nunique().max() <= 1:
        absorbed.add("post")
    if "treated" not in absorbed:
        cols["treated"] = t.to_numpy()
    if "post" not in absorbed:
        cols["post"] = p.to_numpy()
    cols[INTERACTION] = (t * p).to_numpy()
    for c in covariates:
        cols[c] = numeric(df, c, source, "covariate").to_numpy()
    X = pd.DataFrame(cols, index=df.index)
    fe_names = []
    for fe in (unit_fe, time_fe):
        if fe:
            dm = pd.get_dummies(df[fe].astype(str), prefix=f"fe[{fe}]", drop_first=True, dtype=float)
            fe_names += list(dm.columns)
            X = pd.concat([X, dm], axis=1)
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        raise FrievalError(f"{source}: the design is collinear (check treated/post against the fixed effects and covariates)")
    return X, fe_names, t, p


def _cov_kw(se: str, groups):
    if se == "cluster":
        return dict(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    if se == "robust":
        return dict(cov_type="HC1", use_t=True)
    return dict(cov_type="nonrobust")


def did(df: pd.DataFrame, outcome: str, treated: str, post: str, *, unit_fe: str | None = None,
        time_fe: str | None = None, covariates=(), cluster: str | None = None, se: str | None = None,
        seed: int = DEFAULT_SEED, n_boot: int = DEFAULT_BOOT, source: str = "data") -> EffectResult:
    """Difference-in-differences by OLS; effect = the treated×post coefficient."""
    covariates = list(covariates or [])
    require_columns(df, [outcome, treated, post, unit_fe, time_fe, cluster, *covariates], source)
    se = se or ("cluster" if cluster else "robust")
    if se not in {"classical", "robust", "cluster"}:
        raise FrievalError(f"--se must be classical, robust or cluster, not {se!r}")
    if se == "cluster" and not cluster:
        raise FrievalError("--se cluster needs --cluster COL")
    w: list[str] = []
    numeric(df, outcome, source, "outcome")
    df = complete(df, [outcome, treated, post, unit_fe, time_fe, cluster, *covariates], w)
    y = numeric(df, outcome, source, "outcome").to_numpy()
    X, fe_names, t, p = _design(df, treated, post, unit_fe, time_fe, covariates, source)
    groups = pd.factorize(df[cluster])[0] if cluster else None
    model = sm.OLS(y, X)
    res = _fit(lambda: model.fit(**_cov_kw(se, groups)), w, "did")
    names = list(X.columns)
    terms = _terms_from(res, names, skip=set(fe_names))
    cells = {"treated before": int(((t == 1) & (p == 0)).sum()), "treated after": int(((t == 1) & (p == 1)).sum()),
             "comparison before": int(((t == 0) & (p == 0)).sum()), "comparison after": int(((t == 0) & (p == 1)).sum())}
    _small_n(w, cells)
    extras = {"r_squared": finite(res.rsquared), "se_type": se}
    method = f"OLS difference-in-differences ({ {'classical': 'classical', 'robust': 'HC1 robust', 'cluster': 'CR1 cluster-robust'}[se] } SE"
    if unit_fe or time_fe:
        method += ", fixed effects: " + ", ".join(f for f in (unit_fe, time_fe) if f)
    method += ")"
    if se == "cluster":
        g_t = int(df.loc[t == 1, cluster].nunique())
        g_c = int(df.loc[t == 0, cluster].nunique())
        extras.update(n_clusters_treated=g_t, n_clusters_comparison=g_c)
        if g_t < FEW_CLUSTERS or g_c < FEW_CLUSTERS:
            j = names.index(INTERACTION)
            wb = wild_cluster_bootstrap(cluster_sums(X.to_numpy(), y, groups), j, B=n_boot, seed=seed)
            eff = next(tt for tt in terms if tt.term == INTERACTION)
            extras.update(crve_p_value=eff.p_value, crve_ci_low=eff.ci_low, crve_ci_high=eff.ci_high,
                          bootstrap_B=n_boot, bootstrap_weights="webb", bootstrap_seed=seed)
            eff.p_value, eff.ci_low, eff.ci_high = wb.p_value, wb.ci_low, wb.ci_high
            w.append(f"few clusters ({g_t} treated, {g_c} comparison): p-value and CI from the wild cluster "
                     f"restricted bootstrap (Webb weights, B={n_boot}, seed {seed}), not the cluster-robust t")
            method += " + wild cluster bootstrap"
    pre = _pretrend(df, outcome, treated, post, time_fe, cluster, se, source)
    if pre is not None:
        extras["pretrend_p_value"] = pre
        if pre < 0.05:
            w.append(f"pre-trend test rejects parallel trends before the start (p={pre:.3g})")
    return EffectResult("did", method, len(df), INTERACTION, terms, w, extras)


def _pretrend(df, outcome, treated, post, time_fe, cluster, se, source):
    """Joint Wald test of treated × pre-period interactions (needs ≥ 2 pre-periods in time_fe)."""
    if not time_fe:
        return None
    p = binary01(df, post, source, "post")
    pre = df[p == 0]
    levels = sorted(pre[time_fe].unique(), key=str)
    if len(levels) < 2:
        return None
    t = binary01(pre, treated, source, "treated")
    tdum = pd.get_dummies(pre[time_fe].astype(str), drop_first=True, dtype=float)
    X = pd.concat([pd.Series(1.0, index=pre.index, name="const"), t.rename("treated"), tdum,
                   tdum.mul(t, axis=0).add_prefix("tx_")], axis=1)
    y = numeric(pre, outcome, source, "outcome")
    groups = pd.factorize(pre[cluster])[0] if cluster else None
    try:
        res = sm.OLS(y.to_numpy(), X).fit(**_cov_kw(se, groups))
        names = [c for c in X.columns if c.startswith("tx_")]
        R = np.zeros((len(names), X.shape[1]))
        for i, n in enumerate(names):
            R[i, list(X.columns).index(n)] = 1
        return finite(float(res.f_test(R).pvalue))
    except Exception:  # a diagnostic must never sink the estimate
        return None


# --------------------------------------------------------------------------------------- binary
def binary(df: pd.DataFrame, outcome: str, treated: str, post: str, *, covariates=(), cluster: str | None = None,
           source: str = "data") -> EffectResult:
    """Logistic DiD (log odds ratio of treated×post) plus the linear-probability risk difference."""
    covariates = list(covariates or [])
    require_columns(df, [outcome, treated, post, cluster, *covariates], source)
    w: list[str] = []
    outcome01(df, outcome, source)
    df = complete(df, [outcome, treated, post, cluster, *covariates], w)
    y = outcome01(df, outcome, source).to_numpy()
    X, _, t, p = _design(df, treated, post, None, None, covariates, source)
    groups = pd.factorize(df[cluster])[0] if cluster else None
    kw = dict(cov_type="cluster", cov_kwds={"groups": groups}) if cluster else {}
    logit = _fit(lambda: sm.GLM(y, X, family=sm.families.Binomial()).fit(**kw), w, "logistic")
    names = list(X.columns)
    terms = _terms_from(logit, names, log_scale=True, scale="log_odds_ratio")
    lpm = _fit(lambda: sm.OLS(y, X).fit(**_cov_kw("cluster" if cluster else "robust", groups)), w, "risk difference")
    j = names.index(INTERACTION)
    rd = Term("risk_difference", finite(lpm.params.iloc[j]), finite(lpm.bse.iloc[j]),
              finite(lpm.conf_int().iloc[j, 0]), finite(lpm.conf_int().iloc[j, 1]), finite(lpm.pvalues.iloc[j]),
              None, "risk_difference")
    terms.append(rd)
    cells = {f"{'treated' if a else 'comparison'} {'after' if b else 'before'}": int(((t == a) & (p == b)).sum())
             for a in (1, 0) for b in (0, 1)}
    _small_n(w, cells)
    events = {k: int(y[((t == a) & (p == b)).to_numpy()].sum()) for k, (a, b) in
              zip(cells, [(1, 0), (1, 1), (0, 0), (0, 1)])}
    if min(events.values()) == 0 or min(n - e for n, e in zip(cells.values(), events.values())) == 0:
        w.append("a treated/period cell has no events or no non-events: the odds ratio is not identified")
    method = "logistic difference-in-differences" + (" (CR1 cluster-robust SE)" if cluster else " (model SE)")
    if cluster:
        g_t = int(df.loc[t == 1, cluster].nunique())
        if g_t < FEW_CLUSTERS:
            w.append(f"few treated clusters ({g_t}): cluster-robust p-values may be too small")
    return EffectResult("binary", method, len(df), INTERACTION, terms, w)


# ---------------------------------------------------------------------------------------- count
def count_model(df: pd.DataFrame, outcome: str, regressors: list[str], *, exposure: str | None = None,
                family: str = "poisson", se: str = "model", cluster: str | None = None,
                effect_term: str | None = None, extra_cols: dict | None = None, source: str = "data",
                design: str = "count") -> EffectResult:
    """Poisson or NB2 regression with log(exposure) offset; coefficients are log rate ratios."""
    require_columns(df, [outcome, exposure, cluster, *regressors], source)
    if family not in {"poisson", "negbin"}:
        raise FrievalError(f"--family must be poisson or negbin, not {family!r}")
    w: list[str] = []
    numeric(df, outcome, source, "outcome")
    df = complete(df, [outcome, exposure, cluster, *regressors], w)
    y = numeric(df, outcome, source, "outcome")
    if (y < 0).any() or (np.abs(y - np.round(y)) > 1e-9).any():
        raise FrievalError(f"{source}: count outcome {outcome!r} must hold non-negative whole numbers")
    X = pd.DataFrame({"const": np.ones(len(df))}, index=df.index)
    for c in regressors:
        X[c] = numeric(df, c, source, "regressor")
    for name, col in (extra_cols or {}).items():
        X[name] = col.loc[df.index]
    offset = None
    if exposure:
        e = numeric(df, exposure, source, "exposure")
        if (e <= 0).any():
            raise FrievalError(f"{source}: exposure {exposure!r} must be positive")
        offset = np.log(e.to_numpy())
    groups = pd.factorize(df[cluster])[0] if cluster else None
    kw = {"cluster": dict(cov_type="cluster", cov_kwds={"groups": groups}),
          "robust": dict(cov_type="HC0"), "model": {}}[se if se in {"cluster", "robust"} else "model"]
    names = list(X.columns)
    if family == "poisson":
        res = _fit(lambda: sm.GLM(y.to_numpy(), X, family=sm.families.Poisson(), offset=offset).fit(**kw), w, "Poisson")
        pearson = res.pearson_chi2 / max(res.df_resid, 1)
        if pearson > 1.5:
            w.append(f"overdispersion (Pearson χ²/df = {pearson:.2f})" +
                     ("; robust SEs used" if se != "model" else "; consider --family negbin"))
        method = f"Poisson regression, log link{', exposure offset' if exposure else ''} ({'model' if se == 'model' else se} SE)"
        extras = {"pearson_dispersion": finite(pearson)}
    else:
        from statsmodels.discrete.discrete_model import NegativeBinomial

        mod = NegativeBinomial(y.to_numpy(), X, loglike_method="nb2", offset=offset)
        res = _fit(lambda: mod.fit(disp=0, maxiter=200, **kw), w, "negative binomial")
        method = f"negative binomial (NB2), log link{', exposure offset' if exposure else ''}"
        extras = {"alpha": finite(res.params.iloc[-1])}
    terms = _terms_from(res, names, log_scale=True, scale="log_rate_ratio")
    return EffectResult(design, method, len(df), effect_term or names[-1], terms, w, extras)


def count(df: pd.DataFrame, outcome: str, exposure: str, treated: str, post: str, *, family: str = "poisson",
          cluster: str | None = None, se: str | None = None, source: str = "data") -> EffectResult:
    """Count DiD: log incidence rate ratio of treated×post with a log(exposure) offset."""
    require_columns(df, [outcome, exposure, treated, post, cluster], source)
    sub = df.dropna(subset=[c for c in (outcome, exposure, treated, post, cluster) if c])
    t, p = binary01(sub, treated, source, "treated"), binary01(sub, post, source, "post")
    tmp = sub.assign(__t=t, __p=p)
    se = se or ("cluster" if cluster else ("robust" if family == "poisson" else "model"))
    res = count_model(tmp, outcome, [], exposure=exposure, family=family, se=se, cluster=cluster,
                      extra_cols={"treated": t, "post": p, INTERACTION: t * p}, effect_term=INTERACTION,
                      source=source)
    res.method = res.method.replace("regression", "difference-in-differences", 1) if family == "poisson" else \
        res.method.replace("(NB2)", "(NB2) difference-in-differences")
    cells = {f"{'treated' if a else 'comparison'} {'after' if b else 'before'}": int(((t == a) & (p == b)).sum())
             for a in (1, 0) for b in (0, 1)}
    _small_n(res.warnings, cells)
    return res


# ------------------------------------------------------------------------------------------ its
def its(df: pd.DataFrame, outcome: str, time: str, post: str, *, family: str = "gaussian",
        offset: str | None = None, maxlags: int | None = None, source: str = "data") -> EffectResult:
    """Segmented regression Y_t = β0 + β1·t + β2·D_t + β3·(t − T0)·D_t (Wagner et al. 2002).

    T0 is the first time with post = 1, so β2 is the level change at T0 and β3 the slope change.
    Gaussian: OLS with Newey–West (HAC) errors; Poisson: log link, optional log(offset), HAC errors.
    """
    require_columns(df, [outcome, time, post, offset], source)
    if family not in {"gaussian", "poisson"}:
        raise FrievalError(f"--family for its must be gaussian or poisson, not {family!r}")
    w: list[str] = []
    numeric(df, outcome, source, "outcome")
    df = complete(df, [outcome, time, post, offset], w)
    tt = numeric(df, time, source, "time")
    order = np.argsort(tt.to_numpy(), kind="stable")
    df, tt = df.iloc[order], tt.iloc[order]
    p = binary01(df, post, source, "post")
    if (p.diff().fillna(0) < 0).any():
        raise FrievalError(f"{source}: post {post!r} must switch from 0 to 1 once over time")
    y = numeric(df, outcome, source, "outcome").to_numpy()
    t0 = tt[p == 1].min()
    X = pd.DataFrame({"const": 1.0, "time": tt.to_numpy(), "level_change": p.to_numpy(),
                      "slope_change": ((tt - t0) * p).to_numpy()})
    n_pre, n_post = int((p == 0).sum()), int((p == 1).sum())
    for label, n in (("before", n_pre), ("after", n_post)):
        if n < 8:
            w.append(f"few time points {label} the interruption ({n}); segmented regression is fragile")
    lags = maxlags if maxlags is not None else int(np.floor(4 * (len(y) / 100) ** (2 / 9)))
    kw = dict(cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=True)
    names = list(X.columns)
    if family == "gaussian":
        res = _fit(lambda: sm.OLS(y, X).fit(**kw), w, "its")
        terms = _terms_from(res, names)
        dw = float(sm.stats.durbin_watson(res.resid))
        extras = {"durbin_watson": dw}
        method = f"segmented regression, OLS with Newey–West SE (maxlags={lags})"
    else:
        off = None
        if offset:
            e = numeric(df, offset, source, "offset")
            if (e <= 0).any():
                raise FrievalError(f"{source}: offset {offset!r} must be positive")
            off = np.log(e.to_numpy())
        res = _fit(lambda: sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(**kw), w, "its")
        terms = _terms_from(res, names, log_scale=True, scale="log_rate_ratio")
        extras = {"pearson_dispersion": finite(res.pearson_chi2 / max(res.df_resid, 1))}
        method = f"segmented Poisson regression{', log offset' if offset else ''}, Newey–West SE (maxlags={lags})"
    return EffectResult("its", method, len(y), "level_change", terms, w, extras)
