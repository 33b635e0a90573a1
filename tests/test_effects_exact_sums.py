"""The effects step's sums of doubles are exact: the same bits in any row order, on any number of threads."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipeline.effects import run_effects
from pipeline.effects.simulate import ExperimentSpec as S, build_warehouse
from pipeline.effects.warehouse import ExactSums
from pipeline.errors import FrievalError

N = 300_000  # more than two DuckDB row groups, so that two threads really split the sum


def _values(seed: int) -> np.ndarray:
    """Magnitudes from 1e-9 to 1e5 and cancelling signs: plain double sums depend on the order."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=N) * 10.0 ** rng.integers(-9, 6, size=N)
    x[:1000] = 1e5 / 3
    x[1000:2000] = -1e5 / 3
    return x


def _sums(x: np.ndarray, threads: int, order: str) -> tuple:
    xs = ExactSums(len(x), float(np.abs(x).max()))
    with duckdb.connect() as con:
        con.execute(f"set threads = {threads}")
        con.register("t", pd.DataFrame({"x": x, "i": np.arange(len(x))}))
        con.execute(f"create table u as select * from t order by {order}")
        return con.execute(f"select {xs.linear('x')}, {xs.quadratic('x * x')}, {xs.linear('x', 'x > 0')}, "
                           "sum(x) from u").fetchone()


def test_exact_sums_are_the_correctly_rounded_sum():
    x = _values(1)
    s1, s2, pos, _ = _sums(x, threads=2, order="i")
    assert s1 == math.fsum(x)  # fsum: the exact sum rounded once to the nearest double
    assert s2 == math.fsum(x * x)
    assert pos == math.fsum(x[x > 0])


def test_exact_sums_do_not_depend_on_row_order_or_threads():
    x = _values(2)
    runs = [_sums(x, threads, order) for threads in (1, 2) for order in ("i", "i desc", "hash(i)")]
    assert len({r[:3] for r in runs}) == 1
    # ...which plain double sums of the same data do: without that, this test could not fail.
    assert len({r[3] for r in runs}) > 1


def test_exact_sums_reject_non_finite_values():
    with pytest.raises(FrievalError, match="not a finite number"):
        ExactSums(10, float("nan"))


def test_effects_identical_with_one_thread_and_shuffled_rows(tmp_path, monkeypatch):
    """The whole step: the mart rewritten in another row order, read on one thread -> the same bytes."""
    db = tmp_path / "w.duckdb"
    build_warehouse(db, [S("E_did"), S("E_cohort", period_design="cohort")], seed=5)
    with duckdb.connect(str(db)) as con:
        # Within each municipality × period, alternate persons get +1e9 and -1e9: the true sums do
        # not change, but the last bits of plain double sums, and so the 12 digits written of the
        # cohort estimates, would depend on the order of the rows.
        con.execute("""
            create or replace table marts.fct_person_measures as
            select * replace (value + case when measure_code = 'sim_score' and count(*) over c % 2 = 0
                                           then case when row_number() over w % 2 = 0 then 1e9 else -1e9 end
                                           else 0 end as value)
            from marts.fct_person_measures
            window c as (partition by experiment_id, measure_code, municipality_code, period),
                   w as (c order by person_id)""")

    def effects_csv(name: str) -> bytes:
        with duckdb.connect(str(db)) as con:
            con.execute(f"copy marts.fct_effects to '{tmp_path}/{name}.csv' (header)")
        return (tmp_path / f"{name}.csv").read_bytes()

    run_effects(db)
    first = effects_csv("a")
    with duckdb.connect(str(db)) as con:
        con.execute("create table marts.pm2 as select * from marts.fct_person_measures order by hash(person_id, "
                    "measure_code, period) desc")
        con.execute("drop table marts.fct_person_measures")
        con.execute("alter table marts.pm2 rename to fct_person_measures")
    connect = duckdb.connect

    def one_thread(*a, **k):
        con = connect(*a, **k)
        con.execute("set threads = 1")
        return con

    monkeypatch.setattr(duckdb, "connect", one_thread)
    run_effects(db)
    monkeypatch.undo()
    assert effects_csv("b") == first
    assert len(first) > 1000
