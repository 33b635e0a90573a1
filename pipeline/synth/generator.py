"""The generation loop: chunks of persons -> every table -> wave split -> re-deliveries -> writers."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import FrievalError
from ..paths import EXTRACT_TABLES, SEEDS_DIR, WAVES
from . import admissions, children, costs_experience, employment
from .catalogue import load_catalogue
from .common import dates, pick, take_str
from .population import COMPARISON, NEVER, Design, People, allocate
from .writer import WaveWriters

GENERATOR_VERSION = "frieval-synth 2"
CHUNK_PERSONS = 20_000
REDELIVER_SAME, REDELIVER_CONFLICT = 0.02, 0.005


@dataclass
class SynthSummary:
    out_dir: Path
    persons: int
    seed: int
    file_format: str
    catalogue_source: str
    rows: dict[str, dict[str, int]]
    redelivered: dict[str, dict[str, int]]
    n_experiments: int
    n_effects: int
    seconds: float
    truth_path: Path = field(default=None)

    def describe(self) -> str:
        lines = [f"synthetic extracts: {self.persons} persons, seed {self.seed}, {self.file_format}, "
                 f"{self.n_experiments} experiments ({self.catalogue_source}), {self.seconds:.1f} s -> {self.out_dir}"]
        for table in EXTRACT_TABLES:
            r, d = self.rows.get(table, {}), self.redelivered.get(table, {})
            lines.append(f"  {table:<18} baseline {r.get('baseline', 0):>11,}  follow-up {r.get('followup', 0):>11,}"
                         f"  (re-delivered {d.get('same', 0):,} identical, {d.get('conflict', 0):,} conflicting)")
        lines.append(f"  planted effects: {self.n_effects} rows in {self.truth_path}")
        return "\n".join(lines)


def _stale(table_name: str, t: pa.Table) -> pa.Table:
    """An older, wrong version of rows that the follow-up wave corrects."""
    cols = {name: t.column(name) for name in t.column_names}
    if table_name == "enrolment":
        cols["end_date"] = pa.array(t.column("end_date").to_numpy().astype("datetime64[D]").astype(np.int64) - 30,
                                    type=pa.int64()).cast(pa.int32()).cast(pa.date32())
    elif table_name == "admissions":
        cols["hospital_code"] = pc.binary_join_element_wise(t.column("hospital_code"), pa.scalar("9"), "")
    elif table_name == "employment_status":
        cols["benefit_code"] = pc.if_else(pc.is_null(t.column("benefit_code")), pa.scalar("111"),
                                          pa.nulls(t.num_rows, pa.string()))
    elif table_name == "fit_sessions":
        cols["item1"] = pc.round(pc.abs(pc.subtract(t.column("item1"), 1.0)), 1)
    elif table_name == "costs":
        cols["amount_dkk"] = pc.round(pc.multiply(t.column("amount_dkk"), 0.9), 2)
    elif table_name == "experience":
        s = t.column("score").to_numpy()
        cols["score"] = pa.array(np.where(s > 1, s - 1, s + 1))
    return pa.table(cols)


def _emit(writers: WaveWriters, name: str, table: pa.Table, fu: np.ndarray, rng: np.random.Generator,
          redelivered: dict) -> None:
    """Split rows into waves and re-deliver a share of baseline rows in the follow-up wave."""
    if table.num_rows == 0:
        return
    base_idx = np.flatnonzero(~fu)
    u = rng.random(len(base_idx))
    same = base_idx[u < REDELIVER_SAME]
    # case_events: every column but person_id is in the natural key, so a "conflict" would be a new row
    p_conflict = 0.0 if name == "case_events" else REDELIVER_CONFLICT
    conflict = base_idx[(u >= REDELIVER_SAME) & (u < REDELIVER_SAME + p_conflict)]
    keep_base = np.setdiff1d(base_idx, conflict, assume_unique=True)
    take = lambda idx: table.take(pa.array(idx, type=pa.int64()))  # noqa: E731
    writers.write(name, "baseline", take(keep_base))
    if len(conflict):
        writers.write(name, "baseline", _stale(name, take(conflict)))
    writers.write(name, "followup", take(np.flatnonzero(fu)))
    writers.write(name, "followup", take(np.sort(np.concatenate([same, conflict]))))
    r = redelivered.setdefault(name, {"same": 0, "conflict": 0})
    r["same"] += len(same)
    r["conflict"] += len(conflict)


def _persons_and_enrolment(people: People, design: Design, writers: WaveWriters, rng, redelivered) -> None:
    n = people.n
    muni = pick(design.muni_codes, people.muni)
    base = pa.table({"person_id": people.person_id, "birth_date": dates(people.birth),
                     "sex": pick(["M", "F"], people.sex), "municipality_code": muni,
                     "death_date": pa.nulls(n, pa.date32()), "emigration_date": pa.nulls(n, pa.date32())})
    writers.write("persons", "baseline", base)
    # follow-up wave: the current record of everyone who died or emigrated (conflicting with the
    # baseline delivery) plus a small share re-delivered unchanged
    changed = (people.death != NEVER) | (people.emig != NEVER)
    same = ~changed & (rng.random(n) < REDELIVER_SAME)
    sel = np.flatnonzero(changed | same)
    fu = pa.table({"person_id": take_str(people.person_id, sel), "birth_date": dates(people.birth[sel]),
                   "sex": pick(["M", "F"], people.sex[sel]), "municipality_code": take_str(muni, sel),
                   "death_date": dates(people.death[sel], people.death[sel] != NEVER),
                   "emigration_date": dates(people.emig[sel], people.emig[sel] != NEVER)})
    writers.write("persons", "followup", fu)
    r = redelivered.setdefault("persons", {"same": 0, "conflict": 0})
    r["same"] += int(same.sum())
    r["conflict"] += int(changed.sum())
    exp_ids = [e.experiment_id for e in design.experiments]
    enrol = pa.table({"person_id": people.person_id, "experiment_id": pick(exp_ids, people.exp),
                      "municipality_code": muni,
                      "arm": pick(["intervention", "comparison"], (people.arm == COMPARISON).astype(int)),
                      "index_date": dates(people.index), "end_date": dates(people.obs_end - 1)})
    _emit(writers, "enrolment", enrol, np.zeros(n, bool), rng, redelivered)


def generate(out_dir, persons: int, seed: int, file_format: str = "parquet", progress=None,
             seeds_dir: Path = SEEDS_DIR) -> SynthSummary:
    if persons < 1:
        raise FrievalError(f"--persons must be at least 1, got {persons}")
    if file_format not in {"parquet", "csv"}:
        raise FrievalError(f"file format must be parquet or csv, got {file_format!r}")
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    cat = load_catalogue(seeds_dir)
    design = Design.build(cat)
    defs = cat.measure_defs
    adm_plan = admissions.AdmPlan.build(design, defs, cat.reference)
    emp_plan = employment.EmpPlan.build(design, defs, cat.reference)
    case_plan = children.CasePlan.build(design, defs)
    ce_plan = costs_experience.CostExpPlan.build(design, defs)
    for wave in WAVES:
        for old in (out_dir / f"wave={wave}").glob("*.*") if (out_dir / f"wave={wave}").is_dir() else []:
            if old.stem in EXTRACT_TABLES and old.suffix in {".parquet", ".csv"}:
                old.unlink()
    writers = WaveWriters(out_dir, file_format)
    redelivered: dict = {}
    task = progress.task("synthesising registry extracts", total=persons) if progress is not None else None
    try:
        for chunk_no, first in enumerate(range(0, persons, CHUNK_PERSONS)):
            n = min(CHUNK_PERSONS, persons - first)
            streams = [np.random.default_rng(s) for s in np.random.SeedSequence([seed, chunk_no]).spawn(8)]
            people = allocate(design, streams[0], first, n)
            _persons_and_enrolment(people, design, writers, streams[1], redelivered)
            outputs = {
                "admissions": admissions.generate(people, streams[2], adm_plan, design),
                "employment_status": employment.generate(people, streams[3], emp_plan),
            }
            (ev, fit) = children.generate(people, streams[4], case_plan, design)
            outputs["case_events"], outputs["fit_sessions"] = ev, fit
            outputs["costs"] = costs_experience.costs(people, streams[5], ce_plan, design)
            outputs["experience"] = costs_experience.experience(people, streams[6], ce_plan)
            for name in EXTRACT_TABLES[2:]:
                table, owner, day = outputs[name]
                if table.num_rows:
                    _emit(writers, name, table, day >= people.index[owner], streams[7], redelivered)
            if task is not None:
                task.advance(n)
    finally:
        writers.close()
    linked = {(e.experiment_id, m.measure_code) for e in cat.experiments for m in e.measures}
    effects = [t.as_dict() for plan in (adm_plan, emp_plan, case_plan, ce_plan) for t in plan.truths
               if (t.experiment_id, t.measure_code) in linked]
    effects.sort(key=lambda d: (d["experiment_id"], d["measure_code"], d["stratum"]))
    truth_path = out_dir / "truth.json"
    truth_path.write_text(json.dumps({"seed": seed, "persons": persons, "generator_version": GENERATOR_VERSION,
                                      "effects": effects}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if task is not None:
        task.done()
    return SynthSummary(out_dir, persons, seed, file_format, cat.source, writers.rows(), redelivered,
                        len(cat.experiments), len(effects), time.perf_counter() - t0, truth_path)
