"""Shared report builds for the report tests (no tests here).

Two sources, each rendered once per test session in Danish and English:
- "fake": pipeline.report.fake_warehouse (3 experiments with deliberately small cells; fast);
- "demo": the session's full pipeline run (conftest.demo_run, Danish reports rendered by
  run_pipeline) plus an English build from a copy of the same warehouse.
"""

from __future__ import annotations

import shutil
from pathlib import Path

_CACHE: dict = {}


def fake_builds(tmp_root: Path) -> dict:
    if "fake" not in _CACHE:
        from pipeline.report import build_reports
        from pipeline.report.fake_warehouse import build_fake_warehouse

        root = Path(tmp_root) / "report-fake"
        root.mkdir(parents=True, exist_ok=True)
        db = build_fake_warehouse(root / "fake.duckdb")
        out = {}
        for lang in ("da", "en"):
            out[lang] = root / lang
            summary = build_reports(db, out[lang], lang=lang, dbt_docs=False)
            assert len(summary.reports) == 2
        _CACHE["fake"] = (db, out)
    return _CACHE["fake"][1]


def fake_db(tmp_root: Path) -> Path:
    fake_builds(tmp_root)
    return _CACHE["fake"][0]


def demo_builds(demo_run, tmp_root: Path) -> dict:
    """{lang: out dir}; 'da' is the pipeline's own output folder."""
    if "demo" not in _CACHE:
        from pipeline.report import build_reports

        out_da, _summary = demo_run
        root = Path(tmp_root) / "report-demo"
        root.mkdir(parents=True, exist_ok=True)
        db = root / "frieval.duckdb"
        shutil.copy(Path(out_da) / "frieval.duckdb", db)
        build_reports(db, root / "en", lang="en")
        _CACHE["demo"] = {"da": Path(out_da), "en": root / "en"}
    return _CACHE["demo"]
