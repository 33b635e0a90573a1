"""Render reports/network_report.qmd once per network.

With Quarto on PATH: `quarto render` with the parameters in a YAML file (pitfalls 11-14: the
project venv's Python, each render in its own folder with an explicit output name).
Without Quarto (the default here and in CI): the same .qmd is read with jupytext (R Markdown
chunk syntax), the parameters are injected after the `tags: [parameters]` cell as papermill does,
the notebook is executed by nbclient (one kernel per core, each reused for several reports), and the
executed notebook's HTML outputs are converted by pandoc into one self-contained HTML file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..errors import FrievalError
from ..paths import PROJECT_ROOT, REPORTS_SRC_DIR

QMD = REPORTS_SRC_DIR / "network_report.qmd"
PARAMS_TAG = "#| tags: [parameters]"
WARM_UP = "import pipeline.report.view"


@dataclass
class Rendered:
    path: Path
    seconds: float
    renderer: str


def renderer_name() -> str:
    return "quarto" if shutil.which("quarto") else "nbclient+pandoc"


def load_notebook(params: dict, qmd: Path = QMD) -> nbformat.NotebookNode:
    """The .qmd as a notebook with the parameters injected after the parameters cell."""
    import jupytext

    nb = jupytext.reads(qmd.read_text(encoding="utf-8"), fmt="Rmd")
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]  # the YAML front matter
    idx = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and PARAMS_TAG in c.source), None)
    if idx is None:
        raise FrievalError(f"{qmd}: no cell tagged '{PARAMS_TAG}'")
    src = "# injected parameters\n" + "".join(f"{k} = {v!r}\n" for k, v in params.items())
    cell = nbformat.v4.new_code_cell(src)
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(idx + 1, cell)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


# pandoc's --embed-resources pass parses the whole HTML and writes it out again; on the 4.6 MB
# plotly.js that takes ~10 s per report, and the chart fragments are a large part of the rest.
# Such outputs go through pandoc as a placeholder and are put back afterwards (pandoc writes raw
# HTML verbatim). Only outputs that pandoc would return unchanged qualify: an inline script, and
# a plotly chart (tags whose attributes need no escaping around one inline script: the pass
# re-escapes text between tags, e.g. '"' -> '&quot;', but never a script's body). Every other
# fragment still goes through pandoc, so anything that ever links an image, stylesheet or script
# is embedded as before and the report stays offline.
BIG_SCRIPT = 200_000
CHART_HEAD = re.compile(r'<div class="frv plot" data-chart="\w+"><div style="[^"&<>\']*">\s*'
                        r'<div id="chart-\d+" class="plotly-graph-div" style="[^"&<>\']*"></div>\s*<script>')
CHART_TAIL = re.compile(r"</script>\s*</div></div>\Z")
PLACEHOLDER = '<script type="text/javascript" data-frieval-inline="{k}"></script>'
PLACEHOLDER_RE = re.compile(re.escape(PLACEHOLDER).replace(r"\{k\}", "[0-9]+"))


def _set_aside(text: str) -> bool:
    if len(text) > BIG_SCRIPT and text.startswith("<script") and text.count("<script") == 1 and \
            text.rstrip().endswith("</script>"):
        return True  # plotly.js: one inline script without src
    head, tail = CHART_HEAD.match(text), CHART_TAIL.search(text)
    return head is not None and tail is not None and "script" not in text[head.end():tail.start()]


def html_only(nb: nbformat.NotebookNode, what: str, big: dict | None = None) -> nbformat.NotebookNode:
    """Keep what the reader sees (echo: false): each HTML output becomes a raw HTML cell.

    With `big` (a dict), outputs pandoc need not see (_set_aside) are replaced by placeholders
    and stored in it (see pandoc_convert)."""
    out = nbformat.v4.new_notebook()
    out.metadata = nb.metadata
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            out.cells.append(cell)
            continue
        if cell.cell_type != "code":
            continue
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                raise FrievalError(f"{what}: report cell failed: {o.get('ename')}: {o.get('evalue')}")
            data = o.get("data", {})
            if "text/html" in data:
                text = data["text/html"]
                if big is not None and _set_aside(text):
                    key = PLACEHOLDER.format(k=len(big))
                    big[key] = text
                    text = key
                raw = nbformat.v4.new_raw_cell(text)
                raw.metadata["format"] = "text/html"
                out.cells.append(raw)
    # nbformat gives every cell a random id and pandoc writes it into the HTML: number them
    # instead, so two renders of the same data are byte-identical.
    for i, cell in enumerate(out.cells):
        cell["id"] = f"cell-{i}"
    return out


class FallbackRenderer:
    """Executes the .qmd with a Jupyter kernel (kept for all reports) and converts with pandoc."""

    def __init__(self, timeout: int = 600):
        from jupyter_client.manager import KernelManager

        self.timeout = timeout
        self.km = KernelManager(kernel_name="python3")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        # The kernel's own stderr (e.g. ipykernel's "running over TCP" notice) goes to a log file
        # instead of the user's terminal; cell errors still arrive through the kernel protocol.
        self.log = tempfile.NamedTemporaryFile(prefix="frieval-kernel-", suffix=".log", delete=False)
        self.km.start_kernel(env=env, cwd=str(PROJECT_ROOT), stderr=self.log, stdout=self.log)
        # The report's imports (pandas, plotly: ~1.5 s) start now, while the caller computes the
        # report data and dbt writes the docs; the first notebook finds them loaded. Its output is
        # unaffected: the notebook imports the same modules, which Python then takes from its cache.
        self._warm = self.km.client()
        self._warm.start_channels()
        self._warm_id = self._warm.execute(WARM_UP, silent=True, store_history=False)

    def _await_warm_up(self):
        if self._warm is None:
            return
        kc, self._warm = self._warm, None
        try:
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
                if reply["parent_header"].get("msg_id") == self._warm_id:
                    break  # a failed import fails the report's own first cell, with its message
        finally:
            kc.stop_channels()

    def close(self):
        if self._warm is not None:
            self._warm.stop_channels()
            self._warm = None
        if self.km.has_kernel:
            self.km.shutdown_kernel(now=True)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def execute(self, params: dict, out_html: Path, title: str, lang: str) -> tuple:
        """Run the notebook; returns the arguments of pandoc_convert for its HTML."""
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        self._await_warm_up()
        nb = load_notebook(params)
        client = NotebookClient(nb, km=self.km, timeout=self.timeout, allow_errors=False)
        try:
            client.execute()
        except CellExecutionError as err:
            text = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip()
            first = text.splitlines()[-1] if text else "cell failed"
            raise FrievalError(f"report {params.get('network_id')} ({lang}): {first}") from None
        finally:
            if client.kc is not None:
                client.kc.stop_channels()
        big: dict = {}
        return html_only(nb, f"report {params.get('network_id')}", big), out_html, title, lang, big


def pandoc_convert(nb: nbformat.NotebookNode, out_html: Path, title: str, lang: str, big: dict | None = None) -> None:
    import pypandoc

    with tempfile.TemporaryDirectory(prefix="frieval-pandoc-") as tmp:
        src = Path(tmp) / "report.ipynb"
        nbformat.write(nb, src)
        cmd = [pypandoc.get_pandoc_path(), "-f", "ipynb", "-t", "html5", "--standalone", "--embed-resources",
               "--mathml", "--metadata", f"pagetitle={title}", "--metadata", f"lang={lang}",
               "--variable", "maxwidth=78em", "-o", str(out_html), str(src)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise FrievalError(f"pandoc failed for {out_html.name}: {proc.stderr.strip().splitlines()[-1:]}")
    if big:
        # One pass over pandoc's output: a fragment put back is never searched for placeholders.
        page = out_html.read_text(encoding="utf-8")
        found = []

        def put_back(m):
            found.append(m.group(0))
            return big.get(m.group(0), m.group(0))

        page = PLACEHOLDER_RE.sub(put_back, page)
        if sorted(found) != sorted(big):
            raise FrievalError(f"{out_html.name}: placeholder for a set-aside fragment not found once in pandoc output")
        out_html.write_text(page, encoding="utf-8")


def quarto_render(params: dict, out_html: Path, title: str, lang: str) -> None:
    import yaml

    quarto = shutil.which("quarto")
    with tempfile.TemporaryDirectory(prefix="frieval-quarto-") as tmp:
        work = Path(tmp)
        shutil.copy(QMD, work / QMD.name)
        (work / "params.yml").write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
        env = dict(os.environ)
        env["QUARTO_PYTHON"] = sys.executable
        env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        cmd = [quarto, "render", QMD.name, "--to", "html", "--execute-params", "params.yml",
               "-M", f"pagetitle:{title}", "-M", f"lang:{lang}", "--output", "report.html"]
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise FrievalError(f"quarto render failed for {out_html.name}: {' | '.join(tail)}")
        shutil.move(str(work / "report.html"), out_html)


def kernels_for(n_jobs: int) -> int:
    """Kernels to execute n_jobs reports: one per core, at most MAX_KERNELS (each costs ~1.5 s of
    imports and ~250 MB), never more than there are reports."""
    return max(1, min(n_jobs, MAX_KERNELS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1))


MAX_KERNELS = 4


def start_renderers(n: int) -> list:
    """n warmed-up kernels for render_all (none with Quarto, which runs its own). Start them early:
    their imports then overlap the caller's other work."""
    if renderer_name() == "quarto":
        return []
    out = []
    try:
        for _ in range(n):
            out.append(FallbackRenderer())
    except BaseException:
        for r in out:
            r.close()
        raise
    return out


def render_all(jobs: list[dict], out_dir: Path, progress_task=None, renderers: list | None = None) -> list[Rendered]:
    """jobs: dicts with network_id, lang, data_dir, title. Writes out_dir/<network_id>.html.

    In the fallback, each kernel (renderers, from start_renderers; closed here) executes reports
    from a shared queue in its own thread, and pandoc converts each executed report in a worker
    thread: kernels and pandoc are separate processes, so every core shortens the reports stage.
    A report's bytes do not depend on which kernel executed it (each notebook builds its own
    NetworkView; chart ids are numbered per view)."""
    import queue
    import threading
    from concurrent.futures import ThreadPoolExecutor

    out_dir.mkdir(parents=True, exist_ok=True)
    name = renderer_name()
    if name == "quarto":
        done: list[Rendered] = []
        for job in jobs:
            start = time.perf_counter()
            out_html = out_dir / f"{job['network_id']}.html"
            quarto_render(_params(job, name), out_html, job["title"], job["lang"])
            done.append(Rendered(out_html, time.perf_counter() - start, name))
            if progress_task is not None:
                progress_task.advance(1)
        return done
    if renderers is None:
        renderers = start_renderers(kernels_for(len(jobs)))
    todo: queue.Queue = queue.Queue()
    for i, job in enumerate(jobs):
        todo.put((i, job))
    results: dict = {}  # job index -> (pandoc future, out_html, start)
    errors: list = []
    lock = threading.Lock()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frieval-pandoc")

    def work(renderer):
        while not errors:
            try:
                i, job = todo.get_nowait()
            except queue.Empty:
                return
            start = time.perf_counter()
            out_html = out_dir / f"{job['network_id']}.html"
            try:
                args = renderer.execute(_params(job, name), out_html, job["title"], job["lang"])
            except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
                errors.append((i, err))
                return
            with lock:
                results[i] = (pool.submit(pandoc_convert, *args), out_html, start)
                if progress_task is not None:
                    progress_task.advance(1)

    try:
        threads = [threading.Thread(target=work, args=(r,), name=f"frieval-kernel-{k}")
                   for k, r in enumerate(renderers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise min(errors, key=lambda e: e[0])[1]  # the first report in job order that failed
        done = []
        for i in range(len(jobs)):
            future, out_html, start = results[i]
            future.result()  # re-raises a conversion's FrievalError here
            done.append(Rendered(out_html, time.perf_counter() - start, name))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for r in renderers:
            r.close()
    return done


def _params(job: dict, name: str) -> dict:
    return {"network_id": job["network_id"], "lang": job["lang"], "data_dir": str(job["data_dir"]),
            "renderer": name}
