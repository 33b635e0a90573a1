"""Children's cases (case_events) and FIT sessions (fit_sessions).

Each child in a children's experiment gets one notification early in the baseline window and
one early in the follow-up window; a closed case is re-notified within 6 months with probability
expit(logit 0.2 + gamma), giving a new case. Each case runs three independent exponential clocks
from its notification (triage, § 50 assessment end, first intervention); in the intervention
arm's follow-up each hazard is multiplied by exp(beta). Events are written only up to the end of
the data (and the child's death or emigration), so late milestones are "not yet reached".

FIT: cases of experiments with fit_ measures get 2+ sessions every ~2 weeks. ORS/CORS totals:
intake ~ N(mu0, 6); every later session adds a gain plus the planted shift delta, so the mean
change first -> last is shifted by exactly delta (up to clipping at 0-40). SRS/CSRS totals ~
N(35.5 + delta_srs, person sd 2, session sd 1.5). Items are the total split over four 0-10
items with one decimal."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .common import expand, expit, logit, pick, take_str
from .effects import SCALES, Truth, measure_type, wanted_sign
from .population import CHILD, Design, People

H_TRIAGE, H_ASSESS, H_INTERV = 0.6, 1 / 110, 1 / 150  # per day
REOPEN_P0 = 0.2
DEADLINE_4M = 121.75
TREND_DID = np.log(0.9)
EVENT_TYPES = ["notification", "triage", "assessment_start", "assessment_end", "decision", "intervention_start",
               "intervention_end", "placement_start", "placement_end", "case_closed"]
ORS_MU0 = {"ORS": 19.0, "CORS": 24.0}
ORS_SD0, SRS_MU, SRS_SD_PERSON, SRS_SD_SESSION = 6.0, 35.5, 2.0, 1.5
MC_DRAWS = 200_000


@dataclass
class CasePlan:
    b_tri: np.ndarray
    b_ass: np.ndarray
    b_int: np.ndarray
    g_reopen: np.ndarray
    d_ors: np.ndarray
    d_srs: np.ndarray
    trend: np.ndarray
    fit: np.ndarray  # experiments whose cases have FIT sessions
    truths: list[Truth]

    @classmethod
    def build(cls, design: Design, defs: dict) -> "CasePlan":
        k = len(design.experiments)
        knobs = {name: np.full(k, np.nan) for name in ("tri", "ass", "int", "reopen", "ors", "srs")}
        trend = np.where(design.has_cmp, TREND_DID, 0.0)
        fit = np.zeros(k, bool)
        truths: list[Truth] = []
        for e, exp in enumerate(design.experiments):
            links = [(m, measure_type(m.measure_code, defs)) for m in exp.measures
                     if m.measure_code.startswith(("case_", "fit_"))]
            for m, mtype in links:
                s = wanted_sign(m.expected_direction, mtype, exp.experiment_id, m.measure_code)
                knob = _knob(m.measure_code)
                if knob is None or s == 0 or not np.isnan(knobs[knob][e]):
                    continue  # a null pair never locks a knob another measure wants to turn
                if knob in ("ors", "srs"):
                    fit[e] = True
                    if "below" in m.measure_code or "clinical" in m.measure_code or "dissatisf" in m.measure_code:
                        s = -s  # a share below the cut-off goes up when scores go down
                    knobs[knob][e] = {"ors": 4.0, "srs": 2.0}[knob] * s
                else:
                    knobs[knob][e] = {"tri": 0.7, "ass": 0.6, "int": 0.6, "reopen": 0.9}[knob] * s
            for name in knobs:
                knobs[name][e] = 0.0 if np.isnan(knobs[name][e]) else knobs[name][e]
            fit[e] |= any(m.measure_code.startswith("fit_") for m, _ in links)
            for m, mtype in links:
                for stratum, value in _truths(m.measure_code, mtype, {n: v[e] for n, v in knobs.items()}, trend[e]):
                    truths.append(Truth(exp.experiment_id, m.measure_code, stratum, SCALES[mtype], value))
        return cls(knobs["tri"], knobs["ass"], knobs["int"], knobs["reopen"], knobs["ors"], knobs["srs"], trend,
                   fit, truths)


def _knob(code: str) -> str | None:
    c = code.lower()
    if c.startswith("fit_"):
        if "sessions" in c:
            return None  # the number of sessions carries no planted effect
        return "srs" if ("srs" in c or "alliance" in c) else "ors"
    for word, knob in (("triage", "tri"), ("assessment", "ass"), ("intervention", "int"), ("reopen", "reopen")):
        if word in c:
            return knob
    return None


def _lo(p):
    return float(np.log(p / (1 - p)))


def _truths(code: str, mtype: str, kn: dict, tr: float) -> list[tuple[str, float]]:
    knob = _knob(code)
    if knob is None:
        return [("", 0.0)]
    if knob in ("ors", "srs"):
        return _fit_truths(code, mtype, kn["ors"], kn["srs"])
    if knob == "reopen":
        return [("", kn["reopen"] if mtype == "binary" else 0.0)]
    b = kn[knob]
    if mtype == "time_to_event":
        return [("", b)]
    if mtype == "binary":
        h, horizon = {"tri": (H_TRIAGE, 2.0), "ass": (H_ASSESS, DEADLINE_4M), "int": (H_INTERV, DEADLINE_4M)}[knob]
        h1 = h * np.exp(tr)
        return [("", _lo(1 - np.exp(-h1 * np.exp(b) * horizon)) - _lo(1 - np.exp(-h1 * horizon)))]
    return [("", 0.0)]


# strata the measures may report: the child itself, each parent, and parents pooled as "parent"
FIT_STRATA = [("child", "CORS"), ("child", "ORS"), ("parent", "ORS"), ("mother", "ORS"), ("father", "ORS")]
SRS_STRATA = [("child", "CSRS"), ("child", "SRS"), ("parent", "SRS"), ("mother", "SRS"), ("father", "SRS")]


def _fit_truths(code: str, mtype: str, d_ors: float, d_srs: float) -> list[tuple[str, float]]:
    """Truth per respondent|instrument stratum (strata sharing a model share the value)."""
    if _knob(code) == "srs":
        v = _fit_mc(code, mtype, "SRS", 36, d_ors, d_srs)
        return [(f"{r}|{i}", v) for r, i in SRS_STRATA]
    out = []
    for resp, inst in FIT_STRATA:
        cutoff = 32 if inst == "CORS" else (28 if resp == "child" else 25)
        out.append((f"{resp}|{inst}", _fit_mc(code, mtype, inst, cutoff, d_ors, d_srs)))
    return out


@functools.lru_cache(maxsize=None)
def _draw_srs(d_srs: float) -> np.ndarray:
    rng = np.random.default_rng(12345)  # common random numbers: differences isolate the shift
    n = MC_DRAWS
    return _items_total(SRS_MU + d_srs + rng.normal(0, SRS_SD_PERSON, n) + rng.normal(0, SRS_SD_SESSION, n), rng)


@functools.lru_cache(maxsize=None)
def _draw_ors(inst: str, d_ors: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12345)
    n = MC_DRAWS
    x0 = ORS_MU0[inst] + rng.normal(0, ORS_SD0, n)
    gain = rng.normal(5, 5, n) * (1 - np.exp(-rng.integers(1, 8, n) / 2)) + d_ors
    first = _items_total(x0 + rng.normal(0, 1.5, n), rng)
    last = _items_total(x0 + gain + rng.normal(0, 1.5, n), rng)
    return first, last


@functools.lru_cache(maxsize=None)
def _fit_mc(code: str, mtype: str, inst: str, cutoff: float, d_ors: float, d_srs: float) -> float:
    """Monte Carlo (fixed seed, common random numbers) over the generator's own model: clipping
    to 0-10 items and rounding make a closed form inexact."""
    c = code.lower()
    if inst == "SRS":
        base = [_draw_srs(0.0), _draw_srs(d_srs)]
        if mtype == "binary":
            return _lo(np.mean(base[1] < 36)) - _lo(np.mean(base[0] < 36))
        if "below" in c or "share" in c:
            return float(np.mean(base[1] < 36) - np.mean(base[0] < 36))
        return float(np.mean(base[1]) - np.mean(base[0]))
    vals = []
    for d in (0.0, d_ors):
        first, last = _draw_ors(inst, d)
        if mtype == "binary":
            if "intake" in c or "first" in c:
                v = np.mean(first < cutoff)
            elif "recover" in c or "clinical_change" in c:
                v = np.mean((last - first >= 5) & (first < cutoff) & (last >= cutoff))
            elif "deterior" in c:
                v = np.mean(last - first <= -5)
            elif "clinical" in c or "below" in c:
                v = np.mean(last < cutoff)
            else:
                v = np.mean(last - first >= 5)
            vals.append(_lo(v))
        elif "intake" in c or "first" in c:
            vals.append(float(np.mean(first)))
        elif "last" in c or "final" in c:
            vals.append(float(np.mean(last)))
        else:
            vals.append(float(np.mean(last - first)))
    return vals[1] - vals[0]


def _items(total: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Four 0-10 items with one decimal whose sum is the total (up to clipping and rounding)."""
    noise = rng.normal(0, 0.8, (len(total), 4))
    noise -= noise.mean(axis=1, keepdims=True)
    items = np.clip(np.asarray(total)[:, None] / 4 + noise, 0, 10)
    return np.round(items, 1)


def _items_total(total, rng):
    return _items(total, rng).sum(axis=1)


def generate(people: People, rng: np.random.Generator, plan: CasePlan, design: Design):
    """Returns (case_events table, owner rows, day), (fit table, owner rows, day)."""
    kids = np.flatnonzero(people.group == CHILD)
    exp_all = people.exp
    horizon = np.minimum(people.gone, design.data_end)  # last observable day (exclusive)
    # index notifications: one per period, early in the window
    base_len = people.index - people.obs_start
    fu_len = people.obs_end - people.index
    n_owner = np.concatenate([kids, kids])
    n_day = np.concatenate([people.obs_start[kids] + (rng.random(len(kids)) * 0.5 * base_len[kids]).astype(np.int64),
                            people.index[kids] + (rng.random(len(kids)) * 0.5 * fu_len[kids]).astype(np.int64)])
    keep = n_day < horizon[n_owner]
    n_owner, n_day = n_owner[keep], n_day[keep]
    ev_owner, ev_case, ev_type, ev_day = [], [], [], []
    fit_parts = []
    case_no = np.zeros(len(people.pid), np.int64)
    gen = 0
    while len(n_owner) and gen < 4:
        order = np.lexsort((n_day, n_owner))
        n_owner, n_day = n_owner[order], n_day[order]
        m = len(n_owner)
        # case ids: person id + running number within the person (stable across generations)
        seq = case_no[n_owner].copy()
        np.add.at(case_no, n_owner, 1)
        within = np.arange(m) - np.searchsorted(n_owner, n_owner)
        seq += within
        e = exp_all[n_owner]
        post = n_day >= people.index[n_owner]
        treated = post & people.treat_fu[n_owner]
        tr = np.where(post, plan.trend[e], 0.0)
        t_tri = rng.exponential(1 / (H_TRIAGE * np.exp(tr + treated * plan.b_tri[e])))
        t_ass = rng.exponential(1 / (H_ASSESS * np.exp(tr + treated * plan.b_ass[e])))
        t_int = rng.exponential(1 / (H_INTERV * np.exp(tr + treated * plan.b_int[e])))
        d_tri = n_day + np.floor(t_tri).astype(np.int64)
        d_ass_end = n_day + np.floor(t_ass).astype(np.int64) + 1
        d_ass_start = np.minimum(d_tri + 1 + rng.integers(0, 10, m), d_ass_end - 1)
        d_ass_start = np.maximum(d_ass_start, n_day)
        d_dec = d_ass_end + rng.integers(0, 10, m)
        d_int = n_day + np.floor(t_int).astype(np.int64) + 1
        placed = rng.random(m) < 0.12
        d_pl_end = d_int + np.ceil(rng.exponential(300, m)).astype(np.int64)
        d_close = np.maximum(d_ass_end, d_int) + rng.integers(30, 240, m)
        d_int_end = np.maximum(d_close - rng.integers(0, 5, m), d_int)
        days = [n_day, d_tri, d_ass_start, d_ass_end, d_dec, d_int, d_int_end,
                np.where(placed, d_int, -1), np.where(placed, np.minimum(d_pl_end, d_close), -1), d_close]
        hz = horizon[n_owner]
        for t, d in enumerate(days):
            ok = (d >= 0) & (d < hz)
            ev_owner.append(n_owner[ok]), ev_case.append(np.stack([n_owner[ok], seq[ok]], 1))
            ev_type.append(np.full(ok.sum(), t)), ev_day.append(d[ok])
        if plan.fit[e].any():
            fit_parts.append(_fit(people, rng, plan, n_owner, seq, n_day, treated, hz))
        # re-notification within 6 months of closure
        p_re = expit(logit(REOPEN_P0) + treated * plan.g_reopen[e])
        re = (rng.random(m) < p_re) & (d_close < hz)
        n_owner = n_owner[re]
        n_day = d_close[re] + rng.integers(1, 181, re.sum())
        ok = n_day < horizon[n_owner]
        n_owner, n_day = n_owner[ok], n_day[ok]
        gen += 1
    owner = np.concatenate(ev_owner) if ev_owner else np.zeros(0, np.int64)
    cases = np.concatenate(ev_case) if ev_case else np.zeros((0, 2), np.int64)
    etype = np.concatenate(ev_type) if ev_type else np.zeros(0, np.int64)
    eday = np.concatenate(ev_day) if ev_day else np.zeros(0, np.int64)
    case_ids = _case_ids(people, cases)
    events = pa.table({"case_id": case_ids, "person_id": take_str(people.person_id, owner),
                       "event_type": pick(EVENT_TYPES, etype), "event_date": pa.array(eday.astype(np.int32),
                                                                                        type=pa.date32())})
    if fit_parts:
        f_owner = np.concatenate([p[0] for p in fit_parts])
        f_cases = np.concatenate([p[1] for p in fit_parts])
        f_day = np.concatenate([p[2] for p in fit_parts])
        f_resp = np.concatenate([p[3] for p in fit_parts])
        f_inst = np.concatenate([p[4] for p in fit_parts])
        f_items = np.concatenate([p[5] for p in fit_parts])
    else:
        f_owner, f_cases, f_day = np.zeros(0, np.int64), np.zeros((0, 2), np.int64), np.zeros(0, np.int64)
        f_resp, f_inst, f_items = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 4))
    fit = pa.table({"case_id": _case_ids(people, f_cases), "person_id": take_str(people.person_id, f_owner),
                    "session_date": pa.array(f_day.astype(np.int32), type=pa.date32()),
                    "respondent": pick(RESPONDENTS, f_resp), "instrument": pick(INSTRUMENTS, f_inst),
                    **{f"item{j + 1}": pa.array(f_items[:, j]) for j in range(4)}})
    return (events, owner, eday), (fit, f_owner, f_day)


RESPONDENTS = ["child", "youth", "mother", "father", "network", "adult"]
INSTRUMENTS = ["ORS", "CORS", "SRS", "CSRS"]


def _case_ids(people: People, cases: np.ndarray) -> pa.Array:
    return pa.array([f"C{p:08d}-{s}" for p, s in zip(people.pid[cases[:, 0]].tolist(), cases[:, 1].tolist())],
                    type=pa.string())


def _fit(people, rng, plan, owner, seq, n_day, treated, hz):
    """Sessions for the cases of FIT experiments: (owner, case, day, respondent, instrument, items)."""
    sel = plan.fit[people.exp[owner]]
    owner, seq, n_day, treated, hz = owner[sel], seq[sel], n_day[sel], treated[sel], hz[sel]
    m = len(owner)
    e = people.exp[owner]
    age = (n_day - people.birth[owner]) / 365.25
    n_sess = 2 + rng.poisson(4, m)
    first = n_day + 7 + rng.integers(0, 22, m)
    # respondents per case: the child itself (CORS 6-12, ORS 13-17), mother, father (half the cases)
    resp_sets = [np.where(age >= 6, 0, -1), np.full(m, 2), np.where(rng.random(m) < 0.5, 3, -1)]
    rows = []
    for r_set in resp_sets:
        has = r_set >= 0
        ci = np.flatnonzero(has)
        inst = np.where((r_set[ci] == 0) & (age[ci] < 13), 1, 0)  # CORS for the 6-12 year olds
        x0 = np.where(inst == 1, ORS_MU0["CORS"], ORS_MU0["ORS"]) + rng.normal(0, ORS_SD0, len(ci))
        g = rng.normal(5, 5, len(ci))
        u_srs = rng.normal(0, SRS_SD_PERSON, len(ci))
        k = n_sess[ci]
        so = expand(k)
        s = np.arange(len(so)) - np.repeat(np.cumsum(k) - k, k)
        c = ci[so]
        day = first[c] + 14 * s + rng.integers(-3, 4, len(so))
        day = np.maximum(day, first[c])
        ok = day < hz[c]
        so, s, c, day = so[ok], s[ok], c[ok], day[ok]
        later = s > 0
        ors = x0[so] + later * (g[so] * (1 - np.exp(-s / 2)) + treated[c] * plan.d_ors[e[c]]) + rng.normal(0, 1.5, len(so))
        srs = SRS_MU + treated[c] * plan.d_srs[e[c]] + u_srs[so] + rng.normal(0, SRS_SD_SESSION, len(so))
        resp = r_set[c]
        inst_o = inst[so]
        rows.append((owner[c], np.stack([owner[c], seq[c]], 1), day, resp, inst_o, _items(ors, rng)))
        rows.append((owner[c], np.stack([owner[c], seq[c]], 1), day, resp, inst_o + 2, _items(srs, rng)))
    return tuple(np.concatenate([r[j] for r in rows]) for j in range(6))
