"""Write models/marts/_exposures.yml: one dbt exposure per network report.

Run `python -m pipeline.report.exposures` after changing seeds/catalogue/networks.csv.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ..paths import PROJECT_ROOT, SEEDS_DIR

EXPOSURES_YML = PROJECT_ROOT / "models" / "marts" / "_exposures.yml"
DEPENDS_ON = ("fct_indicator_values", "fct_person_measures", "fct_series", "dim_measures", "fct_row_accounting",
              "fct_quarantine", "dim_networks", "dim_experiments", "dim_indicators",
              "dim_programme_theory_nodes", "dim_programme_theory_edges")


def exposure_name(network_id: str) -> str:
    return f"report_{network_id.lower()}"


def render_yaml(networks_csv: Path = SEEDS_DIR / "catalogue" / "networks.csv") -> str:
    with open(networks_csv, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    clean = lambda s: s.replace('"', "")  # noqa: E731
    out = ["# One dbt exposure per network report (issue 5): generated from seeds/catalogue/networks.csv by",
           "# `python -m pipeline.report.exposures`; tests/test_report_links.py checks they match the seed.",
           "# marts.fct_effects is written by pipeline/effects (Python), not by dbt, so it is not listed.",
           "version: 2", "", "exposures:"]
    for r in rows:
        out += [f"  - name: {exposure_name(r['network_id'])}",
                f"    label: \"Report: {clean(r['name_en'])}\"",
                "    type: analysis",
                "    maturity: medium",
                f"    url: \"../{r['network_id']}.html\"",
                f"    description: \"Per-network evaluation report (OUT/reports/{r['network_id']}.html): Triple Aim "
                f"panel, programme theory with evidence, charts, methods, audit trail. Network: {clean(r['name_da'])}.\"",
                "    owner:",
                "      name: frieval report",
                "    depends_on:"] + [f"      - ref('{d}')" for d in DEPENDS_ON] + [""]
    return "\n".join(out)


if __name__ == "__main__":
    EXPOSURES_YML.write_text(render_yaml(), encoding="utf-8")
    print(f"wrote {EXPOSURES_YML}")
