"""Data quality (row accounting, quarantine, absent tables, inputs) and provenance (revision, versions)."""

from __future__ import annotations

import importlib.metadata as im
import json
import platform
import subprocess

import pandas as pd

from ..paths import PROJECT_ROOT

PACKAGES = ("frieval", "dbt-core", "dbt-duckdb", "duckdb", "pandas", "numpy", "scipy", "statsmodels",
            "plotly", "pyarrow", "jupytext", "nbclient", "pypandoc-binary")


def quality(wh):
    files = wh.table("marts.fct_row_accounting") if wh.has("marts.fct_row_accounting") else \
        pd.DataFrame(columns=["table_name", "wave", "source_file", "rows_read", "rows_staged",
                              "rows_quarantined", "rows_superseded", "status"])
    reasons = wh.df("""select table_name, wave, reason, count(*) as n_rows from marts.fct_quarantine
                       group by all order by table_name, wave, reason""") if wh.has("marts.fct_quarantine") \
        else pd.DataFrame(columns=["table_name", "wave", "reason", "n_rows"])
    if wh.has("raw.ingest_files"):
        inputs = wh.df("""select table_name, wave, source_file, file_format, rows_read, sha256, status
                          from raw.ingest_files order by table_name, wave""")
        absent = inputs[inputs.status == "absent"][["table_name", "wave"]].reset_index(drop=True)
    else:
        inputs = pd.DataFrame(columns=["table_name", "wave", "source_file", "file_format", "rows_read",
                                       "sha256", "status"])
        absent = pd.DataFrame(columns=["table_name", "wave"])
    return files, reasons, absent, inputs


def _git(*args) -> str | None:
    try:
        return subprocess.run(["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True,
                              timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def meta(wh, effects, T: int, small_n: int, few_clusters: int) -> pd.DataFrame:
    versions = {}
    for p in PACKAGES:
        try:
            versions[p] = im.version(p)
        except im.PackageNotFoundError:
            versions[p] = None
    rev = _git("rev-parse", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    run_id = effects.run_id.dropna().iloc[0] if "run_id" in effects and effects.run_id.notna().any() else None
    started = effects.run_started_at.dropna().iloc[0] if "run_started_at" in effects and \
        effects.run_started_at.notna().any() else None
    return pd.DataFrame([dict(
        run_id=str(run_id) if run_id is not None else None,
        run_started_at=str(started) if started is not None else None,
        threshold=T, code_revision=rev, code_dirty=bool(dirty) if dirty is not None else None,
        packages=json.dumps(versions), python=platform.python_version(),
        small_n=small_n, few_clusters=few_clusters)])


