"""Disclosure control (diskretionering) for every count of persons a report or export shows.

Rules (docs/reports.md):
1. Primary: a count of persons below the threshold (0 included) is shown as "<T".
2. Secondary: a published table is a set of cells and additive relations (total = sum of parts:
   municipality -> arm subtotal -> all persons, per period). Further cells are suppressed until
   (a) no relation has exactly one suppressed entry (no recovery by a difference), and
   (b) a linear-programming attacker who knows every published cell, every relation, that a
       primary cell lies in [0, T-1] and a secondary cell in [T, inf), cannot pin any suppressed
       cell to a single whole number.
3. A value (mean, share, rate, median) is shown only when the count of persons behind it is shown.

`protect` is generic over hashable cell keys; data.py builds the tables and relations.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Hashable, Iterable

import numpy as np
from scipy.optimize import linprog

PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass
class Protection:
    status: dict  # key -> "", "primary", "secondary"
    iterations: int = 0
    audit_rounds: int = 0
    notes: list = field(default_factory=list)

    @property
    def n_primary(self) -> int:
        return sum(1 for s in self.status.values() if s == PRIMARY)

    @property
    def n_secondary(self) -> int:
        return sum(1 for s in self.status.values() if s == SECONDARY)


def below_threshold(n, threshold: int) -> bool:
    return n is None or (isinstance(n, float) and math.isnan(n)) or int(n) < threshold


def display_count(n, status: str, threshold: int) -> str:
    """The text a reader sees for a count: the number, '<T' (primary) or 'x' (secondary)."""
    if status == PRIMARY:
        return f"<{threshold}"
    if status == SECONDARY:
        return "x"
    return str(int(n))


def protect(values: dict, relations: Iterable[tuple[Hashable, list]], threshold: int,
            cost=None, max_rounds: int = 200) -> Protection:
    """Primary and secondary suppression of one table.

    values: key -> count of persons; relations: (total_key, [part_keys]) with
    values[total] == sum(values[parts]) (checked). cost(key) -> float is the information lost by
    suppressing a cell (default: its value); the cheapest published entry is chosen as partner.
    """
    cost = cost or (lambda k: float(values[k]))
    relations = [(t, list(parts)) for t, parts in relations]
    for t, parts in relations:
        if t not in values or any(p not in values for p in parts):
            raise ValueError(f"relation {t!r} refers to a cell that is not in the table")
        if int(values[t]) != int(sum(int(values[p]) for p in parts)):
            raise ValueError(f"relation {t!r}: total {values[t]} != sum of parts")
    status = {k: (PRIMARY if below_threshold(v, threshold) else "") for k, v in values.items()}
    prot = Protection(status)
    if not any(status.values()):
        return prot
    for _ in range(max_rounds):
        prot.iterations += 1
        _difference_rule(relations, status, cost)
        pinned = audit(values, relations, status, threshold)
        if not pinned:
            return prot
        prot.audit_rounds += 1
        changed = False
        for key in pinned:
            changed |= _add_partner(key, relations, status, cost)
        if not changed:  # every cell of every relation around the pinned cells is suppressed
            prot.notes.append(f"could not protect {pinned!r}")
            return prot
    prot.notes.append("max_rounds reached")
    return prot


def _difference_rule(relations, status, cost) -> None:
    """Suppress until no relation holds exactly one suppressed entry."""
    changed = True
    while changed:
        changed = False
        for total, parts in relations:
            entries = [total, *parts]
            if sum(1 for e in entries if status[e]) == 1:
                changed |= _suppress_cheapest(entries, status, cost)


def _suppress_cheapest(keys, status, cost) -> bool:
    """Suppress the published cell among keys whose loss costs least."""
    cands = sorted((k for k in keys if not status[k]), key=lambda k: (cost(k), str(k)))
    if not cands:
        return False
    status[cands[0]] = SECONDARY
    return True


def _add_partner(key, relations, status, cost) -> bool:
    """Suppress one more cell near a pinned cell: in a relation that holds it, or, when those are
    all suppressed already, in a relation one step further out (and so on)."""
    frontier, seen = {key}, set()
    while frontier:
        seen |= frontier
        near = [r for r in relations if r[0] in frontier or frontier & set(r[1])]
        near.sort(key=lambda r: sum(1 for e in [r[0], *r[1]] if status[e]))
        for total, parts in near:
            if _suppress_cheapest([total, *parts], status, cost):
                return True
        frontier = {e for total, parts in near for e in [total, *parts]} - seen
    return False


def audit(values: dict, relations, status: dict, threshold: int) -> list:
    """Primary cells an attacker can pin to one whole number (empty list = safe).

    The attacker knows every published value, every relation, and the bounds that the
    display implies: primary in [0, T-1], secondary in [T, inf). One LP per bound; the true
    values are a feasible point, so when the maximum already exceeds the true value by 1 the
    minimum is not needed.
    """
    hidden = [k for k, s in status.items() if s]
    if not hidden:
        return []
    rels = []
    for total, parts in relations:
        entries = [(total, -1.0)] + [(p, 1.0) for p in parts]
        if any(status[e] for e, _ in entries):
            rels.append(entries)
    sig: dict = {}
    for r, entries in enumerate(rels):
        for e, coef in entries:
            sig.setdefault(e, set()).add((r, coef))
    bound = {k: (0, threshold - 1) if status[k] == PRIMARY else (threshold, math.inf) for k in hidden}
    pinned = []
    for comp in _components(hidden, rels, status):
        idx = {k: i for i, k in enumerate(comp)}
        a_rows, b = [], []
        for entries in rels:
            if not any(e in idx for e, _ in entries):
                continue
            row = np.zeros(len(comp))
            rhs = 0.0
            for e, coef in entries:
                if status[e]:
                    row[idx[e]] += coef
                else:
                    rhs -= coef * float(values[e])
            a_rows.append(row)
            b.append(rhs)
        bounds = [(0, threshold - 1) if status[k] == PRIMARY else (threshold, None) for k in comp]
        for k in comp:
            if status[k] != PRIMARY or _swap_certificate(k, comp, sig, values, bound):
                continue
            if _pinned(idx[k], float(values[k]), a_rows, b, bounds):
                pinned.append(k)
    return pinned


def _swap_certificate(k, comp, sig, values, bound) -> bool:
    """A second feasible table that differs in k: a hidden cell j with exactly the same relations
    and signs as k (e.g. two municipalities of one arm) takes -1 while k takes +1, or the reverse,
    within the bounds the display implies. Then k is not pinned (no LP needed)."""
    vk, (lo_k, hi_k) = values[k], bound[k]
    for j in comp:
        if j == k or sig.get(j) != sig.get(k):
            continue
        vj, (lo_j, hi_j) = values[j], bound[j]
        if (vk + 1 <= hi_k and vj - 1 >= lo_j) or (vk - 1 >= lo_k and vj + 1 <= hi_j):
            return True
    return False


def _components(hidden, rels, status) -> list[list]:
    """Hidden cells grouped by the relations that connect them (independent LPs)."""
    parent = {k: k for k in hidden}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for entries in rels:
        hid = [e for e, _ in entries if status[e]]
        for e in hid[1:]:
            parent[find(e)] = find(hid[0])
    groups: dict = {}
    for k in hidden:
        groups.setdefault(find(k), []).append(k)
    return list(groups.values())


def _pinned(i: int, true_value: float, a_rows, b, bounds) -> bool:
    n = len(bounds)
    if not a_rows:
        lo, hi = bounds[i]
        return hi is not None and math.floor(hi + 1e-9) == math.ceil(lo - 1e-9)
    a = np.vstack(a_rows)
    c = np.zeros(n)
    c[i] = 1.0
    hi = linprog(-c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    if hi.status == 3:  # unbounded above
        return False
    if hi.status != 0:
        raise RuntimeError(f"disclosure audit: LP failed ({hi.message})")
    vmax = -hi.fun
    if vmax >= true_value + 1 - 1e-7:
        return False
    lo = linprog(c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    if lo.status != 0:
        raise RuntimeError(f"disclosure audit: LP failed ({lo.message})")
    return math.floor(vmax + 1e-7) <= math.ceil(lo.fun - 1e-7)


_PERSON_COUNTS = [  # engine warnings that carry counts of persons: (pattern, groups that are persons)
    (re.compile(r"^only (\d+) of (\d+) persons observed in both periods"), "pair"),
    (re.compile(r"^(\d+) persons not observed in both periods"), "one"),
    (re.compile(r"^small n: .* n=(\d+) < \d+$"), "one"),
]
_NO_PERSON_COUNTS = re.compile(  # engine warnings whose numbers are not counts of persons
    r"municipalities \(< 10\)|t\(G.1\)|^effect per 1,000 DKK|^before/after comparison|did not converge"
    r"|^one cluster|not identified$|^Cox model could not be fitted")


def safe_warnings(text, T: int):
    """Disclosure control for the effects engine's warnings: counts of persons below T become
    '<T' ("only a of b": a, b and b - a), the others are rounded to tens ('≈80'); in a warning of
    unknown form every whole number below T becomes '<T'."""
    if not isinstance(text, str) or not text:
        return None
    out = []
    for w in text.split("; "):
        for pattern, kind in _PERSON_COUNTS:
            m = pattern.search(w)
            if m:
                nums = [int(g) for g in m.groups()]
                hide = [n < T for n in nums]
                if kind == "pair" and nums[1] - nums[0] < T:  # a = b - (b - a): hide both
                    hide = [True, True]
                for g in range(len(nums), 0, -1):
                    # shown counts are rounded to tens so they cannot be matched exactly against a
                    # cell the count tables suppressed
                    shown = f"<{T}" if hide[g - 1] else f"≈{int(round(nums[g - 1], -1))}"
                    w = w[:m.start(g)] + shown + w[m.end(g):]
                break
        else:
            if _NO_PERSON_COUNTS.search(w):
                out.append(w)
                continue
            w = re.sub(r"(?<![\w.<])(\d+)(?![\w.])", lambda mm: f"<{T}" if int(mm.group(1)) < T else mm.group(1), w)
        out.append(w)
    return "; ".join(out)
