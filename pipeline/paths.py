"""One place for the project's fixed locations. Everything handed to dbt is absolute."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
REPORTS_SRC_DIR = PROJECT_ROOT / "reports"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

# The eight extract tables of the data contract (docs/data-contract.md), in load order.
EXTRACT_TABLES = (
    "persons",
    "enrolment",
    "admissions",
    "employment_status",
    "case_events",
    "fit_sessions",
    "costs",
    "experience",
)
WAVES = ("baseline", "followup")

WAREHOUSE_NAME = "frieval.duckdb"
