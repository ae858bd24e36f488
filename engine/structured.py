"""Rules over structured facts: filing items, filing requests, case records.

A record is a plain dict keyed by the Chinese field names the rules use, plus "_id" (what it is) and "_line"
(its row in the source file). Field atoms are decided here the same way for both evaluators: comparisons travel
as values (v{i}) that durable compares natively; list and text predicates become flags (a{i}).
"""
from __future__ import annotations

from .features import scan, text_atoms
from .finding import Finding, Match

RECORD_KINDS = ("filing_item", "filing_request", "case_record", "exception_declaration")
RECORD_CN = {"filing_item": "备案事项", "filing_request": "备案申请", "case_record": "案例", "exception_declaration": "例外声明"}


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


def _record_plan(rs, on: str) -> dict:
    from dsl.compiled import plan
    return plan(rs, f"records:{on}", lambda rs: _build_record_plan(rs, on))


def _build_record_plan(rs, on: str) -> dict:
    """What a record's fact is made of, by atom kind: values (v{i}), has, exists and contains flags (a{i}), per
    field the keys `contains` looks for, as bits over the scanner's value ids."""
    from dsl.compiled import all_atoms

    from .features import _scan_plan

    atom_ids = sorted(set().union(*(all_atoms(r.expr) for r in rs.rules if r.on == on)) or ())
    values, has, exists, contains, text = [], [], [], {}, []
    for i in atom_ids:
        form = rs.atoms[i]
        kind = form[0]
        if kind in ("cmp", "member"):
            values.append((form[1], f"v{i}"))
        elif kind == "has":
            has.append((form[1], form[2], form[3], f"a{i}"))
        elif kind == "exists":
            exists.append((form[1], f"a{i}"))
        elif kind == "contains":
            contains.setdefault(form[1], []).append((form[2], f"a{i}"))
        else:
            text.append(i)
    keys = sorted({k for pairs in contains.values() for k, _ in pairs})
    bit = {k: j for j, k in enumerate(keys)}
    vmask = []
    for vkeys in _scan_plan(rs)["vkeys"]:
        m = 0
        for k in vkeys:
            if k in bit:
                m |= 1 << bit[k]
        vmask.append(m)
    return {"atom_ids": atom_ids, "values": values, "has": has, "exists": exists, "text": text, "vmask": vmask,
            "contains": {f: [(1 << bit[k], name) for k, name in pairs] for f, pairs in contains.items()}}


def record_hits(records: list[dict], on: str, rs=None, engine: str | None = None, chunk: int = 500
                ) -> list[tuple[int, int]]:
    """(record number, rule index) for every `on <kind>` rule that holds on a record, in record order then rule
    order: what check_records finds, without making a Finding of each (a scan of 100,000 cases needs only this)."""
    from .check import default_rules, evaluator
    from .features import hits as scan_hits

    if on not in RECORD_KINDS:
        raise ValueError(f"unknown record kind {on!r}")
    rs = rs or default_rules()
    if not any(r.on == on for r in rs.rules):
        return []
    p = _record_plan(rs, on)
    values, has, exists, contains, vmask = p["values"], p["has"], p["exists"], p["contains"], p["vmask"]
    ev = evaluator(rs, engine)
    out: list[tuple[int, int]] = []
    for base in range(0, len(records), chunk):   # one durable state per chunk keeps facts well under its limits
        facts = []
        for n, record in enumerate(records[base:base + chunk], start=base):
            if p["text"]:
                fact = record_fact(record, rs, p["atom_ids"], {})
            else:
                fact = {}
                for field, name in values:
                    v = _value(record.get(field))
                    if v is not None:
                        fact[name] = v
                for field, mode, wanted, name in has:
                    if _has(record.get(field), mode, wanted):
                        fact[name] = 1
                for field, name in exists:
                    if record.get(field) not in (None, "", [], ()):
                        fact[name] = 1
                for field, pairs in contains.items():
                    text = _text(record.get(field))
                    if not text:
                        continue
                    m = 0
                    for v in scan_hits(text, rs):
                        m |= vmask[v]
                    if m:
                        for b, name in pairs:
                            if m & b:
                                fact[name] = 1
            fact["id"] = f"r{n}"
            facts.append(fact)
        out.extend((int(fid[1:]), i) for i, fid in ev.evaluate({on: facts}))
    out.sort()
    return out


def evaluate_records(records: list[dict], on: str, rs, engine: str | None = None, chunk: int = 500):
    """Yield (record index, rule index, fact, the record's occurrence cache) for every rule `on <kind>` that holds
    on a record, in record order (then rule order)."""
    from dsl.compiled import all_atoms

    from .check import evaluator

    if on not in RECORD_KINDS:
        raise ValueError(f"unknown record kind {on!r}")
    rules = [r for r in rs.rules if r.on == on]
    if not rules:
        return
    atom_ids = sorted(set().union(*(all_atoms(r.expr) for r in rules)))
    ev = evaluator(rs, engine)
    for base in range(0, len(records), chunk):   # one durable state per chunk keeps facts well under its limits
        facts, caches, by_n = [], {}, {}
        for n, record in enumerate(records[base:base + chunk], start=base):
            cache: dict = {}
            fact = record_fact(record, rs, atom_ids, cache)
            fact["id"] = f"r{n}"
            facts.append(fact)
            caches[n] = cache
            by_n[n] = fact
        hits = ev.evaluate({on: facts})
        for rule_idx, fid in sorted(hits, key=lambda h: (int(h[1][1:]), h[0])):
            n = int(fid[1:])
            yield n, rule_idx, by_n[n], caches[n]


def check_records(records: list[dict], on: str, source: str = "", rs=None, engine: str | None = None,
                  chunk: int = 500, details: bool = True) -> list[Finding]:
    """Evaluate every `on <kind>` rule over the records. Findings come back in record order.
    details=False leaves out the record summary, matched words and explanation (a batch classification of
    100,000 cases needs only which rule fired on which record)."""
    from .check import default_rules

    if on not in RECORD_KINDS:
        raise ValueError(f"unknown record kind {on!r}")
    rs = rs or default_rules()
    findings: list[Finding] = []
    for n, rule_idx, fact, cache in evaluate_records(records, on, rs, engine, chunk):
        if details:
            findings.append(_finding(records[n], rs, rs.rules[rule_idx], source, cache, fact))
        else:
            findings.append(_bare_finding(records[n], rs.rules[rule_idx], source))
    return findings


def fill(template: str, record: dict) -> str:
    """A message with the record's values in it: `{缺少要件}` becomes “甲”、“乙” (a list) or “值”; a field the record
    does not have is left as written."""
    if "{" not in template:
        return template

    def value(m):
        v = record.get(m.group(1))
        if v in (None, "", [], ()):
            return m.group(0)
        items = v if isinstance(v, (list, tuple)) else [v]
        return "、".join(f"“{_show(x)}”" for x in items if x is not None)
    from . import regex_cache
    return regex_cache.sub(r"\{([^{}\s]+)\}", value, template)


def _show(v) -> str:
    """A value as a reviewer writes it: 是/否, 30 rather than 30.0, lists joined with 、."""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (list, tuple)):
        return "、".join(_show(x) for x in v if x is not None)
    return str(v)


def summary(record: dict) -> tuple[str, dict[str, int]]:
    """「字段：值；…」 and where each field's value starts in it (to place matched words)."""
    parts, where, pos = [], {}, 0
    for k, v in record.items():
        if k.startswith("_") or v in (None, "", [], ()):
            continue
        head = f"{k}："
        where[k] = pos + len(head)
        shown = _show(v) if not isinstance(v, (list, tuple)) else _text(v)   # lists keep _text's offsets
        parts.append(head + shown)
        pos += len(head) + len(shown) + 1
    return "；".join(parts), where


def explain(record: dict, rs, rule, fact: dict, cache: dict) -> str:
    """Which facts of the record made the rule fire, in words: 办理环节含“专家评审”；是否收费为“是”."""
    from .oracle import atom_holds

    said = []
    for a in rule.when_atoms:
        form = rs.atoms[a]
        if not atom_holds(a, form, fact):
            continue
        kind, field = form[0], form[1]
        value = record.get(field)
        if kind == "cmp":
            said.append(f"{field}为“{_show(value)}”")
        elif kind == "member":
            said.append(f"{field}为“{_show(value)}”")
        elif kind == "has":
            hit = [w for w in form[3] if any(w in str(x) for x in (value if isinstance(value, (list, tuple)) else [value]))]
            said.append(f"{field}含“{'”“'.join(hit)}”")
        elif kind == "contains":
            spans = cache.get(field, {}).get(form[2], [])[:2]
            text = _text(value)
            said.append(f"{field}含“{'”“'.join(dict.fromkeys(text[s:e] for s, e in spans))}”")
        elif kind == "exists":
            said.append(f"已填写{field}（{_show(value)[:30]}）")
        else:
            said.append("记录中出现相关词语")
    out = f"该{RECORD_CN.get(rule.on, '记录')}" \
          f"{'，'.join(dict.fromkeys(said)) or '符合规则条件'}，符合“{rule.title}”的情形。"
    if rule.unless_text:
        out += "已检查排除情形，不具备。"
    return out


_BASIS: dict[tuple[str, str], str] = {}   # (rule id, rule source) -> basis text: joined once, not once per record


def _basis(rule) -> str:
    key = (rule.id, rule.source)
    got = _BASIS.get(key)
    if got is None:
        got = _BASIS[key] = rule.basis_text
    return got


def _bare_finding(record: dict, rule, source: str) -> Finding:
    rid = str(record.get("_id", ""))
    line = int(record.get("_line") or 0)
    return Finding(file=source, rule=rule.id, title=rule.title, family=rule.family, severity=rule.severity,
                   basis=_basis(rule), message=fill(rule.message, record), suggestion=fill(rule.suggest, record),
                   line=line, column=1,
                   path=rid, scope=rule.on, record=rid, sets=dict(rule.sets), confirm=rule.confirm)


def _finding(record: dict, rs, rule, source: str, cache: dict, fact: dict) -> Finding:
    from dsl.compiled import key_label

    text, where = summary(record)
    matches = []
    for a in rule.when_atoms:
        form = rs.atoms[a]
        if form[0] == "contains" and form[1] in cache and form[1] in where:
            base = where[form[1]]
            field_text = _text(record.get(form[1]))
            for s, e in cache[form[1]].get(form[2], [])[:3]:
                matches.append(Match(group=f"{form[1]}:{key_label(form[2])}", text=field_text[s:e],
                                     start=base + s, end=base + e))
    rid = str(record.get("_id", ""))
    line = int(record.get("_line") or 0)
    explanation = explain(record, rs, rule, fact, cache)
    return Finding(
        file=source, rule=rule.id, title=rule.title, family=rule.family, severity=rule.severity,
        basis=rule.basis_text, message=fill(rule.message, record), suggestion=fill(rule.suggest, record), line=line,
        column=1, end_line=line, end_column=1, start=0, end=len(text), path=rid, scope=rule.on, text=text,
        matched=sorted(matches, key=lambda m: m.start), explanation=explanation, confirm=rule.confirm,
        record=rid, sets=dict(rule.sets),
        bases=[{"citation": b.citation, "text": b.text, "instrument": b.instrument, "edition": b.edition}
               for b in rule.bases],
    )
