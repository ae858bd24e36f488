"""Rules over structured facts: filing items, filing requests, case records.

A record is a plain dict keyed by the Chinese field names the rules use, plus "_id" (what it is) and "_line"
(its row in the source file). Field atoms are decided here the same way for both evaluators: comparisons travel
as values (v{i}) that durable compares natively; list and text predicates become flags (a{i}).
"""
from __future__ import annotations

from .features import scan, text_atoms
from .finding import Finding, Match

RECORD_KINDS = ("filing_item", "filing_request", "case_record")


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, (list, tuple)):
        return "；".join(str(x) for x in v if x is not None)
    return str(v)


def _value(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float, str)):
        return v
    return None   # lists, dicts and None compare as missing


def _has(v, mode: str, wanted) -> bool:
    entries = [str(x) for x in v] if isinstance(v, (list, tuple)) else ([str(v)] if v not in (None, "") else [])
    test = (lambda w: any(w in e for e in entries))
    return any(map(test, wanted)) if mode == "any" else all(map(test, wanted))


def record_fact(record: dict, rs, atom_ids: list[int], occ_cache: dict) -> dict:
    fact: dict = {}
    text_ids = []
    for i in atom_ids:
        form = rs.atoms[i]
        kind = form[0]
        if kind in ("cmp", "member"):
            v = _value(record.get(form[1]))
            if v is not None:
                fact[f"v{i}"] = v
        elif kind == "has":
            if _has(record.get(form[1]), form[2], form[3]):
                fact[f"a{i}"] = 1
        elif kind == "exists":
            v = record.get(form[1])
            if v not in (None, "", [], ()):
                fact[f"a{i}"] = 1
        elif kind == "contains":
            field = form[1]
            if field not in occ_cache:
                occ_cache[field] = scan(_text(record.get(field)), rs)
            if occ_cache[field].get(form[2]):
                fact[f"a{i}"] = 1
        else:
            text_ids.append(i)
    if text_ids:   # bare words and order/near: over all the record's text
        if "*" not in occ_cache:
            occ_cache["*"] = scan("\n".join(_text(v) for k, v in record.items() if not k.startswith("_")), rs)
        for i in text_atoms(rs, occ_cache["*"], text_ids):
            fact[f"a{i}"] = 1
    return fact


def check_records(records: list[dict], on: str, source: str = "", rs=None, engine: str | None = None,
                  chunk: int = 500) -> list[Finding]:
    """Evaluate every `on <kind>` rule over the records. Findings come back in record order."""
    from dsl.compiled import all_atoms

    from .check import default_rules, evaluator

    if on not in RECORD_KINDS:
        raise ValueError(f"unknown record kind {on!r}")
    rs = rs or default_rules()
    rules = [r for r in rs.rules if r.on == on]
    if not rules:
        return []
    atom_ids = sorted(set().union(*(all_atoms(r.expr) for r in rules)))
    ev = evaluator(rs, engine)
    findings: list[Finding] = []
    for base in range(0, len(records), chunk):   # one durable state per chunk keeps facts well under its limits
        facts, caches = [], {}
        for n, record in enumerate(records[base:base + chunk], start=base):
            cache: dict = {}
            fact = record_fact(record, rs, atom_ids, cache)
            fact["id"] = f"r{n}"
            facts.append(fact)
            caches[n] = cache
        hits = ev.evaluate({on: facts})
        for rule_idx, fid in sorted(hits, key=lambda h: (int(h[1][1:]), h[0])):
            n = int(fid[1:])
            findings.append(_finding(records[n], rs, rs.rules[rule_idx], source, caches[n]))
    return findings


def _finding(record: dict, rs, rule, source: str, cache: dict) -> Finding:
    from dsl.compiled import describe_atom, key_label

    matches, held = [], []
    for a in rule.when_atoms:
        form = rs.atoms[a]
        held.append(describe_atom(form))
        if form[0] == "contains" and form[1] in cache:
            for s, e in cache[form[1]].get(form[2], [])[:3]:
                text = _text(record.get(form[1]))
                matches.append(Match(group=f"{form[1]}:{key_label(form[2])}", text=text[s:e], start=s, end=e))
    rid = str(record.get("_id", ""))
    line = int(record.get("_line") or 0)
    summary = "；".join(f"{k}：{_text(v)}" for k, v in record.items() if not k.startswith("_") and v not in (None, "", []))
    explanation = f"命中条件：{rule.when_text}。"
    if rule.unless_text:
        explanation += f"已检查排除情形“{rule.unless_text}”：不具备。"
    return Finding(
        file=source, rule=rule.id, title=rule.title, family=rule.family, severity=rule.severity,
        basis=rule.basis_text, message=rule.message, suggestion=rule.suggest, line=line, column=1,
        end_line=line, end_column=1, path=rid, scope=rule.on, text=summary[:500], matched=matches,
        explanation=explanation, confirm=rule.confirm, record=rid, sets=dict(rule.sets),
        bases=[{"citation": b.citation, "text": b.text, "instrument": b.instrument, "edition": b.edition}
               for b in rule.bases],
    )
