"""The output folder: one lock, atomic publication, leftovers of killed runs cleaned up.

Layout of OUT:
    OUT/.lock                 flock()ed by the running process (released by the kernel if it dies)
    OUT/.runs/<run_id>/       one complete run per folder; a run builds its own folder
    OUT/current -> .runs/<id> the published run; replaced atomically with os.replace()
    OUT/frieval.duckdb, OUT/reports, OUT/exports, ... -> current/<name>   (fixed relative links)

A run killed at any moment therefore leaves `current` pointing at the previous complete run:
the only change that publishes is a single rename of a symlink.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from pathlib import Path

from .errors import FrievalError

RUNS = ".runs"
CURRENT = "current"


class OutputLock:
    """Exclusive lock on an output folder; refuses at once when another process holds it."""

    def __init__(self, out_dir: Path, run_id: str):
        self.path = Path(out_dir) / ".lock"
        self.run_id = run_id
        self._fh = None

    def __enter__(self) -> "OutputLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = _describe_holder(fh.read())
            fh.close()
            raise FrievalError(
                f"{self.path.parent}: output folder is in use by another frieval run ({holder}); "
                "wait for it to finish or choose another --out"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps({"pid": os.getpid(), "run_id": self.run_id,
                             "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}))
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def _describe_holder(text: str) -> str:
    try:
        info = json.loads(text)
        return f"pid {info['pid']}, run {info['run_id']}, started {info['started']}"
    except (ValueError, KeyError, TypeError):
        return "holder unknown"


def new_run_dir(out_dir: Path, run_id: str) -> Path:
    run_dir = Path(out_dir) / RUNS / run_id
    run_dir.mkdir(parents=True, exist_ok=False)
    return run_dir


def clean_leftovers(out_dir: Path) -> list[str]:
    """Remove run folders that are not published (killed or failed runs). Call under the lock."""
    runs = Path(out_dir) / RUNS
    current = published_run_dir(out_dir)
    removed = []
    if runs.is_dir():
        for d in runs.iterdir():
            if current is None or d.resolve() != current.resolve():
                shutil.rmtree(d, ignore_errors=True)
                removed.append(d.name)
    for tmp in Path(out_dir).glob(".current-*"):
        tmp.unlink(missing_ok=True)
    return removed


def published_run_dir(out_dir: Path) -> Path | None:
    link = Path(out_dir) / CURRENT
    if link.is_symlink() and link.exists():
        return link.resolve()
    return None


def publish(out_dir: Path, run_dir: Path, products: tuple[str, ...]) -> None:
    """Make run_dir the published run in one atomic step, then drop the previous run."""
    out_dir = Path(out_dir)
    previous = published_run_dir(out_dir)
    tmp_link = out_dir / f".current-{run_dir.name}"
    tmp_link.unlink(missing_ok=True)
    os.symlink(Path(RUNS) / run_dir.name, tmp_link)
    _fsync_dir(run_dir)
    os.replace(tmp_link, out_dir / CURRENT)  # the single atomic switch
    _fsync_dir(out_dir)
    for name in products:
        _ensure_product_link(out_dir, name)
    if previous is not None and previous.resolve() != run_dir.resolve():
        shutil.rmtree(previous, ignore_errors=True)


def _ensure_product_link(out_dir: Path, name: str) -> None:
    """OUT/<name> -> current/<name>; these links never change after they are made."""
    link = out_dir / name
    target = Path(CURRENT) / name
    if link.is_symlink():
        if Path(os.readlink(link)) == target:
            return
        link.unlink()
    elif link.exists():
        raise FrievalError(
            f"{link}: exists and is not frieval's link to {target}; move it away or choose another --out"
        )
    os.symlink(target, link)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
