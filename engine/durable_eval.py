"""Evaluate compiled rules with durable-rules, in the guarded pattern of shared/research/durable_rules.md §7.

- one long-lived host per process, without timer threads (P11);
- facts, never events (P4), each with an explicit id (P6) and one sid per document;
- an `__end` sentinel fact in every batch, so deleting the state is safe (P1);
- the raw C batch call, then every pending action read synchronously, so one unmatched fact does not drop the
  other actions (P5);
- `$or` double fires de-duplicated on (rule, fact id) (P3);
- errors raised, never swallowed (P14);
- rulesets split by the compiler within durable's static limits (P10); only equality-style joins.
"""
from __future__ import annotations

import json
import threading

from dsl.compiled import all_atoms

from .errors import EngineError

NEGATE = {"==": "$neq", "!=": None, "<": "$gte", "<=": "$gt", ">": "$lte", ">=": "$lt"}
OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


def atom_condition(i: int, form: tuple, positive: bool) -> dict:
    """One atom as a durable condition. Text/list atoms are flags `a{i}`; comparisons read the value `v{i}`."""
    kind = form[0]
    key = f"v{i}"
    if kind == "cmp":
        op, value = form[2], form[3]
        if positive:
            return {key: value} if op == "==" else {OPS[op]: {key: value}}
        if op == "!=":   # not (F != v): F missing or F == v
            return {"$or": [{"$nex": {key: 1}}, {key: value}]}
        return {"$or": [{"$nex": {key: 1}}, {NEGATE[op]: {key: value}}]}
    if kind == "member":
        if positive:
            return {"$or": [{key: v} for v in form[2]]}
        return {"$or": [{"$nex": {key: 1}}, {"$and": [{"$neq": {key: v}} for v in form[2]]}]}
    if kind == "exists" and form[1].startswith("doc."):
        return {"$ex": {key: 1}} if positive else {"$nex": {key: 1}}
    flag = f"a{i}"
    return {flag: 1} if positive else {"$nex": {flag: 1}}


def expr_condition(e: tuple, atoms: list[tuple]) -> dict:
    if e[0] == "atom":
        return atom_condition(e[1], atoms[e[1]], e[2])
    if e[0] in ("and", "or"):
        return {f"${e[0]}": [expr_condition(a, atoms) for a in e[1]]}
    raise ValueError(e)


def rule_pattern(rule, atoms: list[tuple]) -> dict:
    """{'$and': [{'kind': unit}, positive conditions first, then the rest]} — a positive guard always leads (P2)."""
    parts = list(rule.expr[1]) if rule.expr[0] == "and" else [rule.expr]
    parts.sort(key=lambda p: 0 if (p[0] == "atom" and p[2]) else 1)
    return {"$and": [{"kind": rule.unit}] + [expr_condition(p, atoms) for p in parts]}


def check_limits(definition: dict, name: str) -> None:
    """durable hangs or fails on more than 512 sibling conditions, 128 $nex siblings or 256 rules on one
    condition (research P10). Each ruleset starts every rule with the same kind guard, so its children are
    each rule's first condition."""
    firsts, nex = set(), 0
    for rule_name, rule in definition.items():
        conds = rule["all"][0]["m"].get("$and") or [rule["all"][0]["m"]]
        firsts.add(json.dumps(conds[1] if len(conds) > 1 else conds[0], sort_keys=True, ensure_ascii=False))
        nex += sum(1 for c in conds if "$nex" in c)
    if len(definition) > 256 or len(firsts) > 512 or nex > 128 * len(firsts):
        raise EngineError(f"规则集 {name} 超出 durable-rules 的静态上限（规则 {len(definition)}，分支 {len(firsts)}）")


def definitions(rs) -> dict[str, str]:
    """durable's JSON for every partition of a ruleset, checked against its static limits (P10). Made when the
    rules are compiled and cached with them: building it costs more than creating the rulesets."""
    out = {}
    for name, _unit, idxs in rs.partitions:
        definition = {f"r{i}": {"all": [{"m": rule_pattern(rs.rules[i], rs.atoms)}]} for i in idxs}
        check_limits(definition, name)
        definition["__end"] = {"all": [{"m": {"kind": "__end"}}]}   # the sentinel rule (P1)
        out[name] = json.dumps(definition, ensure_ascii=False)
    return out


def durable_definition(rs, name: str) -> str:
    cached = getattr(rs, "durable_json", None)
    if not cached:
        cached = rs.durable_json = definitions(rs)
    return cached[name]


class DurableEvaluator:
    """One per process and ruleset version. Not thread-safe: one document at a time (a lock guards it).

    It drives durable's C module directly — create_ruleset, assert_facts, start_action_for_state,
    complete_and_start_action, delete_state — which is what durable.engine's Host and Ruleset do underneath,
    minus their timer threads (P11), logging and per-action Python objects. Every fired rule is an "action"
    the loop reads as a message {rule name: {"m": fact}}; nothing user-written runs inside durable, so the only
    errors are durable's own and our reading of its messages, and both are raised (P14).
    Pinned to durable-rules 2.0.28 (pyproject); tests/test_engine.py covers this use of the C API.
    """

    _ruleset_serial = 0

    def __init__(self, rs):
        import durable_rules_engine

        self._c = durable_rules_engine
        self.rs = rs
        self._lock = threading.Lock()
        self.partitions: list[tuple[int, str, set[str], str]] = []   # (C handle, unit kind, fact keys, name)
        self._made: dict[str, tuple] = {}   # name -> its entry in partitions, made on first use
        self._doc_counter = 0
        self._sizes: dict[str, int] = {}
        counts: dict[str, int] = {}
        for _name, unit, _idxs in rs.partitions:
            counts[unit] = counts.get(unit, 0) + 1
        self._single = {u for u, n in counts.items() if n == 1}   # units whose rules are all in one partition

    def _register(self, part) -> tuple:
        """A partition's ruleset, created in durable on its first fact (a draft's facts reach only some)."""
        rs = self.rs
        name, unit, idxs = part
        DurableEvaluator._ruleset_serial += 1
        rs_name = f"pl{DurableEvaluator._ruleset_serial}_{rs.fingerprint[:8]}_{name}"
        try:
            handle = self._c.create_ruleset(rs_name, durable_definition(rs, name))
        except Exception as e:
            raise EngineError(f"durable-rules 无法建立规则集 {name}：{e}") from None
        used = set().union(*(all_atoms(rs.rules[i].expr) for i in idxs))
        keys = {f"a{a}" for a in used} | {f"v{a}" for a in used}
        got = self._made[name] = (handle, unit, keys, name)
        self.partitions.append(got)
        return got

    def prepare(self) -> None:
        """Create every partition's ruleset now (a resident process, before it forks for each command)."""
        with self._lock:
            for part in self.rs.partitions:
                if part[0] not in self._made:
                    self._register(part)

    def _on_action(self, message: str, hits: set) -> None:
        # durable hands back the fact as it was asserted: {"r12":{"m":<fact>}}, and every fact is asserted with its
        # id first (_project). One rule and one whole fact (its length known) is read off the string; anything else
        # is parsed as JSON.
        if message.startswith('{"r'):
            q = message.find('"', 2)
            if message.startswith('":{"m":{"id": "', q):
                s = q + 15
                e = message.find('"', s)
                fid = message[s:e]
                if len(message) == q + 7 + self._sizes.get(fid, -10) + 2 and message[3:q].isdigit():
                    hits.add((int(message[3:q]), fid))   # a set: $or double fires collapse (P3)
                    return
        for rule_name, matched in json.loads(message).items():
            if rule_name != "__end":
                hits.add((int(rule_name[1:]), matched["m"]["id"]))

    def evaluate(self, facts_by_unit: dict[str, list[dict]]) -> set[tuple[int, str]]:
        """facts_by_unit: unit kind -> facts (each with 'id'). Returns {(rule index, fact id)}."""
        c = self._c
        with self._lock:
            self._doc_counter += 1
            sid = f"d{self._doc_counter}"
            hits: set[tuple[int, str]] = set()
            for part in self.rs.partitions:
                name, unit = part[0], part[1]
                # a fact carrying `_parts` (text units, see engine.check) goes only where a rule could match it
                facts = [f for f in facts_by_unit.get(unit, ()) if name in f.get("_parts", (name,))]
                if not facts:
                    continue
                handle, unit, keys, name = self._made.get(name) or self._register(part)
                mine = None if unit in self._single else keys
                parts = [_dumps(_project(f, mine, sid, unit)) for f in facts]
                self._sizes = {f["id"]: len(t) for f, t in zip(facts, parts)}   # read by _on_action
                parts.append(_dumps({"id": f"{sid}:end", "sid": sid, "kind": "__end"}))   # the sentinel (P1)
                try:
                    # code 1/2: some fact matched nothing / was seen before — expected; the actions still run (P5)
                    _code, state = c.assert_facts(handle, "[" + ", ".join(parts) + "]")
                    result = c.start_action_for_state(handle, state)
                    while result:
                        self._on_action(result[1] if isinstance(result, tuple) else result, hits)
                        result = c.complete_and_start_action(handle, state)
                except EngineError:
                    raise
                except Exception as e:
                    raise EngineError(f"durable-rules 执行规则时出错：{type(e).__name__}: {e}") from None
                finally:
                    try:
                        c.delete_state(handle, sid)   # safe once the __end sentinel has fired (P1)
                    except Exception:
                        pass
            return hits


MAX_FACT_PROPERTIES = 250   # durable accepts at most 255 properties per fact

_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _project(fact: dict, keys: set[str] | None, sid: str, unit: str) -> dict:
    """The fact as one partition sees it, its id first (what _on_action reads). keys None: the unit's rules are all
    in this partition, so everything the fact holds is for it (a key no rule reads is never looked at)."""
    out = {"id": fact["id"], "sid": sid, "kind": unit}
    if keys is None:
        out.update(fact)
        out.pop("_parts", None)
    else:
        out.update((k, v) for k, v in fact.items() if k in keys)
    if len(out) > MAX_FACT_PROPERTIES + 3:   # never let durable drop or mangle a fact silently
        raise EngineError(f"一个{unit}单元同时满足 {len(out) - 3} 个条件，超过 durable-rules 单个事实的属性上限")
    return out

