"""Cross-clause facts: what one clause says about another.

Three structures of Chinese drafting carry a requirement from one clause into another:
- a definition clause — 本办法所称重点企业，是指注册地在本县的企业 — makes every later clause that
  uses the term say what the definition says (对重点企业给予用地优先保障 is a local preference);
- a scope clause that limits the measure to operators registered or paying tax somewhere — 本办法适用于在本县
  注册登记的企业 — makes every later “企业” such an operator;
- a lead-in — 投标人须具备下列条件： — makes each item below it a requirement (（二）在罗江注册子公司).

Python finds these structures as facts; durable-rules joins them (engine/links.py: which sentence uses which
defined term, which item lies under which lead-in), with the Python oracle on the same facts beside it.
For each clause that inherits, a reading is built that states it in full (the term followed by its definition in
brackets; the lead-in followed by the item) and the same compiled rules run over those readings. A finding made
only on the full reading is reported on the inheriting clause, and its explanation names the clause it inherited
from, so a reviewer sees both. Only sentence and clause rules are asked: an article or the whole document
already contains both clauses.
"""
from __future__ import annotations

from .regex_cache import cached   # the compiled code is kept across runs (engine.regex_cache)

DEFINITION = cached(
    r"本(?:办法|措施|规定|细则|实施细则|政策|通知|意见|方案|文件|计划|若干措施|条例|规则|决定|公告)(?:中)?所称(?:的)?"
    r"[“\"「]?(?P<term>[^，。；：、“”\"「」（）]{2,20}?)[”\"」]?[，,]?(?:是指|指|系指|即|包括)(?P<body>[^。；]{4,160})")
# The purpose-and-basis clause (为……，根据……，制定本办法 / 结合我市实际，制定如下措施): it says why and on what
# authority the measure is made and binds no one, so a defined term it names ("降低市场经营主体准入门槛") does not
# make it a requirement on the defined operators.
PURPOSE = cached(r"(?:制定|特制定|现制定|修订|出台)(?:本|如下|以下|下列)[^。；]{0,12}(?:办法|措施|规定|细则|实施细则|政策|意见|方案|规则|决定|计划|条例)"
                 r"|现(?:就[^。；]{0,30})?提出(?:如下|以下)(?:实施)?意见")
ITEM_HEAD = cached(r"^\s*(?:[（(][一二三四五六七八九十百\d]+[)）]|\d+[.．、]|[一二三四五六七八九十]+、)\s*")
ARTICLE_HEAD = cached(r"^\s*第[一二三四五六七八九十百零〇\d]+条\s*")
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


SCOPE = cached(
    r"本(?:办法|措施|规定|细则|实施细则|政策|通知|意见|方案|文件|计划|若干措施|规则|决定)(?:的)?适用(?:范围|对象)?(?:为|是|于|：)"
    r"(?P<body>[^。；]{0,80}?(?:注册|纳税|税收|登记|户籍|总部)[^。；]{0,40}?的)(?P<term>企业|经营主体|市场主体|经营者|"
    r"单位|项目|机构|个体工商户|供应商|投资者|投资主体)")
MAX_TERMS = 200              # distinct defined terms looked up in every sentence


def definitions(doc) -> list[tuple[str, str, object, bool]]:
    """(term, what it is defined as, the defining sentence, is a scope clause) for each definition clause, and for
    each scope clause that limits the measure to operators registered (or paying tax) somewhere:
    本办法适用于在本县注册的企业 makes every “企业” of the document such an operator."""
    out = []
    for u in doc.sentences:
        s = doc.text[u.start:u.end]
        for m in DEFINITION.finditer(s):
            term = m.group("term").strip()
            if len(term) >= 2:
                out.append((term, m.group("body").strip("，, "), u, False))
        for m in SCOPE.finditer(s):
            out.append((m.group("term"), m.group("body").strip("，, ") + m.group("term"), u, True))
    return out


def structure_facts(doc) -> tuple[list[dict], dict]:
    """The document's cross-clause facts for engine.links (integers only), and what their ids stand for."""
    facts: list[dict] = []
    defs = definitions(doc)
    terms: dict[str, int] = {}
    for term, *_ in defs:
        if term not in terms and len(terms) < MAX_TERMS:
            terms[term] = len(terms)
    unit_no = {id(u): j for j, u in enumerate(doc.sentences)}
    for k, (term, _body, src, _scope) in enumerate(defs):
        if term in terms:
            facts.append({"kind": "defines", "id": f"d{k}", "term": terms[term], "unit": unit_no[id(src)]})
    if terms:
        for j, u in enumerate(doc.sentences):
            s = doc.text[u.start:u.end]
            for term, t in terms.items():
                if term in s:
                    facts.append({"kind": "uses", "id": f"u{j}.{t}", "term": t, "unit": j})
    # which clauses each clause lies under (clause paths nest by prefix: 第二条 ⊃ 第二条第（二）项 ⊃ …1目)
    clauses = doc.clauses
    starts = [u.start for u in doc.sentences]
    stack: list[int] = []
    j = 0
    for i, c in enumerate(clauses):
        while stack and not (c.path.startswith(clauses[stack[-1]].path) and c.path != clauses[stack[-1]].path):
            stack.pop()
        if doc.text[c.start:c.end].rstrip().endswith(("：", ":")):
            facts.append({"kind": "leadin", "id": f"l{i}", "clause": i})
        while j < len(starts) and starts[j] < c.start:
            j += 1
        k = j
        while k < len(starts) and starts[k] < c.end:
            for a in stack:
                facts.append({"kind": "inside", "id": f"i{k}.{a}", "clause": a, "unit": k})
            k += 1
        stack.append(i)
    return facts, {"defs": defs, "terms": terms}


def purpose(doc, unit) -> bool:
    """Whether the sentence is the measure's purpose-and-basis clause (PURPOSE)."""
    return PURPOSE.search(doc.text[unit.start:unit.end]) is not None


def readings(doc, engine: str | None = None) -> list[Reading]:
    """The full reading of every sentence that inherits from another clause; which ones do is decided by the
    joins of engine.links (durable-rules, or the Python oracle when engine == "python")."""
    from .links import links

    facts, what = structure_facts(doc)
    if not any(f["kind"] in ("defines", "leadin") for f in facts):
        return []
    by_id = {f["id"]: f for f in facts}
    joined = links(facts, engine or "durable")
    sentences, clauses, defs = doc.sentences, doc.clauses, what["defs"]
    out: list[Reading] = []
    best: dict[int, tuple] = {}   # using sentence -> (-len(term), definition number): the longest term, first defined
    for name, left, right in joined:
        if name != "definition":
            continue
        d, u = by_id[left], by_id[right]
        if d["unit"] == u["unit"]:          # a definition does not inherit from itself
            continue
        k = int(left[1:])
        key = (-len(defs[k][0]), k)
        if u["unit"] not in best or key < best[u["unit"]]:
            best[u["unit"]] = key
    for j in sorted(best):
        u = sentences[j]
        if purpose(doc, u):
            continue
        term, body, src, scope = defs[best[j][1]]
        s = doc.text[u.start:u.end]
        i = s.find(term)
        full = s[:i + len(term)] + f"（{body}）" + s[i + len(term):]
        where = src.path or "前文"
        how = (f"{where}把适用对象限定为“{body}”，本句的“{term}”即指此" if scope
               else f"本句的“{term}”在{where}定义为“{body}”")
        out.append(Reading(u, full, 0, src.path, how, inserted=(i + len(term), len(body) + 2)))
    leads = sorted((by_id[left]["clause"], by_id[right]["unit"]) for name, left, right in joined if name == "leadin")
    for ci, j in leads:
        lead, u = clauses[ci], sentences[j]
        head = doc.text[lead.start:lead.end].rstrip()
        lead_text = ARTICLE_HEAD.sub("", ITEM_HEAD.sub("", head)).rstrip("：:")
        prefix = lead_text + "，"
        out.append(Reading(u, prefix + doc.text[u.start:u.end], len(prefix), lead.path,
                           f"本项承接{lead.path or '上文'}“{lead_text}：”的要求"))
    return out[:MAX_READINGS]


def inherited_findings(doc, rs, context, found: list, evaluate, engine: str | None = None) -> list:
    """Findings that hold only on a clause's full reading, reported on the clause itself.
    `evaluate(text) -> findings` runs the pipeline on one reading (without this step, so it cannot recurse)."""
    rs_rules = {r.id: r for r in rs.rules}
    have = {(f.rule, f.start) for f in found}
    out = []
    for rd in readings(doc, engine):
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
