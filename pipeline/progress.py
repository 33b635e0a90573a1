"""Progress display for long steps. Goes to stderr so stdout stays machine-readable."""

from __future__ import annotations

import contextlib
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


def make_progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


class Steps:
    """A thin wrapper over rich.Progress: one task per step, advanced by the stage code.

    Stages receive an object with `.task(description, total)` -> handle and `handle.advance(n)`,
    `handle.done()`. Passing progress=None to a stage means: show nothing.
    """

    def __init__(self, progress: Progress):
        self._p = progress

    def task(self, description: str, total: float | None = None) -> "StepHandle":
        return StepHandle(self._p, self._p.add_task(description, total=total))


class StepHandle:
    def __init__(self, progress: Progress, task_id):
        self._p, self._id = progress, task_id

    def advance(self, n: float = 1) -> None:
        self._p.advance(self._id, n)

    def update(self, **kw) -> None:
        self._p.update(self._id, **kw)

    def done(self) -> None:
        task = next(t for t in self._p.tasks if t.id == self._id)
        total = task.total if task.total is not None else 1
        self._p.update(self._id, total=total, completed=total)


@contextlib.contextmanager
def steps():
    with make_progress() as p:
        yield Steps(p)


class _Null:
    def task(self, description, total=None):
        return self

    def advance(self, n=1):
        pass

    def update(self, **kw):
        pass

    def done(self):
        pass


NULL_STEPS = _Null()
