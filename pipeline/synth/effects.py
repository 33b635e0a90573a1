"""Planted effects: which knob of the generative process each experiment x measure_code turns,
and the true effect on the measure's primary scale (docs/architecture.md) that results.

Measure codes are resolved by their family prefix (adm_, emp_, case_, fit_, cost_, exp_) and
their measure_type (from seeds/reference/measure_definitions.csv when present, else guessed from
the code). Measures of one family in one experiment share the family's generative knobs; the
first measure (in a fixed priority) sets a knob and the truth of the others is derived from it."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

SCALES = {"continuous": "difference", "binary": "log_odds_ratio", "count": "log_rate_ratio",
          "time_to_event": "log_hazard_ratio"}
FAMILIES = ("adm", "emp", "case", "fit", "cost", "exp")


@dataclass
class Truth:
    experiment_id: str
    measure_code: str
    stratum: str
    scale: str
    value: float

    def as_dict(self) -> dict:
        v = round(float(self.value), 6)
        return {"experiment_id": self.experiment_id, "measure_code": self.measure_code, "stratum": self.stratum,
                "scale": self.scale, "value": v, "direction": 0 if abs(v) < 1e-9 else (1 if v > 0 else -1)}


def family_of(code: str) -> str | None:
    head = code.split("_", 1)[0].lower()
    aliases = {"dream": "emp", "job": "emp", "lpr": "adm", "child": "case", "cases": "case", "ors": "fit",
               "srs": "fit", "experience": "exp", "survey": "exp", "costs": "cost"}
    head = aliases.get(head, head)
    return head if head in FAMILIES else None


def measure_type(code: str, defs: dict[str, dict]) -> str:
    row = defs.get(code)
    if row and row.get("measure_type") in SCALES:
        return row["measure_type"]
    c = code.lower()
    if "days_to" in c or "time_to" in c or c.endswith("_tte"):
        return "time_to_event"
    if any(w in c for w in ("within", "share", "readmission", "reopened", "below", "reliable", "recover",
                            "clinical", "selfsupporting", "self_supporting", "any_")):
        return "binary"
    if any(w in c for w in ("rate", "count", "bed_days", "notifications", "admissions")):
        return "count"
    return "continuous"


def is_null_pair(exp_id: str, code: str) -> bool:
    """About one pair in twelve gets no planted effect (the engine must also handle nulls)."""
    return zlib.crc32(f"null|{exp_id}|{code}".encode()) % 12 == 0


def wanted_sign(direction: str, mtype: str, exp_id: str, code: str) -> int:
    """The sign of the planted effect on the measure's primary scale.

    A time-to-event measure is a duration: 'down' (shorter time) is a hazard ratio above 1."""
    if direction not in {"up", "down"} or is_null_pair(exp_id, code):
        return 0
    s = 1 if direction == "up" else -1
    return -s if mtype == "time_to_event" else s
