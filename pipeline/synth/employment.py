"""DREAM-like weekly benefit status for persons of working age.

Persons in an experiment with emp_ measures start a benefit spell at the start of each period
(the baseline window and the index week). The spell lasts T ~ Exponential(h) weeks (a constant
hazard of leaving benefit, no frailty, so the Cox hazard ratio is the planted one); a week is
coded while the spell lasts (ceil(T) coded weeks), then the person is self-supporting (no code)
until the next period. In the intervention arm's follow-up h is multiplied by exp(beta). Other
persons aged 16-66 get background spells and, under 26, SU (student grant) weeks.

As DREAM delivers it, there is a row for every ISO week (its Monday) of both windows in which
the person is aged 16 or more, up to death or emigration; benefit_code is NULL (an empty field in
CSV) in the weeks without a benefit. From the state pension age (67) every week is uncoded: the
generator plants no benefit spells there. (A real delivery codes old-age pension weeks; the seed's
code for it is not verified, and the measures only count weeks at risk of the experiments that
link emp_ measures, which are of working age.) Volume (issue 6): about 88 M person-weeks at 1M
persons, 67.9 M with the earlier 16-66 rule."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .common import expand, iso_year_week, take_str
from .effects import SCALES, Truth, measure_type, wanted_sign
from .population import CHILD, PSYCH, Design, People

H0 = 0.035  # weekly hazard of leaving benefit in the baseline period (median spell ~ 20 weeks)
TREND_DID = np.log(0.9)
FALLBACK_CODES = {"dagpenge": ["111", "112"], "kontanthjaelp": ["130", "131", "132", "133", "134", "135"],
                  "sygedagpenge": ["890", "891"], "other": ["299", "751", "771"], "su": ["651", "652"]}


def benefit_codes(reference: dict) -> dict[str, list[str]]:
    """Codes by group from seeds/reference/dream_benefit_codes.csv when present, else common DREAM codes."""
    rows = reference.get("dream_benefit_codes", [])
    if not rows:
        return FALLBACK_CODES
    out: dict[str, list[str]] = {k: [] for k in FALLBACK_CODES}
    for r in rows:
        code = (r.get("benefit_code") or r.get("code") or "").strip()
        if not code:
            continue
        text = " ".join(str(v) for k, v in r.items() if k not in {"citation", "source_url"}).lower()
        if r.get("is_education_grant", "").lower() == "true":
            out["su"].append(code)
            continue
        if r.get("is_public_support", "true").lower() != "true":
            continue  # only public-support codes are used for the benefit spells
        if re.search(r"\bsu\b|uddannelsesst|student", text):
            out["su"].append(code)
        elif "sygedag" in text or "sickness" in text:
            out["sygedagpenge"].append(code)
        elif "kontanthj" in text or "cash" in text:
            out["kontanthjaelp"].append(code)
        elif "dagpenge" in text or "unemploy" in text:
            out["dagpenge"].append(code)
        else:
            out["other"].append(code)
    return {k: (v or FALLBACK_CODES[k]) for k, v in out.items()}


def _weeks(days: int) -> int:
    return max(int(round(days / 7)), 1)


def _horizon(code: str, weeks: int) -> int:
    m = re.search(r"(\d+)\s*w", code)
    return min(int(m.group(1)), weeks - 1) if m else weeks - 1


@dataclass
class EmpPlan:
    b_exit: np.ndarray
    trend: np.ndarray
    target: np.ndarray  # bool per experiment: its persons are a benefit cohort
    codes: dict[str, list[str]]
    truths: list[Truth]

    @classmethod
    def build(cls, design: Design, defs: dict, reference: dict) -> "EmpPlan":
        k = len(design.experiments)
        b = np.zeros(k)
        target = np.zeros(k, bool)
        trend = np.where(design.has_cmp, TREND_DID, 0.0)
        truths = []
        for e, exp in enumerate(design.experiments):
            links = [(m, measure_type(m.measure_code, defs)) for m in exp.measures if m.measure_code.startswith("emp_")]
            if not links:
                continue
            target[e] = True
            for m, mtype in sorted(links, key=lambda mt: ["time_to_event", "continuous", "binary",
                                                           "count"].index(mt[1])):
                s = wanted_sign(m.expected_direction, mtype, exp.experiment_id, m.measure_code)
                if mtype == "continuous" and _is_support(m.measure_code, defs):
                    s = -s  # share on public support: up means slower exit
                if mtype == "count":
                    s = -s  # benefit weeks: up means slower exit
                if s != 0:  # the first non-null measure sets the knob
                    b[e] = 0.7 * s
                    break
            h1 = H0 * np.exp(trend[e])
            weeks = _weeks(design.fu_days[e])
            for m2, mt2 in links:
                truths.append(Truth(exp.experiment_id, m2.measure_code, "", SCALES[mt2],
                                    _truth(m2.measure_code, mt2, h1, b[e], weeks, defs)))
        return cls(b, trend, target, benefit_codes(reference), truths)


def _is_support(code: str, defs: dict) -> bool:
    text = (code + " " + defs.get(code, {}).get("name_en", "")).lower()
    return any(w in text for w in ("public_support", "public support", "benefit", "fulltime", "full-time",
                                   "on_support"))


def _degree(h: float, weeks: int) -> float:
    j = np.arange(weeks)
    return float(np.mean(1 - np.exp(-h * j)))


def _truth(code, mtype, h1, b, weeks, defs) -> float:
    if mtype == "time_to_event":
        return b
    if mtype == "binary":
        H = _horizon(code, weeks)
        p0, p1 = 1 - np.exp(-h1 * H), 1 - np.exp(-h1 * np.exp(b) * H)
        return float(np.log(p1 / (1 - p1)) - np.log(p0 / (1 - p0)))
    if mtype == "count":
        return float(np.log((1 - _degree(h1 * np.exp(b), weeks)) / (1 - _degree(h1, weeks))))
    diff = _degree(h1 * np.exp(b), weeks) - _degree(h1, weeks)
    return -diff if _is_support(code, defs) else diff


AGE_FROM = 16      # DREAM rows for the weeks a person is aged 16 or more (age on the week's Monday)
PENSION_AGE = 67   # no benefit spells are planted from this age on (the weeks are written uncoded)


def _spells(rng: np.random.Generator, people: People, idx: np.ndarray, plan: EmpPlan) -> dict[str, np.ndarray]:
    """The random part of each person's employment history (spell lengths, codes, SU weeks).

    The draws are made in a fixed order, n at a time, so a given set of persons always gets the
    same values from the same stream."""
    n = len(idx)
    age = people.age_at_index()[idx]
    exp = people.exp[idx]
    is_target = plan.target[exp]
    # spell at the start of each period: always for target persons, else sometimes
    p_on = np.where(is_target, 1.0, np.where(people.group[idx] == PSYCH, 0.5, 0.15))
    h0 = np.where(is_target, H0, np.where(people.group[idx] == PSYCH, 0.02, 0.05))
    on0 = rng.random(n) < p_on
    on1 = rng.random(n) < p_on
    h1 = h0 * np.exp(np.where(is_target, plan.trend[exp], 0.0)
                     + np.where(is_target & people.treat_fu[idx], plan.b_exit[exp], 0.0))
    len0 = np.where(on0, np.ceil(rng.exponential(1 / h0)), 0).astype(np.int64)
    len1 = np.where(on1, np.ceil(rng.exponential(1 / h1)), 0).astype(np.int64)
    student = ~is_target & (age < 26) & (rng.random(n) < 0.3)
    grp = rng.choice(4, n, p=[0.4, 0.4, 0.12, 0.08])
    code_pick = rng.integers(0, 1 << 30, n)
    return {"idx": idx, "len0": len0, "len1": len1, "student": student, "grp": grp, "code_pick": code_pick}


def generate(people: People, rng: np.random.Generator, plan: EmpPlan) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """One row per person and ISO week of both windows in which the person is aged 16 or more
    (until death or emigration); benefit_code is NULL (an empty field) in the weeks without a
    benefit, and in every week from age 67."""
    age = people.age_at_index()
    # persons aged 16-66 at the index date draw first, exactly as before issue 6 (so their spells,
    # codes and the planted effects are unchanged); persons who are 16-66 only in some other week
    # of their windows draw after them (a person may have no such week: no rows), and persons who
    # are never under 67 in a week of their windows (rows since issue 6) draw last, so the draws
    # of everybody else are the same as under the earlier 16-66 rule
    core = (people.group != CHILD) & (age >= 16) & (age < 67) | (people.group == CHILD) & (age >= 16)
    lo, pension = AGE_FROM * 365.25, PENSION_AGE * 365.25
    adult = people.exit - 1 - people.birth >= lo
    working_age = adult & (people.obs_start - people.birth < pension)
    parts = [_spells(rng, people, np.flatnonzero(core), plan),
             _spells(rng, people, np.flatnonzero(~core & working_age), plan),
             _spells(rng, people, np.flatnonzero(~core & adult & ~working_age), plan)]
    d = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.argsort(d["idx"], kind="stable")  # rows in person order
    d = {key: v[order] for key, v in d.items()}
    idx = d["idx"]
    n = len(idx)
    if n == 0:
        return pa.table({}), np.zeros(0, np.int64), np.zeros(0, np.int64)
    start = people.obs_start[idx]
    monday0 = start + (7 - (start + 3) % 7) % 7  # first Monday in the baseline window
    end = people.exit[idx]
    n_weeks = np.maximum((end - monday0 + 6) // 7, 0)  # weeks whose Monday is before the exit
    k_idx = (people.index[idx] - monday0 + 6) // 7  # first week whose Monday is in the follow-up window
    groups = ["dagpenge", "kontanthjaelp", "sygedagpenge", "other"]
    code_lists = [plan.codes[g] for g in groups]
    code_str = np.array([code_lists[g][c % len(code_lists[g])]
                         for g, c in zip(d["grp"].tolist(), d["code_pick"].tolist())] + [""], dtype=object)
    su_code = plan.codes["su"][0]
    own = expand(n_weeks)
    first = np.repeat(np.cumsum(n_weeks) - n_weeks, n_weeks)
    k = np.arange(len(own)) - first
    monday = monday0[own] + 7 * k
    age_days = monday - people.birth[idx][own]
    keep = age_days >= lo
    own, k, monday, age_days = own[keep], k[keep], monday[keep], age_days[keep]
    kk = k_idx[own]
    coded = np.where(k < kk, k < d["len0"][own], (k - kk) < d["len1"][own]) & (age_days < pension)
    code_idx = np.where(coded, own, n)
    codes = code_str[code_idx]
    codes = np.where(~coded & d["student"][own] & (age_days < pension), su_code, codes)
    year, week = iso_year_week(monday)
    mask = codes == ""
    table = pa.table({
        "person_id": take_str(people.person_id, idx[own]),
        "iso_year": pa.array(year.astype(np.int16)),
        "iso_week": pa.array(week.astype(np.int16)),
        "benefit_code": pa.array(codes, type=pa.string(), mask=mask),
    })
    return table, idx[own], monday
