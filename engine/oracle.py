"""The plain-Python evaluator of the same compiled rules over the same facts: the test oracle for durable-rules.

It reads facts exactly as durable does (flags a{i}, values v{i}), so any difference between the two is a bug in
one engine or in the compilation to durable's JSON form, which the differential tests catch.
"""
from __future__ import annotations

import operator

from dsl.compiled import eval_expr

CMP = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def atom_holds(i: int, form: tuple, fact: dict) -> bool:
    kind = form[0]
    if kind == "cmp":
        v = fact.get(f"v{i}")
        if v is None:
            return False
        try:
            return CMP[form[2]](v, form[3])
        except TypeError:   # "abc" < 3: durable does not match either
            return False
    if kind == "member":
        v = fact.get(f"v{i}")
        return v is not None and v in form[2]
    if kind == "exists" and form[1].startswith("doc."):
        return f"v{i}" in fact
    return fact.get(f"a{i}") == 1


class OracleEvaluator:
    def __init__(self, rs):
        self.rs = rs
        self.by_unit: dict[str, list[int]] = {}
        for i, r in enumerate(rs.rules):
            self.by_unit.setdefault(r.unit, []).append(i)

    def evaluate(self, facts_by_unit: dict[str, list[dict]]) -> set[tuple[int, str]]:
        atoms = self.rs.atoms
        hits = set()
        for unit, facts in facts_by_unit.items():
            for i in self.by_unit.get(unit, ()):
                expr = self.rs.rules[i].expr
                for fact in facts:
                    if eval_expr(expr, lambda a: atom_holds(a, atoms[a], fact)):
                        hits.add((i, fact["id"]))
        return hits
