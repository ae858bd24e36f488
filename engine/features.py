"""Features: one Aho-Corasick pass over the text for every literal of every rule, then regexes, then the
order, distance and scope relations — all in Python, never inside durable-rules (research P8).

The result for each unit is a sparse fact: {"a17": 1, ...} for every text atom that holds in it, plus the
document facts (doc.*) that rules compare.
"""
from __future__ import annotations

import bisect
import re
from collections import defaultdict

Occ = tuple[int, int]   # (start, end) character offsets


def scan(text: str, rs) -> dict[str, list[Occ]]:
    """Every occurrence of every operand key in the text, sorted by start."""
    occ: dict[str, list[Occ]] = defaultdict(list)
    automaton = rs.automaton
    triggered: set[str] = set()
    if automaton is not None and len(automaton):
        for end_idx, (length, keys) in automaton.iter(text):
            span = (end_idx - length + 1, end_idx + 1)
            for k in keys:
                if k[0] == "@":
                    triggered.add(k[1:])
                else:
                    occ[k].append(span)
    anchored = rs.regex_anchors
    for key, pattern in rs.regex_keys.items():
        if key in anchored and key not in triggered:
            continue   # none of the literals this regex needs is in the text
        base = key.split("#", 1)[0] if key.startswith("G:") else key
        for m in _regex(pattern).finditer(text):
            if m.end() > m.start():
                occ[base].append((m.start(), m.end()))
    for spans in occ.values():
        spans.sort()
    return occ


_RX: dict[str, re.Pattern] = {}


def _regex(pattern: str) -> re.Pattern:
    rx = _RX.get(pattern)
    if rx is None:
        rx = _RX[pattern] = re.compile(pattern)
    return rx


def _in(spans: list[Occ], start: int, end: int) -> list[Occ]:
    lo = bisect.bisect_left(spans, (start, -1))
    hi = bisect.bisect_left(spans, (end, -1))
    return [s for s in spans[lo:hi] if s[1] <= end]


def _order(a: list[Occ], b: list[Occ], within: int | None) -> Occ | None:
    for bs, be in b:
        for as_, ae in a:
            if ae <= bs and (within is None or bs - ae <= within):
                return (as_, be)
    return None


def _near(a: list[Occ], b: list[Occ], n: int) -> Occ | None:
    for as_, ae in a:
        for bs, be in b:
            gap = max(as_, bs) - min(ae, be)
            if gap <= n:
                return (min(as_, bs), max(ae, be))
    return None


def text_atoms(rs, occ_in_unit: dict[str, list[Occ]], atom_ids) -> set[int]:
    """Which of the given text atoms hold, given the occurrences inside one unit."""
    true: set[int] = set()
    atoms = rs.atoms
    for i in atom_ids:
        form = atoms[i]
        kind = form[0]
        if kind == "present":
            if occ_in_unit.get(form[1]):
                true.add(i)
        elif kind == "order":
            a, b = occ_in_unit.get(form[1]), occ_in_unit.get(form[2])
            if a and b and _order(a, b, form[3]):
                true.add(i)
        elif kind == "near":
            a, b = occ_in_unit.get(form[1]), occ_in_unit.get(form[2])
            if a and b and _near(a, b, form[3]):
                true.add(i)
    return true


class TextFeatures:
    """Per-document features: occurrences and, per unit, the atoms that hold."""

    def __init__(self, doc, rs, context: dict):
        self.doc = doc
        self.rs = rs
        self.context = context
        self.occ = scan(doc.text, rs)
        plan = _plan(rs)
        self.by_key = plan["by_key"]
        self.ctx_values = {f"v{i}": _ctx_value(context, rs.atoms[i]) for i in plan["ctx_atoms"]}
        self.ctx_values = {k: v for k, v in self.ctx_values.items() if v is not None}

    def occurrences(self, start: int, end: int) -> dict[str, list[Occ]]:
        out = {}
        for key, spans in self.occ.items():
            inside = _in(spans, start, end)
            if inside:
                out[key] = inside
        return out

    def unit_fact(self, unit) -> dict:
        occ = self.occurrences(unit.start, unit.end)
        candidates = set()
        for key in occ:
            candidates.update(self.by_key.get(key, ()))
        fact = {f"a{i}": 1 for i in text_atoms(self.rs, occ, candidates)}
        fact.update(self.ctx_values)
        return fact


def _ctx_value(context: dict, form: tuple):
    """doc.* atoms carry the document's value; booleans travel as 1/0 (compiler._plain_value)."""
    v = context.get(form[1][4:])
    if isinstance(v, bool):
        return int(v)
    return v


_PLANS: dict[int, dict] = {}


def _plan(rs) -> dict:
    """Index text atoms by the operand keys they need, once per ruleset."""
    plan = _PLANS.get(id(rs))
    if plan is None:
        by_key: dict[str, list[int]] = defaultdict(list)
        ctx_atoms = []
        for i, form in enumerate(rs.atoms):
            if form[0] == "present":
                by_key[form[1]].append(i)
            elif form[0] in ("order", "near"):
                by_key[form[1]].append(i)
                by_key[form[2]].append(i)
            elif form[0] in ("cmp", "member", "exists") and str(form[1]).startswith("doc."):
                ctx_atoms.append(i)
        plan = _PLANS[id(rs)] = {"by_key": dict(by_key), "ctx_atoms": ctx_atoms}
    return plan
