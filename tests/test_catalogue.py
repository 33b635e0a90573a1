"""Completeness and correctness of the experiment catalogue (seeds/catalogue) against the sources.

The source documents live in <repo>/../shared (beside the clone in CI). Tests that need them skip
with a clear reason when that folder is absent; the seed-only checks always run.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds" / "catalogue"
SHARED = REPO.parent / "shared"
DOCS = SHARED / "source-documents"
DOC_004 = "004_d8e0ad979bdfbdd7.txt"

MEASURE_CODES = {
    "adm_stays", "adm_admissions", "adm_acute_admissions", "adm_bed_days", "adm_readmit_30d",
    "adm_preventable", "emp_selfsupport_end", "emp_selfsupport_degree", "emp_benefit_weeks",
    "emp_fulltime_persons", "emp_weeks_to_selfsupport", "case_days_to_triage",
    "case_days_to_assessment_end", "case_days_to_intervention", "case_triage_within_24h",
    "case_assessment_within_4m", "case_reopened_6m", "fit_sessions", "fit_ors_first",
    "fit_ors_last", "fit_ors_change", "fit_clinical_at_intake", "fit_reliable_improvement",
    "fit_reliable_deterioration", "fit_recovered", "fit_srs_below_cutoff_share",
    "cost_per_person_month", "exp_score",
}
SEED_FILES = ["networks", "experiments", "experiment_periods", "municipalities",
              "experiment_municipalities", "legal_exemptions", "indicators",
              "programme_theory_nodes", "programme_theory_edges"]

needs_sources = pytest.mark.skipif(
    not (DOCS / DOC_004).exists(),
    reason=f"source documents not found at {DOCS} (shared/ must sit beside the repository clone)")


def read(name: str) -> list[dict]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def norm(s: str) -> str:
    s = s.replace("**", "").replace("<i>", "").replace("</i>", "").replace("*", "")
    return re.sub(r"\s+", " ", s).strip().lower()


_lines: dict[str, list[str]] = {}


def doc_lines(doc: str) -> list[str]:
    if doc not in _lines:
        _lines[doc] = (DOCS / doc).read_text(encoding="utf-8").split("\n")
    return _lines[doc]


# ------------------------------------------------------------------ seed-only checks

def test_every_seed_has_rows_and_a_citation():
    for name in SEED_FILES:
        rows = read(name)
        assert rows, f"{name}.csv is empty"
        cols = rows[0].keys()
        assert "source_doc" in cols, f"{name}.csv has no source_doc"
        assert "source_line" in cols or "source_line_start" in cols, f"{name}.csv has no source line"
        for r in rows:
            if name == "municipalities" and r["comparison_candidate"] == "true":
                continue  # comparison candidates are not in the sources; they cite the code list
            assert r["source_doc"], f"{name}: row without source_doc: {r}"
            line = r.get("source_line") or r.get("source_line_start")
            assert line and line.isdigit() and int(line) >= 1, f"{name}: bad source line in {r}"


def test_eight_networks_with_programmes():
    nets = read("networks")
    ids = [n["network_id"] for n in nets]
    assert len(ids) == 8 and len(set(ids)) == 8
    assert {"children", "acute_care", "one_plan", "employment_nj", "housing", "cross_sector",
            "specialised_social", "fk1_gladsaxe_gentofte"} == set(ids)
    assert sorted(n["programme"] for n in nets).count("FK2") == 7
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)
    used = {e["network_id"] for e in read("experiments")}
    assert used == set(ids), f"networks without experiments: {set(ids) - used}"


def test_municipality_codes_are_official_three_digit_text():
    rows = read("municipalities")
    codes = [r["municipality_code"] for r in rows]
    assert all(re.fullmatch(r"\d{3}", c) for c in codes), codes
    assert len(codes) == len(set(codes))
    by_name = {r["name"]: r["municipality_code"] for r in rows}
    # Danmarks Statistik KOMK codes named in the brief and architecture notes.
    for name, code in {"København": "101", "Aarhus": "751", "Gladsaxe": "159", "Gentofte": "157",
                       "Frederikshavn": "813", "Læsø": "825", "Aalborg": "851"}.items():
        assert by_name[name] == code, f"{name}: {by_name.get(name)} != {code}"
    assert all(r["citation"] for r in rows)
    comp = [r for r in rows if r["comparison_candidate"] == "true"]
    assert 8 <= len(comp) <= 14
    assert all(r["participating"] == "false" for r in comp)
    part_regions = {r["region"] for r in rows if r["participating"] == "true"}
    assert {r["region"] for r in comp} <= part_regions


def test_experiment_municipalities_reference_known_codes():
    codes = {r["municipality_code"] for r in read("municipalities")}
    em = read("experiment_municipalities")
    assert {r["municipality_code"] for r in em} <= codes
    pairs = [(r["experiment_id"], r["municipality_code"]) for r in em]
    assert len(pairs) == len(set(pairs))
    exp_ids = {e["experiment_id"] for e in read("experiments")}
    assert {r["experiment_id"] for r in em} == exp_ids, "every experiment has municipalities"
    # Frederikshavn/Læsø is two municipalities: both appear wherever the pair is listed.
    fl = {}
    for r in em:
        fl.setdefault(r["experiment_id"], set()).add(r["municipality_code"])
    for eid, cs in fl.items():
        assert ("813" in cs) == ("825" in cs), eid


def test_periods_cover_every_experiment():
    exps = {e["experiment_id"]: e for e in read("experiments")}
    periods = {p["experiment_id"]: p for p in read("experiment_periods")}
    assert set(periods) == set(exps)
    for eid, p in periods.items():
        assert p["period_design"] in {"person", "cohort"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p["start_date"])
        assert int(p["baseline_days"]) > 0 and int(p["followup_days"]) > 0
        if exps[eid]["network_id"] == "children":
            assert p["period_design"] == "cohort", eid
        if exps[eid]["network_id"] in {"acute_care", "employment_nj", "one_plan", "housing"}:
            assert p["period_design"] == "person", eid
        if p["start_date_source"] == "default":
            assert p["start_date"] == "2018-01-01" and p["note"], eid
    assert periods["cross_municipal_acute_care_function"]["start_date"] == "2018-01-01"
    assert periods["fit_involvement_and_effect_gladsaxe"]["period_design"] == "cohort"


def test_indicator_measures_strata_and_dimensions():
    rows = read("indicators")
    ids = [r["indicator_id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert r["triple_aim_dimension"] in {"health", "experience", "cost", "none"}, r["indicator_id"]
        assert r["expected_direction"] in {"up", "down", "none"}, r["indicator_id"]
        m = r["measure_code"]
        assert (m == "") == (r["computable"] == "false"), r["indicator_id"]
        if m:
            assert m in MEASURE_CODES, (r["indicator_id"], m)
            stratified = m.startswith(("fit_", "cost_", "exp_"))
            assert bool(r["stratum"]) == stratified, (r["indicator_id"], m, r["stratum"])
            if m.startswith("fit_"):
                assert re.fullmatch(r"[a-z]+\|(ORS|CORS|SRS)", r["stratum"]), r["stratum"]
            if m.startswith("exp_"):
                assert r["stratum"] in {"citizen", "relative", "staff"}
            if m.startswith("cost_"):
                assert r["stratum"]
        else:
            assert r["not_computable_reason"], r["indicator_id"]
        assert r["name_da"] and r["name_en"] and r["quote_da"]


def test_measure_codes_exist_in_reference_seed():
    ref = REPO / "seeds" / "reference" / "measure_definitions.csv"
    if not ref.exists():
        pytest.skip("seeds/reference/measure_definitions.csv not present")
    with ref.open(encoding="utf-8") as fh:
        known = {r["measure_code"] for r in csv.DictReader(fh)}
    used = {r["measure_code"] for r in read("indicators") if r["measure_code"]}
    assert used <= known, used - known


def test_every_experiment_computes_something_where_it_names_measurable_outcomes():
    rows = read("indicators")
    by_exp: dict[str, set] = {}
    for r in rows:
        by_exp.setdefault(r["experiment_id"], set())
        if r["measure_code"]:
            by_exp[r["experiment_id"]].add(r["measure_code"])
    with_measures = [e for e, ms in by_exp.items() if ms]
    assert len(with_measures) >= 30, f"only {len(with_measures)} experiments have a computable indicator"
    # the three network-level/FK1 experiments were added for their measurable outcomes
    for eid in ("fk1_focus_on_effect", "fit_network_gladsaxe", "one_plan_network"):
        assert by_exp.get(eid), eid
    fit_measures = {m for m in MEASURE_CODES if m.startswith("fit_")}
    assert fit_measures <= set().union(*by_exp.values()), "every FIT measure is used by some experiment"


def test_node_and_edge_integrity():
    nodes = {n["node_id"]: n for n in read("programme_theory_nodes")}
    for n in nodes.values():
        assert n["node_type"] in {"input", "activity", "output", "short_term_outcome", "long_term_outcome"}
        assert n["label_en"] and n["label_da"], n["node_id"]
    order = ["input", "activity", "output", "short_term_outcome", "long_term_outcome"]
    for e in read("programme_theory_edges"):
        a, b = nodes[e["from_node_id"]], nodes[e["to_node_id"]]
        assert a["experiment_id"] == b["experiment_id"] == e["experiment_id"]
        assert order.index(a["node_type"]) < order.index(b["node_type"]), e["edge_id"]
        assert e["assumption_en"] and e["assumption_da"]
        assert e["inferred"] in {"true", "false"}
    for r in read("indicators"):
        assert r["node_id"] in nodes, r["indicator_id"]
        assert nodes[r["node_id"]]["experiment_id"] == r["experiment_id"]


def test_inferred_items_keep_the_mark():
    for n in read("programme_theory_nodes"):
        if "(inferred" in n["label_en"].lower():
            assert n["inferred"] == "true", n["node_id"]
    for r in read("indicators"):
        if "(inferred" in r["name_en"].lower():
            assert r["inferred"] == "true", r["indicator_id"]
        if r["inferred"] == "true" and r["origin"] == "yaml":
            assert "inferred" in (r["name_en"] + r["definition_en"]).lower(), r["indicator_id"]
        if r["data_source_inferred"] == "true":
            assert "inferred" in r["data_source"].lower()


# ------------------------------------------------------------------ checks against the sources

@needs_sources
def test_all_33_applications_of_004_are_present():
    ids = []
    for f in sorted((SHARED / "catalogue").glob("experiments_*.yaml")):
        ids += [e["id"] for e in yaml.safe_load(f.read_text(encoding="utf-8"))["experiments"]]
    assert len(ids) == 33 and len(set(ids)) == 33
    exps = {e["experiment_id"]: e for e in read("experiments")}
    assert set(ids) <= set(exps)
    assert sum(e["origin"] == "004" for e in exps.values()) == 33
    # independent of the YAML: every application form in 004 has one 'Titel på forsøg' line, and
    # each must fall inside exactly one experiment's line range
    lines = doc_lines(DOC_004)
    titles = [i + 1 for i, l in enumerate(lines) if l.startswith("Titel på forsøg")]
    assert len(titles) == 33
    ranges = [(int(e["source_line_start"]), int(e["source_line_end"]), eid)
              for eid, e in exps.items() if e["origin"] == "004"]
    for t in titles:
        hits = [eid for lo, hi, eid in ranges if lo <= t <= hi]
        assert len(hits) == 1, f"'Titel på forsøg' at line {t} matches {hits}"
    # the experiments from 000-003
    extra = {eid: e for eid, e in exps.items() if e["origin"] != "004"}
    assert {"fk1_focus_on_effect", "fit_network_gladsaxe", "one_plan_network"} <= set(extra)


@needs_sources
def test_every_cited_line_exists():
    for name in SEED_FILES:
        for r in read(name):
            if not r.get("source_doc"):
                continue
            n = len(doc_lines(r["source_doc"]))
            for col in ("source_line", "source_line_start", "source_line_end"):
                if r.get(col):
                    assert 1 <= int(r[col]) <= n, f"{name}.{col}={r[col]} beyond {r['source_doc']} ({n} lines)"


@needs_sources
def test_quotes_appear_on_their_cited_line():
    bad = []
    for r in read("indicators"):
        lines = doc_lines(r["source_doc"])
        ln = int(r["source_line"])
        q = norm(r["quote_da"])
        if not any(q in norm(lines[j - 1]) for j in range(max(1, ln - 2), min(len(lines), ln + 2) + 1)):
            bad.append((r["indicator_id"], ln, r["quote_da"][:40]))
    assert not bad, bad[:5]


@needs_sources
def test_municipalities_are_named_on_the_cited_line():
    aliases = {"København": ["københavn"], "Aarhus": ["aarhus", "århus"], "Høje-Taastrup": ["høje"],
               "Allerød": ["allerød", "allergd"], "Furesø": ["furesø", "furesg"],
               "Halsnæs": ["halsnæs", "halsnzes"], "Helsingør": ["helsingør", "helsinggr"],
               "Hillerød": ["hillerød", "hillergd"]}
    for r in read("experiment_municipalities"):
        line = norm(doc_lines(r["source_doc"])[int(r["source_line"]) - 1])
        names = aliases.get(r["municipality_name"], [r["municipality_name"].lower()])
        assert any(a in line for a in names), (r["experiment_id"], r["municipality_name"], line[:80])


@needs_sources
def test_network_themes_are_on_the_cited_line():
    for n in read("networks"):
        line = norm(doc_lines(n["source_doc"])[int(n["source_line"]) - 1])
        if n["programme"] == "FK2":
            assert norm(n["name_da"])[:30] in line or norm(n["name_da"]).split(",")[0][:30] in line, n
        else:
            assert "gladsaxe" in line and "gentofte" in line


@needs_sources
def test_build_reproduces_the_committed_seeds(tmp_path):
    from pipeline.catalogue.build import build
    build(SHARED, tmp_path)
    for name in SEED_FILES:
        assert (tmp_path / f"{name}.csv").read_text(encoding="utf-8") == \
            (SEEDS / f"{name}.csv").read_text(encoding="utf-8"), f"{name}.csv differs from build output"


@pytest.mark.slow
def test_catalogue_builds_in_dbt(tmp_path):
    from pipeline.dbt_runner import run_dbt
    import duckdb
    db = tmp_path / "catalogue.duckdb"
    run_dbt(["seed", "--select", "path:seeds/catalogue"], db_path=db, work_dir=tmp_path)
    res = run_dbt(["build", "--select", "path:models/marts/catalogue", "path:seeds/catalogue"],
                  db_path=db, work_dir=tmp_path)
    assert res.ok and res.n_failed == 0 and res.n_ok > 50
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.sql("select data_type from information_schema.columns where table_schema='seeds' "
                       "and table_name='municipalities' and column_name='municipality_code'").fetchall()[0][0] == "VARCHAR"
        assert con.sql("select count(*) from seeds.municipalities where municipality_code = '101'").fetchall()[0][0] == 1
        n_exp = con.sql("select count(*) from marts.dim_experiments").fetchall()[0][0]
        assert n_exp == len(read("experiments"))
        n_cov = con.sql("select count(*) from marts.fct_catalogue_coverage").fetchall()[0][0]
        assert n_cov == 4 * n_exp
        computable = con.sql("select sum(n_computable_indicators) from marts.fct_catalogue_coverage").fetchall()[0][0]
        assert computable == sum(r["computable"] == "true" for r in read("indicators"))
    finally:
        con.close()
