"""Regression benchmark for the slowest path found at national scale (issue 6): the staging
row-status step (macros/registry_staging.sql, `registry_row_status`).

Every base_registry__* model types and checks its raw rows (cheap: one pass) and then computes
each row's wave precedence / duplicate status. That status used to come from five window functions
over *every* row, with four different PARTITION BYs; at 100,000 persons that was about 80 % of the
CPU time of base_registry__employment_status (6.8 M rows), the most expensive model of the build.
The project's macro now finds the natural keys that occur more than once with one GROUP BY and
runs the windows on their rows only (docs/benchmarks.md, "Slow path 1").

This benchmark compiles one staging model with the project's macro and with the old all-rows
macro kept as the reference (benchmarks/proposals/registry_row_status_all_rows.sql), runs both
on a copy of an ingested warehouse, checks they give the same rows (EXCEPT ALL both ways), and
reports CPU seconds relative to the typing-and-checks part of the same model (the floor of the
model: it must read and type every row anyway).

    .venv/bin/python -m benchmarks.regress_row_status --warehouse W.duckdb [--model employment_status]
        [--max-ratio 3.0]

W is any warehouse after ingest (e.g. OUT/frieval.duckdb of a `frieval run` on
`frieval synth --persons 100000`). --model all checks every base_registry__* model. Exit code 1
when the project's macro gives other rows than the reference, or takes over --max-ratio times the
floor on a model with at least --min-rows raw rows (the regression this guards against), so it
can run in a nightly job.
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
REFERENCE = Path(__file__).resolve().parent / "proposals" / "registry_row_status_all_rows.sql"
MODELS = ("persons", "enrolment", "admissions", "employment_status", "case_events", "fit_sessions", "costs",
          "experience")


def project_copy(dest: Path, reference: bool) -> Path:
    # the working tree as it is: tracked and new (not ignored) files
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for f in files:
        if not (ROOT / f).is_file():  # deleted but still tracked
            continue
        if f.startswith(("models/", "macros/", "seeds/", "tests/dbt/")) or f in ("dbt_project.yml", "profiles.yml"):
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, dest / f)
    if reference:
        # registry_row_status is the last macro of the file: replace it (and its comment) whole.
        m = dest / "macros" / "registry_staging.sql"
        s = m.read_text()
        start = s.index("{#- Row status across rows:")
        m.write_text(s[:start] + REFERENCE.read_text())
    return dest


def compile_models(proj: Path, db: Path, models: list[str]) -> dict[str, str]:
    from pipeline.dbt_runner import dbt_env

    work = proj / "_work"
    cmd = [sys.executable, "-m", "dbt.cli.main", "compile", "-s", *models, "--project-dir", str(proj),
           "--profiles-dir", str(proj), "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    try:  # dbt_env(db_path, cwd) makes the warehouse path relative to dbt's working folder
        env = dbt_env(db, proj)
    except TypeError:  # the older dbt_env(db_path)
        env = dbt_env(db)
    r = subprocess.run(cmd, cwd=proj, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"dbt compile failed: {r.stdout[-2000:]}")
    return {m: next((work / "target" / "compiled").rglob(f"{m}.sql")).read_text() for m in models}


def timed(con, sql: str) -> tuple[float, float]:
    t, c = time.time(), time.process_time()
    con.execute("create or replace temp table _bench as " + sql)
    return time.time() - t, time.process_time() - c


def check_model(con, db_name: str, table: str, sql_project: str, sql_reference: str) -> dict:
    floor_sql = sql_project.split(", hashed as")[0] + " select * from checked"
    res = {"model": f"base_registry__{table}", "rows": con.execute(f"select count(*) from raw.{table}").fetchone()[0]}
    for label, sql in [("typing_and_checks", floor_sql), ("project_macro", sql_project),
                       ("reference_all_rows", sql_reference)]:
        wall, cpu = timed(con, sql.replace(f'"{db_name}".', ""))
        res[label] = {"wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2)}
        if label == "project_macro":
            con.execute("create or replace temp table _project as select * from _bench")
    diff = con.execute("select (select count(*) from (select * from _project except all select * from _bench))"
                       " + (select count(*) from (select * from _bench except all select * from _project))").fetchone()[0]
    res["same_rows_as_reference"] = diff == 0
    base = res["typing_and_checks"]["cpu_seconds"] or 1e-9
    res["ratio_project"] = round(res["project_macro"]["cpu_seconds"] / base, 2)
    res["ratio_reference"] = round(res["reference_all_rows"]["cpu_seconds"] / base, 2)
    return res


def main(argv=None) -> int:
    import duckdb

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--model", default="employment_status", choices=MODELS + ("all",))
    ap.add_argument("--max-ratio", type=float, default=3.0)
    ap.add_argument("--min-rows", type=int, default=100_000,
                    help="models with fewer raw rows are checked for same rows only: their CPU times are noise")
    args = ap.parse_args(argv)
    tables = MODELS if args.model == "all" else (args.model,)
    results = []
    with tempfile.TemporaryDirectory(prefix="frieval-regress-") as tmp:
        tmp = Path(tmp)
        db = tmp / "wh.duckdb"
        shutil.copy2(args.warehouse, db)
        project, reference = project_copy(tmp / "project", False), project_copy(tmp / "reference", True)
        models = [f"base_registry__{t}" for t in tables]
        sql_project, sql_reference = compile_models(project, db, models), compile_models(reference, db, models)
        con = duckdb.connect(str(db))
        con.execute("set preserve_insertion_order = false")
        for t in tables:
            m = f"base_registry__{t}"
            results.append(check_model(con, db.stem, t, sql_project[m], sql_reference[m]))
        con.close()
    ok = True
    for res in results:
        # The CPU bound is about the big models; on a few thousand rows both sides are noise.
        res["within_bound"] = res["ratio_project"] <= args.max_ratio or res["rows"] < args.min_rows
        ok = ok and res["same_rows_as_reference"] and res["within_bound"]
    print(json.dumps({"max_ratio": args.max_ratio, "ok": ok, "models": results}, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
