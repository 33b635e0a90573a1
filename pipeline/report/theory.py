"""Programme theory: node and link evidence grades from the indicators' verdicts."""

from __future__ import annotations

import pandas as pd


def programme_theory(nodes, edges, panel, experiments):
    order = {t: i for i, t in enumerate(
        ["input", "activity", "output", "short_term_outcome", "long_term_outcome"])}
    pn = nodes.copy()
    pn["column"] = pn.node_type.map(order).fillna(len(order)).astype(int)
    pn["row"] = pn.groupby(["experiment_id", "column"]).cumcount()
    grades = panel.groupby("node_id").grade.agg(list)
    pn["grade"] = pn.node_id.map(lambda n: combine(grades.get(n, [])))
    pn["n_indicators"] = pn.node_id.map(panel.groupby("node_id").size()).fillna(0).astype(int)
    pn["n_measured"] = pn.node_id.map(
        panel[panel.grade != "not_measured"].groupby("node_id").size()).fillna(0).astype(int)
    pn["no_counterfactual"] = pn.node_id.map(panel.groupby("node_id").no_counterfactual.any()).astype("boolean").fillna(False).astype(bool)
    lab_da = dict(zip(nodes.node_id, nodes.label_da))
    lab_en = dict(zip(nodes.node_id, nodes.label_en))
    pe = edges.copy()
    pe["grade"] = pe.to_node_id.map(lambda n: combine(grades.get(n, [])))
    links = []
    by_node: dict = {}
    for node, ind_id, grade in zip(panel.node_id, panel.indicator_id, panel.grade):
        by_node.setdefault(node, []).append((ind_id, grade))
    for e in pe.itertuples(index=False):
        inds = by_node.get(e.to_node_id, [])
        base = dict(experiment_id=e.experiment_id, edge_id=e.edge_id,
                    from_label_da=lab_da.get(e.from_node_id), from_label_en=lab_en.get(e.from_node_id),
                    to_label_da=lab_da.get(e.to_node_id), to_label_en=lab_en.get(e.to_node_id),
                    assumption_da=e.assumption_da, assumption_en=e.assumption_en,
                    inferred=bool(e.inferred) if pd.notna(e.inferred) else False)
        if not inds:
            links.append({**base, "indicator_id": None, "grade": "not_measured"})
        for ind_id, grade in inds:
            links.append({**base, "indicator_id": ind_id, "grade": grade})
    links = pd.DataFrame(links)
    cols = ["name_da", "name_en", "measure_code", "stratum", "aggregation", "unit", "v_ib", "v_if", "v_cb",
            "v_cf", "nd_ib", "nd_if", "nd_cb", "nd_cf", "est", "lo", "hi", "scale", "design", "verdict", "sql_model",
            "no_counterfactual", "docs_link", "not_computable_reason"]
    if not links.empty:
        links = links.merge(panel[["indicator_id", *cols]], on="indicator_id", how="left")
    return pn, pe, links


def combine(grades: list) -> str:
    g = set(grades) - {"not_measured"}
    if not g:
        return "not_measured"
    if g == {"supported"}:
        return "supported"
    if g == {"contradicted"}:
        return "contradicted"
    return "inconclusive"


