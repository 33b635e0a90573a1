"""National-scale benchmark (issue 6): `frieval run` against its floor and a pandas reference.

    .venv/bin/python -m benchmarks.run --sizes 10000 100000 1000000 [--work /tmp/frieval-bench]
        [--no-reports] [--no-pandas] [--seed 1] [--out benchmarks/results]

For every size N (persons) it
1. synthesises the extracts once (`frieval synth --persons N`, reused when present; timed);
2. measures the floor: one DuckDB pass over every extract file that reads every column once;
3. runs `frieval run` (pipeline.run.run_pipeline in a child process, benchmarks/_run_child.py)
   timing the whole run and each stage (ingest, dbt build, effects, reports), sampling the
   resident memory of the whole process tree (the dbt child included) every 0.1 s;
4. runs the pandas reference (benchmarks/pandas_reference.py) on the same extract, with the same
   memory sampling, and checks that it gives the same fct_indicator_values for the measures it
   covers (adm_*, emp_*, cost_per_person_month, exp_score);
5. writes results.json and results.md (ratios run / floor and pandas / run, growth between sizes,
   the machine) under --out.

Not part of the test suite (it takes tens of minutes at 1M persons); run it by hand.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
COVERED = ("adm_", "emp_", "cost_", "exp_")
KEYS = ["experiment_id", "municipality_code", "arm", "period", "measure_code", "stratum"]
NUMS = ["n_persons", "numerator", "denominator", "value", "person_years", "rate_per_1000py", "n_censored"]


# --- machine and memory -------------------------------------------------------------------------

def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import duckdb
    return {"nproc": os.cpu_count(), "cpu_model": cpu or platform.processor(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "os": platform.platform(), "python": platform.python_version(), "duckdb": duckdb.__version__,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


class TreeSampler:
    """Samples the summed RSS of a process and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval = pid, interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.samples.append((time.time(), total))
            self._stop.wait(self.interval)

    def peak(self, start: float | None = None, end: float | None = None) -> int:
        vals = [r for t, r in self.samples if (start is None or t >= start) and (end is None or t <= end)]
        return max(vals, default=0)


def run_measured(cmd: list[str], log: Path, env=None, limit_bytes: int | None = None) -> dict:
    import resource

    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=fh, text=True, env=env)
        killed = False
        with TreeSampler(proc.pid) as s:
            out_lines = []
            reader = threading.Thread(target=lambda: out_lines.extend(proc.stdout), daemon=True)
            reader.start()
            while proc.poll() is None:
                if limit_bytes and s.samples and s.samples[-1][1] > limit_bytes:
                    for c in psutil.Process(proc.pid).children(recursive=True):
                        c.kill()
                    proc.kill()
                    killed = True
                time.sleep(0.2)
            reader.join()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    # user + system CPU of the whole tree (descendants are waited for by their parents); on a
    # shared machine this is steadier than wall time
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    return {"seconds": time.time() - t0, "cpu_seconds": cpu, "start": t0, "returncode": proc.returncode, "killed_over_memory": killed,
            "peak_rss_bytes": s.peak(), "stdout": "".join(out_lines), "sampler": s}


# --- steps ----------------------------------------------------------------------------------------

def synth(n: int, data: Path, seed: int, logs: Path) -> dict:
    from pipeline.synth.generator import GENERATOR_VERSION

    done = data / "truth.json"
    # reuse only extracts of this size from this generator (a new version writes other data)
    truth = json.loads(done.read_text()) if done.exists() else {}
    if truth.get("persons") == n and truth.get("generator_version") == GENERATOR_VERSION:
        return {"reused": True}
    cmd = [PY, "-c", "import sys; from pipeline.cli import main; sys.exit(main())", "synth", "--out", str(data), "--persons", str(n), "--seed", str(seed)]
    r = run_measured(cmd, logs / f"synth-{n}.log")
    if r["returncode"] != 0:
        raise SystemExit(f"synth {n} failed: see {logs / f'synth-{n}.log'}")
    return {"reused": False, "seconds": r["seconds"], "peak_rss_bytes": r["peak_rss_bytes"]}


FLOOR_SCRIPT = r"""
import duckdb, glob, json, sys, time
from pathlib import Path
data = Path(sys.argv[1])
t0 = time.time()
con = duckdb.connect()
rows = 0
for f in sorted(glob.glob(str(data / "wave=*" / "*.parquet"))):
    cols = [r[0] for r in con.execute(f"describe select * from read_parquet('{f}')").fetchall()]
    agg = ", ".join(f'sum(hash("{c}"))' for c in cols)
    res = con.execute(f"select count(*), {agg} from read_parquet('{f}')").fetchone()
    rows += res[0]
print(json.dumps({"rows": rows, "seconds": time.time() - t0}))
"""


def floor(data: Path, logs: Path, n: int) -> dict:
    r = run_measured([PY, "-c", FLOOR_SCRIPT, str(data)], logs / f"floor-{n}.log")
    res = json.loads(r["stdout"].strip().splitlines()[-1])
    return {"seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"], "query_seconds": res["seconds"], "rows": res["rows"],
            "peak_rss_bytes": r["peak_rss_bytes"]}


def frieval_run(data: Path, out: Path, logs: Path, n: int, reports: bool) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    r = run_measured([PY, "-m", "benchmarks._run_child", str(data), str(out), "1" if reports else "0"],
                     logs / f"run-{n}.log")
    if r["returncode"] != 0:
        raise SystemExit(f"frieval run at {n} failed: see {logs / f'run-{n}.log'}")
    info = json.loads(r["stdout"].strip().splitlines()[-1])
    s = r["sampler"]
    stages = {"startup": {"seconds": info["imported"] - r["start"],
                          "peak_rss_bytes": s.peak(r["start"], info["imported"])}}
    for st in info["stages"]:
        stages[st["stage"]] = {"seconds": st["end"] - st["start"], "peak_rss_bytes": s.peak(st["start"], st["end"])}
    accounted = sum(v["seconds"] for v in stages.values())
    stages["other"] = {"seconds": r["seconds"] - accounted, "peak_rss_bytes": None}
    return {"seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"], "peak_rss_bytes": r["peak_rss_bytes"],
            "load_average_after": [round(x, 2) for x in os.getloadavg()], "stages": stages,
            "dbt": dbt_node_summary(info.get("dbt_nodes", [])),
            "n_effects": info["n_effects"], "rows": info["rows"]}


def dbt_node_summary(nodes: list[dict], top: int = 15) -> dict:
    """dbt's own per-node times: totals by resource type and the slowest nodes (where the time goes)."""
    by_type: dict[str, dict] = {}
    for nd in nodes:
        t = by_type.setdefault(nd["node"].split(".", 1)[0], {"nodes": 0, "seconds": 0.0})
        t["nodes"] += 1
        t["seconds"] = round(t["seconds"] + nd["seconds"], 3)
    slowest = sorted(nodes, key=lambda nd: -nd["seconds"])[:top]
    return {"by_type": by_type, "slowest": slowest, "all": {nd["node"]: nd["seconds"] for nd in nodes}}


def pandas_ref(data: Path, out_file: Path, logs: Path, n: int, limit_bytes: int) -> dict:
    r = run_measured([PY, "-m", "benchmarks.pandas_reference", str(data), str(out_file)],
                     logs / f"pandas-{n}.log", limit_bytes=limit_bytes)
    res = {"seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"], "peak_rss_bytes": r["peak_rss_bytes"], "fits_in_memory": not r["killed_over_memory"],
           "ok": r["returncode"] == 0}
    if res["ok"]:
        res["steps"] = json.loads(r["stdout"].strip().splitlines()[-1])["seconds"]
    return res


def compare(db: Path, ref_file: Path) -> dict:
    """Same fct_indicator_values for the covered measures? Exact on counts, 1e-9 relative on values."""
    import duckdb
    import numpy as np
    import pandas as pd

    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("select * from marts.fct_indicator_values").df()
    got = got[got["measure_code"].str.startswith(COVERED)][KEYS + NUMS]
    ref = pd.read_parquet(ref_file)[KEYS + NUMS]
    m = got.merge(ref, on=KEYS, how="outer", suffixes=("_sql", "_pd"), indicator=True)
    only_sql = int((m["_merge"] == "left_only").sum())
    only_pd = int((m["_merge"] == "right_only").sum())
    both = m[m["_merge"] == "both"]
    mismatches = {}
    for c in NUMS:
        a = both[f"{c}_sql"].astype(float).to_numpy()
        b = both[f"{c}_pd"].astype(float).to_numpy()
        same = (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=1e-9, atol=1e-9)
        bad = both.loc[~same, KEYS]
        if len(bad):
            mismatches[c] = {"n": int(len(bad)), "measures": sorted(bad["measure_code"].unique().tolist())}
    return {"rows_sql": int(len(got)), "rows_pandas": int(len(ref)), "only_in_sql": only_sql,
            "only_in_pandas": only_pd, "mismatches": mismatches,
            "measures": sorted(got["measure_code"].unique().tolist()),
            "identical": only_sql == 0 and only_pd == 0 and not mismatches}


# --- report ---------------------------------------------------------------------------------------

def gb(b):
    return None if b is None else round(b / 2**30, 2)


def write_results(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "results.md").write_text(markdown(results))


def markdown(res: dict) -> str:
    m = res["machine"]
    lines = [f"Run {res['started']} on {m['nproc']} cores ({m['cpu_model']}), {m['memory_gb']} GB RAM, "
             f"{m['os']}, Python {m['python']}, DuckDB {m['duckdb']}; load average at start "
             f"{m['load_average_at_start']} (a shared machine). Reports: {'on' if res['reports'] else 'off'}.", ""]
    lines.append("| persons | extract rows | floor s | run s | run CPU s | ingest s | dbt build s | effects s | reports s | "
                 "start-up s | run peak GB (tree) | run / floor | pandas s | pandas peak GB | pandas / run | "
                 "pandas / (ingest+dbt) | same indicator values |")
    lines.append("|" + " --- |" * 17)
    for n, r in res["sizes"].items():
        run, fl, pdr = r.get("run"), r.get("floor"), r.get("pandas")
        st = run["stages"] if run else {}
        sec = lambda k: f"{st[k]['seconds']:.1f}" if k in st else "-"  # noqa: E731
        core = (st.get("ingest", {}).get("seconds", 0) + st.get("dbt_build", {}).get("seconds", 0)) if run else None
        pand = "-"
        if pdr:
            pand = f"{pdr['seconds']:.1f}" if pdr["ok"] else ("out of memory" if not pdr["fits_in_memory"] else "failed")
        cmpres = r.get("compare")
        same = "-" if not cmpres else ("yes" if cmpres["identical"] else
                                        f"NO ({cmpres['only_in_sql']} only SQL, {cmpres['only_in_pandas']} only pandas, "
                                        f"{sum(v['n'] for v in cmpres['mismatches'].values())} differ)")
        lines.append(
            f"| {int(n):,} | {fl['rows']:,} | {fl['seconds']:.1f} | {run['seconds']:.1f} | {run['cpu_seconds']:.0f} | "
            f"{sec('ingest')} | "
            f"{sec('dbt_build')} | {sec('effects')} | {sec('reports')} | {sec('startup')} | "
            f"{gb(run['peak_rss_bytes'])} | {run['seconds'] / fl['seconds']:.1f} | {pand} | "
            f"{gb(pdr['peak_rss_bytes']) if pdr else '-'} | "
            f"{(pdr['seconds'] / run['seconds']) if pdr and pdr['ok'] else float('nan'):.2f} | "
            f"{(pdr['seconds'] / core) if pdr and pdr['ok'] and core else float('nan'):.2f} | {same} |")
    ns = sorted(res["sizes"], key=int)
    for a, b in zip(ns, ns[1:]):
        ra, rb = res["sizes"][a]["run"], res["sizes"][b]["run"]
        lines.append("")
        lines.append(f"Growth {int(a):,} -> {int(b):,} persons ({int(b) // int(a)}x data): run time x"
                     f"{rb['seconds'] / ra['seconds']:.1f} (CPU x{rb['cpu_seconds'] / ra['cpu_seconds']:.1f}), floor x"
                     f"{res['sizes'][b]['floor']['seconds'] / res['sizes'][a]['floor']['seconds']:.1f}.")
    big = ns[-1]
    rb, fb = res["sizes"][big]["run"], res["sizes"][big]["floor"]
    lines.append("")
    lines.append(f"At {int(big):,} persons: run {rb['seconds']:.0f} s vs 3 x floor + 30 s = "
                 f"{3 * fb['seconds'] + 30:.0f} s; peak memory {gb(rb['peak_rss_bytes'])} GB; "
                 f"load average after the run {rb.get('load_average_after')}.")
    dbt = rb.get("dbt")
    if dbt and dbt["slowest"]:
        lines.append("")
        lines.append(f"dbt at {int(big):,} persons, by node type: " + ", ".join(
            f"{k} {v['nodes']} nodes {v['seconds']:.1f} s" for k, v in sorted(dbt["by_type"].items())) + ".")
        lines.append("")
        lines.append("| slowest dbt nodes | seconds |")
        lines.append("| --- | --- |")
        for nd in dbt["slowest"]:
            lines.append(f"| `{nd['node'].split('.', 2)[-1]}` ({nd['node'].split('.', 1)[0]}) | {nd['seconds']:.1f} |")
    lines.append("")
    for n in ns:
        syn = res["sizes"][n].get("synth", {})
        if syn and not syn.get("reused"):
            lines.append(f"- synth {int(n):,} persons: {syn['seconds']:.1f} s, peak {gb(syn['peak_rss_bytes'])} GB")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--work", type=Path, default=Path("/tmp/frieval-bench"))
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-reports", action="store_true")
    ap.add_argument("--no-pandas", action="store_true")
    ap.add_argument("--pandas-limit-gb", type=float, default=16.0,
                    help="kill the pandas reference when its RSS passes this (reported as out of memory)")
    args = ap.parse_args(argv)
    work = args.work.resolve()
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results = {"started": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": machine(),
               "reports": not args.no_reports, "sizes": {}}
    for n in args.sizes:
        data, out = work / f"data-{n}", work / f"out-{n}"
        r: dict = {}
        results["sizes"][str(n)] = r
        print(f"[{n}] synth", flush=True)
        r["synth"] = synth(n, data, args.seed, logs)
        print(f"[{n}] floor", flush=True)
        r["floor"] = floor(data, logs, n)
        print(f"[{n}] frieval run", flush=True)
        r["run"] = frieval_run(data, out, logs, n, reports=not args.no_reports)
        if not args.no_pandas:
            print(f"[{n}] pandas reference", flush=True)
            ref_file = work / f"pandas-{n}.parquet"
            r["pandas"] = pandas_ref(data, ref_file, logs, n, int(args.pandas_limit_gb * 2**30))
            if r["pandas"]["ok"]:
                r["compare"] = compare(out / "frieval.duckdb", ref_file)
        write_results(results, args.out)
        print(json.dumps({k: (v if k != "run" else {kk: vv for kk, vv in v.items() if kk != "stages"})
                          for k, v in r.items()}, default=str), flush=True)
    print((args.out / "results.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
