"""Monthly costs by category and experience surveys.

Costs: per person, month and category a cost occurs with probability p_c and is then
mean_c x person factor x month factor (both lognormal with mean 1); months without a row cost 0.
In the intervention arm's follow-up months every amount is multiplied by exp(g), so the true
difference in cost per person-month is trend x M x (exp(g) - 1), M = sum_c p_c mean_c.

Experience: each enrolled person of an experiment with exp_ measures answers five 1-5 items
once per period (citizen; relative and staff answers for some persons); the score is a rounded,
clipped normal latent (person sd 0.6, item sd 0.7) shifted by delta in the intervention follow-up.
exp_score = mean item score / scale_max x 100 (percent of the scale maximum), so the truth is
100 x the shift in E[score] / scale_max (closed form)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from scipy.special import ndtr

from .common import expand, pick, take_str
from .effects import SCALES, Truth, measure_type, wanted_sign
from .population import Design, People

# category, probability of a cost in a month, mean amount (DKK) given a cost; per target group
COST_CATEGORIES = {
    0: [("home_care", 0.70, 6000.0), ("nursing", 0.10, 20000.0), ("hospital", 0.15, 25000.0),
        ("rehabilitation", 0.20, 3000.0)],
    1: [("transfer_payments", 0.60, 9000.0), ("employment_measures", 0.30, 4000.0),
        ("social_support", 0.20, 5000.0), ("hospital", 0.03, 25000.0)],
    2: [("preventive_measures", 0.40, 8000.0), ("placement", 0.08, 40000.0), ("casework", 0.60, 1500.0)],
    3: [("psychiatric_support", 0.60, 7000.0), ("hospital", 0.08, 30000.0), ("transfer_payments", 0.50, 9000.0)],
}
COST_SD_PERSON, COST_SD_MONTH = 0.5, 0.6
COST_TREND_DID = np.log(1.03)
EXP_ITEMS, EXP_SCALE_MAX, EXP_MU, EXP_SD_PERSON, EXP_SD_ITEM = 5, 5.0, 3.5, 0.6, 0.7
EXP_TREND_DID = 0.1
RESPONDENT_TYPES = ["citizen", "relative", "staff"]
RESPONDENT_SHARE = [0.8, 0.35, 0.5]


def expected_score(mu: float) -> float:
    sd = np.hypot(EXP_SD_PERSON, EXP_SD_ITEM)
    cuts = ndtr((np.arange(1.5, 5.0, 1.0) - mu) / sd)  # P(latent < 1.5), ... P(latent < 4.5)
    probs = np.diff(np.r_[0.0, cuts, 1.0])
    return float(np.sum(np.arange(1, 6) * probs))


@dataclass
class CostExpPlan:
    g_cost: np.ndarray
    d_exp: np.ndarray
    cost_trend: np.ndarray
    exp_trend: np.ndarray
    surveyed: np.ndarray
    truths: list[Truth]

    @classmethod
    def build(cls, design: Design, defs: dict) -> "CostExpPlan":
        k = len(design.experiments)
        g, d = np.zeros(k), np.zeros(k)
        ctr = np.where(design.has_cmp, COST_TREND_DID, 0.0)
        etr = np.where(design.has_cmp, EXP_TREND_DID, 0.0)
        surveyed = np.zeros(k, bool)
        truths = []
        for e, exp in enumerate(design.experiments):
            for m in exp.measures:
                code, mtype = m.measure_code, measure_type(m.measure_code, defs)
                s = wanted_sign(m.expected_direction, mtype, exp.experiment_id, code)
                if code.startswith("cost_") and g[e] == 0:
                    g[e] = 0.35 * s
                if code.startswith("exp_"):
                    surveyed[e] = True
                    if d[e] == 0:
                        d[e] = 0.6 * s
            for code in sorted({m.measure_code for m in exp.measures}):
                mtype = measure_type(code, defs)
                if code.startswith("cost_"):
                    cats = COST_CATEGORIES[int(design.group[e])]
                    scale = 12.0 if "year" in defs.get(code, {}).get("unit", "") else 1.0
                    for name, p, mean in cats + [("total", None, None)]:
                        m_ = sum(pp * mm for _, pp, mm in cats) if name == "total" else p * mean
                        value = scale * np.exp(ctr[e]) * m_ * (np.exp(g[e]) - 1)
                        truths.append(Truth(exp.experiment_id, code, name, SCALES[mtype], value))
                elif code.startswith("exp_"):
                    mu = EXP_MU + etr[e]
                    value = 100.0 * (expected_score(mu + d[e]) - expected_score(mu)) / EXP_SCALE_MAX
                    for r in RESPONDENT_TYPES + [""]:
                        truths.append(Truth(exp.experiment_id, code, r, SCALES[mtype], value))
        return cls(g, d, ctr, etr, surveyed, truths)


def _month_starts(first_day: int, last_day: int) -> np.ndarray:
    """Day numbers of the first day of every month from first_day's month to last_day's month."""
    a = np.datetime64(int(first_day), "D").astype("datetime64[M]")
    b = np.datetime64(int(last_day), "D").astype("datetime64[M]")
    return np.arange(a, b + 1).astype("datetime64[D]").astype(np.int64)


def costs(people: People, rng: np.random.Generator, plan: CostExpPlan, design: Design):
    n = people.n
    # months whose first day lies in [obs_start, exit): the person's months at risk
    m_first = people.obs_start.astype("datetime64[D]").astype("datetime64[M]")
    m_first_day = m_first.astype("datetime64[D]").astype(np.int64)
    m_first = np.where(m_first_day < people.obs_start, m_first + 1, m_first)
    m_last = (people.exit - 1).astype("datetime64[D]").astype("datetime64[M]")
    n_months = np.maximum((m_last - m_first).astype(np.int64) + 1, 0)
    own = expand(n_months)
    k = np.arange(len(own)) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    month = m_first[own] + k
    month_day = month.astype("datetime64[D]").astype(np.int64)
    post = month_day >= people.index[own]
    e = people.exp[own]
    mult = np.exp(post * (plan.cost_trend[e] + people.treat_fu[own] * plan.g_cost[e]))
    person_factor = np.exp(rng.normal(-COST_SD_PERSON ** 2 / 2, COST_SD_PERSON, n))
    parts = []
    names = sorted({c for cats in COST_CATEGORIES.values() for c, _, _ in cats})
    for group, cats in COST_CATEGORIES.items():
        in_group = people.group[own] == group
        for name, p, mean in cats:
            hit = in_group & (rng.random(len(own)) < p)
            idx = np.flatnonzero(hit)
            amount = mean * person_factor[own[idx]] * mult[idx] * np.exp(
                rng.normal(-COST_SD_MONTH ** 2 / 2, COST_SD_MONTH, len(idx)))
            parts.append((idx, np.full(len(idx), names.index(name)), np.round(amount, 2)))
    idx = np.concatenate([p[0] for p in parts])
    cat = np.concatenate([p[1] for p in parts])
    amount = np.concatenate([p[2] for p in parts])
    order = np.lexsort((cat, idx))
    idx, cat, amount = idx[order], cat[order], amount[order]
    months, inverse = np.unique(month[idx].astype(np.int64), return_inverse=True)
    labels = pick(np.datetime_as_string(months.astype("datetime64[M]"), unit="M").tolist(), inverse)
    table = pa.table({"person_id": take_str(people.person_id, own[idx]), "month": labels,
                      "cost_category": pick(names, cat), "amount_dkk": pa.array(amount)})
    return table, own[idx], month_day[idx]


def experience(people: People, rng: np.random.Generator, plan: CostExpPlan):
    sel = np.flatnonzero(plan.surveyed[people.exp])
    rows = []
    for period in (0, 1):
        a = people.obs_start[sel] if period == 0 else people.index[sel]
        b = people.index[sel] if period == 0 else people.obs_end[sel]
        day = a + ((0.3 + 0.5 * rng.random(len(sel))) * (b - a)).astype(np.int64)
        for r, share in enumerate(RESPONDENT_SHARE):
            answer = (rng.random(len(sel)) < share) & (day < people.exit[sel])
            who = sel[answer]
            e = people.exp[who]
            shift = period * (plan.exp_trend[e] + people.treat_fu[who] * plan.d_exp[e])
            latent_p = EXP_MU + shift + rng.normal(0, EXP_SD_PERSON, len(who))
            own = np.repeat(np.arange(len(who)), EXP_ITEMS)
            item = np.tile(np.arange(EXP_ITEMS), len(who))
            score = np.clip(np.round(latent_p[own] + rng.normal(0, EXP_SD_ITEM, len(own))), 1, EXP_SCALE_MAX)
            rows.append((who[own], day[answer][own], np.full(len(own), r), item, score))
    who = np.concatenate([r[0] for r in rows])
    day = np.concatenate([r[1] for r in rows])
    resp = np.concatenate([r[2] for r in rows])
    item = np.concatenate([r[3] for r in rows])
    score = np.concatenate([r[4] for r in rows])
    order = np.lexsort((item, resp, day, who))
    who, day, resp, item, score = who[order], day[order], resp[order], item[order], score[order]
    table = pa.table({"person_id": take_str(people.person_id, who),
                      "survey_date": pa.array(day.astype(np.int32), type=pa.date32()),
                      "respondent_type": pick(RESPONDENT_TYPES, resp),
                      "item_id": pick([f"q{j + 1}" for j in range(EXP_ITEMS)], item),
                      "score": pa.array(score.astype(float)), "scale_max": pa.array(np.full(len(who), EXP_SCALE_MAX))})
    return table, who, day
