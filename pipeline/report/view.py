"""What a report draws: HTML sections built from the precomputed report_data tables.

Nothing here computes a statistic: every number comes from OUT/report_data (data.py); this
module filters by network, formats numbers for the language and lays out HTML and charts.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from . import i18n
from .exposures import exposure_name
from .figures import Charts, programme_theory_svg

COLOURS = {  # verdict / grade -> (background, text); always shown with a word and a symbol
    "better": ("#1a7f37", "#ffffff"), "supported": ("#1a7f37", "#ffffff"),
    "worse": ("#b42318", "#ffffff"), "contradicted": ("#b42318", "#ffffff"),
    "unclear": ("#5b6472", "#ffffff"), "inconclusive": ("#5b6472", "#ffffff"),
    "not_computable": ("#e5e7eb", "#1f2937"), "not_measured": ("#e5e7eb", "#1f2937"),
    "suppressed": ("#6d28d9", "#ffffff"),
}
SYMBOLS = {"better": "▲", "supported": "✔", "worse": "▼", "contradicted": "✖", "unclear": "≈",
           "inconclusive": "?", "not_computable": "∅", "not_measured": "∅", "suppressed": "⊘"}
DIMENSIONS = ("health", "experience", "cost")

CSS = """
<style>
.frv{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;line-height:1.45;color:#111827}
.frv h1{font-size:1.8rem;margin:.2em 0}.frv h2{font-size:1.4rem;margin-top:1.6em;border-bottom:2px solid #e5e7eb}
.frv h3{font-size:1.15rem;margin-top:1.2em}.frv h4{font-size:1rem;margin:.6em 0 .3em}
.frv table{border-collapse:collapse;margin:.4em 0 1em;font-size:.88rem}
.frv th,.frv td{border:1px solid #d1d5db;padding:3px 6px;vertical-align:top;text-align:left}
.frv th{background:#f3f4f6}.frv td.num{text-align:right;font-variant-numeric:tabular-nums}
.frv .badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:.82rem;font-weight:600;white-space:nowrap}
.frv .ta{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:10px}
.frv .ta-col{border:1px solid #d1d5db;border-radius:6px;padding:6px;background:#fafafa}
.frv .card{border-top:1px solid #e5e7eb;padding:6px 0}.frv .card:first-of-type{border-top:none}
.frv .muted{color:#4b5563;font-size:.85rem}.frv .sum li{margin:.35em 0}
.frv .toc a{margin-right:1em}.frv code{font-size:.85em}
.frv .pt{overflow-x:auto;border:1px solid #e5e7eb;margin:.5em 0}
.frv .plot{margin:.5em 0 1.2em}
</style>
"""


def esc(x) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return ""
    return html.escape(str(x))


class NetworkView:
    def __init__(self, data_dir, network_id: str, lang: str = "da", renderer: str = ""):
        if lang not in i18n.LANGS:
            raise ValueError(f"language {lang!r}: expected da or en")
        self.dir = Path(data_dir)
        self.lang = lang
        self.network_id = str(network_id)
        self.renderer = renderer
        tables = {p.stem: pd.read_parquet(p) for p in sorted(self.dir.glob("*.parquet"))}
        self.meta = tables["meta"].iloc[0]
        self.T = int(self.meta.threshold)
        nets = tables["networks"]
        if self.network_id not in set(nets.network_id):
            raise ValueError(f"network {self.network_id!r} is not in report_data/networks.parquet")
        self.network = nets[nets.network_id == self.network_id].iloc[0]
        self.experiments = tables["experiments"][tables["experiments"].network_id == self.network_id]
        ex_ids = set(self.experiments.experiment_id)
        self.all = tables

        def mine(name):
            df = tables[name]
            return df[df.experiment_id.isin(ex_ids)].reset_index(drop=True)

        self.panel = mine("panel")
        self.counts = mine("counts")
        self.nodes, self.edges, self.links = mine("pt_nodes"), mine("pt_edges"), mine("pt_links")
        self.series, self.methods, self.suppression = mine("series"), mine("methods"), mine("suppression")
        self.measures = tables["measures"].set_index("measure_code")
        self.charts = Charts(self)

    # ------------------------------------------------------------------------------ helpers
    def t(self, key, **kw) -> str:
        return i18n.t(key, self.lang, **kw)

    def name(self, row, base="name") -> str:
        return row[f"{base}_{self.lang}"]

    def title(self, ex) -> str:
        return ex[f"title_{self.lang}"]

    def measure_name(self, code) -> str:
        if code in self.measures.index:
            return self.measures.loc[code, f"name_{self.lang}"]
        return code

    def num(self, x, digits=1, sign=False) -> str:
        return i18n.number(x, self.lang, digits, sign)

    def badge(self, kind: str, key: str | None = None, extra: str = "") -> str:
        bg, fg = COLOURS[kind]
        word = self.t(key or (f"v_{kind}" if i18n.has(f"v_{kind}") else f"g_{kind}"))
        return (f'<span class="badge verdict-{kind}" style="background:{bg};color:{fg}">'
                f'{SYMBOLS[kind]} {esc(word)}{esc(extra)}</span>')

    def value(self, v, aggregation, unit) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return self.t("not_shown")
        if aggregation == "share":
            return f"{self.num(100 * v, 1)} %"
        if aggregation == "rate":
            return f"{self.num(v, 0)} {self.t('per_1000py')}"
        digits = 2 if abs(v) < 10 else (1 if abs(v) < 1000 else 0)
        return f"{self.num(v, digits)} {esc(i18n.unit(unit, self.lang))}".strip()

    def effect(self, r) -> str:
        if r["verdict"] in ("suppressed", "not_computable") or pd.isna(r["est"]):
            return self.t("not_shown")
        ci = self.t("ci", lo=self.num(r["lo"], 2), hi=self.num(r["hi"], 2))
        if r["scale"] == "difference":
            digits = 2 if abs(r["est"]) < 10 else 1
            ci = self.t("ci", lo=self.num(r["lo"], digits), hi=self.num(r["hi"], digits))
            return f"{self.num(r['est'], digits, sign=True)} ({ci})"
        return f"{self.t('scale_' + r['scale'])} {self.num(r['est'], 2)} ({ci})"

    def sql_link(self, r) -> str:
        if not isinstance(r.get("docs_link"), str):
            return f'<span class="muted">{self.t("no_model")}</span>'
        return (f'<a class="sql-link" href="{esc(r["docs_link"])}" '
                f'title="{esc(self.t("model_link_title", model=r["sql_model"]))}">'
                f'{self.t("model_link")}: <code>{esc(r["sql_model"])}</code></a>')

    def ind_label(self, r) -> str:
        label = esc(self.name(r))
        if isinstance(r.get("stratum"), str) and r["stratum"]:
            label += f' <span class="muted">({esc(i18n.stratum(r["stratum"], self.lang))})</span>'
        return label

    # ------------------------------------------------------------------------------ sections
    def head(self) -> str:
        n = self.network
        nav = "".join(f'<a href="#{sid}">{self.t(key)}</a>' for sid, key in (
            ("summary", "h_summary"), ("triple-aim", "h_triple_aim"), ("programme-theory", "h_programme_theory"),
            ("charts", "h_charts"), ("methods", "h_methods"), ("disclosure", "h_disclosure"), ("audit", "h_audit")))
        return (CSS + f'<div class="frv" lang="{self.lang}"><h1>{esc(self.t("title", network=self.name(n)))}</h1>'
                f'<p class="muted">{esc(self.t("subtitle", programme=n.programme, network_id=n.network_id, run_id=self.meta.run_id or ""))}</p>'
                f'<nav class="toc"><strong>{self.t("toc")}:</strong> {nav}</nav></div>')

    def plotly_js(self) -> str:
        return self.charts.plotly_js()

    def summary(self) -> str:
        out = [f'<div class="frv"><h2 id="summary">{self.t("h_summary")}</h2><p class="muted">{self.t("sum_intro")}</p><ul class="sum">']
        if self.experiments.empty:
            out.append(f"<li>{self.t('no_experiments')}</li>")
        for ex in self.experiments.itertuples(index=False):
            ex = ex._asdict()
            parts = [self.t(f"sum_part_{v}", n=ex[f"n_{v}"]) for v in
                     ("better", "worse", "unclear", "suppressed", "not_computable") if ex[f"n_{v}"]]
            line = self.t("sum_line", title=self.title(ex), n_ind=ex["n_indicators"], parts=", ".join(parts) or "0")
            p = self.panel[(self.panel.experiment_id == ex["experiment_id"]) &
                           self.panel.verdict.isin(["better", "worse"])]
            best = ""
            if not p.empty:
                r = p.assign(_p=p.p_value.fillna(1)).sort_values(["_p", "indicator_id"], kind="mergesort").iloc[0]
                best = " " + self.t("sum_best", indicator=self.name(r), verdict=self.t(f"v_{r['verdict']}").lower(),
                                    effect=self.effect(r))
            design_key = f"design_{ex['design']}" if isinstance(ex["design"], str) and i18n.has(f"design_{ex['design']}") \
                else "design_unknown"
            cav = [self.t("sum_design", design=self.t(design_key))]
            if pd.notna(ex["n_if"]) and ex["design"] == "did":
                cav.append(self.t("sum_n", ni=ex["n_if"], nc=ex["n_cf"] if pd.notna(ex["n_cf"]) else self.t("not_shown")))
            elif pd.notna(ex["n_if"]):
                cav.append(self.t("sum_n_single", ni=ex["n_if"]))
            if ex["design"] in ("paired", "cohort_before_after"):
                cav.append(self.t("cav_no_cf"))
            if ex["small_n"]:
                cav.append(self.t("cav_small_n", n=int(self.meta.small_n)))
            if ex["few_clusters"]:
                cav.append(self.t("cav_few_clusters", n=int(self.meta.few_clusters)))
            out.append(f'<li><strong>{esc(line)}</strong>{esc(best)} <span class="muted">{esc(" ".join(cav))}</span></li>')
        out.append("</ul></div>")
        return "".join(out)

    def _cells(self, r) -> str:
        rows = []
        for arm in ("intervention", "comparison"):
            a = arm[0]
            if r[f"nd_{a}b"] is None and r[f"nd_{a}f"] is None:
                continue
            cells = []
            for per in ("b", "f"):
                cells.append(f'{self.value(r[f"v_{a}{per}"], r["aggregation"], r["unit"])} '
                             f'<span class="muted">(n={esc(r[f"nd_{a}{per}"])})</span>')
            rows.append(f"<tr><th>{self.t('arm_' + arm)}</th><td>{cells[0]}</td><td>{cells[1]}</td></tr>")
        if not rows:
            return ""
        return (f"<table><tr><th></th><th>{self.t('col_baseline')}</th><th>{self.t('col_followup')}</th></tr>"
                + "".join(rows) + "</table>")

    def _card(self, r) -> str:
        exp = {"up": "expected_up", "down": "expected_down"}.get(r["expected_direction"], "expected_none")
        extra = ""
        if r["verdict"] == "not_computable":
            reason, ok = i18n.reason(r.get("not_computable_reason"), self.lang)
            lang_attr = "" if ok else ' lang="en"'
            extra = f'<div class="muted"{lang_attr}>{esc(self.t("nc_reason", reason=reason))}</div>'
        elif r["verdict"] == "suppressed":
            extra = f'<div class="muted">{esc(self.t("sup_" + (r["suppressed_reason"] or "small_cell"), threshold=self.T))}</div>'
        no_cf = f' <span class="muted">({self.t("no_cf_mark")})</span>' if r["no_counterfactual"] else ""
        return (f'<div class="card" data-indicator="{esc(r["indicator_id"])}"><h4>{self.ind_label(r)}</h4>'
                f'<div class="muted">{self.t(exp)} · {self.sql_link(r)}</div>{self._cells(r)}'
                f'<div>{self.t("col_effect")}: <strong>{esc(self.effect(r))}</strong>{no_cf}</div>'
                f'<div>{self.t("col_verdict")}: {self.badge(r["verdict"])}</div>{extra}</div>')

    def triple_aim(self) -> str:
        out = [f'<div class="frv"><h2 id="triple-aim">{self.t("h_triple_aim")}</h2><p class="muted">{self.t("legend_verdict")}</p>']
        for ex in self.experiments.itertuples(index=False):
            p = self.panel[self.panel.experiment_id == ex.experiment_id]
            out.append(f"<h3>{esc(self.title(ex._asdict()))}</h3><div class=\"ta\">")
            for dim in DIMENSIONS:
                rows = p[p.dimension == dim]
                cards = "".join(self._card(r) for r in rows.to_dict("records")) or \
                    f'<p class="muted">{self.t("none_in_dimension")}</p>'
                out.append(f'<div class="ta-col" data-dimension="{dim}"><h4>{self.t("dim_" + dim)}</h4>{cards}</div>')
            out.append("</div>")
            rest = p[~p.dimension.isin(DIMENSIONS)]
            if not rest.empty:
                out.append(f"<h4>{self.t('h_outside')}</h4><div class=\"ta-col\">"
                           + "".join(self._card(r) for r in rest.to_dict("records")) + "</div>")
        out.append("</div>")
        return "".join(out)

    def programme_theory(self) -> str:
        out = [f'<div class="frv"><h2 id="programme-theory">{self.t("h_programme_theory")}</h2><p>{self.t("pt_intro")}</p>',
               f'<h4>{self.t("h_grading_rule")}</h4><p class="grading-rule">{self.t("pt_rule")}</p>']
        for ex in self.experiments.itertuples(index=False):
            exd = ex._asdict()
            nodes = self.nodes[self.nodes.experiment_id == ex.experiment_id]
            out.append(f"<h3>{esc(self.title(exd))}</h3>")
            if nodes.empty:
                out.append(f'<p class="muted">{self.t("pt_no_nodes")}</p>')
                continue
            edges = self.edges[self.edges.experiment_id == ex.experiment_id]
            out.append('<div class="pt">' + programme_theory_svg(self, nodes, edges, self.title(exd)) + "</div>")
            links = self.links[self.links.experiment_id == ex.experiment_id]
            rows = []
            for r in links.to_dict("records"):
                link = f'{esc(r["from_label_" + self.lang])} {self.t("arrow")} {esc(r["to_label_" + self.lang])}'
                inf = f' <span class="muted">({self.t("inferred_mark")})</span>' if r["inferred"] else ""
                if r["indicator_id"] is None or pd.isna(r["indicator_id"]):
                    ind = base = fup = est = ""
                else:
                    ind = self.ind_label(r) + "<br>" + self.sql_link(r)
                    base = f'{self.value(r["v_ib"], r["aggregation"], r["unit"])} <span class="muted">(n={esc(r["nd_ib"])})</span>'
                    fup = f'{self.value(r["v_if"], r["aggregation"], r["unit"])} <span class="muted">(n={esc(r["nd_if"])})</span>'
                    est = esc(self.effect(r))
                mark = f'<br><span class="muted">{self.t("no_cf_mark")}</span>' if r.get("no_counterfactual") is True else ""
                rows.append(f"<tr><td>{link}</td><td>{esc(r['assumption_' + self.lang])}{inf}</td><td>{ind}</td>"
                            f"<td>{base}</td><td>{fup}</td><td>{est}</td><td>{self.badge(r['grade'])}{mark}</td></tr>")
            out.append(f"<h4>{self.t('h_links')}</h4><table class=\"links\"><tr><th>{self.t('col_link')}</th>"
                       f"<th>{self.t('col_assumption')}</th><th>{self.t('col_indicator')}</th><th>{self.t('col_baseline')}</th>"
                       f"<th>{self.t('col_followup')}</th><th>{self.t('col_estimate')}</th><th>{self.t('col_grade')}</th></tr>"
                       + "".join(rows) + "</table>")
        out.append("</div>")
        return "".join(out)

    def charts_section(self) -> list[str]:
        """Heading and chart HTML fragments (plotly divs) for the network's experiments."""
        parts = [f'<div class="frv"><h2 id="charts">{self.t("h_charts")}</h2>'
                 f'<p class="muted">{self.t("ch_points_note", threshold=self.T)}</p></div>']
        figs = self.charts.all()
        if not figs:
            parts.append(f'<div class="frv"><p>{self.t("ch_none", threshold=self.T)}</p></div>')
        parts += figs
        return parts

    def methods_section(self) -> str:
        out = [f'<div class="frv"><h2 id="methods">{self.t("h_methods")}</h2><h3>{self.t("h_design")}</h3><p class="muted">{self.t("m_intro")}</p>']
        for ex in self.experiments.itertuples(index=False):
            exd = ex._asdict()
            m = self.methods[self.methods.experiment_id == ex.experiment_id]
            pd_key = f"period_{exd['period_design']}" if isinstance(exd.get("period_design"), str) else None
            design_key = f"design_{exd['design']}" if isinstance(exd["design"], str) and i18n.has(f"design_{exd['design']}") else "design_unknown"
            desc = self.t(design_key) + ("; " + self.t(pd_key) if pd_key and i18n.has(pd_key) else "")
            out.append(f"<h4>{esc(self.title(exd))}</h4><p>{esc(desc)}</p>")
            rows = []
            for r in m.to_dict("records"):
                warn = []
                for w in (r.get("warnings") or "").split("; "):
                    if w.strip():
                        text, ok = i18n.warning(w, self.lang)
                        warn.append(esc(text) if ok or self.lang == "en" else f'<span lang="en">{esc(text)}</span>')
                sup = f' <span class="muted">({self.t("m_effect_suppressed")})</span>' if r["suppressed"] else ""
                sec = "" if r.get("is_primary", True) else f' <span class="muted">({self.t("m_secondary_term")})</span>'
                lang_attr = ' lang="en"' if self.lang != "en" else ""
                design_key = f"design_{r['design']}" if i18n.has(f"design_{r['design']}") else "design_unknown"
                scale = self.t("scale_" + r["scale"]) if i18n.has("scale_" + str(r["scale"])) else esc(r["scale"])
                rows.append(
                    f"<tr><td>{esc(self.measure_name(r['measure_code']))} {esc(i18n.stratum(r['stratum'], self.lang))}{sec}</td>"
                    f"<td>{esc(self.t(design_key))}</td><td{lang_attr}>{esc(r['method'])}</td><td>{scale}</td>"
                    f"<td class=num>{esc(r['n_clusters_intervention'])}/{esc(r['n_clusters_comparison'])}</td>"
                    f"<td class=num>{self.num(r['p_value'], 3)}{sup}</td><td class=num>{self.num(r['p_value_adj'], 3)}</td>"
                    f"<td>{'<br>'.join(warn)}</td></tr>")
            if rows:
                out.append(f"<table><tr><th>{self.t('col_measure')}</th><th>{self.t('col_design')}</th><th>{self.t('col_model')}</th>"
                           f"<th>{self.t('col_scale')}</th><th>{self.t('col_clusters')}</th><th>{self.t('col_p')}</th>"
                           f"<th>{self.t('col_p_adj')}</th><th>{self.t('col_warnings')}</th></tr>" + "".join(rows) + "</table>")
        out.append(f"<h3>{self.t('h_multiple')}</h3><p>{self.t('m_multiple', n=int(self.network.n_primary_estimates))}</p>")
        out.append(self._quality())
        out.append("</div>")
        return "".join(out)

    def _wave(self, w) -> str:
        return self.t(f"wave_{w}") if i18n.has(f"wave_{w}") else esc(w)

    def _quality(self) -> str:
        f = self.all["quality_files"]
        out = [f"<h3>{self.t('h_rows')}</h3>"]
        qt = self.all["quality_totals"].iloc[0]
        tot = {k: qt[f"rows_{k}"] for k in ("read", "staged", "quarantined", "superseded")}
        out.append(f"<p>{self.t('m_rows_total', **{k: self.num(v, 0) for k, v in tot.items()})}</p>")
        rows = "".join(
            f"<tr><td>{esc(r['table_name'])}</td><td>{self._wave(r['wave'])}</td><td><code>{esc(r['source_file'])}</code></td>"
            f"<td class=num>{self.num(r['rows_read'], 0)}</td><td class=num>{self.num(r['rows_staged'], 0)}</td>"
            f"<td class=num>{self.num(r['rows_quarantined'], 0)}</td><td class=num>{self.num(r['rows_superseded'], 0)}</td>"
            f"<td>{self.t('status_' + r['status']) if i18n.has('status_' + str(r['status'])) else esc(r['status'])}</td></tr>"
            for r in f.to_dict("records"))
        out.append(f"<table class=\"rows\"><tr><th>{self.t('col_table')}</th><th>{self.t('col_wave')}</th><th>{self.t('col_file')}</th>"
                   f"<th>{self.t('col_rows_read')}</th><th>{self.t('col_rows_staged')}</th><th>{self.t('col_rows_quarantined')}</th>"
                   f"<th>{self.t('col_rows_superseded')}</th><th>{self.t('col_status')}</th></tr>{rows}</table>")
        q = self.all["quality_reasons"]
        out.append(f"<h3>{self.t('h_reasons')}</h3>")
        if q.empty:
            out.append(f"<p>{self.t('m_no_quarantine')}</p>")
        else:
            rows = []
            for r in q.to_dict("records"):
                key = f"reason_{r['reason']}"
                reason = self.t(key) if i18n.has(key) else f"{self.t('reason_code')}: <code>{esc(r['reason'])}</code>"
                rows.append(f"<tr><td>{esc(r['table_name'])}</td><td>{self._wave(r['wave'])}</td><td>{reason}</td>"
                            f"<td class=num>{self.num(r['n_rows'], 0)}</td></tr>")
            out.append(f"<table><tr><th>{self.t('col_table')}</th><th>{self.t('col_wave')}</th><th>{self.t('col_reason')}</th>"
                       f"<th>{self.t('col_rows')}</th></tr>{''.join(rows)}</table>")
        a = self.all["absent_tables"]
        out.append(f"<h3>{self.t('h_absent')}</h3>")
        if a.empty:
            out.append(f"<p>{self.t('m_none_absent')}</p>")
        else:
            out.append(f"<p>{self.t('m_absent_intro')}</p><ul>" + "".join(
                f"<li><code>{esc(r['table_name'])}</code> ({self._wave(r['wave'])})</li>" for r in a.to_dict("records")) + "</ul>")
        return "".join(out)

    def disclosure_section(self) -> str:
        n = self.network
        cells = int(n.counts_primary + n.counts_secondary + n.counts_shown)
        out = [f'<div class="frv"><h2 id="disclosure">{self.t("h_disclosure")}</h2><p>{self.t("d_intro", threshold=self.T)}</p>',
               f"<p><strong>{self.t('d_summary', primary=int(n.counts_primary), secondary=int(n.counts_secondary), effects=int(n.effects_suppressed), cells=cells)}</strong></p>"]
        pts = int(self.all["suppression"].series_points_dropped_all.iloc[0]) if not self.all["suppression"].empty else 0
        out.append(f"<p>{self.t('d_points', threshold=self.T, n=pts)}</p>")
        out.append(f"<h3>{self.t('h_counts')}</h3>")
        for ex in self.experiments.itertuples(index=False):
            c = self.counts[self.counts.experiment_id == ex.experiment_id]
            if c.empty:
                continue
            # Lookups in dicts, not a filtered frame per cell (thousands of cells: ~1 s per build).
            present = set(zip(c.arm, c.period))
            cols = [(a, p) for a in ("intervention", "comparison", "_all") for p in ("baseline", "followup")
                    if (a, p) in present]
            head = "".join(f"<th>{self.t('arm_' + a)}<br>{self.t('per_' + p)}</th>" for a, p in cols)
            rows = []
            for (mc, st), g in c.groupby(["measure_code", "stratum"], sort=True):
                first: dict = {}  # (arm, period) -> display of the group's first such row
                for a, p, d in zip(g.arm, g.period, g.display):
                    first.setdefault((a, p), d)
                cells = []
                for a, p in cols:
                    cells.append(f"<td class=num>{esc(first[(a, p)]) if (a, p) in first else ''}</td>")
                rows.append(f"<tr><td>{esc(self.measure_name(mc))} {esc(i18n.stratum(st, self.lang))}</td>{''.join(cells)}</tr>")
            out.append(f"<h4>{esc(self.title(ex._asdict()))}</h4><table class=\"counts\" data-experiment=\"{esc(ex.experiment_id)}\">"
                       f"<tr><th>{self.t('col_measure')}</th>{head}</tr>{''.join(rows)}</table>")
        out.append("</div>")
        return "".join(out)

    def audit_section(self) -> str:
        out = [f'<div class="frv"><h2 id="audit">{self.t("h_audit")}</h2><h3>{self.t("h_models")}</h3><p>{self.t("a_intro")}</p>']
        rows = []
        for r in self.panel.to_dict("records"):
            dim = self.t("dim_" + r["dimension"]) if i18n.has("dim_" + str(r["dimension"])) else esc(r["dimension"])
            rows.append(f"<tr><td>{self.ind_label(r)}</td><td>{dim}</td><td><code>{esc(r['measure_code'])}</code></td>"
                        f"<td>{self.sql_link(r)}</td><td>{self.badge(r['verdict'])}</td></tr>")
        out.append(f"<table class=\"models\"><tr><th>{self.t('col_indicator')}</th><th>{self.t('col_dimension')}</th>"
                   f"<th>{self.t('col_measure')}</th><th>{self.t('col_sql_model')}</th><th>{self.t('col_verdict')}</th></tr>"
                   + "".join(rows) + "</table>")
        exposure = f"dbt-docs/index.html#!/exposure/exposure.frieval.{exposure_name(self.network_id)}"
        out.append(f'<p><a class="exposure-link" href="{esc(exposure)}">{self.t("exposure_link")}</a></p>')
        m = self.meta
        rev = esc(m.code_revision or self.t("a_unknown")) + (f" ({self.t('a_dirty')})" if m.code_dirty else "")
        out.append(f"<h3>{self.t('h_provenance')}</h3><table>"
                   f"<tr><th>{self.t('a_revision')}</th><td><code>{rev}</code></td></tr>"
                   f"<tr><th>{self.t('a_run')}</th><td><code>{esc(m.run_id)}</code></td></tr>"
                   f"<tr><th>{self.t('a_run_started')}</th><td>{esc(m.run_started_at)}</td></tr>"
                   f"<tr><th>{self.t('a_threshold')}</th><td>{self.T}</td></tr>"
                   f"<tr><th>{self.t('a_python')}</th><td>{esc(m.python)}</td></tr>"
                   f"<tr><th>{self.t('a_renderer')}</th><td>{esc(self.renderer or self.t('a_unknown'))}</td></tr></table>")
        pk = json.loads(m.packages)
        out.append(f"<h4>{self.t('h_packages')}</h4><table><tr><th>{self.t('col_package')}</th><th>{self.t('col_version')}</th></tr>"
                   + "".join(f"<tr><td>{esc(k)}</td><td>{esc(v or self.t('a_unknown'))}</td></tr>" for k, v in pk.items())
                   + "</table>")
        inp = self.all["inputs"]
        rows = "".join(
            f"<tr><td>{esc(r['table_name'])}</td><td>{self._wave(r['wave'])}</td><td><code>{esc(r['source_file'])}</code></td>"
            f"<td class=num>{self.num(r['rows_read'], 0)}</td><td><code title=\"{esc(r['sha256'])}\">{esc((r['sha256'] or '')[:16])}</code></td>"
            f"<td>{self.t('status_' + r['status']) if i18n.has('status_' + str(r['status'])) else esc(r['status'])}</td></tr>"
            for r in inp.to_dict("records"))
        out.append(f"<h4>{self.t('h_inputs')}</h4><table class=\"inputs\"><tr><th>{self.t('col_table')}</th><th>{self.t('col_wave')}</th>"
                   f"<th>{self.t('col_file')}</th><th>{self.t('col_rows_read')}</th><th>{self.t('col_sha')}</th>"
                   f"<th>{self.t('col_status')}</th></tr>{rows}</table></div>")
        return "".join(out)
