"""Shared fixtures. The demo warehouse is built once per test session and shared read-only."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest

# dbt opens many files per build (dbt-core #7316); raise the soft limit like dbt-duckdb's suite.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (_hard, _hard))

E2E_PERSONS = int(os.environ.get("FRIEVAL_TEST_PERSONS", "1500"))
E2E_SEED = 7


@pytest.fixture(scope="session")
def synthetic_extracts(tmp_path_factory) -> Path:
    from pipeline.synth import generate

    out = tmp_path_factory.mktemp("extracts")
    generate(out, persons=E2E_PERSONS, seed=E2E_SEED)
    return out


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory, synthetic_extracts):
    """A complete pipeline run (Danish reports) on the session's synthetic extracts."""
    from pipeline.run import run_pipeline

    out = tmp_path_factory.mktemp("run") / "out"
    summary = run_pipeline(synthetic_extracts, out, lang="da")
    return out, summary
