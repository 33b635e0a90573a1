"""Regression benchmark for the whole run (issue 6: "a slow path found later gets a regression
benchmark"): one `frieval run` at one size, compared stage by stage and dbt node by dbt node with
a committed benchmark result of the same size.

    .venv/bin/python -m benchmarks.regress [--size 100000] [--baseline benchmarks/results/results.json]
        [--work /tmp/frieval-regress] [--factor 1.5] [--node-slack 2] [--stage-slack 5]

A stage or a dbt node regresses when it takes more than factor x its baseline time + slack
seconds; a node that is new (not in the baseline) regresses when it takes more than the node
slack. Exit 1 when anything regressed, with one line per regression; 0 otherwise. Every slow path
fixed so far is a node or a stage here (the staging row status: base_registry__* nodes; the
employment week spine: int_employment_* and fct_series; by-construction data tests: test nodes;
the effects' sorted copy: the effects stage), so their return shows. The baseline must come from
the same machine (benchmarks.run writes it); wall times on a busy machine are inflated, so run it
on a quiet one. The staging macro has its own finer benchmark, benchmarks/regress_row_status.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .run import ROOT, floor, frieval_run, synth

STAGES = ("ingest", "dbt_build", "effects", "reports")


def regressions(base: dict, new: dict, factor: float, node_slack: float, stage_slack: float) -> list[str]:
    """Lines naming what got slower than factor x baseline + slack (stages, then dbt nodes)."""
    out = []
    for st in STAGES:
        b = base["stages"].get(st, {}).get("seconds")
        n = new["stages"].get(st, {}).get("seconds")
        if b is not None and n is not None and n > factor * b + stage_slack:
            out.append(f"stage {st}: {n:.1f} s, baseline {b:.1f} s (budget {factor * b + stage_slack:.1f} s)")
    base_nodes = base.get("dbt", {}).get("all", {})
    for node, n in sorted(new.get("dbt", {}).get("all", {}).items(), key=lambda kv: -kv[1]):
        b = base_nodes.get(node)
        budget = node_slack if b is None else factor * b + node_slack
        if n > budget:
            was = "new node" if b is None else f"baseline {b:.1f} s"
            out.append(f"dbt node {node}: {n:.1f} s, {was} (budget {budget:.1f} s)")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--baseline", type=Path, default=ROOT / "benchmarks" / "results" / "results.json")
    ap.add_argument("--work", type=Path, default=Path("/tmp/frieval-regress"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--factor", type=float, default=1.5)
    ap.add_argument("--node-slack", type=float, default=2.0)
    ap.add_argument("--stage-slack", type=float, default=5.0)
    args = ap.parse_args(argv)
    baseline = json.loads(args.baseline.read_text())
    base = baseline["sizes"].get(str(args.size))
    if base is None or "run" not in base:
        print(f"{args.baseline}: no run at {args.size} persons to compare with (sizes: "
              f"{', '.join(baseline['sizes'])})", file=sys.stderr)
        return 2
    if not base["run"].get("dbt", {}).get("all"):
        print(f"{args.baseline}: the baseline has no per-node dbt times; rerun benchmarks.run", file=sys.stderr)
        return 2
    work = args.work.resolve()
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    data, out = work / f"data-{args.size}", work / f"out-{args.size}"
    synth(args.size, data, args.seed, logs)
    fl = floor(data, logs, args.size)
    new = frieval_run(data, out, logs, args.size, reports=baseline.get("reports", True))
    b = base["run"]
    print(f"{args.size:,} persons: run {new['seconds']:.1f} s (baseline {b['seconds']:.1f} s), "
          f"floor {fl['seconds']:.1f} s (baseline {base['floor']['seconds']:.1f} s); "
          + ", ".join(f"{st} {new['stages'][st]['seconds']:.1f} s" for st in STAGES if st in new["stages"]))
    found = regressions(b, new, args.factor, args.node_slack, args.stage_slack)
    for line in found:
        print("REGRESSION " + line)
    if found:
        print(f"{len(found)} regression(s) against {args.baseline} ({baseline['started']})", file=sys.stderr)
        return 1
    print(f"no regression against {args.baseline} ({baseline['started']}): every stage and dbt node within "
          f"{args.factor} x baseline + slack")
    return 0


if __name__ == "__main__":
    sys.exit(main())
