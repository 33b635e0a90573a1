"""Cox proportional hazards (Efron ties) for the warehouse step, returning the last column's term."""

from __future__ import annotations

import warnings as _pywarnings

import numpy as np
from statsmodels.duration.hazard_regression import PHReg

from .suffstats import Est


def cox_grouped(time: np.ndarray, status: np.ndarray, X: np.ndarray, clusters=None) -> Est:
    """Log hazard ratio of X's last column; cluster-robust SE when clusters are given."""
    groups = None
    if clusters is not None:
        import pandas as pd

        groups = pd.factorize(clusters, sort=True)[0]
    model = PHReg(time, X, status=status, ties="efron")
    w = []
    with _pywarnings.catch_warnings(record=True) as caught:
        _pywarnings.simplefilter("always")
        try:
            res = model.fit(groups=groups) if groups is not None else model.fit()
        except (np.linalg.LinAlgError, ValueError) as err:
            return Est(None, None, warnings=[f"Cox model could not be fitted ({err})"])
    if any("converge" in str(c.message).lower() for c in caught) or not np.all(np.isfinite(res.params)):
        w.append("Cox model did not converge")
    est = Est.wald(float(res.params[-1]), float(res.bse[-1]) ** 2)
    est.warnings += w
    return est
