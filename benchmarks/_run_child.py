"""Child process of the benchmark: one `frieval run` (pipeline.run.run_pipeline, exactly what the
CLI calls) with every stage wrapped in a timer. Prints one JSON line with the stage times (wall
clock, time.time(), so the parent can match them against its memory samples)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def keep_node_times(dbt_build, nodes: list[dict]):
    """Wrap pipeline.run._dbt_build(db_path, work, stamp, progress) to keep dbt's per-node times
    (target/run_results.json), which the run deletes with its work folder afterwards."""
    def wrapper(db_path, work, *a, **kw):
        try:
            return dbt_build(db_path, work, *a, **kw)
        finally:
            results = Path(work) / "dbt" / "target" / "run_results.json"
            if results.is_file():
                for r in json.loads(results.read_text())["results"]:
                    nodes.append({"node": r["unique_id"], "status": r["status"],
                                  "seconds": round(r["execution_time"], 3)})
    return wrapper


def main() -> int:
    data_dir, out_dir, reports = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    t_start = time.time()
    import pipeline.effects
    import pipeline.ingest
    import pipeline.report
    import pipeline.run as run

    stages: list[dict] = []
    nodes: list[dict] = []

    def timed(name, fn):
        def wrapper(*a, **kw):
            t0 = time.time()
            try:
                return fn(*a, **kw)
            finally:
                stages.append({"stage": name, "start": t0, "end": time.time()})
        return wrapper

    pipeline.ingest.ingest = timed("ingest", pipeline.ingest.ingest)
    run._dbt_build = timed("dbt_build", keep_node_times(run._dbt_build, nodes))
    pipeline.effects.run_effects = timed("effects", pipeline.effects.run_effects)
    pipeline.report.build_reports = timed("reports", pipeline.report.build_reports)
    t_imported = time.time()
    summary = run.run_pipeline(data_dir, out_dir, reports=reports)
    print(json.dumps({"start": t_start, "imported": t_imported, "end": time.time(), "stages": stages,
                      "dbt_nodes": nodes, "n_effects": summary.n_effects, "rows": summary.rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
