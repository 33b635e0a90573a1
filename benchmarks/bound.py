"""A measured lower bound for `frieval run` (issue 6): what the data contract alone costs.

    .venv/bin/python -m benchmarks.bound --data /tmp/frieval-bench/data-{10000,100000,1000000}
        [--work /tmp/frieval-bound] [--out benchmarks/results]

The issue's target is run <= 3 x floor + 30 s, where the floor is one DuckDB pass reading every
extract column once (benchmarks/run.py). This benchmark times, on the same extract and in the
same sitting as a fresh floor, the two pieces of work that any implementation of the data
contract (docs/data-contract.md) must do beyond that pass, each with DuckDB's own fastest
statement and nothing of frieval's:

- key check: per extract table, one GROUP BY over its natural key (both waves) keeping the keys
  that occur more than once. The contract quarantines duplicate, conflicting and superseded rows
  (docs/data-contract.md "Natural keys and wave precedence"), so every key has to be compared
  with every other; the natural keys are read from the staging models
  (models/staging/base_registry__*.sql), so the bound follows them;
- write: per extract table, one CREATE TABLE AS SELECT * of the Parquet files into an on-disk
  DuckDB file: the single copy of the staged rows that the measures, the data tests and the
  quarantine count read (without it each of them would redo the staging from the files).

Both run with the pipeline's memory limit (FRIEVAL_MEMORY_LIMIT, 4GB) and DuckDB's default
threads. Their sum is a lower bound: frieval does more (typing, checks with reasons, provenance,
measures, tests, effects, reports), never less. Writes bound.json and bound.md under --out.
Not part of the test suite; run it by hand on a quiet machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import re
import sys
import time
from pathlib import Path

from .run import ROOT, floor, gb, machine

KEY_PATTERN = re.compile(r"registry_row_status\(\s*'checked',\s*key_columns=\[([^\]]*)\]")


def natural_keys(models: Path = ROOT / "models" / "staging") -> dict[str, list[str]]:
    """{extract table: its natural key columns}, as the staging models' row status uses them."""
    keys = {}
    for f in sorted(models.glob("base_registry__*.sql")):
        m = KEY_PATTERN.search(f.read_text())
        if not m:
            raise SystemExit(f"{f}: no registry_row_status(... key_columns=[...]) found")
        keys[f.stem.removeprefix("base_registry__")] = re.findall(r"'([a-z_]+)'", m.group(1))
    return keys


def _files(data: Path, table: str) -> list[str]:
    files = sorted(glob.glob(str(data / "wave=*" / f"{table}.parquet")))
    if not files:
        raise SystemExit(f"{data}: no wave=*/{table}.parquet (the bound needs Parquet extracts)")
    return files


def measure(data: Path, work: Path) -> dict:
    import duckdb

    work.mkdir(parents=True, exist_ok=True)
    db = work / "bound.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute("set preserve_insertion_order = false")  # as ingest and dbt (profiles.yml)
    con.execute(f"set memory_limit = '{os.environ.get('FRIEVAL_MEMORY_LIMIT', '4GB')}'")
    tables = {}
    for table, key in natural_keys().items():
        src = f"read_parquet({_files(data, table)!r})"
        t0 = time.time()
        repeated = con.execute(f"select count(*) from (select 1 from {src} group by {', '.join(key)} "
                               f"having count(*) > 1)").fetchone()[0]
        t1 = time.time()
        rows = con.execute(f"create table {table} as select * from {src}").fetchone()[0]
        t2 = time.time()
        tables[table] = {"rows": rows, "key": key, "repeated_keys": repeated,
                         "key_check_seconds": round(t1 - t0, 2), "write_seconds": round(t2 - t1, 2)}
        print(f"  {table}: {rows:,} rows, key check {t1 - t0:.1f} s, write {t2 - t1:.1f} s", flush=True)
    con.close()
    db.unlink(missing_ok=True)
    return tables


def summary(fl: float, tables: dict) -> dict:
    key = sum(t["key_check_seconds"] for t in tables.values())
    write = sum(t["write_seconds"] for t in tables.values())
    return {"floor_seconds": round(fl, 2), "key_check_seconds": round(key, 2), "write_seconds": round(write, 2),
            "bound_seconds": round(key + write, 2), "bound_over_floor": round((key + write) / fl, 1),
            "target_seconds": round(3 * fl + 30, 2), "data_budget_seconds": round(3 * fl, 2)}


def markdown(res: dict) -> str:
    m = res["machine"]
    lines = [f"Run {res['started']} on {m['nproc']} cores ({m['cpu_model']}), {m['memory_gb']} GB RAM, DuckDB "
             f"{m['duckdb']}; load average at start {m['load_average_at_start']}.", "",
             "| persons | extract rows | floor s | key checks s | one write s | bound s | bound / floor | "
             "target: 3 x floor + 30 s |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for n, r in res["sizes"].items():
        s = r["summary"]
        lines.append(f"| {int(n):,} | {r['rows']:,} | {s['floor_seconds']:.1f} | {s['key_check_seconds']:.1f} | "
                     f"{s['write_seconds']:.1f} | {s['bound_seconds']:.1f} | {s['bound_over_floor']:.1f} | "
                     f"{s['target_seconds']:.1f} |")
    n, r = list(res["sizes"].items())[-1]
    lines += ["", f"By extract table at {int(n):,} persons ({r['data']}):", "",
              "| extract table | rows | natural key | repeated keys | key check s | write s |",
              "| --- | --- | --- | --- | --- | --- |"]
    for name, t in r["tables"].items():
        lines.append(f"| {name} | {t['rows']:,} | {' + '.join(t['key'])} | {t['repeated_keys']:,} | "
                     f"{t['key_check_seconds']:.1f} | {t['write_seconds']:.1f} |")
    s = r["summary"]
    lines += ["", f"At {int(n):,} persons the key checks and one write take {s['bound_seconds']:.1f} s = "
              f"{s['bound_over_floor']:.1f} x the floor; the target leaves {s['data_budget_seconds']:.1f} s "
              f"(3 x floor) for all data-dependent work and {s['target_seconds']:.1f} s for the whole run. "
              f"The key checks alone take {s['key_check_seconds']:.1f} s = "
              f"{s['key_check_seconds'] / s['floor_seconds']:.1f} x the floor."]
    return "\n".join(lines) + "\n"


def bound_for(data: Path, work: Path, logs: Path) -> dict:
    r: dict = {"data": str(data)}
    truth = data / "truth.json"
    if not truth.exists():
        raise SystemExit(f"{data}: no truth.json (the bound takes extract folders written by frieval synth)")
    t = json.loads(truth.read_text())
    r["persons"], r["generator_version"] = t["persons"], t.get("generator_version")
    print(f"[{data.name}] floor", flush=True)
    r["floor"] = floor(data, logs, r["persons"])
    print(f"[{data.name}] key checks and writes", flush=True)
    r["tables"] = measure(data, work / "db")
    r["rows"] = sum(t["rows"] for t in r["tables"].values())
    if r["rows"] != r["floor"]["rows"]:
        raise SystemExit(f"{data}: the bound read {r['rows']} rows, the floor {r['floor']['rows']}")
    r["summary"] = summary(r["floor"]["seconds"], r["tables"])
    return r


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, nargs="+", required=True,
                    help="extract folders written by frieval synth, smallest first (e.g. benchmarks.run's data-N)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/frieval-bound"))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args(argv)
    work = args.work.resolve()
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    res = {"started": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": machine(),
           "sizes": {}}
    for data in args.data:
        r = bound_for(data.resolve(), work, logs)
        res["sizes"][str(r["persons"])] = r
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bound.json").write_text(json.dumps(res, indent=1) + "\n")
    (args.out / "bound.md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
