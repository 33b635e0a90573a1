"""One click from any effect to its SQL model: every effect row links into the shipped dbt docs,
and the link targets a model that exists in the dbt manifest. Each report is a dbt exposure."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from pipeline.paths import PROJECT_ROOT
from pipeline.report.exposures import EXPOSURES_YML, exposure_name, render_yaml

LINK = re.compile(r"^dbt-docs/index\.html#!/(model|exposure)/((?:model|exposure)\.frieval\.[A-Za-z0-9_]+)$")


class _Links(HTMLParser):
    """Collects, per Triple Aim card / link-table row / model-table row, the hrefs inside it."""

    def __init__(self):
        super().__init__()
        self.cards: list[dict] = []
        self.all_hrefs: list[str] = []
        self._stack: list = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and "data-indicator" in a:
            self.cards.append({"indicator": a["data-indicator"], "hrefs": []})
            self._stack.append(("card", len(self.cards) - 1))
        elif tag == "div":
            self._stack.append(("div", None))
        if tag == "a" and "href" in a:
            self.all_hrefs.append(a["href"])
            for kind, idx in reversed(self._stack):
                if kind == "card":
                    self.cards[idx]["hrefs"].append(a["href"])
                    break

    def handle_endtag(self, tag):
        if tag == "div" and self._stack:
            self._stack.pop()


def _manifest_nodes(docs_dir: Path) -> set[str]:
    manifest = json.loads((docs_dir / "manifest.json").read_text(encoding="utf-8"))
    return set(manifest["nodes"]) | set(manifest.get("exposures", {}))


def _check_reports(out: Path, lang: str) -> int:
    import pandas as pd

    docs = out / "reports" / "dbt-docs"
    assert (docs / "index.html").is_file(), "dbt docs not shipped beside the reports"
    static = (docs / "index.html").read_text(encoding="utf-8")
    nodes = _manifest_nodes(docs)
    panel = pd.read_parquet(out / "report_data" / "panel.parquet")
    n_checked = 0
    for report in sorted((out / "reports").glob("*.html")):
        if report.name == "index.html":
            continue
        parser = _Links()
        parser.feed(report.read_text(encoding="utf-8"))
        mine = panel[panel.network_id == report.stem]
        cards = {c["indicator"]: c["hrefs"] for c in parser.cards}
        for r in mine.itertuples(index=False):
            if not isinstance(r.measure_code, str):
                continue  # an indicator without a measure has no SQL model (shown as such)
            hrefs = [h for h in cards.get(r.indicator_id, []) if h.startswith("dbt-docs/")]
            assert hrefs, f"{report.name}: effect row {r.indicator_id} has no link to its SQL model"
            for h in hrefs:
                m = LINK.match(h)
                assert m, f"{report.name}: malformed docs link {h}"
                assert m.group(2) in nodes, f"{report.name}: {h} targets no node of the dbt manifest"
                assert m.group(2) in static, f"{report.name}: {m.group(2)} not in the static docs page"
                n_checked += 1
        for h in parser.all_hrefs:
            if h.startswith("dbt-docs/index.html#"):
                m = LINK.match(h)
                assert m and m.group(2) in nodes, f"{report.name}: dangling docs link {h}"
    return n_checked


@pytest.mark.slow
def test_every_effect_links_to_an_existing_sql_model(demo_run):
    out, _ = demo_run
    assert _check_reports(Path(out), "da") > 0


def test_exposures_match_the_network_seed():
    assert EXPOSURES_YML.read_text(encoding="utf-8") == render_yaml(), \
        "models/marts/_exposures.yml is stale: run python -m pipeline.report.exposures"
    data = yaml.safe_load(EXPOSURES_YML.read_text(encoding="utf-8"))
    with open(PROJECT_ROOT / "seeds" / "catalogue" / "networks.csv", encoding="utf-8") as fh:
        networks = [r["network_id"] for r in csv.DictReader(fh)]
    names = [e["name"] for e in data["exposures"]]
    assert names == [exposure_name(n) for n in networks]
    for e in data["exposures"]:
        assert e["type"] == "analysis"
        assert any("fct_indicator_values" in d for d in e["depends_on"])


def test_fake_reports_link_every_measured_indicator(tmp_path_factory):
    """Without dbt docs (fake warehouse): the links still exist and have the documented form."""
    from test_report_support import fake_builds

    builds = fake_builds(tmp_path_factory.getbasetemp())
    import pandas as pd

    for lang, out in builds.items():
        panel = pd.read_parquet(out / "report_data" / "panel.parquet")
        for report in sorted((out / "reports").glob("N*.html")):
            parser = _Links()
            parser.feed(report.read_text(encoding="utf-8"))
            cards = {c["indicator"]: c["hrefs"] for c in parser.cards}
            for r in panel[panel.network_id == report.stem].itertuples(index=False):
                if isinstance(r.sql_model, str):
                    want = f"dbt-docs/index.html#!/model/model.frieval.{r.sql_model}"
                    assert want in cards[r.indicator_id], (report.name, r.indicator_id)
