"""Per-network evaluation reports (issue 5).

build_reports: read the warehouse read-only, compute every table and chart series once for all
networks with disclosure control (data.py, disclosure.py), write OUT/report_data and OUT/exports,
render reports/network_report.qmd per network (render.py), write the index (index.py) and ship
the dbt docs beside the reports so every indicator links to its SQL model (generated while the
reports render).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FrievalError
from ..progress import NULL_STEPS


@dataclass
class ReportSummary:
    reports: list = field(default_factory=list)  # Paths of the per-network reports
    index: Path | None = None
    docs: Path | None = None
    renderer: str = ""
    seconds: dict = field(default_factory=dict)  # network_id -> render seconds
    suppressed: dict = field(default_factory=dict)  # primary / secondary counts, effects

    def describe(self) -> str:
        return (f"{len(self.reports)} reports ({self.renderer}); suppressed: "
                + ", ".join(f"{k} {v}" for k, v in self.suppressed.items()))


def build_reports(db_path, out_dir, lang: str = "da", threshold: int = 5, dbt_target_dir=None,
                  progress=None, *, dbt_docs: bool = True, networks: list | None = None,
                  dbt_env: dict | None = None) -> ReportSummary:
    from . import data as report_data
    from .index import write_index
    from .render import MAX_KERNELS, kernels_for, render_all, renderer_name, start_renderers

    if lang not in ("da", "en"):
        raise FrievalError(f"--lang {lang}: expected da or en")
    progress = progress or NULL_STEPS
    db_path, out_dir = Path(db_path).resolve(), Path(out_dir).resolve()
    reports_dir = out_dir / "reports"
    reports_dir.mkdir(parents=True, exist_ok=True)
    summary = ReportSummary(renderer=renderer_name())
    # Three things overlap here: the kernels start and import the report's modules while the
    # report data is computed, and `dbt docs generate` (a child process) runs while the kernels
    # execute the reports. Only the data step reads the warehouse in this process; it closes its
    # read-only connection before dbt opens the file (DuckDB allows one writer or many readers),
    # and the kernels read report_data/*.parquet only.
    renderers = start_renderers(kernels_for(len(networks) if networks is not None else MAX_KERNELS))
    docs = None
    try:
        task = progress.task("report data (computed once, disclosure-controlled)", total=None)
        d = report_data.compute(db_path, threshold)
        d.write(out_dir)
        task.done()
        if dbt_docs:
            docs = _DocsInBackground(db_path, reports_dir, dbt_target_dir, dbt_env, progress)
        s = d.tables["suppression"]
        summary.suppressed = {"counts_primary": int(s.counts_primary.sum()),
                              "counts_secondary": int(s.counts_secondary.sum()),
                              "effects_suppressed": int(s.effects_suppressed.sum()),
                              "chart_points_dropped": int(s.series_points_dropped_all.max()) if len(s) else 0}
        nets = d.tables["networks"]
        if networks is not None:
            nets = nets[nets.network_id.isin(networks)]
        from .i18n import t

        jobs = [{"network_id": n.network_id, "lang": lang, "data_dir": out_dir / "report_data",
                 "title": t("title", lang, network=getattr(n, "name_" + lang))} for n in nets.itertuples(index=False)]
        task = progress.task(f"render {len(jobs)} reports ({summary.renderer})", total=len(jobs))
        rendered = render_all(jobs, reports_dir, task, renderers=renderers)
        renderers = []  # render_all closed them
        task.done()
    finally:
        for r in renderers:
            r.close()
        if docs is not None:
            docs.wait()  # never leave dbt writing into the run folder, even when rendering failed
    if docs is not None:
        summary.docs = docs.result()
    summary.reports = [r.path for r in rendered]
    summary.seconds = {r.path.stem: round(r.seconds, 2) for r in rendered}
    summary.index = write_index(reports_dir, nets, lang, threshold, {r.path.stem: r.path for r in rendered},
                                docs=summary.docs is not None)
    return summary


class _DocsInBackground:
    """ship_dbt_docs in a thread (dbt itself is a child process, so it runs on its own core)."""

    def __init__(self, db_path, reports_dir, dbt_target_dir, dbt_env, progress):
        import threading

        self._out = self._err = None
        self._task = progress.task("dbt docs generate", total=None)
        self._thread = threading.Thread(target=self._run, name="frieval-dbt-docs", daemon=True,
                                        args=(db_path, reports_dir, dbt_target_dir, dbt_env))
        self._thread.start()

    def _run(self, *args):
        try:
            self._out = ship_dbt_docs(*args)
            self._task.done()
        except BaseException as err:  # noqa: BLE001 - re-raised by result()
            self._err = err

    def wait(self) -> None:
        self._thread.join()

    def result(self) -> Path:
        self._thread.join()
        if self._err is not None:
            raise self._err
        return self._out


def ship_dbt_docs(db_path: Path, reports_dir: Path, dbt_target_dir=None, dbt_env: dict | None = None) -> Path:
    """`dbt docs generate --static` and copy static_index.html to reports/dbt-docs/index.html.

    The manifest is copied beside it so tests (and readers) can check every link target. Given
    the build's target folder and run stamp (dbt_env), dbt reuses the build's parse."""
    from ..dbt_runner import run_dbt

    tmp = None
    target = Path(dbt_target_dir) if dbt_target_dir else None
    if target is not None and target.name == "target" and target.parent.name == "dbt":
        work_dir = target.parent.parent
    else:
        tmp = tempfile.mkdtemp(prefix="frieval-dbt-docs-")
        work_dir = Path(tmp)
    try:
        args = ["docs", "generate", "--static"]
        if tmp is None and (target / "manifest.json").is_file():
            args.append("--no-compile")  # the run's dbt build compiled every node already
        result = run_dbt(args, db_path=db_path, work_dir=work_dir, env=dbt_env)
        static = result.target_dir / "static_index.html"
        if not static.is_file():
            raise FrievalError(f"dbt docs generate wrote no {static}")
        dest = reports_dir / "dbt-docs"
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(static, dest / "index.html")
        shutil.copy(result.target_dir / "manifest.json", dest / "manifest.json")
        return dest / "index.html"
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
