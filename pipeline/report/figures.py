"""Charts (plotly, drawn offline from one embedded plotly.js) and the programme-theory diagram (SVG).

Both draw precomputed, disclosure-controlled points from report_data; nothing is estimated here.
"""

from __future__ import annotations

import functools
import html
import textwrap

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from . import i18n

ARM_COLOURS = {"intervention": "#1f5fa8", "comparison": "#d97706", None: "#374151"}
PERIOD_DASH = {"baseline": "dot", "followup": "solid", None: "solid"}
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"


# Setting a template by name makes plotly deep-copy the whole template, several times per figure
# (~30 ms: most of the charts' time). A chart is therefore built with a one-key stand-in in the
# template's place and the real template is put into its JSON, in the order plotly writes it
# (key order differs from the registered template's), so the HTML is byte for byte what
# fig.update_layout(template="plotly_white").to_html(...) gives.
TEMPLATE = "plotly_white"


def _figure() -> go.Figure:
    return go.Figure(layout={"template": {"layout": {}}})


@functools.lru_cache(maxsize=1)
def _template_json() -> dict:
    return go.Figure().update_layout(template=TEMPLATE).to_dict()["layout"]["template"]


class Charts:
    def __init__(self, view):
        self.v = view
        self._n = 0  # numbered chart ids (plotly's default is a random uuid): same data, same bytes

    @staticmethod
    def plotly_js() -> str:
        from plotly.offline import get_plotlyjs

        return f'<script type="text/javascript">{get_plotlyjs()}</script>'

    def _html(self, fig: go.Figure, kind: str) -> str:
        fig.update_layout(font=dict(family=FONT, size=13), height=360,
                          margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.2))
        self._n += 1
        spec = fig.to_dict()
        spec["layout"]["template"] = _template_json()  # replaces the stand-in, in its place (first key)
        div = pio.to_html(spec, validate=False, full_html=False, include_plotlyjs=False, div_id=f"chart-{self._n}",
                          config={"displaylogo": False, "responsive": True})
        return f'<div class="frv plot" data-chart="{kind}">{div}</div>'

    def _arm_period_name(self, arm, period) -> str:
        t = self.v.t
        name = t("arm_" + arm) if isinstance(arm, str) else ""
        if isinstance(period, str):
            name += f" · {t('per_' + period)}"
        return name

    def all(self) -> list[str]:
        out = []
        s = self.v.series
        for ex in self.v.experiments.itertuples(index=False):
            e = s[s.experiment_id == ex.experiment_id]
            if e.empty:
                continue
            figs = (self.run_charts(e) + self.km(e) + self.fit(e) + self.reliable(e) + self.selfsupport(e)
                    + self.admissions(e))
            if figs:
                out.append(f'<div class="frv"><h3>{html.escape(self.v.title(ex._asdict()))}</h3></div>')
                out += figs
        return out

    def _series_title(self, code) -> str:
        key = f"ser_{code}"
        return self.v.t(key) if i18n.has(key) else self.v.t("ser_other", code=code)

    def run_charts(self, e) -> list[str]:
        t = self.v.t
        out = []
        for code, g in e[e.chart == "run"].groupby("series_code", sort=True):
            fig = _figure()
            for arm in ("intervention", "comparison"):
                ga = g[g.arm == arm].sort_values("x_date")
                if ga.empty:
                    continue
                fig.add_trace(go.Scatter(x=ga.x_date, y=ga.y, mode="lines+markers", name=t("arm_" + arm),
                                         line=dict(color=ARM_COLOURS.get(arm))))
                fig.add_trace(go.Scatter(x=ga.x_date, y=ga.centre, mode="lines",
                                         name=f"{t('arm_' + arm)} · {t('ch_centre')}",
                                         line=dict(color=ARM_COLOURS.get(arm), dash="dash", width=1)))
            fig.update_layout(title=f"{t('h_run')}: {self._series_title(code)}", xaxis_title=t("ch_month"),
                              yaxis_title=self._series_title(code))
            out.append(self._html(fig, "run"))
        return out

    def km(self, e) -> list[str]:
        t = self.v.t
        out = []
        for (mc, st), g in e[e.chart == "km"].groupby(["measure_code", "stratum"], sort=True):
            fig = _figure()
            for (arm, period), ga in g.groupby(["arm", "period"], sort=True):
                ga = ga.sort_values("x")
                fig.add_trace(go.Scatter(x=ga.x, y=ga.y, mode="lines", line_shape="hv",
                                         name=self._arm_period_name(arm, period),
                                         line=dict(color=ARM_COLOURS.get(arm), dash=PERIOD_DASH.get(period))))
            unit = self.v.measures.unit.get(mc) if mc in self.v.measures.index else ""
            fig.update_layout(title=f"{t('h_km')}: {self.v.measure_name(mc)} {i18n.stratum(st, self.v.lang)}".strip(),
                              xaxis_title=f"{t('ch_time')} ({i18n.unit(unit, self.v.lang)})",
                              yaxis_title=t("ch_survival"), yaxis_range=[0, 1.02])
            out.append(self._html(fig, "km"))
        return out

    def fit(self, e) -> list[str]:
        t = self.v.t
        out = []
        for st, g in e[e.chart == "fit"].groupby("stratum", sort=True):
            fig = _figure()
            for (arm, period), ga in g.groupby(["arm", "period"], sort=True):
                ga = ga.sort_values("x")
                fig.add_trace(go.Scatter(x=ga.x, y=ga.y, mode="lines+markers", name=self._arm_period_name(arm, period),
                                         line=dict(color=ARM_COLOURS.get(arm), dash=PERIOD_DASH.get(period))))
            fig.update_layout(title=f"{t('h_fit')}: {i18n.stratum(st, self.v.lang)}", xaxis_title=t("ch_session"),
                              yaxis_title=t("ch_score"))
            out.append(self._html(fig, "fit"))
        return out

    def _bars(self, g, title, ytitle, kind, scale=1.0) -> str:
        t = self.v.t
        fig = _figure()
        for (arm, period), ga in g.groupby(["arm", "period"], sort=True):
            fig.add_trace(go.Bar(x=[self.v.measure_name(m) + (f" ({i18n.stratum(s, self.v.lang)})" if s else "")
                                    for m, s in zip(ga.measure_code, ga.stratum)],
                                 y=ga.y * scale, name=self._arm_period_name(arm, period),
                                 marker=dict(color=ARM_COLOURS.get(arm),
                                             pattern=dict(shape="" if period == "followup" else "/"))))
        fig.update_layout(title=title, yaxis_title=ytitle, barmode="group")
        return self._html(fig, kind)

    def reliable(self, e) -> list[str]:
        g = e[e.chart == "reliable_change"]
        if g.empty:
            return []
        return [self._bars(g, self.v.t("h_reliable"), self.v.t("ch_share") + " (%)", "reliable", 100.0)]

    def admissions(self, e) -> list[str]:
        g = e[e.chart == "admission_rate"]
        if g.empty:
            return []
        return [self._bars(g, self.v.t("h_admissions"), self.v.t("ch_rate"), "admissions")]

    def selfsupport(self, e) -> list[str]:
        t = self.v.t
        g = e[e.chart == "selfsupport"]
        if g.empty:
            return []
        fig = _figure()
        for arm in ("intervention", "comparison"):
            ga = g[g.arm == arm].sort_values("x")
            if ga.empty:
                continue
            fig.add_trace(go.Scatter(x=ga.x, y=ga.y * 100, mode="lines", name=t("arm_" + arm),
                                     line=dict(color=ARM_COLOURS.get(arm))))
        fig.add_vline(x=0, line_dash="dot", line_color="#6b7280")
        fig.update_layout(title=t("h_selfsupport"), xaxis_title=t("ch_week"),
                          yaxis_title=t("ser_emp_selfsupport_share_week") + " (%)")
        return [self._html(fig, "selfsupport")]


# ------------------------------------------------------------------------- programme theory

GRADE_FILL = {"supported": ("#dcfce7", "#1a7f37"), "contradicted": ("#fee2e2", "#b42318"),
              "inconclusive": ("#f3f4f6", "#5b6472"), "not_measured": ("#ffffff", "#9ca3af")}
NODE_TYPES = ["input", "activity", "output", "short_term_outcome", "long_term_outcome"]
BOX_W, BOX_H, COL_GAP, ROW_GAP, TOP = 180, 84, 46, 18, 40


def programme_theory_svg(view, nodes: pd.DataFrame, edges: pd.DataFrame, title: str) -> str:
    """Inputs -> activities -> outputs -> short-term -> long-term outcomes, boxes coloured and
    labelled by the evidence grade of their indicators (colour plus word and symbol)."""
    from .view import SYMBOLS

    t = view.t
    lang = view.lang
    ncols = max(len(NODE_TYPES), int(nodes["column"].max()) + 1)
    nrows = int(nodes["row"].max()) + 1
    width = ncols * BOX_W + (ncols - 1) * COL_GAP + 20
    height = TOP + nrows * (BOX_H + ROW_GAP) + 10
    pos = {}
    for n in nodes.itertuples(index=False):
        x = 10 + n.column * (BOX_W + COL_GAP)
        y = TOP + n.row * (BOX_H + ROW_GAP)
        pos[n.node_id] = (x, y)
    esc = html.escape
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="pt-diagram" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="system-ui, Arial, sans-serif" '
             f'aria-label="{esc(t("pt_diagram_label", title=title))}">',
             '<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>']
    for i, nt in enumerate(NODE_TYPES):
        x = 10 + i * (BOX_W + COL_GAP)
        parts.append(f'<text x="{x + BOX_W / 2}" y="20" text-anchor="middle" font-size="13" font-weight="600" '
                     f'fill="#111827">{esc(t("nt_" + nt))}</text>')
    for e in edges.itertuples(index=False):
        if e.from_node_id not in pos or e.to_node_id not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e.from_node_id], pos[e.to_node_id]
        if x2 > x1:
            sx, sy, tx, ty = x1 + BOX_W, y1 + BOX_H / 2, x2, y2 + BOX_H / 2
            mx = (sx + tx) / 2
            d = f"M{sx},{sy} C{mx},{sy} {mx},{ty} {tx},{ty}"
        else:  # same column or backwards: loop over the top
            sx, sy, tx, ty = x1 + BOX_W / 2, y1, x2 + BOX_W / 2, y2
            d = f"M{sx},{sy} C{sx},{min(sy, ty) - 30} {tx},{min(sy, ty) - 30} {tx},{ty}"
        dash = ' stroke-dasharray="5,4"' if bool(e.inferred) else ""
        parts.append(f'<path d="{d}" fill="none" stroke="#6b7280" stroke-width="1.4"{dash} marker-end="url(#arr)">'
                     f'<title>{esc(getattr(e, "assumption_" + lang) or "")}</title></path>')
    for n in nodes.itertuples(index=False):
        x, y = pos[n.node_id]
        fill, stroke = GRADE_FILL.get(n.grade, GRADE_FILL["not_measured"])
        label = getattr(n, "label_" + lang) or ""
        lines = textwrap.wrap(label, 26)[:3]
        if len(textwrap.wrap(label, 26)) > 3:
            lines[-1] = lines[-1][:23] + "…"
        grade = f"{SYMBOLS.get(n.grade, '')} {t('g_' + n.grade)}"
        if n.n_indicators:
            grade += f" · {t('pt_indicators', n=int(n.n_indicators))}"
        dash = ' stroke-dasharray="4,3"' if bool(n.inferred) else ""
        parts.append(f'<g class="pt-node" data-grade="{esc(n.grade)}"><title>{esc(label)}</title>'
                     f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="{stroke}" '
                     f'stroke-width="2"{dash}/>')
        for k, line in enumerate(lines):
            parts.append(f'<text x="{x + 8}" y="{y + 17 + 15 * k}" font-size="12" fill="#111827">{esc(line)}</text>')
        parts.append(f'<text x="{x + 8}" y="{y + BOX_H - 8}" font-size="11" font-weight="600" fill="{stroke}">'
                     f'{esc(grade)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
