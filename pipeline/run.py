"""One pipeline run: ingest -> dbt build -> effects -> reports, built aside and published whole.

Every step writes into OUT/.work-<run_id>/; only when all succeeded are its products moved into
OUT, replacing the previous run's. A run that dies leaves the previous results as they were.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from .dbt_runner import run_dbt
from .errors import FrievalError
from .paths import WAREHOUSE_NAME
from .progress import NULL_STEPS

# What a run publishes into OUT; everything else in OUT (e.g. the demo's extracts) is left alone.
PRODUCTS = (WAREHOUSE_NAME, "reports", "exports", "report_data", "manifest.json")


@dataclass
class RunSummary:
    out_dir: Path
    run_id: str
    rows: dict = field(default_factory=dict)
    n_effects: int = 0
    reports: list[Path] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"run {self.run_id} written to {self.out_dir}"]
        if self.rows:
            lines.append(
                "rows read {read}, staged {staged}, quarantined {quarantined}".format(**self.rows)
            )
        lines.append(f"effects estimated: {self.n_effects}")
        if self.reports:
            lines.append(f"reports: {len(self.reports)} in {self.out_dir / 'reports'}")
        return "\n".join(lines)


def new_run_id(now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def run_pipeline(data_dir, out_dir, *, lang: str = "da", threshold: int = 5, reports: bool = True,
                 progress=None) -> RunSummary:
    from .ingest import ingest

    progress = progress or NULL_STEPS
    data_dir, out_dir = Path(data_dir).resolve(), Path(out_dir).resolve()
    if not data_dir.is_dir():
        raise FrievalError(f"{data_dir}: data folder not found (expected wave=baseline/ and wave=followup/)")
    out_dir.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    run_id = new_run_id(now)
    work = out_dir / f".work-{run_id}"
    work.mkdir()
    db_path = work / WAREHOUSE_NAME
    try:
        ingest_summary = ingest(data_dir, db_path, progress=progress)
        _dbt_build(db_path, work, run_id, now, progress)
        from .effects import run_effects

        effects_summary = run_effects(db_path, progress=progress)
        summary = RunSummary(out_dir, run_id, n_effects=effects_summary.n_effects)
        summary.rows = _row_totals(db_path)
        if reports:
            from .report import build_reports

            report_summary = build_reports(db_path, work, lang=lang, threshold=threshold,
                                           dbt_target_dir=work / "dbt" / "target", progress=progress)
            summary.reports = [out_dir / "reports" / p.name for p in report_summary.reports]
        _write_manifest(work, data_dir, run_id, now, lang, threshold, ingest_summary, summary)
        _publish(work, out_dir)
        return summary
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _dbt_build(db_path: Path, work: Path, run_id: str, now: dt.datetime, progress) -> None:
    task = progress.task("dbt build (seeds, models, tests)", total=None)
    dbt_vars = {"run_id": run_id, "run_started_at": now.isoformat().replace("+00:00", "Z")}

    def on_line(line: str) -> None:
        if " OK " in line or " PASS " in line or " WARN " in line:
            task.advance(1)

    run_dbt(["build"], db_path=db_path, work_dir=work, dbt_vars=dbt_vars, on_line=on_line)
    task.done()


def _row_totals(db_path: Path) -> dict:
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        read, staged, quarantined = con.execute(
            "select sum(rows_read), sum(rows_staged), sum(rows_quarantined) from marts.fct_row_accounting"
        ).fetchone()
    return {"read": int(read or 0), "staged": int(staged or 0), "quarantined": int(quarantined or 0)}


def _write_manifest(work, data_dir, run_id, now, lang, threshold, ingest_summary, summary) -> None:
    manifest = {
        "run_id": run_id,
        "run_started_at": now.isoformat(),
        "data_dir": str(data_dir),
        "settings": {"lang": lang, "threshold": threshold},
        "inputs": getattr(ingest_summary, "files", []),
        "rows": summary.rows,
        "n_effects": summary.n_effects,
    }
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str))


def _publish(work: Path, out_dir: Path) -> None:
    """Move this run's products into OUT, replacing the previous run's."""
    for name in PRODUCTS:
        src = work / name
        if not src.exists():
            continue
        dst = out_dir / name
        old = out_dir / f".old-{name}"
        if old.exists():
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        if dst.exists():
            dst.rename(old)
        src.rename(dst)
        if old.exists():
            shutil.rmtree(old) if old.is_dir() else old.unlink()
