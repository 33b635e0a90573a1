"""Kaplan-Meier curves and medians for time-to-event measures (statsmodels SurvfuncRight).

Person rows are read here and never leave: a curve stops where fewer than T persons are at risk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SERIES_COLS = ["experiment_id", "chart", "series_code", "measure_code", "stratum", "arm", "period", "x",
               "x_date", "y", "y_low", "y_high", "centre"]


def kaplan_meier(wh, measures: pd.DataFrame, T: int):
    """Kaplan-Meier curves and medians per experiment x time-to-event measure x arm x period.

    Person rows never leave this function; a curve stops where fewer than T persons are at risk.
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    tte = [m for m in measures.index if measures.measure_type.get(m) == "time_to_event"]
    empty = pd.DataFrame(columns=SERIES_COLS)
    if not tte or not wh.has("marts.fct_person_measures"):
        return empty, pd.DataFrame(columns=["experiment_id", "measure_code", "stratum", "arm", "period",
                                            "median"])
    pm = wh.df(f"""select experiment_id, measure_code, coalesce(stratum, '') as stratum, arm, period,
                          value, censored
                   from marts.fct_person_measures
                   where measure_code in ({",".join("?" * len(tte))}) and value is not null
                   order by all""", tte)
    series, medians = [], []
    for (ex, mc, st, arm, period), g in pm.groupby(
            ["experiment_id", "measure_code", "stratum", "arm", "period"], sort=True):
        if len(g) < T:
            continue
        status = (~g.censored.fillna(False).astype(bool)).astype(int).to_numpy()
        sf = SurvfuncRight(g.value.to_numpy(dtype=float), status)
        times, prob, risk = sf.surv_times, sf.surv_prob, sf.n_risk
        se = sf.surv_prob_se
        series.append((ex, "km", mc, mc, st, arm, period, 0.0, pd.NaT, 1.0, 1.0, 1.0, np.nan))
        for t, p, r, s in zip(times, prob, risk, se):
            if r < T:
                break
            series.append((ex, "km", mc, mc, st, arm, period, float(t), pd.NaT, float(p),
                           float(max(0.0, p - 1.96 * s)), float(min(1.0, p + 1.96 * s)), np.nan))
        below = np.where(prob <= 0.5)[0]
        med = float(times[below[0]]) if len(below) and risk[below[0]] >= T else np.nan
        medians.append((ex, mc, st, arm, period, med))
    return (pd.DataFrame(series, columns=empty.columns),
            pd.DataFrame(medians, columns=["experiment_id", "measure_code", "stratum", "arm", "period",
                                           "median"]))


def apply_km_medians(cell_values, km_medians, measures, counts):
    """Pooled (arm-level) medians of time-to-event measures come from the KM curve."""
    if km_medians.empty:
        return cell_values
    cv = cell_values.merge(km_medians, how="left",
                           on=["experiment_id", "measure_code", "stratum", "arm", "period"])
    is_med = cv.measure_code.map(lambda m: measures.aggregation.get(m) == "median" if m in measures.index
                                 else False)
    arm_level = (cv.level == "arm") & is_med
    shown = cv.value.notna() | arm_level  # hidden cells stay hidden
    hidden = counts.status.values != ""
    use = arm_level & ~hidden
    cv.loc[use, "value"] = cv.loc[use, "median"]
    cv.loc[~shown, "value"] = np.nan
    return cv.drop(columns="median")


