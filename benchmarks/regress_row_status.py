"""Regression benchmark for the slowest path found at national scale (issue 6): the staging
row-status windows (macros/registry_staging.sql, `registry_row_status`).

Every base_registry__* model types and checks its raw rows (cheap: one pass) and then computes
each row's wave precedence / duplicate status with five window functions over *every* row, four
different PARTITION BYs. At 100,000 persons base_registry__employment_status (6.8 M rows) spends
about 80 % of its CPU time in those windows; it is the most expensive model of the build.

This benchmark compiles one staging model with the project's macro and with the proposed macro
(benchmarks/proposals/registry_row_status.sql: a GROUP BY finds the natural keys that occur more
than once, only their rows go through the windows), runs both on a copy of an ingested warehouse,
checks they give the same rows, and reports CPU seconds relative to the typing-and-checks part
of the same model (the floor of the model: it must read and type every row anyway).

    .venv/bin/python -m benchmarks.regress_row_status --warehouse W.duckdb [--model employment_status]
        [--max-ratio 3.0]

W is any warehouse after ingest (e.g. OUT/frieval.duckdb of a `frieval run` on
`frieval synth --persons 100000`). Exit code 1 when the project's macro is over --max-ratio
times the floor (the regression this guards against), so it can run in a nightly job.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROPOSAL = Path(__file__).resolve().parent / "proposals" / "registry_row_status.sql"


def project_copy(dest: Path, proposal: bool) -> Path:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if f.startswith(("models/", "macros/", "seeds/", "tests/dbt/")) or f in ("dbt_project.yml", "profiles.yml"):
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)
    if proposal:
        m = dest / "macros" / "registry_staging.sql"
        s = m.read_text()
        start = s.index("{% macro registry_row_status")
        old = s[start:]
        final_select = old[old.index("select\n    {%- for c in value_columns %}"):]
        m.write_text(s[:start] + PROPOSAL.read_text() + final_select)
    return dest


def compile_model(proj: Path, db: Path, model: str) -> str:
    from pipeline.dbt_runner import dbt_env

    work = proj / "_work"
    cmd = [sys.executable, "-m", "dbt.cli.main", "compile", "-s", model, "--project-dir", str(proj),
           "--profiles-dir", str(proj), "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    r = subprocess.run(cmd, cwd=proj, env=dbt_env(db), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"dbt compile failed: {r.stdout[-2000:]}")
    path = next((work / "target" / "compiled").rglob(f"{model}.sql"))
    return path.read_text()


def timed(con, sql: str) -> tuple[float, float]:
    t, c = time.time(), time.process_time()
    con.execute("create or replace temp table _bench as " + sql)
    return time.time() - t, time.process_time() - c


def main(argv=None) -> int:
    import duckdb

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--model", default="employment_status")
    ap.add_argument("--max-ratio", type=float, default=3.0)
    args = ap.parse_args(argv)
    model = f"base_registry__{args.model}"
    with tempfile.TemporaryDirectory(prefix="frieval-regress-") as tmp:
        tmp = Path(tmp)
        db = tmp / "wh.duckdb"
        shutil.copy2(args.warehouse, db)
        db_name = db.stem
        sql_now = compile_model(project_copy(tmp / "now", False), db, model)
        sql_new = compile_model(project_copy(tmp / "proposal", True), db, model)
        con = duckdb.connect(str(db))
        con.execute("set preserve_insertion_order = false")
        floor_sql = sql_now.split(", hashed as")[0] + " select * from checked"
        res = {"model": model, "rows": con.execute(f"select count(*) from raw.{args.model}").fetchone()[0]}
        for label, sql in [("typing_and_checks", floor_sql), ("project_macro", sql_now), ("proposed_macro", sql_new)]:
            wall, cpu = timed(con, sql.replace(f'"{db_name}".', ""))
            res[label] = {"wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)}
            if label == "project_macro":
                con.execute("create or replace temp table _now as select * from _bench")
        diff = con.execute("select (select count(*) from (select * from _now except all select * from _bench))"
                           " + (select count(*) from (select * from _bench except all select * from _now))").fetchone()[0]
        res["proposal_same_rows"] = diff == 0
        base = res["typing_and_checks"]["cpu_seconds"] or 1e-9
        res["ratio_project"] = round(res["project_macro"]["cpu_seconds"] / base, 2)
        res["ratio_proposal"] = round(res["proposed_macro"]["cpu_seconds"] / base, 2)
        res["max_ratio"] = args.max_ratio
        con.close()
    print(json.dumps(res, indent=1))
    return 0 if res["ratio_project"] <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
