"""Run dbt for one pipeline run.

dbt runs in a child process: dbt-core keeps global state between in-process invocations and
dbt-duckdb can keep the file lock after `dbtRunner.invoke` (see research notes, pitfalls 1-2).
Every path handed to dbt is absolute and every run has its own target and log folders, so two
runs never share artefacts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import FrievalError
from .paths import PROJECT_ROOT


@dataclass(frozen=True)
class DbtResult:
    command: str
    ok: bool
    n_ok: int
    n_failed: int
    failures: list[str]
    target_dir: Path


def _die_with_parent() -> None:
    """In the dbt child: get SIGKILL when the frieval process dies, so a killed run leaves no
    orphan writing into its abandoned folder (Linux prctl; a no-op elsewhere)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def dbt_env(db_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["FRIEVAL_DB"] = str(Path(db_path).resolve())
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DO_NOT_TRACK"] = "1"
    return env


def run_dbt(
    args: list[str],
    *,
    db_path: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    on_line=None,
    check: bool = True,
) -> DbtResult:
    """Run `dbt <args>` against the warehouse at db_path; artefacts go to work_dir/dbt.

    on_line(str) receives every line dbt prints (the CLI uses it for progress).
    With check=True a failed command raises FrievalError naming the failed nodes.
    """
    work_dir = Path(work_dir).resolve()
    target_dir = work_dir / "dbt" / "target"
    log_dir = work_dir / "dbt" / "logs"
    target_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "dbt.cli.main", *args,
        "--project-dir", str(PROJECT_ROOT),
        "--profiles-dir", str(PROJECT_ROOT),
        "--target-path", str(target_dir),
        "--log-path", str(log_dir),
    ]
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars)]
    proc = subprocess.Popen(
        cmd, cwd=work_dir, env=dbt_env(db_path), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, bufsize=1,
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip("\n")
        lines.append(line)
        if on_line is not None:
            on_line(line)
    code = proc.wait()
    result = _summarise(args[0] if args else "", code, target_dir, lines)
    if check and not result.ok:
        detail = "; ".join(result.failures[:5]) or (lines[-1] if lines else "no output")
        raise FrievalError(f"dbt {' '.join(args[:1])} failed ({result.n_failed} failed): {detail}")
    return result


def _summarise(command: str, code: int, target_dir: Path, lines: list[str]) -> DbtResult:
    run_results = target_dir / "run_results.json"
    n_ok = n_failed = 0
    failures: list[str] = []
    if run_results.exists() and command in {"build", "run", "test", "seed"}:
        data = json.loads(run_results.read_text())
        for r in data.get("results", []):
            if r.get("status") in {"error", "fail", "runtime error"}:
                n_failed += 1
                msg = (r.get("message") or "").splitlines()
                failures.append(f"{r.get('unique_id')}: {msg[0] if msg else r.get('status')}")
            else:
                n_ok += 1
    if code != 0 and not failures:
        errs = [l for l in lines if "Error" in l or "error" in l]
        failures = errs[-3:] or lines[-3:]
    return DbtResult(command, code == 0, n_ok, n_failed, failures, target_dir)
