"""Exceptions claimed under 《公平竞争审查条例》第十二条 / 《实施办法》第二十五条.

A draft may declare that a measure which restricts competition can still be adopted because it serves one of the
situations of 条例第十二条 (一)—(四), has no less-restrictive alternative and has a reasonable period or end
condition; 办法第二十九条第二款 says the review conclusion must explain each.  The checker cannot decide whether
the claim holds — the reviewer does (条例第十七条第二款) — so nothing is suppressed.  Instead:

- every fair_competition finding on a measure the declaration covers (the declaring article, the articles it
  names, or the whole draft when it declares globally) gets `finding.exception` and an explanation of which
  elements the draft states and which it does not;
- each declaration becomes a structured fact (`on exception_declaration`: its place, scope and, per element of
  条例第十二条, where the draft states it), and the rules over such facts judge it: the shipped one,
  FC-EXC-INCOMPLETE in rules/fair_competition/art25.rule, reports a declaration that leaves an element out.
  This module knows the record kind, never a rule id.
"""
from __future__ import annotations

import re

from .context import ELEMENT_BASIS, ELEMENTS, ExceptionDeclaration, exception_declarations, lexicon
from .finding import Finding, Match

ON = "exception_declaration"   # the record kind the rules judging a declaration are written `on`


def declaration_rules(rs) -> set[str]:
    """The ids of the rules that judge a declaration (for reports that show declarations in their own place)."""
    return {r.id for r in rs.rules if r.on == ON}


def _bases(rule) -> list[dict]:
    """The rule's bases with the law's text in full: a whole article with its items and paragraphs, a paragraph with
    its items (办法第二十九条第二款 lists what the review conclusion must explain)."""
    from dsl.lawtext import cn_numeral, load_lawbook

    book = load_lawbook()
    out = []
    for p in rule.bases:
        text = p.article_text if p.locators[-1][0] == "art" else p.text
        if p.locators[-1][0] == "para":   # one paragraph with its items, not the whole article
            para = book.get(p.instrument).articles[p.locators[0][1]]["paras"][p.locators[-1][1]]
            text = "\n".join([p.text] + [f"（{cn_numeral(n)}）{t}" for n, t in sorted((para.get("items") or {}).items())])
        out.append({"citation": p.citation, "text": text, "instrument": p.instrument, "edition": p.edition})
    return out


def _article(path: str) -> str:
    m = re.match(r"第[零〇一二两三四五六七八九十百\d]+条", path or "")
    return m.group(0) if m else ""


def coverage(doc, decls: list[ExceptionDeclaration], findings: list[Finding], engine: str | None = None) -> dict:
    """finding index -> the indexes of the declarations that cover it. The structural facts are numbers made here
    (which article unit a finding lies in, which article units a declaration names); durable-rules joins them
    (engine/links.py: "exception" on the article unit, "exception_all" for a declaration over the whole draft)."""
    import bisect

    from .links import links

    arts = doc.units("article")
    starts = [a.start for a in arts]
    by_name = {}
    for n, a in enumerate(arts):
        by_name.setdefault(_article(a.path), []).append(n)

    def unit_of(offset: int) -> int:
        return max(bisect.bisect_right(starts, offset) - 1, 0)

    facts = []
    for i, d in enumerate(decls):
        if d.scope == "document":
            facts.append({"id": f"d{i}", "kind": "declares_all", "decl": i, "doc": 1})
            continue
        covered = {unit_of(d.unit_start)} | {n for name in d.covers for n in by_name.get(name, ())}
        facts += [{"id": f"d{i}a{n}", "kind": "declares", "decl": i, "article": n} for n in sorted(covered)]
    for j, f in enumerate(findings):
        if f.family == "fair_competition":
            facts.append({"id": f"f{j}", "kind": "measure", "finding": j, "article": unit_of(f.start), "doc": 1})
    decl_of = {fact["id"]: fact["decl"] for fact in facts if "decl" in fact}
    out: dict[int, set[int]] = {}
    for _name, left, right in links(facts, engine or "durable"):
        out.setdefault(int(right[1:]), set()).add(decl_of[left])
    return out


def _exception_dict(d: ExceptionDeclaration) -> dict:
    return {
        "claimed": True,
        "basis": "《公平竞争审查条例》第十二条；《公平竞争审查条例实施办法》第二十五条",
        "situation": d.situation,
        "present": list(d.present),
        "missing": list(d.missing),
        "declared_at": d.declared_at,
        "scope": {"document": "全文", "article": d.declared_at, "articles": "、".join(d.covers)}[d.scope],
        "where": dict(d.where),
    }


def describe(d: ExceptionDeclaration) -> str:
    """One Chinese sentence on what the declaration states and leaves out."""
    where = "全文" if d.declared_at == "全文" else d.declared_at
    covered = {"document": "全文各项措施", "article": "本条措施", "articles": "、".join(d.covers) + "的措施"}[d.scope]
    s = f"起草单位在{where}声明{covered}适用《公平竞争审查条例》第十二条例外"
    s += f"（情形：{d.situation}）" if d.situation else ""
    s += "。"
    if d.present:
        s += "已说明：" + "；".join(f"{e}（见{d.where.get(e, '')}）" for e in d.present) + "。"
    if d.missing:
        s += "未说明：" + "；".join(d.missing) + "。"
        s += "条例第十二条的条件须同时具备，缺少任何一项均不能适用例外。"
    else:
        s += "三项要件均有文字表述，是否成立须由审查机构在审查结论中详细说明（条例第十七条第二款）。"
    return s


def declaration_record(d: ExceptionDeclaration) -> dict:
    """One declaration as the rules `on exception_declaration` read it: each element of 条例第十二条 is a field holding
    where the draft states it (第四条“节约能源”), absent when it does not."""
    rec = {"_id": d.declared_at, "声明位置": d.declared_at,
           "适用范围": {"document": "全文", "article": "本条", "articles": "、".join(d.covers)}[d.scope]}
    rec.update({e: d.where[e] for e in ELEMENTS if e in d.where})
    rec["缺少要件"] = list(d.missing)
    return rec


def _declaration_finding(doc, d: ExceptionDeclaration, rule, record: dict) -> Finding:
    from .structured import fill

    line, col = doc.line_col(d.start)
    end_line, end_col = doc.line_col(max(d.end - 1, d.start))
    bases = _bases(rule)
    return Finding(
        file=doc.name, rule=rule.id, title=rule.title, family=rule.family, severity=rule.severity,
        basis=rule.basis_text, message=fill(rule.message, record), suggestion=fill(rule.suggest, record),
        line=line, column=col, end_line=end_line, end_column=end_col + 1, start=d.unit_start, end=d.unit_end,
        path=d.declared_at if d.declared_at != "全文" else "", scope="article",
        text=doc.text[d.unit_start:d.unit_end],
        explanation=describe(d) + " 各要件的依据：" + "；".join(f"{e}——{ELEMENT_BASIS[e]}" for e in ELEMENTS) + "。",
        confirm=rule.confirm, bases=bases, exception=_exception_dict(d),
        # the declaration's words: what line:column–end_line:end_column point at, so start/end in jsonl agree
        matched=[Match(group="例外声明", text=doc.text[d.start:d.end], start=d.start, end=d.end, line=line, column=col)],
    )


def apply_exceptions(doc, context: dict, findings: list[Finding], rs=None, engine: str | None = None) -> list[Finding]:
    if not context.get("exception"):
        return findings
    from .check import default_rules
    from .structured import evaluate_records

    rs = rs or default_rules()
    decls = exception_declarations(doc, lexicon(rs))
    if not decls:
        return findings
    order = {"articles": 0, "article": 1, "document": 2}   # the most specific declaration wins
    covered = coverage(doc, decls, findings, engine)
    for j, f in enumerate(findings):
        if j not in covered:
            continue
        d = min((decls[i] for i in covered[j]), key=lambda d: (order[d.scope], d.start))
        f.exception = _exception_dict(d)
        f.explanation = (f.explanation + " " if f.explanation else "") + describe(d)
        if d.missing:
            f.notes.append(f"声明的例外缺少：{'、'.join(d.missing)}")
    records = [declaration_record(d) for d in decls]
    judged = [_declaration_finding(doc, decls[n], rs.rules[i], records[n])
              for n, i, _fact, _cache in evaluate_records(records, ON, rs, engine)]
    if judged:
        findings = findings + judged
        findings.sort(key=lambda f: f.start)   # stable: keeps the engine's order among equals
    return findings
