"""Cross-clause facts: what one clause says about another.

Two structures of Chinese drafting carry a requirement from one clause into another:
- a definition clause — 本办法所称重点企业，是指注册地在本县的企业 — makes every later clause that
  uses the term say what the definition says (对重点企业给予用地优先保障 is a local preference);
- a lead-in — 投标人须具备下列条件： — makes each item below it a requirement (（二）在罗江注册子公司).

For each clause that inherits, a reading is built that states it in full (the term followed by its definition in
brackets; the lead-in followed by the item) and the same compiled rules run over those readings. A finding made
only on the full reading is reported on the inheriting clause, and its explanation names the clause it inherited
from, so a reviewer sees both. Only sentence and clause rules are asked: an article or the whole document
already contains both clauses.
"""
from __future__ import annotations

import re

DEFINITION = re.compile(
    r"本(?:办法|措施|规定|细则|实施细则|政策|通知|意见|方案|文件|计划|若干措施|条例|规则|决定|公告)(?:中)?所称(?:的)?"
    r"[“\"「]?(?P<term>[^，。；：、“”\"「」（）]{2,20}?)[”\"」]?[，,]?(?:是指|指|系指|即|包括)(?P<body>[^。；]{4,160})")
ITEM_HEAD = re.compile(r"^\s*(?:[（(][一二三四五六七八九十百\d]+[)）]|\d+[.．、]|[一二三四五六七八九十]+、)\s*")
ARTICLE_HEAD = re.compile(r"^\s*第[一二三四五六七八九十百零〇\d]+条\s*")
MAX_READINGS = 2000          # a hostile draft with thousands of defined terms costs at most this many readings


class Reading:
    __slots__ = ("unit", "text", "offset", "source_path", "how", "inserted")

    def __init__(self, unit, text: str, offset: int, source_path: str, how: str, inserted=(0, 0)):
        self.unit = unit              # the inheriting clause (a sentence unit of the original document)
        self.text = text              # its full reading
        self.offset = offset          # where the unit's own text starts inside the reading
        self.source_path = source_path
        self.how = how                # what was inherited, in a reviewer's words
        self.inserted = inserted      # (position, length) of a definition inserted into the unit's text

    def original(self, p: int) -> int | None:
        """The unit offset of reading position p; None inside the inherited words."""
        at, n = self.inserted
        if p < self.offset:
            return None
        p -= self.offset
        if n and p >= at:
            if p < at + n:
                return None
            p -= n
        return p if p < self.unit.end - self.unit.start else None


def definitions(doc) -> list[tuple[str, str, object]]:
    """(term, what it is defined as, the defining sentence) for each definition clause."""
    out = []
    for u in doc.sentences:
        s = doc.text[u.start:u.end]
        for m in DEFINITION.finditer(s):
            term = m.group("term").strip()
            if len(term) >= 2:
                out.append((term, m.group("body").strip("，, "), u))
    return out


def readings(doc) -> list[Reading]:
    out: list[Reading] = []
    defs = definitions(doc)
    if defs:
        defs.sort(key=lambda d: -len(d[0]))
        for u in doc.sentences:
            s = doc.text[u.start:u.end]
            for term, body, src in defs:
                if src is u:
                    continue
                i = s.find(term)
                if i < 0:
                    continue
                full = s[:i + len(term)] + f"（{body}）" + s[i + len(term):]
                out.append(Reading(u, full, 0, src.path, f"本句的“{term}”在{src.path or '前文'}定义为“{body}”",
                                   inserted=(i + len(term), len(body) + 2)))
                break
    clauses = doc.clauses
    for i, lead in enumerate(clauses):
        head = doc.text[lead.start:lead.end].rstrip()
        if not head.endswith(("：", ":")):
            continue
        lead_text = ARTICLE_HEAD.sub("", ITEM_HEAD.sub("", head)).rstrip("：:")
        for item in clauses[i + 1:]:
            if not item.path.startswith(lead.path) or item.path == lead.path:
                break
            for u in doc.sentences:
                if item.start <= u.start < item.end:
                    prefix = lead_text + "，"
                    out.append(Reading(u, prefix + doc.text[u.start:u.end], len(prefix), lead.path,
                                       f"本项承接{lead.path or '上文'}“{lead_text}：”的要求"))
    return out[:MAX_READINGS]


def inherited_findings(doc, rs, context, found: list, evaluate) -> list:
    """Findings that hold only on a clause's full reading, reported on the clause itself.
    `evaluate(text) -> findings` runs the pipeline on one reading (without this step, so it cannot recurse)."""
    rs_rules = {r.id: r for r in rs.rules}
    have = {(f.rule, f.start) for f in found}
    out = []
    for rd in readings(doc):
        for f in evaluate(rd.text):
            rule = rs_rules.get(f.rule)
            if rule is None or rule.scope not in ("sentence", "clause") or (f.rule, rd.unit.start) in have:
                continue
            have.add((f.rule, rd.unit.start))
            u = rd.unit
            line, col = doc.line_col(u.start)
            end_line, end_col = doc.line_col(max(u.end - 1, u.start))
            own = []
            for m in f.matched:
                a = rd.original(m.start)
                if a is None:
                    continue
                m.start, m.end = u.start + a, min(u.start + a + (m.end - m.start), u.end)
                m.line, m.column = doc.line_col(m.start)
                own.append(m)
            if own:
                line, col = own[0].line, own[0].column
            f.file, f.start, f.end, f.path, f.text = doc.name, u.start, u.end, u.path, doc.text[u.start:u.end]
            f.line, f.column, f.end_line, f.end_column = line, col, end_line, end_col + 1
            f.matched = own
            f.explanation = f"{rd.how}；连同该处一并理解：{f.explanation}"
            out.append(f)
    return out
