"""OUT/reports/index.html: one page linking every network report and the dbt docs."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from . import i18n
from .view import CSS


def write_index(out_reports: Path, networks: pd.DataFrame, lang: str, threshold: int,
                report_files: dict, docs: bool) -> Path:
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    esc = html.escape
    rows = []
    for n in networks.sort_values("network_id").itertuples(index=False):
        f = report_files.get(n.network_id)
        link = f'<a href="{esc(f.name)}">{t("open_report")}</a>' if f else ""
        rows.append(f"<tr><td>{esc(getattr(n, 'name_' + lang))}</td><td>{esc(n.programme)}</td>"
                    f"<td class=num>{int(n.n_experiments)}</td><td>{link}</td></tr>")
    docs_link = f'<p><a href="dbt-docs/index.html">{t("index_docs")}</a></p>' if docs else ""
    body = (f'<div class="frv" lang="{lang}"><h1>{t("index_title")}</h1><p>{esc(t("index_intro", threshold=threshold))}</p>'
            f"<table><tr><th>{t('col_network')}</th><th>{t('col_programme')}</th><th>{t('col_experiments')}</th>"
            f"<th>{t('col_report')}</th></tr>{''.join(rows)}</table>{docs_link}</div>")
    page = (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(t('index_title'))}</title>{CSS}</head><body>{body}</body></html>\n")
    path = out_reports / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
