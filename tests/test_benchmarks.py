"""The benchmark's bookkeeping (not its timings: those live in benchmarks/, run by hand)."""

from benchmarks.regress import regressions
from benchmarks.run import dbt_node_summary


def _run(stages, nodes):
    return {"stages": {k: {"seconds": v} for k, v in stages.items()},
            "dbt": dbt_node_summary([{"node": k, "status": "success", "seconds": v} for k, v in nodes.items()])}


def test_node_summary_totals_by_type_and_lists_the_slowest_first():
    s = dbt_node_summary([{"node": "model.frieval.a", "status": "success", "seconds": 1.0},
                          {"node": "test.frieval.t", "status": "pass", "seconds": 3.0},
                          {"node": "model.frieval.b", "status": "success", "seconds": 2.5}], top=2)
    assert s["by_type"] == {"model": {"nodes": 2, "seconds": 3.5}, "test": {"nodes": 1, "seconds": 3.0}}
    assert [n["node"] for n in s["slowest"]] == ["test.frieval.t", "model.frieval.b"]


def test_regressions_name_the_stage_or_node_over_its_budget_and_nothing_else():
    base = _run({"ingest": 10, "dbt_build": 100, "effects": 20}, {"model.frieval.slow": 30, "model.frieval.ok": 5})
    same = _run({"ingest": 11, "dbt_build": 120, "effects": 20}, {"model.frieval.slow": 40, "model.frieval.ok": 9})
    assert regressions(base, same, 1.5, 2, 5) == []
    worse = _run({"ingest": 11, "dbt_build": 200, "effects": 20},
                 {"model.frieval.slow": 80, "model.frieval.ok": 5, "test.frieval.new": 3})
    found = regressions(base, worse, 1.5, 2, 5)
    assert len(found) == 3
    assert found[0].startswith("stage dbt_build: 200.0 s, baseline 100.0 s")
    assert any(f.startswith("dbt node model.frieval.slow: 80.0 s, baseline 30.0 s") for f in found)
    assert any(f.startswith("dbt node test.frieval.new: 3.0 s, new node") for f in found)


def test_bound_takes_every_extract_tables_natural_key_from_its_staging_model():
    from benchmarks.bound import natural_keys
    from pipeline.ingest import CONTRACT

    keys = natural_keys()
    assert set(keys) == set(CONTRACT)
    assert keys["employment_status"] == ["person_id", "iso_year", "iso_week"]
    for table, key in keys.items():
        assert key and set(key) <= set(CONTRACT[table]), table


def test_bound_summary_adds_key_checks_and_writes_and_sets_them_against_the_target():
    from benchmarks.bound import summary

    s = summary(3.0, {"a": {"key_check_seconds": 10.0, "write_seconds": 12.0},
                      "b": {"key_check_seconds": 2.0, "write_seconds": 3.0}})
    assert s["bound_seconds"] == 27.0
    assert s["bound_over_floor"] == 9.0
    assert s["data_budget_seconds"] == 9.0 and s["target_seconds"] == 39.0
