"""One pipeline run: ingest -> dbt build -> effects -> reports, built aside and published whole.

A run takes the output folder's lock, builds everything in its own folder OUT/.runs/<run_id>/,
and only when every step succeeded switches OUT/current to it (pipeline/outdir.py). A run that
dies at any moment leaves the previous results complete and readable.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import outdir
from .dbt_runner import run_dbt
from .errors import FrievalError
from .manifest import write_manifest
from .paths import WAREHOUSE_NAME
from .progress import NULL_STEPS

# A run builds every seed and model and runs the data tests on them. The test suite, not every
# run, owns: the unit tests, the tests of the static catalogue/reference seeds, and the data tests
# tagged `suite_only` (invariants that hold by construction and cost a full pass over a large
# table, e.g. uniqueness of (source_file, source_row), which ingest assigns; docs/benchmarks.md).
PIPELINE_BUILD = ["build", "--exclude-resource-type", "unit_test",
                  "--exclude", "resource_type:test,path:seeds", "tag:suite_only"]

# What a run publishes; OUT/<name> links to current/<name>.
PRODUCTS = (WAREHOUSE_NAME, "reports", "exports", "report_data", "manifest.json")


@dataclass
class RunSummary:
    out_dir: Path
    run_id: str
    rows: dict = field(default_factory=dict)
    n_effects: int = 0
    reports: list[Path] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"run {self.run_id} published in {self.out_dir}"]
        if self.rows:
            lines.append("rows read {read}, staged {staged}, quarantined {quarantined}".format(**self.rows))
        lines.append(f"effects estimated: {self.n_effects}")
        if self.reports:
            lines.append(f"reports: {len(self.reports)} in {self.out_dir / 'reports'} (open index.html)")
        return "\n".join(lines)


def new_run_id(now: dt.datetime) -> str:
    # The run id is the start time only, so two runs on the same inputs differ in nothing else.
    return now.strftime("%Y%m%dT%H%M%SZ")


def run_pipeline(data_dir, out_dir, *, lang: str = "da", threshold: int = 5, reports: bool = True,
                 progress=None, now: dt.datetime | None = None) -> RunSummary:
    progress = progress or NULL_STEPS
    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()
    if not data_dir.is_dir():
        raise FrievalError(f"{data_dir}: data folder not found (expected wave=baseline/ and wave=followup/)")
    if threshold < 1:
        raise FrievalError(f"--threshold {threshold}: expected a whole number of persons, at least 1")
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    run_id = new_run_id(now)
    out_dir.mkdir(parents=True, exist_ok=True)
    with outdir.OutputLock(out_dir, run_id):
        outdir.clean_leftovers(out_dir)
        run_dir = outdir.new_run_dir(out_dir, run_id)
        try:
            summary = _build(data_dir, run_dir, out_dir, run_id, now, lang, threshold, reports, progress)
        except BaseException:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
        outdir.publish(out_dir, run_dir, PRODUCTS)
    return summary


def _build(data_dir, run_dir, out_dir, run_id, now, lang, threshold, reports, progress) -> RunSummary:
    from .effects import run_effects
    from .ingest import ingest

    db_path = run_dir / WAREHOUSE_NAME
    work = run_dir / ".work"
    ingest_summary = ingest(data_dir, db_path, progress=progress)
    stamp = {"FRIEVAL_RUN_ID": run_id, "FRIEVAL_RUN_STARTED_AT": now.strftime("%Y-%m-%d %H:%M:%S")}
    _dbt_build(db_path, work, stamp, progress)
    effects_summary = run_effects(db_path, progress=progress)
    summary = RunSummary(out_dir, run_id, n_effects=effects_summary.n_effects, rows=_row_totals(db_path))
    if reports:
        from .report import build_reports

        report_summary = build_reports(db_path, run_dir, lang=lang, threshold=threshold,
                                       dbt_target_dir=work / "dbt" / "target", dbt_env=stamp,
                                       progress=progress)
        summary.reports = [out_dir / "reports" / p.name for p in report_summary.reports]
    write_manifest(run_dir / "manifest.json", run_id=run_id, started=now, data_dir=data_dir,
                   settings={"lang": lang, "threshold": threshold, "reports": reports},
                   ingest_summary=ingest_summary, rows=summary.rows, n_effects=summary.n_effects)
    shutil.rmtree(work, ignore_errors=True)  # dbt artefacts; the docs were copied into reports/
    return summary


def _dbt_build(db_path: Path, work: Path, stamp: dict, progress) -> None:
    task = progress.task("dbt build: seeds, models, tests", total=None)

    def on_line(line: str) -> None:
        if " [OK" in line or " [PASS" in line or " [WARN" in line or "[INSERT" in line or "[CREATE" in line:
            task.advance(1)

    run_dbt(PIPELINE_BUILD, db_path=db_path, work_dir=work, env=stamp, on_line=on_line)
    task.done()


def _row_totals(db_path: Path) -> dict:
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        read, staged, quarantined = con.execute(
            "select sum(rows_read), sum(rows_staged), sum(rows_quarantined) from marts.fct_row_accounting"
        ).fetchone()
    return {"read": int(read or 0), "staged": int(staged or 0), "quarantined": int(quarantined or 0)}
