"""Input checks shared by the estimators: every problem is one FrievalError line naming it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import FrievalError


def require_columns(df: pd.DataFrame, cols, source: str = "data") -> None:
    for c in cols:
        if c is None:
            continue
        if c not in df.columns:
            raise FrievalError(f"{source}: column {c!r} not found (columns: {', '.join(map(str, df.columns))})")


def numeric(df: pd.DataFrame, col: str, source: str = "data", role: str = "column") -> pd.Series:
    s = df[col]
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    if not pd.api.types.is_numeric_dtype(s):
        conv = pd.to_numeric(s, errors="coerce")
        bad = s[conv.isna() & s.notna()]
        if len(bad):
            raise FrievalError(f"{source}: {role} {col!r} must be numeric, found {str(bad.iloc[0])!r}")
        s = conv
    return s.astype(float)


def binary01(df: pd.DataFrame, col: str, source: str = "data", role: str = "column") -> pd.Series:
    """A two-level column as 0/1: 0/1, booleans, or two other levels (the larger/later one = 1)."""
    s = df[col]
    levels = pd.unique(s.dropna())
    if len(levels) < 2:
        shown = "no values" if len(levels) == 0 else f"only {levels[0]!r}"
        raise FrievalError(f"{source}: {role} {col!r} has one level ({shown}); two are needed")
    if len(levels) > 2:
        raise FrievalError(f"{source}: {role} {col!r} must have two levels, found {len(levels)}")
    try:
        vals = sorted(float(v) for v in levels)
        if vals == [0.0, 1.0]:
            return s.astype(float)
    except (TypeError, ValueError):
        pass
    hi = sorted(levels, key=str)[1]
    return (s == hi).astype(float).where(s.notna())


def outcome01(df: pd.DataFrame, col: str, source: str = "data") -> pd.Series:
    s = numeric(df, col, source, "outcome")
    vals = set(np.unique(s.dropna()))
    if not vals <= {0.0, 1.0}:
        raise FrievalError(f"{source}: binary outcome {col!r} must be 0/1, found {sorted(vals - {0.0, 1.0})[0]!r}")
    if len(vals) < 2:
        raise FrievalError(f"{source}: binary outcome {col!r} has one level; two are needed")
    return s


def complete(df: pd.DataFrame, cols, warnings: list[str]) -> pd.DataFrame:
    cols = [c for c in dict.fromkeys(cols) if c is not None]
    out = df.dropna(subset=cols)
    if len(out) < len(df):
        warnings.append(f"{len(df) - len(out)} rows with missing values dropped")
    if len(out) == 0:
        raise FrievalError("data: no complete rows in columns " + ", ".join(cols))
    return out
