"""Build the experiment catalogue seeds (seeds/catalogue/*.csv).

Inputs:
  <shared>/catalogue/experiments_{A,C,D,E,F}.yaml  English structured extraction of 004 (33 applications)
  <shared>/source-documents/00[0-4]_*.txt           the Danish source documents (for line look-ups/checks)
  pipeline/catalogue/curated.yaml                    networks, municipality codes, periods, 000-003 experiments
  pipeline/catalogue/indicator_map.yaml              measure_code/stratum per indicator, curated extra indicators
  pipeline/catalogue/extras_000_003.yaml             indicators, nodes and exemptions of the 000-003 experiments
  pipeline/catalogue/labels_da.yaml                  Danish labels of programme-theory nodes and indicators

Run:  .venv/bin/python -m pipeline.catalogue.build --shared ../shared
Every quote and cited line is checked against the source documents; a mismatch stops the build with
a one-line error naming the row.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
OUT_DEFAULT = REPO / "seeds" / "catalogue"
YAML_FILES = ["experiments_A.yaml", "experiments_C.yaml", "experiments_D.yaml",
              "experiments_E.yaml", "experiments_F.yaml"]
DOC_004 = "004_d8e0ad979bdfbdd7.txt"

MEASURE_CODES = [
    "adm_stays", "adm_admissions", "adm_acute_admissions", "adm_bed_days", "adm_readmit_30d",
    "adm_preventable", "emp_selfsupport_end", "emp_selfsupport_degree", "emp_benefit_weeks",
    "emp_fulltime_persons", "emp_weeks_to_selfsupport", "case_days_to_triage",
    "case_days_to_assessment_end", "case_days_to_intervention", "case_triage_within_24h",
    "case_assessment_within_4m", "case_reopened_6m", "fit_sessions", "fit_ors_first",
    "fit_ors_last", "fit_ors_change", "fit_clinical_at_intake", "fit_reliable_improvement",
    "fit_reliable_deterioration", "fit_recovered", "fit_srs_below_cutoff_share",
    "cost_per_person_month", "exp_score",
]
STRATIFIED = {"fit": "<respondent>|<instrument>", "cost": "category or total", "exp": "respondent_type"}
NODE_TYPES = [("inputs", "input", "in"), ("activities", "activity", "ac"), ("outputs", "output", "ou"),
              ("short_term_outcomes", "short_term_outcome", "st"),
              ("long_term_outcomes", "long_term_outcome", "lt")]
DIM_MAP = {"health": "health", "experience_quality": "experience", "experience": "experience",
           "cost": "cost", "none": "none"}
EDGE_TEXT = {
    ("input", "activity"): (
        "This input (resources, legal exemption, partner or method) is needed to carry out the activity.",
        "Denne forudsætning (ressourcer, lovfritagelse, samarbejdspartner eller metode) er nødvendig for at gennemføre aktiviteten."),
    ("activity", "output"): (
        "Carrying out the activity produces the output.",
        "Når aktiviteten gennemføres, frembringes outputtet."),
    ("output", "short_term_outcome"): (
        "The output leads to the short-term outcome for citizens, relatives or staff.",
        "Outputtet fører til det kortsigtede resultat for borgere, pårørende eller medarbejdere."),
    ("short_term_outcome", "long_term_outcome"): (
        "The short-term outcome is sustained and contributes to the long-term outcome.",
        "Det kortsigtede resultat fastholdes og bidrager til den langsigtede effekt."),
}


class BuildError(Exception):
    pass


def norm(s: str) -> str:
    s = s.replace("**", "").replace("<i>", "").replace("</i>", "").replace("*", "")
    return re.sub(r"\s+", " ", s).strip().lower()


class Sources:
    def __init__(self, folder: Path):
        self.folder = folder
        self.lines: dict[str, list[str]] = {}
        for p in sorted(folder.glob("*.txt")):
            self.lines[p.name] = p.read_text(encoding="utf-8").split("\n")
        if DOC_004 not in self.lines:
            raise BuildError(f"{DOC_004} not found in {folder}")

    def n_lines(self, doc: str) -> int:
        return len(self.lines[doc])

    def line(self, doc: str, n: int) -> str:
        return self.lines[doc][n - 1]

    def find(self, doc: str, text: str, lo: int = 1, hi: int | None = None) -> int:
        t = norm(text)
        lines = self.lines[doc]
        hi = hi or len(lines)
        for i in range(max(1, lo), min(hi, len(lines)) + 1):
            if t in norm(lines[i - 1]):
                return i
        raise BuildError(f"text not found in {doc} lines {lo}-{hi}: {text[:60]!r}")

    def quote_ok(self, doc: str, line: int, quote: str, slack: int = 2) -> bool:
        t = norm(quote)
        lines = self.lines[doc]
        return any(t in norm(lines[j - 1])
                   for j in range(max(1, line - slack), min(len(lines), line + slack) + 1))


def humanise(name: str) -> str:
    if " " in name or "_" not in name:
        return name
    s = name.replace("_", " ")
    return s[0].upper() + s[1:]


def direction(raw) -> str:
    s = str(raw or "").strip().lower()
    if s.startswith("up"):
        return "up"
    if s.startswith("down"):
        return "down"
    return "none"


def line_refs(text: str, lo: int, hi: int) -> list[int]:
    """Line numbers cited inside an item's text that fall inside the experiment's range."""
    out = []
    for m in re.finditer(r"\d{2,4}", str(text).replace(",", ", ")):
        v = int(m.group())
        if lo - 60 <= v <= hi + 10:
            out.append(v)
    return out


def bool_s(b: bool) -> str:
    return "true" if b else "false"


def not_computable_reason(ind: dict) -> str:
    src = f"{ind.get('data_source', '')} {ind.get('definition', '')}".lower()
    if "interview" in src or "fokusgruppe" in src or "focus group" in src or "qualitative" in src \
            or "conversations" in src:
        return "interviews / qualitative evaluation"
    if "audit" in src:
        return "case audits (qualitative)"
    if "time registration" in src or "time study" in src or "workflow" in src or "tidsregistrering" in src:
        return "time registration: no registry extract in the data contract"
    if "cvr" in src or "workbase" in src:
        return "business register / project records: no registry extract in the data contract"
    return "no registry extract in the data contract"


def load_yaml(p: Path):
    with p.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def write_csv(path: Path, cols: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writeheader()
        for r in rows:
            missing = set(cols) - set(r)
            if missing:
                raise BuildError(f"{path.name}: row misses {sorted(missing)}: {r}")
            w.writerow({c: ("" if r[c] is None else r[c]) for c in cols})


def build(shared: Path, out: Path) -> dict[str, int]:
    src = Sources(shared / "source-documents")
    cur = load_yaml(HERE / "curated.yaml")
    imap = load_yaml(HERE / "indicator_map.yaml")
    extras = load_yaml(HERE / "extras_000_003.yaml")
    labels_path = HERE / "labels_da.yaml"
    labels = load_yaml(labels_path) if labels_path.exists() else {}
    node_da = {f"{eid}__{key}": text for eid, d in ((labels or {}).get("nodes") or {}).items()
               for key, text in (d or {}).items()}
    ind_da = (labels or {}).get("indicators", {}) or {}

    # ---------------------------------------------------------------- municipalities
    muni_by_name: dict[str, dict] = {}
    for m in cur["municipalities"]:
        for nm in [m["name"], *m.get("aliases", [])]:
            muni_by_name[nm.lower()] = m

    def code_of(name: str) -> str:
        m = muni_by_name.get(name.strip().lower())
        if not m:
            raise BuildError(f"unknown municipality name {name!r}")
        return m["code"]

    # ---------------------------------------------------------------- networks
    networks = []
    for n in cur["networks"]:
        line = src.find(n["source_doc"], n["find"])
        networks.append({
            "network_id": n["network_id"], "name_da": n["name_da"], "name_en": n["name_en"],
            "programme": n["programme"], "lead_municipality": n["lead_municipality"],
            "source_doc": n["source_doc"], "source_line": line,
        })
    network_ids = {n["network_id"] for n in networks}

    def network_of(theme_da: str) -> str:
        for prefix, nid in cur["network_by_theme"].items():
            if theme_da.startswith(prefix):
                return nid
        raise BuildError(f"no network for theme {theme_da!r}")

    # ---------------------------------------------------------------- experiments (004)
    experiments, exp_munis, exemptions, indicators, nodes, edges = [], [], [], [], [], []
    yaml_exps = []
    for fname in YAML_FILES:
        data = load_yaml(shared / "catalogue" / fname)
        for e in data["experiments"]:
            yaml_exps.append((fname, e))
    seen = set()
    for fname, e in yaml_exps:
        eid = e["id"]
        if eid in seen:
            raise BuildError(f"duplicate experiment id {eid}")
        seen.add(eid)
        lo, hi = e["source_lines"]
        theme = e["network_theme"]["da"] if isinstance(e["network_theme"], dict) else str(e["network_theme"])
        tg = e.get("target_group")
        tg_en = tg.get("description") if isinstance(tg, dict) else tg
        experiments.append({
            "experiment_id": eid, "network_id": network_of(theme), "title_da": e["title_da"].strip(),
            "title_en": e["title_en"].strip(), "target_group_en": re.sub(r"\s+", " ", str(tg_en or "")).strip(),
            "origin": "004", "related_experiment_id": "", "yaml_file": fname,
            "source_doc": DOC_004, "source_line_start": lo, "source_line_end": hi,
        })
        # municipalities: the form's 'Deltagerkommuner' row
        dline = src.find(DOC_004, "Deltagerkommuner", max(1, lo - 5), hi)
        dtext = src.line(DOC_004, dline)
        for raw in e["municipalities"]:
            raw = str(raw)
            note = ""
            m = re.match(r"^(.*?)\s*\((.*)\)\s*$", raw)
            if m:
                raw, note = m.group(1), m.group(2)
            for nm in raw.split("/"):
                code = code_of(nm)
                named = any(norm(a) in norm(dtext) for a in [nm] + muni_by_name[nm.lower()].get("aliases", [])) \
                    or norm(nm)[:6] in norm(dtext)
                if not named:
                    raise BuildError(f"{eid}: {nm} not on the Deltagerkommuner line {dline}")
                if "/" in raw:
                    note = (note + "; " if note else "") + f"listed as '{raw}' (two municipalities)"
                exp_munis.append({"experiment_id": eid, "municipality_code": code,
                                  "municipality_name": muni_by_name[nm.lower()]["name"], "note": note,
                                  "source_doc": DOC_004, "source_line": dline})
        # legal exemptions
        for k, le in enumerate(e.get("legal_exemptions") or []):
            refs = []
            if le.get("lines"):
                refs = line_refs(str(le["lines"]), lo, hi)
            refs = refs or line_refs(le.get("what", ""), lo, hi) or line_refs(le.get("paragraph", ""), lo, hi)
            exemptions.append({
                "exemption_id": f"{eid}__ex{k + 1:02d}", "experiment_id": eid,
                "law": str(le.get("law", "")).strip(), "paragraph": str(le.get("paragraph", "")).strip(),
                "description_en": re.sub(r"\s+", " ", str(le.get("what", ""))).strip(),
                "target_group": str(le.get("target_group", "") or ""),
                "source_doc": DOC_004, "source_line": refs[0] if refs else lo,
                "source_line_basis": "item" if refs else "experiment_start",
            })
        # programme theory nodes
        pt = e.get("programme_theory") or {}
        layer_nodes: list[list[dict]] = []
        for key, ntype, ab in NODE_TYPES:
            layer = []
            for k, item in enumerate(pt.get(key) or []):
                label = re.sub(r"\s+", " ", str(item)).strip()
                nid = f"{eid}__{ab}{k + 1:02d}"
                refs = line_refs(label, lo, hi)
                row = {
                    "node_id": nid, "experiment_id": eid, "node_type": ntype, "position": k + 1,
                    "label_en": label, "label_da": node_da.get(nid, ""),
                    "inferred": bool_s("inferred" in label.lower()),
                    "source_doc": DOC_004, "source_line": refs[0] if refs else lo,
                    "source_line_basis": "item" if refs else "experiment_start",
                }
                layer.append(row)
            nodes.extend(layer)
            if layer:
                layer_nodes.append(layer)
        chain_stated = any(k in pt for k in ("chain_da", "hypotheses_verbatim", "causal_chain_summary", "hypothesis_da"))
        edges.extend(make_edges(eid, layer_nodes, chain_stated, DOC_004))
        # indicators
        layer_by_key = {key: [n for n in nodes if n["experiment_id"] == eid and n["node_type"] == nt]
                        for key, nt, _ in NODE_TYPES}
        emap = (imap.get("measure_map") or {}).get(eid, {}) or {}
        for k, ind in enumerate(e.get("indicators") or []):
            iid = f"{eid}__i{k + 1:02d}"
            q = ind["quote_da"]
            if not src.quote_ok(DOC_004, int(q["line"]), q["text"]):
                raise BuildError(f"{iid}: quote not on line {q['line']}: {q['text'][:50]!r}")
            mm = emap.get(k) or {}
            dim = DIM_MAP.get(str(ind["triple_aim_dimension"]).strip())
            if dim is None:
                raise BuildError(f"{iid}: unknown triple_aim_dimension {ind['triple_aim_dimension']!r}")
            dir_src = str(ind.get("expected_direction", ""))
            name = str(ind["name"]).strip()
            definition = re.sub(r"\s+", " ", str(ind.get("definition", ""))).strip()
            inferred = "inferred" in name.lower() or definition.lower().startswith("(inferred") \
                or "(inferred indicator" in definition.lower() or "(inferred operationalisation" in definition.lower()
            indicators.append(indicator_row(
                iid, eid, name_da=ind_da.get(iid) or q["text"].strip(), name_en=humanise(name),
                definition=definition, dim=dim, dir_src=dir_src, mm=mm, unit=ind.get("unit", ""),
                data_source=ind.get("data_source", ""), inferred=inferred, quote=q["text"].strip(),
                doc=DOC_004, line=int(q["line"]),
                node_id=pick_node(dim, layer_by_key), ind=ind, origin="yaml"))
        for x in imap.get("extra_indicators_004") or []:
            if x["experiment_id"] != eid:
                continue
            n_same = sum(1 for r in indicators if r["experiment_id"] == eid)
            iid = f"{eid}__c{n_same + 1:02d}"
            if not src.quote_ok(DOC_004, int(x["source_line"]), x["quote_da"]):
                raise BuildError(f"{iid}: quote not on line {x['source_line']}")
            layer = layer_by_key.get(x.get("node_hint", "short_term_outcomes")) or []
            indicators.append(indicator_row(
                iid, eid, name_da=x["name_da"], name_en=x["name_en"], definition="",
                dim=x["triple_aim_dimension"], dir_src=x["expected_direction"],
                mm={"m": x["measure_code"], "s": x.get("stratum", "")}, unit=x["unit"],
                data_source=x["data_source"], inferred=False, quote=x["quote_da"], doc=DOC_004,
                line=int(x["source_line"]), node_id=layer[0]["node_id"] if layer else "",
                ind={}, origin="curated"))

    # ---------------------------------------------------------------- experiments from 000-003
    for x in cur["extra_experiments"]:
        eid = x["experiment_id"]
        experiments.append({
            "experiment_id": eid, "network_id": x["network_id"], "title_da": x["title_da"],
            "title_en": x["title_en"], "target_group_en": x["target_group_en"], "origin": x["origin"],
            "related_experiment_id": x.get("related_experiment_id", ""), "yaml_file": "",
            "source_doc": x["source_doc"], "source_line_start": x["source_line_start"],
            "source_line_end": x["source_line_end"],
        })
        for m in x["municipalities"]:
            line = src.find(m["doc"], m["find"])
            exp_munis.append({"experiment_id": eid, "municipality_code": code_of(m["name"]),
                              "municipality_name": m["name"], "note": "", "source_doc": m["doc"],
                              "source_line": line})
        ex = extras[eid]
        layer_nodes = []
        for key, ntype, ab in NODE_TYPES:
            layer = []
            for nkey, nd in ex["nodes"].items():
                if not nkey.startswith(ab):
                    continue
                if nd["line"] > src.n_lines(nd["doc"]):
                    raise BuildError(f"{eid}.{nkey}: line {nd['line']} beyond {nd['doc']}")
                layer.append({
                    "node_id": f"{eid}__{nkey[:2]}{int(nkey[2:]):02d}", "experiment_id": eid,
                    "node_type": ntype, "position": int(nkey[2:]), "label_en": nd["en"],
                    "label_da": nd["da"], "inferred": bool_s(bool(nd.get("inferred"))),
                    "source_doc": nd["doc"], "source_line": nd["line"], "source_line_basis": "item",
                })
            nodes.extend(layer)
            if layer:
                layer_nodes.append(layer)
        edges.extend(make_edges(eid, layer_nodes, False, None))
        for k, le in enumerate(ex.get("legal_exemptions") or []):
            exemptions.append({
                "exemption_id": f"{eid}__ex{k + 1:02d}", "experiment_id": eid, "law": le["law"],
                "paragraph": le["paragraph"], "description_en": le["description_en"], "target_group": "",
                "source_doc": le["doc"], "source_line": le["line"], "source_line_basis": "item",
            })
        for k, ind in enumerate(ex["indicators"]):
            iid = f"{eid}__i{k + 1:02d}"
            if not src.quote_ok(ind["doc"], int(ind["line"]), ind["quote"]):
                raise BuildError(f"{iid}: quote not on {ind['doc']} line {ind['line']}: {ind['quote'][:50]!r}")
            mm = {"m": ind.get("m", ""), "s": ind.get("s", ""), "note": ind.get("note", "")}
            indicators.append(indicator_row(
                iid, eid, name_da=ind["name_da"], name_en=ind["name_en"], definition="",
                dim=ind["dim"], dir_src=ind["dir"], mm=mm, unit=ind["unit"],
                data_source=ind["data_source"], inferred=bool(ind.get("inferred")),
                quote=ind["quote"], doc=ind["doc"], line=int(ind["line"]),
                node_id=f"{eid}__{ind['node'][:2]}{int(ind['node'][2:]):02d}", ind=ind, origin="curated"))

    # ---------------------------------------------------------------- periods
    periods = []
    cohort_nets = set(cur["cohort_networks"])
    cohort_exps = set(cur["cohort_experiments"])
    for e in experiments:
        eid = e["experiment_id"]
        p = (cur.get("periods") or {}).get(eid)
        design = "cohort" if (e["network_id"] in cohort_nets or eid in cohort_exps) else "person"
        if p:
            line = src.find(p["doc"], p["find"], lo=(p.get("line_hint") or 1))
            periods.append({"experiment_id": eid, "period_design": design, "start_date": p["start_date"],
                            "baseline_days": 365, "followup_days": 365, "start_date_source": "source",
                            "note": p["note"], "source_doc": p["doc"], "source_line": line})
        else:
            periods.append({"experiment_id": eid, "period_design": design,
                            "start_date": cur["period_default_start"], "baseline_days": 365,
                            "followup_days": 365, "start_date_source": "default",
                            "note": "Start date not stated in the source; Frikommuneforsøg II default 2018-01-01 used.",
                            "source_doc": e["source_doc"], "source_line": e["source_line_start"]})

    # ---------------------------------------------------------------- municipalities table
    part_codes = {r["municipality_code"] for r in exp_munis}
    member_rows = []
    for nm in cur.get("network_members") or []:
        line = src.find(nm["doc"], nm["find"])
        for name in nm["names"]:
            member_rows.append((code_of(name), nm["network_id"], nm["doc"], line))
    nets_by_code: dict[str, set] = {}
    exp_net = {e["experiment_id"]: e["network_id"] for e in experiments}
    first_cite: dict[str, tuple] = {}
    for r in exp_munis:
        nets_by_code.setdefault(r["municipality_code"], set()).add(exp_net[r["experiment_id"]])
        first_cite.setdefault(r["municipality_code"], (r["source_doc"], r["source_line"]))
    for code, nid, doc, line in member_rows:
        nets_by_code.setdefault(code, set()).add(nid)
        first_cite.setdefault(code, (doc, line))
    munis = []
    for m in cur["municipalities"]:
        code = m["code"]
        comp = bool(m.get("comparison_candidate"))
        participating = code in nets_by_code
        if comp and participating:
            raise BuildError(f"{m['name']} is both participating and a comparison candidate")
        if not comp and not participating:
            raise BuildError(f"{m['name']} is listed as participating but no source row names it")
        doc, line = first_cite.get(code, ("", ""))
        munis.append({
            "municipality_code": code, "name": m["name"], "region": m["region"],
            "participating": bool_s(participating), "comparison_candidate": bool_s(comp),
            "in_experiment": bool_s(code in part_codes),
            "networks": ";".join(sorted(nets_by_code.get(code, set()))),
            "source_doc": doc, "source_line": line,
            "citation": re.sub(r"\s+", " ", cur["kommunekode_citation"]).strip(),
        })

    # ---------------------------------------------------------------- checks
    ids = [e["experiment_id"] for e in experiments]
    if len(ids) != len(set(ids)):
        raise BuildError("duplicate experiment_id")
    for r in indicators:
        if r["measure_code"] and r["measure_code"] not in MEASURE_CODES:
            raise BuildError(f"{r['indicator_id']}: measure_code {r['measure_code']!r} not in the measure list")
    for r in nodes + exemptions + exp_munis:
        if not (1 <= int(r["source_line"]) <= src.n_lines(r["source_doc"])):
            raise BuildError(f"source_line {r['source_line']} outside {r['source_doc']}")
    missing_da = [n["node_id"] for n in nodes if not n["label_da"]]
    if missing_da:
        raise BuildError(f"{len(missing_da)} nodes without a Danish label in labels_da.yaml, e.g. {missing_da[0]}")
    stray = set(node_da) - {n["node_id"] for n in nodes}
    if stray:
        raise BuildError(f"labels_da.yaml has labels for unknown nodes, e.g. {sorted(stray)[0]}")
    bad_net = {e["network_id"] for e in experiments} - network_ids
    if bad_net:
        raise BuildError(f"experiments refer to unknown networks {bad_net}")

    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "networks.csv", ["network_id", "name_da", "name_en", "programme", "lead_municipality",
                                     "source_doc", "source_line"], networks)
    write_csv(out / "experiments.csv", ["experiment_id", "network_id", "title_da", "title_en",
                                        "target_group_en", "origin", "related_experiment_id", "yaml_file",
                                        "source_doc", "source_line_start", "source_line_end"], experiments)
    write_csv(out / "experiment_periods.csv", ["experiment_id", "period_design", "start_date", "baseline_days",
                                               "followup_days", "start_date_source", "note", "source_doc",
                                               "source_line"], periods)
    write_csv(out / "municipalities.csv", ["municipality_code", "name", "region", "participating",
                                           "comparison_candidate", "in_experiment", "networks", "source_doc",
                                           "source_line", "citation"], munis)
    write_csv(out / "experiment_municipalities.csv", ["experiment_id", "municipality_code", "municipality_name",
                                                      "note", "source_doc", "source_line"], exp_munis)
    write_csv(out / "legal_exemptions.csv", ["exemption_id", "experiment_id", "law", "paragraph",
                                             "description_en", "target_group", "source_doc", "source_line",
                                             "source_line_basis"], exemptions)
    write_csv(out / "indicators.csv", INDICATOR_COLS, indicators)
    write_csv(out / "programme_theory_nodes.csv", ["node_id", "experiment_id", "node_type", "position",
                                                   "label_en", "label_da", "inferred", "source_doc",
                                                   "source_line", "source_line_basis"], nodes)
    write_csv(out / "programme_theory_edges.csv", ["edge_id", "experiment_id", "from_node_id", "to_node_id",
                                                   "from_node_type", "to_node_type", "assumption_en",
                                                   "assumption_da", "inferred", "chain_stated_in_source",
                                                   "source_doc", "source_line"], edges)
    return {"networks": len(networks), "experiments": len(experiments), "municipalities": len(munis),
            "experiment_municipalities": len(exp_munis), "legal_exemptions": len(exemptions),
            "indicators": len(indicators), "computable": sum(r["computable"] == "true" for r in indicators),
            "nodes": len(nodes), "edges": len(edges),
            "nodes_without_label_da": sum(1 for n in nodes if not n["label_da"])}


INDICATOR_COLS = ["indicator_id", "experiment_id", "name_da", "name_en", "definition_en",
                  "triple_aim_dimension", "expected_direction", "expected_direction_source", "unit",
                  "data_source", "data_source_inferred", "measure_code", "stratum", "computable",
                  "not_computable_reason", "mapping_note", "node_id", "inferred", "origin", "quote_da",
                  "source_doc", "source_line"]


def indicator_row(iid, eid, *, name_da, name_en, definition, dim, dir_src, mm, unit, data_source,
                  inferred, quote, doc, line, node_id, ind, origin) -> dict:
    measure = (mm or {}).get("m", "") or ""
    stratum = (mm or {}).get("s", "") or ""
    if measure.startswith(("fit_", "cost_", "exp_")) and not stratum:
        raise BuildError(f"{iid}: measure {measure} needs a stratum")
    if measure and not measure.startswith(("fit_", "cost_", "exp_")) and stratum:
        raise BuildError(f"{iid}: measure {measure} takes no stratum")
    dir_out = (mm or {}).get("d") or direction(dir_src)
    ds = re.sub(r"\s+", " ", str(data_source or "")).strip()
    return {
        "indicator_id": iid, "experiment_id": eid, "name_da": re.sub(r"\s+", " ", name_da).strip(),
        "name_en": name_en, "definition_en": definition, "triple_aim_dimension": dim,
        "expected_direction": dir_out, "expected_direction_source": str(dir_src),
        "unit": re.sub(r"\s+", " ", str(unit or "")).strip(), "data_source": ds,
        "data_source_inferred": bool_s("inferred" in ds.lower()),
        "measure_code": measure, "stratum": stratum, "computable": bool_s(bool(measure)),
        "not_computable_reason": "" if measure else not_computable_reason(
            {"data_source": ds, "definition": definition}),
        "mapping_note": (mm or {}).get("note", "") or "", "node_id": node_id,
        "inferred": bool_s(inferred), "origin": origin, "quote_da": re.sub(r"\s+", " ", quote).strip(),
        "source_doc": doc, "source_line": line,
    }


def pick_node(dim: str, layer_by_key: dict) -> str:
    """The programme-theory node an indicator evidences: the first short-term outcome for
    experience/process indicators, the first long-term outcome for health and cost, falling back
    along the chain. The exact node per indicator is a reconstruction (see docs/catalogue.md)."""
    order = (["long_term_outcomes", "short_term_outcomes", "outputs"] if dim in ("health", "cost")
             else ["short_term_outcomes", "outputs", "long_term_outcomes"])
    for key in order + ["activities", "inputs"]:
        if layer_by_key.get(key):
            return layer_by_key[key][0]["node_id"]
    return ""


def make_edges(eid: str, layers: list[list[dict]], chain_stated: bool, doc: str | None) -> list[dict]:
    """Edges along the chain: every node of one layer to every node of the next non-empty layer.
    The source lists the items per layer but never links single items, so every edge is inferred."""
    out = []
    k = 0
    for a_layer, b_layer in zip(layers, layers[1:]):
        for a in a_layer:
            for b in b_layer:
                k += 1
                en, da = EDGE_TEXT.get((a["node_type"], b["node_type"]), (
                    f"The {a['node_type'].replace('_', ' ')} contributes to the {b['node_type'].replace('_', ' ')}.",
                    "Elementet bidrager til det næste led i kæden."))
                out.append({
                    "edge_id": f"{eid}__e{k:03d}", "experiment_id": eid, "from_node_id": a["node_id"],
                    "to_node_id": b["node_id"], "from_node_type": a["node_type"], "to_node_type": b["node_type"],
                    "assumption_en": en, "assumption_da": da, "inferred": "true",
                    "chain_stated_in_source": bool_s(chain_stated),
                    "source_doc": b["source_doc"], "source_line": b["source_line"],
                })
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared",
                    help="folder holding catalogue/ and source-documents/ (default: <repo>/../shared)")
    ap.add_argument("--out", type=Path, default=OUT_DEFAULT)
    args = ap.parse_args(argv)
    try:
        counts = build(args.shared.resolve(), args.out.resolve())
    except (BuildError, FileNotFoundError, KeyError) as exc:
        print(f"catalogue build failed: {exc}", file=sys.stderr)
        return 1
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
