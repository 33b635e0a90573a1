"""Run dbt for one pipeline run.

dbt runs in a child process: dbt-core keeps global state between in-process invocations and
dbt-duckdb can keep the file lock after `dbtRunner.invoke` (see research notes, pitfalls 1-2).
Every folder handed to dbt is absolute and every run has its own target and log folders, so two
runs never share artefacts. The warehouse path is given relative to the dbt child's working
folder, and the run stamp through environment variables rather than --vars: then a pipeline run's
profile and vars are the same every time, and dbt can reuse the previous run's parse
(partial_parse.msgpack, kept in a cache folder) instead of parsing the whole project again, about
5 s per dbt command. dbt checks every file's checksum and re-parses what changed, so a stale
cache costs a full parse, never a wrong build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
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


def dbt_env(db_path: Path, cwd: Path, extra: dict | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["FRIEVAL_DB"] = os.path.relpath(Path(db_path).resolve(), Path(cwd).resolve())
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DO_NOT_TRACK"] = "1"
    env.update(extra or {})
    return env


PARSE_FILE = "partial_parse.msgpack"


def _parse_cache(env: dict, dbt_vars: dict | None) -> Path | None:
    """The cached parse for this project, profile path and vars; None when caching is off."""
    root = os.environ.get("FRIEVAL_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "frieval")
    if os.environ.get("FRIEVAL_DBT_PARSE_CACHE", "1") == "0":
        return None
    try:
        from dbt.version import __version__ as dbt_version
    except ImportError:  # pragma: no cover - dbt is a dependency
        return None
    key = "|".join([str(PROJECT_ROOT.resolve()), dbt_version, env["FRIEVAL_DB"], json.dumps(dbt_vars, sort_keys=True)])
    return Path(root) / "dbt-parse" / f"{hashlib.sha1(key.encode()).hexdigest()[:16]}.msgpack"


def _restore_parse(cache: Path | None, target_dir: Path) -> None:
    if cache is not None and cache.is_file() and not (target_dir / PARSE_FILE).exists():
        try:
            shutil.copyfile(cache, target_dir / PARSE_FILE)
        except OSError:
            pass  # no cache: dbt parses in full


def _save_parse(cache: Path | None, target_dir: Path) -> None:
    fresh = target_dir / PARSE_FILE
    if cache is None or not fresh.is_file():
        return
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        shutil.copyfile(fresh, tmp)
        os.replace(tmp, cache)  # atomic: concurrent runs never read half a file
    except OSError:
        pass  # a read-only home: the next run parses in full


def run_dbt(
    args: list[str],
    *,
    db_path: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    env: dict | None = None,
    on_line=None,
    check: bool = True,
) -> DbtResult:
    """Run `dbt <args>` against the warehouse at db_path; artefacts go to work_dir/dbt.

    env: extra environment for dbt (the pipeline's run stamp, FRIEVAL_RUN_ID/FRIEVAL_RUN_STARTED_AT).
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
    child_env = dbt_env(db_path, work_dir, env)
    cache = _parse_cache(child_env, dbt_vars)
    _restore_parse(cache, target_dir)
    proc = subprocess.Popen(
        cmd, cwd=work_dir, env=child_env, stdout=subprocess.PIPE,
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
    if code == 0:
        _save_parse(cache, target_dir)
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
                failures.append(f"{r.get('unique_id')}: {_one_line(r.get('message')) or r.get('status')}")
            else:
                n_ok += 1
    if code != 0 and not failures:
        errs = [l for l in lines if "Error" in l or "error" in l]
        failures = errs[-3:] or lines[-3:]
    return DbtResult(command, code == 0, n_ok, n_failed, failures, target_dir)


def _one_line(message: str | None) -> str:
    """dbt's message for a node in one line: its first line ("Runtime Error in test X (file)")
    plus the database's error line when there is one, which is where a failed check says what
    failed (e.g. columns_not_null's "int_person_periods has NULL in period (1 rows)")."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    if not lines:
        return ""
    cause = next((line for line in lines[1:] if "Error:" in line), None)
    return f"{lines[0]}: {cause}" if cause else lines[0]
