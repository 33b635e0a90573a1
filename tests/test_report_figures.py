"""Charts: the template shortcut in figures.py writes exactly what plotly's own path writes."""

from __future__ import annotations

import plotly.graph_objects as go

from pipeline.report import figures


def test_chart_html_is_what_plotly_writes_with_the_template_set_by_name():
    def draw(fig):
        fig.add_trace(go.Scatter(x=[1, 2, 3], y=[0.5, None, 2], mode="lines+markers", name="Indsats · før"))
        fig.add_trace(go.Bar(x=["a", "b"], y=[3, 4], marker=dict(pattern=dict(shape="/"))))
        fig.add_vline(x=0, line_dash="dot", line_color="#6b7280")
        fig.update_layout(title="Titel", xaxis_title="Uge", yaxis_range=[0, 1.02])
        return fig

    got = figures.Charts(None)._html(draw(figures._figure()), "run")
    fig = draw(go.Figure())
    fig.update_layout(template="plotly_white", font=dict(family=figures.FONT, size=13), height=360,
                      margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.2))
    want = fig.to_html(full_html=False, include_plotlyjs=False, div_id="chart-1",
                       config={"displaylogo": False, "responsive": True})
    assert got == f'<div class="frv plot" data-chart="run">{want}</div>'
    assert '"template":{"data"' in got
