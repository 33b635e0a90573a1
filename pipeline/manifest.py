"""The run manifest: what went in, with which settings and code, and what came out."""

from __future__ import annotations

import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from .paths import PROJECT_ROOT

PACKAGES = ("frieval", "duckdb", "dbt-core", "dbt-duckdb", "pandas", "numpy", "statsmodels",
            "scipy", "plotly", "pyarrow", "nbclient", "pypandoc-binary")


def code_revision() -> str:
    """The git commit of the code (with '+dirty' for local changes), or 'unknown' outside git."""
    try:
        rev = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["python"] = platform.python_version()
    return versions


def write_manifest(path: Path, *, run_id, started, data_dir, settings, ingest_summary, rows, n_effects) -> dict:
    files = getattr(ingest_summary, "files", None) or []
    manifest = {
        "run_id": run_id,
        "run_started_at": started.isoformat(),
        "data_dir": str(data_dir),
        "settings": settings,
        "code_revision": code_revision(),
        "packages": package_versions(),
        "inputs": [f if isinstance(f, dict) else getattr(f, "__dict__", str(f)) for f in files],
        "rows": rows,
        "n_effects": n_effects,
    }
    Path(path).write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    return manifest
