"""What the generator needs from the catalogue: experiments, their municipalities, periods and
measures. The seeds in seeds/catalogue/ are the single source of truth; the small built-in
fallback below is only used when those seeds are absent (a fresh checkout before the catalogue
lands), and the summary says so."""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FrievalError
from ..paths import SEEDS_DIR

EPOCH = dt.date(1970, 1, 1)


def day_number(value: str) -> int:
    return (dt.date.fromisoformat(value.strip()[:10]) - EPOCH).days


@dataclass
class MeasureLink:
    measure_code: str
    expected_direction: str  # up / down / none


@dataclass
class Experiment:
    experiment_id: str
    network_id: str
    period_design: str  # person / cohort
    start_day: int  # days since 1970-01-01
    baseline_days: int
    followup_days: int
    municipalities: list[str]
    measures: list[MeasureLink]
    comparison: list[str] = field(default_factory=list)
    target_group: str = ""

    @property
    def has_comparison(self) -> bool:
        return bool(self.comparison)


@dataclass
class Catalogue:
    experiments: list[Experiment]
    municipalities: dict[str, dict]  # code -> row (name, region, comparison_candidate)
    measure_defs: dict[str, dict]  # measure_code -> row of seeds/reference/measure_definitions.csv
    reference: dict[str, list[dict]]  # other reference seeds by name (dream codes, icd10 ...)
    source: str  # "seeds" or "built-in fallback"


def _read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]


def _stable_hash(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode("utf-8"))


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "t", "yes", "y"}


def pick_comparison(exp_id: str, participants: list[str], candidates: list[str], municipalities: dict,
                    k: int = 4) -> list[str]:
    """Deterministically choose up to k comparison municipalities, same region first."""
    pool = [c for c in candidates if c not in participants]
    if not pool:
        return []
    regions = {municipalities.get(c, {}).get("region", "") for c in participants}
    pool.sort(key=lambda c: (municipalities.get(c, {}).get("region", "") not in regions,
                             _stable_hash(exp_id, c)))
    return sorted(pool[: max(k, min(len(participants), 8))])


def load_catalogue(seeds_dir: Path = SEEDS_DIR) -> Catalogue:
    cat_dir, ref_dir = Path(seeds_dir) / "catalogue", Path(seeds_dir) / "reference"
    needed = ["experiments.csv", "experiment_municipalities.csv", "municipalities.csv",
              "experiment_periods.csv", "indicators.csv"]
    reference = {}
    if ref_dir.is_dir():
        for path in sorted(ref_dir.glob("*.csv")):
            try:
                reference[path.stem] = _read_csv(path)
            except (OSError, UnicodeDecodeError, csv.Error) as err:
                raise FrievalError(f"{path}: cannot be read as a UTF-8 CSV ({err})") from err
    measure_defs = {r["measure_code"]: r for r in reference.get("measure_definitions", []) if r.get("measure_code")}
    if not all((cat_dir / name).is_file() for name in needed):
        from .fallback import fallback_catalogue

        cat = fallback_catalogue()
        cat.reference, cat.measure_defs = reference, measure_defs or cat.measure_defs
        return cat
    experiments = {r["experiment_id"]: r for r in _read_csv(cat_dir / "experiments.csv")}
    periods = {r["experiment_id"]: r for r in _read_csv(cat_dir / "experiment_periods.csv")}
    municipalities = {r["municipality_code"].zfill(3): r for r in _read_csv(cat_dir / "municipalities.csv")}
    members: dict[str, list[str]] = {}
    for r in _read_csv(cat_dir / "experiment_municipalities.csv"):
        members.setdefault(r["experiment_id"], []).append(r["municipality_code"].zfill(3))
    links: dict[str, dict[str, MeasureLink]] = {}
    for r in _read_csv(cat_dir / "indicators.csv"):
        code = r.get("measure_code", "")
        if not code:
            continue
        if r.get("computable") and not _truthy(r["computable"]):
            continue
        per_exp = links.setdefault(r["experiment_id"], {})
        if code not in per_exp:
            per_exp[code] = MeasureLink(code, r.get("expected_direction") or "none")
        elif per_exp[code].expected_direction == "none":
            per_exp[code].expected_direction = r.get("expected_direction") or "none"
    candidates = sorted(c for c, r in municipalities.items() if _truthy(r.get("comparison_candidate", "")))
    out = []
    for exp_id in sorted(links):
        if exp_id not in experiments or exp_id not in periods or not members.get(exp_id):
            continue
        p = periods[exp_id]
        try:
            start = day_number(p["start_date"])
            base_days, fu_days = int(float(p["baseline_days"])), int(float(p["followup_days"]))
        except (KeyError, ValueError) as err:
            raise FrievalError(f"{cat_dir / 'experiment_periods.csv'}: experiment {exp_id}: "
                               f"start_date/baseline_days/followup_days unreadable ({err})") from err
        participants = sorted(set(members[exp_id]))
        design = (p.get("period_design") or "person").lower()
        comparison = pick_comparison(exp_id, participants, candidates, municipalities) if design == "person" else []
        out.append(Experiment(exp_id, experiments[exp_id].get("network_id", ""), design, start, base_days,
                              fu_days, participants, [links[exp_id][c] for c in sorted(links[exp_id])],
                              comparison, experiments[exp_id].get("target_group_en", "")))
    if not out:
        raise FrievalError(f"{cat_dir / 'indicators.csv'}: no experiment has a measure_code, nothing to synthesise")
    return Catalogue(out, municipalities, measure_defs, reference, "seeds")
