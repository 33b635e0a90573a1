"""Persons and enrolment: who is synthesised, where they live, when they are followed.

Every synthetic person is enrolled in exactly one experiment (so each person's data carries the
planted effects of one experiment only), in the intervention arm (a participating municipality)
or, for experiments with a comparison group, the comparison arm (a comparison municipality).
Age and sex follow the experiment's target group."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .catalogue import Catalogue, Experiment, _stable_hash

INTERVENTION, COMPARISON = 0, 1
ELDERLY, ADULT, CHILD, PSYCH = 0, 1, 2, 3
# age range (years) and share female per target group
_TARGET = {ELDERLY: (65, 100, 0.58), ADULT: (18, 65, 0.50), CHILD: (0, 18, 0.47), PSYCH: (18, 65, 0.45)}
# annual hazards: death, emigration
_DEATH_BASE = {ELDERLY: 0.025, ADULT: 0.002, CHILD: 0.0003, PSYCH: 0.006}
_EMIG = {ELDERLY: 0.001, ADULT: 0.008, CHILD: 0.004, PSYCH: 0.004}
ENROL_SPREAD_DAYS = 180  # person-design index dates spread over the first half year
NEVER = np.iinfo(np.int32).max


def target_group(exp: Experiment) -> int:
    prefixes = {m.measure_code.split("_", 1)[0] for m in exp.measures}
    if prefixes & {"case", "fit"}:
        return CHILD
    if "emp" in prefixes:
        return ADULT
    if "psychiatr" in exp.experiment_id:
        return PSYCH
    if "adm" in prefixes:
        return ELDERLY
    text = f"{exp.experiment_id} {exp.target_group}".lower()
    if any(w in text for w in ("elderly", "nursing home", "plejehjem", "home care", "home help", "dementia",
                               "§ 83", "welfare_technology", "physiotherapy")):
        return ELDERLY
    if any(w in text for w in ("child", "placement", "youth", "young people")):
        return CHILD
    return ADULT


@dataclass
class Design:
    """Per-experiment arrays, indexed by experiment number."""

    experiments: list[Experiment]
    group: np.ndarray
    start: np.ndarray
    base_days: np.ndarray
    fu_days: np.ndarray
    spread: np.ndarray
    has_cmp: np.ndarray
    muni_codes: list[str]  # all municipality codes used, index = muni number
    arm_munis: list[list[np.ndarray]]  # [exp][arm] -> municipality numbers
    arm_weights: list[list[np.ndarray]]
    data_end: int  # last day of data (exclusive) over all experiments
    weights: np.ndarray = None  # share of persons per experiment

    @classmethod
    def build(cls, cat: Catalogue) -> "Design":
        exps = cat.experiments
        codes = sorted({c for e in exps for c in e.municipalities + e.comparison})
        pos = {c: i for i, c in enumerate(codes)}
        arm_munis, arm_weights = [], []
        for e in exps:
            per_arm, per_w = [], []
            for munis in (e.municipalities, e.comparison):
                idx = np.array([pos[c] for c in munis], dtype=np.int32)
                # municipality size proxy: a stable pseudo-random weight in [1, 4)
                w = np.array([1 + 3 * (_stable_hash("size", c) % 1000) / 1000 for c in munis])
                per_arm.append(idx)
                per_w.append(w / w.sum() if len(w) else w)
            arm_munis.append(per_arm)
            arm_weights.append(per_w)
        spread = np.array([ENROL_SPREAD_DAYS if e.period_design == "person" else 0 for e in exps])
        start = np.array([e.start_day for e in exps])
        fu = np.array([e.followup_days for e in exps])
        # more persons where a comparison arm halves the sample and where more measures are linked
        weights = np.array([(2.0 if e.has_comparison else 1.0) * (1 + 0.15 * len(e.measures)) for e in exps])
        return cls(exps, np.array([target_group(e) for e in exps]), start,
                   np.array([e.baseline_days for e in exps]), fu, spread,
                   np.array([e.has_comparison for e in exps]), codes, arm_munis, arm_weights,
                   int((start + spread + fu).max()) + 1, weights / weights.sum())


@dataclass
class People:
    """One chunk of persons; every array has one entry per person."""

    pid: np.ndarray
    person_id: pa.Array
    exp: np.ndarray
    arm: np.ndarray
    group: np.ndarray
    muni: np.ndarray
    sex: np.ndarray  # 0 = M, 1 = F
    birth: np.ndarray  # day numbers
    index: np.ndarray
    obs_start: np.ndarray
    obs_end: np.ndarray  # index + followup_days (exclusive)
    death: np.ndarray  # NEVER when none within the data
    emig: np.ndarray
    treat_fu: np.ndarray  # bool: intervention arm (the follow-up period is where effects act)

    @property
    def n(self) -> int:
        return len(self.pid)

    @property
    def gone(self) -> np.ndarray:
        return np.minimum(self.death, self.emig)

    @property
    def exit(self) -> np.ndarray:
        """End (exclusive) of the person's own follow-up window, censored at death/emigration."""
        return np.minimum(self.obs_end, self.gone)

    def age_at_index(self) -> np.ndarray:
        return (self.index - self.birth) / 365.25


def allocate(design: Design, rng: np.random.Generator, first_pid: int, n: int) -> People:
    k = len(design.experiments)
    exp = rng.choice(k, size=n, p=design.weights)
    arm = np.where(design.has_cmp[exp] & (rng.random(n) < 0.5), COMPARISON, INTERVENTION)
    muni = np.empty(n, dtype=np.int32)
    for e in range(k):
        for a in (INTERVENTION, COMPARISON):
            sel = np.flatnonzero((exp == e) & (arm == a))
            if len(sel):
                muni[sel] = rng.choice(design.arm_munis[e][a], size=len(sel), p=design.arm_weights[e][a])
    group = design.group[exp]
    lo = np.array([_TARGET[g][0] for g in range(4)])[group]
    hi = np.array([_TARGET[g][1] for g in range(4)])[group]
    u = rng.random(n)
    # elderly: density falling with age (truncated exponential); others: near uniform, children tilt to teens
    age = np.where(group == ELDERLY, lo - np.log1p(-u * (1 - np.exp(-0.07 * (hi - lo)))) / 0.07,
                   np.where(group == CHILD, lo + (hi - lo) * u ** 0.8, lo + (hi - lo) * u))
    sex = (rng.random(n) < np.array([_TARGET[g][2] for g in range(4)])[group]).astype(np.int8)
    index = design.start[exp] + (rng.random(n) * (design.spread[exp] + 1)).astype(np.int64)
    birth = index - np.round(age * 365.25).astype(np.int64)
    death_rate = np.array([_DEATH_BASE[g] for g in range(4)])[group]
    death_rate = np.where(group == ELDERLY, death_rate * np.exp(0.08 * (age - 65)), death_rate)
    death = index + np.ceil(rng.exponential(365.25 / death_rate)).astype(np.int64)
    emig = index + np.ceil(rng.exponential(365.25 / np.array([_EMIG[g] for g in range(4)])[group])).astype(np.int64)
    death = np.where(death < design.data_end, death, NEVER)
    emig = np.where((emig < design.data_end) & (emig < death), emig, NEVER)
    pid = np.arange(first_pid, first_pid + n, dtype=np.int64)
    person_id = pa.array([f"S{p:08d}" for p in pid.tolist()], type=pa.string())
    return People(pid, person_id, exp, arm, group, muni, sex, birth, index, index - design.base_days[exp],
                  index + design.fu_days[exp], death, emig, arm == INTERVENTION)
