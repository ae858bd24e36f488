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
    """Every occurrence of every operand key in the text, sorted by start.

    Literals come from one Aho-Corasick pass. A regex runs only on the lines (paragraphs) where that pass saw
    one of the literals the regex cannot match without (dsl.compiler.regex_anchors); so a regex matches within
    one paragraph, never across a line break."""
    occ: dict[str, list[Occ]] = defaultdict(list)
    automaton = rs.automaton
    anchor_lines: dict[str, set[int]] = {}     # "@j@key" -> lines where requirement j of regex key is met
    line_ends = [m.start() for m in re.finditer("\n", text)] + [len(text)]
    line_of: list[int] = []                    # character offset -> line number
    prev = 0
    for n, end in enumerate(line_ends):
        line_of.extend([n] * (end + 1 - prev))
        prev = end + 1
    if automaton is not None and len(automaton):
        by_value: dict[int, list[Occ]] = defaultdict(list)
        for end_idx, (length, vid) in automaton.iter(text):
            by_value[vid].append((end_idx - length + 1, end_idx + 1))
        value_keys = rs.value_keys
        for vid, spans in by_value.items():
            lines = None
            for k in value_keys[vid]:
                if k[0] == "@":      # "@j@key": requirement j of regex key
                    if lines is None:
                        lines = {line_of[e - 1] for _, e in spans}   # once per literal, shared by every regex
                    got = anchor_lines.get(k)
                    if got is None:
                        anchor_lines[k] = set(lines)
                    else:
                        got |= lines
                else:
                    occ[k].extend(spans)
    for key, base, pattern, needs in _regex_plan(rs):
        if needs is None:
            windows = [(0, len(text), -1)]
        else:
            sets = [anchor_lines.get(k) for k in needs]
            if not all(sets):
                continue   # something this regex needs is nowhere in the text
            lines = set.intersection(*sets) if len(sets) > 1 else sets[0]
            if not lines:
                continue
            windows = []          # consecutive lines make one window: fewer calls; line-crossing matches dropped
            for n in sorted(lines):
                if windows and windows[-1][2] == n - 1:
                    windows[-1] = (windows[-1][0], line_ends[n], n)
                else:
                    windows.append((line_ends[n - 1] + 1 if n else 0, line_ends[n], n))
        rx = _RX.get(pattern) or _regex(pattern, rs)
        lookahead = rx.groups > 0 and rx.pattern.startswith("(?=(")
        out = occ[base]
        for w in windows:
            for m in rx.finditer(text, w[0], w[1]):
                span = m.span(1) if lookahead else m.span()
                if span[1] > span[0] and "\n" not in text[span[0]:span[1]]:
                    out.append(span)
    for spans in occ.values():
        spans.sort()
    return occ


_RX: dict[str, re.Pattern] = {}
def _regex_plan(rs) -> list[tuple[str, str, str, tuple | None]]:
    """(key, the operand key its matches count for, pattern, the anchor keys it needs or None)."""
    from dsl.compiled import plan
    return plan(rs, "regex", lambda rs: [
        (key, key.split("#", 1)[0] if key.startswith("G:") else key, pattern,
         tuple(f"@{j}@{key}" for j in range(len(rs.regex_anchors[key]))) if key in rs.regex_anchors else None)
        for key, pattern in rs.regex_keys.items()])


def _regex(pattern: str, rs) -> re.Pattern:
    from .regex_cache import rebuild

    from dsl.compiled import overlapping

    rx = _RX[pattern] = rebuild(overlapping(pattern), rs.regex_code.get(pattern), rs.regex_signature)
    return rx


def order_span(a: list[Occ], b: list[Occ], within: int | None) -> Occ | None:
    for bs, be in b:
        for as_, ae in a:
            if ae <= bs and (within is None or bs - ae <= within):
                return (as_, be)
    return None


def near_span(a: list[Occ], b: list[Occ], n: int) -> Occ | None:
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
            if a and b and order_span(a, b, form[3]):
                true.add(i)
        elif kind == "near":
            a, b = occ_in_unit.get(form[1]), occ_in_unit.get(form[2])
            if a and b and near_span(a, b, form[3]):
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
        self.scope_keys = plan["scope_keys"]
        values = {f"v{i}": _ctx_value(context, rs.atoms[i]) for i in plan["ctx_atoms"]}
        self.ctx_values = {k: v for k, v in values.items() if v is not None}
        self._per_unit: dict[str, list[dict[str, list[Occ]]]] = {}

    def unit_occurrences(self, scope: str) -> list[dict[str, list[Occ]]]:
        """Occurrences per unit of a scope, in one sweep: each occurrence goes to the unit that contains it."""
        got = self._per_unit.get(scope)
        if got is None:
            units = self.doc.units(scope)
            starts = [u.start for u in units]
            got = [{} for _ in units]
            where: dict[Occ, int] = {}     # one span serves many keys: place it once
            wanted = self.scope_keys.get(scope, ())
            for key, spans in self.occ.items():
                if key not in wanted:
                    continue               # no rule of this scope uses the word
                for span in spans:
                    i = where.get(span)
                    if i is None:
                        i = bisect.bisect_right(starts, span[0]) - 1
                        where[span] = i = i if i >= 0 and span[1] <= units[i].end else -1
                    if i >= 0:
                        got[i].setdefault(key, []).append(span)
            self._per_unit[scope] = got
        return got

    def occurrences_in(self, unit) -> dict[str, list[Occ]]:
        return self.unit_occurrences(unit.scope)[unit.index]

    def unit_fact(self, unit, atom_ids) -> dict:
        """The unit's fact: a{i} for each of `atom_ids` (text atoms) that holds in it, plus the doc.* values."""
        fact = {f"a{i}": 1 for i in text_atoms(self.rs, self.occurrences_in(unit), atom_ids)}
        fact.update(self.ctx_values)
        return fact


def _ctx_value(context: dict, form: tuple):
    """doc.* atoms carry the document's value; booleans travel as 1/0 (compiler._plain_value)."""
    v = context.get(form[1][4:])
    if isinstance(v, bool):
        return int(v)
    return v


def _plan(rs) -> dict:
    """Per scope, the words its rules use (a scope ignores every other word), and the doc.* atoms."""
    from dsl.compiled import plan
    return plan(rs, "features", _build_plan)


def _build_plan(rs) -> dict:
    from dsl.compiled import all_atoms, atom_keys

    scope_keys: dict[str, set[str]] = {}
    ctx_atoms = set()
    for r in rs.rules:
        if r.on != "text":
            continue
        keys = scope_keys.setdefault(r.scope, set())
        for i in all_atoms(r.expr):
            form = rs.atoms[i]
            keys.update(atom_keys(form))
            if form[0] in ("cmp", "member", "exists") and str(form[1]).startswith("doc."):
                ctx_atoms.add(i)
    return {"scope_keys": scope_keys, "ctx_atoms": sorted(ctx_atoms)}
