"""Cross-clause joins: which sentence inherits what from which clause, decided by durable-rules.

Python finds the structural facts of one document (see engine.inherit), each a few integers:
- ``defines``  {term, unit}  — sentence `unit` defines (or scopes) term number `term`;
- ``uses``     {term, unit}  — sentence `unit` contains term number `term`;
- ``leadin``   {clause}      — clause number `clause` ends in “：” and introduces the items below it;
- ``inside``   {clause, unit} — sentence `unit` lies in an item under clause number `clause`;
- ``declares`` {decl, article} — exception declaration `decl` (条例第十二条) covers article unit number `article`;
- ``declares_all`` {decl, doc} — declaration `decl` covers the whole draft;
- ``measure``  {finding, article, doc} — a fair-competition finding lies in article unit number `article`.

durable-rules joins them (JOINS below, equality joins only: research P-notes, an inequality join against another
fact crashes the C core), one sid per document, facts with explicit ids, the left-hand facts asserted before the
facts they join, an ``__end`` sentinel so the state can be deleted. Strings never reach durable: terms and clauses
are numbered here. ``python_links`` is the oracle: the same joins as nested loops; tests hold the two equal.
"""
from __future__ import annotations

import json
import threading

from .errors import EngineError

# join name -> (left kind, right kind, [(right field, left field), ...])
JOINS = {
    "definition": ("defines", "uses", [("term", "term")]),
    "leadin": ("leadin", "inside", [("clause", "clause")]),
    "exception": ("declares", "measure", [("article", "article")]),
    "exception_all": ("declares_all", "measure", [("doc", "doc")]),
}
LEFT_KINDS = {left for left, _r, _on in JOINS.values()}


def durable_definition() -> str:
    rules = {}
    for name, (left, right, on) in JOINS.items():
        cond = [{"kind": right}] + [{rf: {"l": lf}} for rf, lf in on]
        rules[name] = {"all": [{"l": {"kind": left}}, {"r": {"$and": cond}}]}
    rules["__end"] = {"all": [{"m": {"kind": "__end"}}]}   # the sentinel (P1)
    return json.dumps(rules)


def python_links(facts: list[dict]) -> set[tuple[str, str, str]]:
    """The oracle: {(join name, left fact id, right fact id)}."""
    out = set()
    for name, (left, right, on) in JOINS.items():
        lefts = [f for f in facts if f["kind"] == left]
        rights = [f for f in facts if f["kind"] == right]
        for lf in lefts:
            for rf in rights:
                if all(rf.get(a) == lf.get(b) for a, b in on):
                    out.add((name, lf["id"], rf["id"]))
    return out


class DurableLinker:
    """One durable ruleset of joins per process; one document at a time (a lock guards it)."""

    _serial = 0

    def __init__(self):
        import durable_rules_engine

        self._c = durable_rules_engine
        self._lock = threading.Lock()
        DurableLinker._serial += 1
        try:
            self._handle = self._c.create_ruleset(f"pl_links{DurableLinker._serial}", durable_definition())
        except Exception as e:
            raise EngineError(f"durable-rules 无法建立跨条款关联规则集：{e}") from None
        self._docs = 0

    def links(self, facts: list[dict]) -> set[tuple[str, str, str]]:
        if not any(f["kind"] in LEFT_KINDS for f in facts):
            return set()
        c, h = self._c, self._handle
        with self._lock:
            self._docs += 1
            sid = f"k{self._docs}"
            out: set[tuple[str, str, str]] = set()
            left = [dict(f, sid=sid) for f in facts if f["kind"] in LEFT_KINDS]
            right = [dict(f, sid=sid) for f in facts if f["kind"] not in LEFT_KINDS]
            right.append({"id": f"{sid}:end", "sid": sid, "kind": "__end"})
            try:
                for batch in (left, right):   # what is joined against goes in first (research §7.5)
                    _code, state = c.assert_facts(h, json.dumps(batch))
                    result = c.start_action_for_state(h, state)
                    while result:
                        message = result[1] if isinstance(result, tuple) else result
                        for name, m in json.loads(message).items():
                            if name != "__end":
                                out.add((name, m["l"]["id"], m["r"]["id"]))
                        result = c.complete_and_start_action(h, state)
            except EngineError:
                raise
            except Exception as e:
                raise EngineError(f"durable-rules 关联条款时出错：{type(e).__name__}: {e}") from None
            finally:
                try:
                    c.delete_state(h, sid)   # safe once the sentinel has fired (P1)
                except Exception:
                    pass
            return out


_linker: DurableLinker | None = None
_linker_lock = threading.Lock()


def links(facts: list[dict], engine: str = "durable") -> set[tuple[str, str, str]]:
    """The joins over one document's facts, by durable-rules (default) or by the Python oracle."""
    global _linker
    if engine == "python":
        return python_links(facts)
    with _linker_lock:
        if _linker is None:
            _linker = DurableLinker()
    return _linker.links(facts)
