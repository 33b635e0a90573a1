"""Every rendered report, in both languages, in headless Chromium with the network cut off.

Checks: no console errors, no request leaves file://, every plotly chart drawn (SVG inside each
plot div), the programme-theory diagrams drawn, and each language complete (the Danish report
holds no English heading, the English one no Danish heading).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.report import i18n

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (make browser)")]


@pytest.fixture(scope="module", params=["fake", "demo"])
def rendered(request, tmp_path_factory):
    """{lang: out_dir} with reports rendered from one warehouse in Danish and English."""
    from test_report_support import demo_builds, fake_builds

    if request.param == "fake":
        return fake_builds(tmp_path_factory.getbasetemp())
    return demo_builds(request.getfixturevalue("demo_run"), tmp_path_factory.getbasetemp())


def _reports(out: Path) -> list[Path]:
    files = sorted(p for p in (out / "reports").glob("*.html") if p.name != "index.html")
    assert files, f"no reports in {out / 'reports'}"
    return files


HEADING_KEYS = [k for k in i18n.TEXT if k.startswith("h_") or k.startswith("dim_") or k.startswith("nt_")]


def _visit(page, url: str) -> dict:
    errors, external = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    # Wait for the charts themselves, not a fixed time: a slow or busy machine draws later.
    try:
        page.wait_for_function("""() => [...document.querySelectorAll('div.plotly-graph-div')]
            .every(d => d.querySelector('svg.main-svg') && d.querySelector('.plot .trace, .plot g'))""",
                               timeout=60_000)
    except Exception:  # the assertions below name the charts that were not drawn
        pass
    info = page.evaluate("""() => {
        const plots = [...document.querySelectorAll('div.plotly-graph-div')];
        return {
          n_plots: plots.length,
          drawn: plots.filter(d => d.querySelector('svg.main-svg') && d.querySelector('.plot .trace, .plot g')).length,
          n_diagrams: document.querySelectorAll('svg.pt-diagram').length,
          n_nodes: document.querySelectorAll('svg.pt-diagram g.pt-node').length,
          headings: [...document.querySelectorAll('h1,h2,h3,h4,th')].map(h => h.textContent.trim()),
          text: document.body.innerText,
          lang: document.documentElement.lang,
        };
    }""")
    info["errors"], info["external"] = errors, external
    return info


def test_reports_render_offline_complete_and_in_one_language(rendered):
    from playwright.sync_api import sync_playwright

    seen = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for lang, out in rendered.items():
                other = "en" if lang == "da" else "da"
                own = {i18n.t(k, lang) for k in HEADING_KEYS}
                foreign = {i18n.t(k, other) for k in HEADING_KEYS} - own
                for report in [*_reports(out), out / "reports" / "index.html"]:
                    ctx = browser.new_context()
                    blocked = []

                    def route(r, blocked=blocked):
                        if r.request.url.startswith("file://"):
                            return r.continue_()
                        blocked.append(r.request.url)
                        return r.abort()

                    ctx.route("**/*", route)
                    page = ctx.new_page()
                    info = _visit(page, report.resolve().as_uri())
                    ctx.close()
                    name = f"{report.name} ({lang})"
                    assert info["errors"] == [], f"{name}: console errors {info['errors'][:3]}"
                    assert blocked == [], f"{name}: tried to fetch {blocked[:3]}"
                    assert info["lang"] == lang, f"{name}: <html lang> is {info['lang']!r}"
                    assert info["drawn"] == info["n_plots"], f"{name}: {info['n_plots'] - info['drawn']} charts not drawn"
                    bad = sorted(set(info["headings"]) & foreign)
                    assert bad == [], f"{name}: headings of the other language: {bad[:5]}"
                    assert "KeyError" not in info["text"] and "Traceback" not in info["text"], name
                    if lang == "da":  # catalogue texts in English must arrive translated
                        leaked = [en for da, en in i18n.NC_REASONS.values() if da != en and en in info["text"]]
                        assert leaked == [], f"{name}: untranslated reasons {leaked[:2]}"
                    if report.name != "index.html":
                        assert info["n_plots"] > 0 or i18n.t("ch_none", lang, threshold=5).split("(")[0] in info["text"], \
                            f"{name}: neither charts nor the no-charts note"
                        assert i18n.t("h_triple_aim", lang) in info["headings"], name
                        assert i18n.t("h_grading_rule", lang) in info["headings"], name
                        seen += 1
        finally:
            browser.close()
    assert seen >= 2


def test_every_heading_key_is_translated_and_distinct_where_it_should_be():
    assert i18n.check_complete() == []
    # Headings must differ between languages (otherwise the language check above proves nothing).
    same = [k for k in HEADING_KEYS if i18n.t(k, "da") == i18n.t(k, "en")]
    assert same == [], same


def test_report_is_self_contained_single_file(rendered):
    for lang, out in rendered.items():
        for report in _reports(out):
            html = report.read_text(encoding="utf-8")
            assert html.count("<script") >= 1
            assert re.search(r"<script[^>]*\bsrc=", html) is None, f"{report}: external script"
            assert re.search(r"<link[^>]*\bhref=[\"']?https?:", html) is None, f"{report}: external link"
            assert "@import url(" not in html and "fonts.googleapis" not in html
            # plotly.js embedded exactly once per report
            assert html.count("Plotly.newPlot") >= 1 or 'data-chart=' not in html
            n_lib = html.count("* plotly.js v")
            assert n_lib == 1, f"{report}: plotly.js embedded {n_lib} times"
