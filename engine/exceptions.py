"""Exceptions claimed under 《公平竞争审查条例》第十二条 / 《实施办法》第二十五条.

A draft may declare that a measure which restricts competition can still be adopted because it serves one of the
situations of 条例第十二条 (一)—(四), has no less-restrictive alternative and has a reasonable period or end
condition; 办法第二十九条第二款 says the review conclusion must explain each.  The checker cannot decide whether
the claim holds — the reviewer does (条例第十七条第二款) — so nothing is suppressed.  Instead:

- every fair_competition finding on a measure the declaration covers (the declaring article, the articles it
  names, or the whole draft when it declares globally) gets `finding.exception` and an explanation of which
  elements the draft states and which it does not;
- a declaration that leaves an element out is itself a finding, FC-EXC-INCOMPLETE (warning).
"""
from __future__ import annotations

import re

from .context import ELEMENT_BASIS, ELEMENTS, ExceptionDeclaration, exception_declarations, lexicon
from .finding import Finding, Match

RULE_ID = "FC-EXC-INCOMPLETE"
RULE_TITLE = "声明适用例外情形但说明不完整"
EXC_BASIS = [("公平竞争审查条例", (("art", 12),)),
             ("公平竞争审查条例实施办法", (("art", 25),)),
             ("公平竞争审查条例实施办法", (("art", 29), ("para", 2)))]
ELEMENT_SUGGEST = {
    "适用情形": "写明属于条例第十二条第（一）至（四）项中的哪一种情形及事实依据",
    "没有对公平竞争影响更小的替代方案": "说明已比较的替代方案，以及本措施对公平竞争不利影响范围最小、程度最轻的理由",
    "合理的实施期限或者终止条件": "规定为实现政策目的所需的最短实施期限，或明确、具体的终止条件",
}


def _bases() -> list[dict]:
    from dsl.lawtext import load_lawbook

    book = load_lawbook()
    out = []
    for instrument, locs in EXC_BASIS:
        p = book.resolve(instrument, locs)
        text = p.article_text
        if locs[-1][0] == "para":   # one paragraph with its items, not the whole article
            para = book.get(instrument).articles[locs[0][1]]["paras"][locs[-1][1]]
            text = "\n".join([p.text] + [f"（{'一二三四五六七八九'[n - 1]}）{t}"
                                          for n, t in sorted((para.get("items") or {}).items())])
        out.append({"citation": p.citation, "text": text, "instrument": p.instrument, "edition": p.edition})
    return out


def _article(path: str) -> str:
    m = re.match(r"第[零〇一二两三四五六七八九十百\d]+条", path or "")
    return m.group(0) if m else ""


def _covers(d: ExceptionDeclaration, f: Finding) -> bool:
    if d.scope == "document":
        return True
    if d.unit_start <= f.start < d.unit_end:
        return True
    return _article(f.path) in d.covers


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


def _incomplete_finding(doc, d: ExceptionDeclaration, bases: list[dict]) -> Finding:
    line, col = doc.line_col(d.start)
    end_line, end_col = doc.line_col(max(d.end - 1, d.start))
    missing = "、".join(f"“{e}”" for e in d.missing)
    return Finding(
        file=doc.name, rule=RULE_ID, title=RULE_TITLE, family="fair_competition", severity="warning",
        basis="；".join(b["citation"] for b in bases),
        message=f"声明适用《公平竞争审查条例》第十二条例外情形，但未说明{missing}",
        suggestion="；".join(ELEMENT_SUGGEST[e] for e in d.missing)
                   + "。不能同时满足三项条件的，应删除排除、限制竞争的内容，不得以例外为由出台。",
        line=line, column=col, end_line=end_line, end_column=end_col + 1, start=d.unit_start, end=d.unit_end,
        path=d.declared_at if d.declared_at != "全文" else "", scope="article",
        text=doc.text[d.unit_start:d.unit_end],
        explanation=describe(d) + " 各要件的依据：" + "；".join(f"{e}——{ELEMENT_BASIS[e]}" for e in ELEMENTS) + "。",
        confirm="请核实起草说明或审查材料中是否已另行说明缺少的要件。",
        bases=bases, exception=_exception_dict(d),
        # the declaration's words: what line:column–end_line:end_column point at, so start/end in jsonl agree
        matched=[Match(group="例外声明", text=doc.text[d.start:d.end], start=d.start, end=d.end, line=line, column=col)],
    )


def apply_exceptions(doc, context: dict, findings: list[Finding], rs=None) -> list[Finding]:
    if not context.get("exception"):
        return findings
    decls = exception_declarations(doc, lexicon(rs))
    if not decls:
        return findings
    order = {"articles": 0, "article": 1, "document": 2}   # the most specific declaration wins
    for f in findings:
        if f.family != "fair_competition" or f.rule == RULE_ID:
            continue
        covering = sorted((d for d in decls if _covers(d, f)), key=lambda d: order[d.scope])
        if not covering:
            continue
        d = covering[0]
        f.exception = _exception_dict(d)
        f.explanation = (f.explanation + " " if f.explanation else "") + describe(d)
        if d.missing:
            f.notes.append(f"声明的例外缺少：{'、'.join(d.missing)}")
    incomplete = [d for d in decls if d.missing]
    if incomplete:
        bases = _bases()
        findings = findings + [_incomplete_finding(doc, d, bases) for d in incomplete]
        findings.sort(key=lambda f: f.start)   # stable: keeps the engine's order among equals
    return findings
