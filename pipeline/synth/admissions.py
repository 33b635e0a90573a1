"""LPR-like hospital contacts.

Primary admissions arrive as three Poisson streams per person-period (acute with a preventable
diagnosis, other acute, planned) with a gamma frailty (shape 2) per person. In the intervention
arm's follow-up each stream's rate is multiplied by exp(beta) (beta_prev for the preventable
stream, beta_main for the others); every primary admission is followed by an acute readmission
1-30 days after discharge with probability expit(a + gamma) (gamma only in the intervention
follow-up). Edge cases the measures must handle: 8 % of stays are split into two contacts up to
4 h apart (a transfer: one stay, one admission), 10 % of acute admissions are preceded by an
emergency-room contact ending < 4 h before (merges into the stay), and short contacts < 12 h
(not admissions) arrive as an unaffected Poisson stream."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .common import DAY_S, expand, expit, logit, pick, take_str, timestamps
from .effects import SCALES, Truth, measure_type, wanted_sign
from .population import PSYCH, Design, People

# primary admissions per person-year by target group; x 1.7 since issue 6 (about 2 M admission
# rows at 1 M persons). The knobs are relative to these rates; the truths of binary measures
# depend on the rates and are computed from them (_truth).
BASE_RATE = 1.7 * np.array([1.1, 0.08, 0.04, 0.6])
FRACTIONS = np.array([[0.30, 0.55, 0.15],  # elderly: preventable acute, other acute, planned
                      [0.03, 0.72, 0.25], [0.03, 0.72, 0.25], [0.0, 0.85, 0.15]])
FRAILTY_SHAPE = 2.0
READMIT_P0 = 0.12
SHORT_RATE = 0.5  # short contacts per primary admission rate unit (share of the person's rate)
TREND_DID = np.log(0.92)  # common secular change baseline -> follow-up where there is a comparison arm
EXTRA_DAYS = 60  # contacts are generated a little past the follow-up window (readmission look-ahead)

PREVENTABLE_FALLBACK = ["DE86", "DK590", "DJ189", "DJ159", "DJ209", "DJ22", "DN300", "DN390", "DA09",
                        "DA084", "DS720", "DS721", "DS422", "DS525", "DD509", "DD519", "DZ740", "DL89"]
OTHER_SOMATIC = ["DI500", "DI219", "DI639", "DC349", "DR074", "DK800", "DI489", "DE119", "DN179", "DK566",
                 "DI269", "DJ441", "DM161", "DK358", "DR539", "DG459"]
OTHER_PSYCH = ["DF329", "DF200", "DF431", "DF102", "DF603", "DF319", "DF250"]
SHORT_DX = ["DZ038", "DR074", "DR109", "DS099", "DR55", "DT784", "DZ039"]
HOSPITALS = ["1301011", "1330011", "1516010", "1401011", "4001011", "6006011", "6620011", "7005011",
             "8001011", "3800011", "5005011", "1501011"]


def preventable_codes(reference: dict) -> list[str]:
    rows = reference.get("preventable_admission_icd10", [])
    codes = []
    for r in rows:
        code = (r.get("icd10_prefix") or r.get("icd10_code") or r.get("code") or "").strip()
        code = code.replace(".", "").upper()
        if code:
            code = code if code.startswith("D") else "D" + code
            # a prefix stands for its subcodes: use the prefix itself and two full-length codes
            codes += [code] + ([code + "9", code + "1"] if len(code) < 5 else [])
    return sorted(set(codes)) or PREVENTABLE_FALLBACK


@dataclass
class AdmPlan:
    b_main: np.ndarray
    b_prev: np.ndarray
    g_readm: np.ndarray
    trend: np.ndarray
    prev_codes: list[str]
    truths: list[Truth]

    @classmethod
    def build(cls, design: Design, defs: dict, reference: dict) -> "AdmPlan":
        k = len(design.experiments)
        bm, bp, gr = np.zeros(k), np.full(k, np.nan), np.zeros(k)
        trend = np.where(design.has_cmp, TREND_DID, 0.0)
        truths: list[Truth] = []
        for e, exp in enumerate(design.experiments):
            links = [m for m in exp.measures if m.measure_code.startswith("adm_")]
            typed = [(m, measure_type(m.measure_code, defs)) for m in links]
            # knob-setting order: preventable counts, other counts, readmission, other binaries
            order = sorted(typed, key=lambda mt: (0 if "prevent" in mt[0].measure_code else
                                                  1 if mt[1] == "count" else 2 if "readm" in mt[0].measure_code else 3))
            set_main = set_readm = False
            for m, mtype in order:
                s = wanted_sign(m.expected_direction, mtype, exp.experiment_id, m.measure_code)
                code = m.measure_code
                if s == 0:
                    continue  # a null pair never locks a knob another measure wants to turn
                if "prevent" in code and np.isnan(bp[e]):
                    bp[e] = 0.7 * s
                elif mtype == "count" and not set_main:
                    bm[e], set_main = 0.6 * s, True
                elif "readm" in code and not set_readm:
                    gr[e], set_readm = 0.9 * s, True
                elif mtype in ("binary", "time_to_event") and not set_main and "readm" not in code:
                    bm[e], set_main = 0.6 * s, True
            if np.isnan(bp[e]):
                bp[e] = bm[e]
            for m, mtype in typed:
                truths.append(Truth(exp.experiment_id, m.measure_code, "", SCALES[mtype],
                                    _truth(m.measure_code, mtype, design.group[e], bm[e], bp[e], gr[e], trend[e],
                                           design.fu_days[e], bool(design.has_cmp[e]))))
        return cls(bm, bp, gr, trend, preventable_codes(reference), truths)


def _truth(code, mtype, group, bm, bp, gr, tr, fu_days, has_cmp) -> float:
    ap, ao, pl = FRACTIONS[group]
    p0, p1 = READMIT_P0, float(expit(logit(READMIT_P0) + gr))
    if mtype == "count":
        if "prevent" in code:
            return bp if ap > 0 else 0.0
        num_primary = ap * np.exp(bp) + (ao + pl) * np.exp(bm)
        if "acute" in code:
            return float(np.log((ap * np.exp(bp) + ao * np.exp(bm) + p1 * num_primary) / (ap + ao + p0)))
        if "stays" in code:  # short contacts (< 12 h) are stays too, at an unaffected rate
            t = np.exp(tr)  # short contacts do not follow the secular trend
            return float(np.log((t * num_primary * (1 + p1) + SHORT_RATE) / (t * (1 + p0) + SHORT_RATE)))
        return float(np.log(num_primary * (1 + p1) / (1 + p0)))
    lam = BASE_RATE[group]
    k = FRAILTY_SHAPE

    def cell(treated: bool, post: bool) -> float:
        mult_p = np.exp((bp if treated and post else 0) + (tr if post else 0))
        mult_o = np.exp((bm if treated and post else 0) + (tr if post else 0))
        if "readm" in code:
            mu = lam * (ap * mult_p + ao * mult_o)  # acute primary admissions per year
            q = 1 - (1 + mu * (30 / 365.25) / k) ** -(k + 1)  # size-biased frailty: admitted persons are frailer
            p = p1 if treated and post else p0
            # index admissions: primaries (readmitted with p or by chance) and readmissions (by chance only)
            return float(logit(((1 - (1 - p) * (1 - q)) + p * q) / (1 + p)))
        mu = lam * (ap * mult_p + (ao + pl) * mult_o)
        return float(logit(1 - (1 + mu * (fu_days / 365.25) / k) ** -k))

    if mtype == "time_to_event":
        return bm
    did = cell(True, True) - cell(True, False)
    if has_cmp:
        did -= cell(False, True) - cell(False, False)
    return did


def generate(people: People, rng: np.random.Generator, plan: AdmPlan, design: Design) -> tuple[pa.Table, np.ndarray]:
    """All contacts of the chunk, and for each row the day used to split waves."""
    n = people.n
    g = people.group
    frailty = rng.gamma(FRAILTY_SHAPE, 1 / FRAILTY_SHAPE, n)
    lam = BASE_RATE[g] * frailty
    exp = people.exp
    treat = people.treat_fu
    starts, ends, kinds, owners, periods = [], [], [], [], []
    for period in (0, 1):
        a = people.obs_start if period == 0 else people.index
        b = np.minimum(people.index, people.gone) if period == 0 else np.minimum(people.obs_end + EXTRA_DAYS,
                                                                                   people.gone)
        length = np.maximum(b - a, 0)
        for kind in range(3):
            beta = plan.b_prev[exp] if kind == 0 else plan.b_main[exp]
            mult = np.exp(period * (plan.trend[exp] + treat * beta))
            mu = lam * FRACTIONS[g, kind] * mult * length / 365.25
            cnt = rng.poisson(mu)
            own = expand(cnt)
            t = a[own] + rng.random(len(own)) * length[own]
            owners.append(own), starts.append(t), kinds.append(np.full(len(own), kind)), periods.append(
                np.full(len(own), period))
    own = np.concatenate(owners)
    start = np.concatenate(starts)
    kind = np.concatenate(kinds)
    period = np.concatenate(periods)
    los = 0.5 + rng.lognormal(1.0, 0.8, len(own))
    end = start + los
    # readmissions after primary admissions
    p_re = expit(logit(READMIT_P0) + period * treat[own] * plan.g_readm[exp[own]])
    re = rng.random(len(own)) < p_re
    r_own = own[re]
    r_start = end[re] + 1 + rng.random(re.sum()) * 29
    r_end = r_start + 0.5 + rng.lognormal(1.0, 0.8, len(r_own))
    keep_r = r_start < np.minimum(people.gone[r_own], design.data_end)
    own = np.concatenate([own, r_own[keep_r]])
    start = np.concatenate([start, r_start[keep_r]])
    end = np.concatenate([end, r_end[keep_r]])
    kind = np.concatenate([kind, np.full(keep_r.sum(), 3)])  # 3 = readmission (acute, other diagnosis)
    m = len(own)
    psych = (people.group[own] == PSYCH) & (rng.random(m) < 0.85) | (rng.random(m) < 0.02)
    adm_type = np.where(kind == 2, 1, 0)  # 0 acute, 1 planned
    prev_codes = plan.prev_codes
    dx_prev = rng.integers(0, len(prev_codes), m)
    dx_other = rng.integers(0, len(OTHER_SOMATIC), m)
    dx_psych = rng.integers(0, len(OTHER_PSYCH), m)
    diag = np.where(kind == 0, np.asarray(prev_codes, dtype=object)[dx_prev],
                    np.where(psych, np.asarray(OTHER_PSYCH, dtype=object)[dx_psych],
                             np.asarray(OTHER_SOMATIC, dtype=object)[dx_other]))
    hosp = rng.integers(0, len(HOSPITALS), m)
    # transfers: split 8 % of stays into two contacts up to 4 h apart
    split = rng.random(m) < 0.08
    cut = start + (end - start) * (0.3 + 0.4 * rng.random(m))
    gap = (0.2 + 3.7 * rng.random(m)) / 24
    rows_own = [own, own[split]]
    rows_start = [start, cut[split] + gap[split]]
    rows_end = [np.where(split, cut, end), end[split]]
    rows_type = [adm_type, adm_type[split]]
    rows_diag = [diag, diag[split]]
    rows_psych = [psych, psych[split]]
    rows_hosp = [hosp, (hosp[split] + 1) % len(HOSPITALS)]
    # emergency-room contact ending < 4 h before 10 % of acute admissions
    er = (adm_type == 0) & (rng.random(m) < 0.10)
    er_end = start[er] - (0.25 + 3.5 * rng.random(er.sum())) / 24
    er_start = er_end - (1 + 5 * rng.random(er.sum())) / 24
    # short contacts (< 12 h, never admissions), unaffected by the experiments
    a0, b0 = people.obs_start, np.minimum(people.obs_end + EXTRA_DAYS, people.gone)
    length = np.maximum(b0 - a0, 0)
    cnt = rng.poisson(SHORT_RATE * lam * length / 365.25)
    s_own = expand(cnt)
    s_start = a0[s_own] + rng.random(len(s_own)) * length[s_own]
    s_end = s_start + (1 + 10 * rng.random(len(s_own))) / 24
    for o, s, e_ in ((own[er], er_start, er_end), (s_own, s_start, s_end)):
        k2 = len(o)
        rows_own.append(o), rows_start.append(s), rows_end.append(e_), rows_type.append(np.zeros(k2, int))
        rows_diag.append(np.asarray(SHORT_DX, dtype=object)[rng.integers(0, len(SHORT_DX), k2)])
        rows_psych.append(np.zeros(k2, bool)), rows_hosp.append(rng.integers(0, len(HOSPITALS), k2))
    own = np.concatenate(rows_own)
    t0 = np.round(np.concatenate(rows_start) * 1440).astype(np.int64) * 60  # to the minute
    t1 = np.round(np.concatenate(rows_end) * 1440).astype(np.int64) * 60
    t1 = np.maximum(t1, t0 + 60)
    order = np.lexsort((t0, own))
    own, t0, t1 = own[order], t0[order], t1[order]
    # a person cannot have two contacts starting in the same minute (the natural key)
    dup = np.r_[False, (np.diff(own) == 0) & (np.diff(t0) == 0)]
    keep = ~dup
    order = order[keep]
    own, t0, t1 = own[keep], t0[keep], t1[keep]
    table = pa.table({
        "person_id": take_str(people.person_id, own),
        "admission_ts": timestamps(t0),
        "discharge_ts": timestamps(t1),
        "admission_type": pick(["acute", "planned"], np.concatenate(rows_type)[order]),
        "action_diagnosis": pa.array(np.concatenate(rows_diag)[order], type=pa.string()),
        "department_type": pick(["somatic", "psychiatric"], np.concatenate(rows_psych)[order].astype(int)),
        "hospital_code": pick(HOSPITALS, np.concatenate(rows_hosp)[order]),
    })
    return table, own, t0 // DAY_S
