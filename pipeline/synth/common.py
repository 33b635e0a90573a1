"""Small vectorised helpers shared by the table generators."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

DAY_S = 86400


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def logit(p):
    p = np.asarray(p, dtype=float)
    return np.log(p / (1 - p))


def expand(counts: np.ndarray) -> np.ndarray:
    """Row positions repeated counts[i] times (the owner of each generated event)."""
    return np.repeat(np.arange(len(counts)), counts)


def rank_within(owner: np.ndarray) -> np.ndarray:
    """0, 1, 2 ... within runs of equal owner values (owner must be sorted)."""
    if len(owner) == 0:
        return owner.astype(np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
    return np.arange(len(owner)) - first


def take_str(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return values.take(pa.array(idx, type=pa.int64()))


def pick(options: list[str], idx: np.ndarray) -> pa.Array:
    """options[idx] as a string array (a C++ take, no Python objects per row)."""
    return pa.array(list(options), type=pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64)))


def dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    arr = days.astype(np.int32)
    mask = None if valid is None else ~np.asarray(valid)
    return pa.array(arr, type=pa.date32(), mask=mask)


def timestamps(seconds: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(seconds, dtype=np.int64), type=pa.timestamp("s"))


def iso_year_week(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ISO-8601 year and week of day numbers (days since 1970-01-01, a Thursday)."""
    days = np.asarray(days, dtype=np.int64)
    thursday = days - (days + 3) % 7 + 3
    d = thursday.astype("datetime64[D]")
    year = d.astype("datetime64[Y]")
    week = (d - year.astype("datetime64[D]")).astype(np.int64) // 7 + 1
    return year.astype(np.int64) + 1970, week


def split_wave(days: np.ndarray, index_of_row: np.ndarray) -> np.ndarray:
    """True where a row belongs to the follow-up wave: dated on or after the person's index date."""
    return np.asarray(days) >= np.asarray(index_of_row)
