"""What the pipeline guarantees with personal data (issue 7; docs/guarantees.md):
crash safety under kill -9, pseudonymisation checked over every output byte, reproducibility."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipeline.run import run_pipeline

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------- reproducibility

def _table_text(db: Path, table: str, drop=("run_id", "run_started_at")) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        df = con.execute(f"select * from {table}").df()
    df = df.drop(columns=[c for c in drop if c in df.columns])
    return df.sort_values(list(df.columns)).to_csv(index=False)


def test_two_runs_on_the_same_inputs_are_identical_apart_from_the_timestamp(tmp_path, synthetic_extracts, demo_run):
    first_out, first = demo_run
    second = run_pipeline(synthetic_extracts, tmp_path / "again", lang="da",
                          now=dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    assert second.run_id != first.run_id
    for table in ("marts.fct_effects", "marts.fct_indicator_values"):
        assert _table_text(first_out / "frieval.duckdb", table) == _table_text(tmp_path / "again" / "frieval.duckdb", table), table
    stamp = re.compile("|".join(re.escape(s) for s in _stamps(first.run_id) + _stamps(second.run_id)))
    for report in sorted((first_out / "reports").glob("*.html")):
        a = stamp.sub("<RUN>", report.read_text(encoding="utf-8"))
        b = stamp.sub("<RUN>", (tmp_path / "again" / "reports" / report.name).read_text(encoding="utf-8"))
        assert a == b, f"{report.name} differs between two runs on the same inputs"


def _stamps(run_id: str) -> list[str]:
    t = dt.datetime.strptime(run_id, "%Y%m%dT%H%M%SZ")
    return [run_id, t.strftime("%Y-%m-%d %H:%M:%S"), t.strftime("%Y-%m-%dT%H:%M:%S"), t.strftime("%Y-%m-%d %H:%M"),
            t.strftime("%d-%m-%Y %H:%M"), t.strftime("%d.%m.%Y %H:%M")]


# ---------------------------------------------------------------- pseudonymisation

def _fake_cpr(i: int) -> str:
    day, month, year = 1 + i % 28, 1 + (i // 28) % 12, 40 + (i // 336) % 50
    return f"{day:02d}{month:02d}{year:02d}{1000 + i % 9000:04d}"


def _cpr_extracts(src: Path, dst: Path) -> list[str]:
    """Copy the synthetic extracts with every person_id replaced by a CPR-like number."""
    frames = {}
    for f in src.glob("wave=*/*"):
        if f.suffix in {".parquet", ".csv"}:
            frames[f] = pd.read_parquet(f) if f.suffix == ".parquet" else pd.read_csv(f, dtype=str, keep_default_na=False)
    ids = sorted({str(v) for df in frames.values() if "person_id" in df for v in df["person_id"].dropna()})
    mapping = {pid: _fake_cpr(i) for i, pid in enumerate(ids)}
    for f, df in frames.items():
        if "person_id" in df:
            df["person_id"] = df["person_id"].astype(str).map(mapping)
        out = dst / f.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(out.with_suffix(".csv"), index=False)
    return sorted(mapping.values())


def test_no_output_byte_contains_an_input_identifier(tmp_path, synthetic_extracts):
    data = tmp_path / "cpr"
    cprs = _cpr_extracts(synthetic_extracts, data)
    out = tmp_path / "out"
    env = dict(os.environ, FRIEVAL_PSEUDONYM_KEY="test-key-not-secret")
    refused = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--data", str(data), "--out", str(out)],
                             capture_output=True, text=True, env={k: v for k, v in env.items() if k != "FRIEVAL_PSEUDONYM_KEY"})
    assert refused.returncode != 0 and "FRIEVAL_PSEUDONYM_KEY" in refused.stderr
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--data", str(data), "--out", str(out)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # One linear pass per file (searching for each identifier in turn is quadratic): every
    # 10-digit window of every run of digits, and every "6 digits-4 digits", looked up in the set.
    needles = set(c.encode() for c in cprs)

    def found(blob: bytes) -> set:
        hits = set()
        for m in re.finditer(rb"[0-9]{10,}", blob):
            run = m.group()
            hits.update(run[i:i + 10] for i in range(len(run) - 9))
        hits.update(m.group(1) + m.group(2) for m in re.finditer(rb"(?=([0-9]{6})-([0-9]{4}))", blob))
        return hits & needles

    assert found(b"x" + cprs[0].encode() + b"7") and found(f"1{cprs[1][:6]}-{cprs[1][6:]}".encode())
    logs = (proc.stdout + proc.stderr).encode()
    blobs = [("stdout/stderr", logs)] + [(str(p), p.read_bytes()) for p in out.rglob("*") if p.is_file()]
    assert len(blobs) > 10
    for name, blob in blobs:
        assert not found(blob), f"{name} contains input identifier(s)"
    # The same search finds every identifier in the input files.
    assert found(b"".join(f.read_bytes() for f in data.rglob("*.csv"))) == needles
    # The warehouse compresses strings, so bytes alone prove little: search every text column too.
    with duckdb.connect(str(out / "frieval.duckdb"), read_only=True) as con:
        con.execute("create temp table needles as select unnest(?) as id", [cprs])
        cols = con.execute("""select table_schema, table_name, column_name from information_schema.columns
                              where data_type = 'VARCHAR' and table_catalog <> 'temp'
                                and table_schema not in ('information_schema', 'pg_catalog')""").fetchall()
        for schema, table, col in cols:
            n = con.execute(f'select count(*) from "{schema}"."{table}" t join needles on t."{col}" = needles.id').fetchone()[0]
            assert n == 0, f"{schema}.{table}.{col} holds input identifiers"


# ---------------------------------------------------------------- crash safety

def _published_state(out: Path):
    manifest = json.loads((out / "manifest.json").read_text())
    with duckdb.connect(str(out / "frieval.duckdb"), read_only=True) as con:
        n, run_ids = con.execute("select count(*), list(distinct run_id) from marts.fct_effects").fetchone()
    index = (out / "reports" / "index.html").read_text(encoding="utf-8")
    reports = re.findall(r'href="([\w-]+\.html)"', index)
    assert reports and all((out / "reports" / r).is_file() for r in reports)
    assert run_ids == [manifest["run_id"]], "warehouse and manifest come from the same run"
    return manifest["run_id"], n


def test_kill_minus_9_at_random_moments_leaves_previous_results_complete(tmp_path, synthetic_extracts):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--data", str(synthetic_extracts), "--out", str(out)]
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True)
    full = time.monotonic() - t0
    previous = _published_state(out)
    rng = random.Random(20161201)
    for attempt in range(20):
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, full * 0.95))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = _published_state(out)  # complete and readable after every kill
        assert state == previous or state[1] == previous[1], f"kill {attempt}: published results changed shape"
        previous = state
        time.sleep(max(0.0, 1.1 - (time.monotonic() - started)))  # run ids are start times in seconds
    subprocess.run(cmd, check=True, capture_output=True)
    run_id, n = _published_state(out)
    assert n == previous[1]
    assert not [d for d in (out / ".runs").iterdir() if d.resolve() != (out / "current").resolve()]
