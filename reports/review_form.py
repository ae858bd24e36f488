"""The 公平竞争审查表 a reviewer files: the draft, its scope, the standards one by one, every finding with the law it
may breach, the exceptions claimed, and a conclusion left for the reviewer to confirm.

The form is built once as a reports.blocks Doc and drawn three ways (.docx in official-document style, Markdown,
HTML), so the three never disagree.

    review = build_review("草案.docx")          # runs the checker
    write_review(review, "审查表.docx")          # .docx / .md / .html by suffix
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import UserError
from engine.finding import SEVERITY_CN, Finding
from reports import blocks
from reports.blocks import Doc

SUFFIXES = (".docx", ".md", ".html", ".htm")

# 条例第八至十一条: the four categories of standards (the item texts come from rules/law at build time)
CATEGORIES = [(8, "限制市场准入和退出"), (9, "限制商品、要素自由流动"), (10, "影响生产经营成本"), (11, "影响生产经营行为")]
# 办法 article -> 条例 article and item (implementation_measures_2025.md, the 条例 ↔ 办法 table)
MEASURES_TO_REGULATION = {9: (8, 1), 10: (8, 2), 11: (8, 3), 12: (8, 4), 13: (9, 1), 14: (9, 2), 15: (9, 3),
                          16: (9, 4), 17: (9, 5), 18: (10, 1), 19: (10, 2), 20: (10, 3), 21: (11, 1), 22: (11, 2),
                          23: (11, 3)}
REGULATION = "公平竞争审查条例"
MEASURES = "公平竞争审查条例实施办法"
CITE_RE = re.compile(r"《([^》]+)》第([零〇一二两三四五六七八九十百\d]+)条(?:第([零〇一二两三四五六七八九十百\d]+)款)?"
                     r"(?:第[（(]([零〇一二两三四五六七八九十百\d]+)[)）]项)?")
CONCLUSIONS = [
    "不涉及经营者经济活动，无需开展公平竞争审查",
    "符合公平竞争审查标准，可以出台",
    "不符合公平竞争审查标准，应当修改后出台（修改内容见审查意见）",
    "不符合公平竞争审查标准，且不符合《公平竞争审查条例》第十二条规定的情形，不得出台",
    "具有或者可能具有排除、限制竞争效果，但符合《公平竞争审查条例》第十二条规定的情形，可以出台"
    "（须在审查意见中详细说明第二十九条第二款所列内容）",
]


@dataclass
class ChecklistRow:
    article: int
    item: int | None
    citation: str
    standard: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def involved(self) -> bool:
        return bool(self.findings)


@dataclass
class Review:
    name: str
    context: dict
    findings: list[Finding]
    declarations: list = field(default_factory=list)
    checklist: list[ChecklistRow] = field(default_factory=list)
    unmapped: list[Finding] = field(default_factory=list)
    generated: str = ""
    rule_count: int = 0
    # the reviewer's decision on each finding, by finding_key(f): {"decision": "采纳"|"不采纳", "reason", "by", "at"}
    decisions: dict = field(default_factory=dict)
    # 版头 and 版记 (GB/T 9704): issuer (审查机构; default the drafting organ, which conducts the review), number,
    # mark, cc, printer, printed (a date)
    official: dict = field(default_factory=dict)


def finding_key(f: Finding) -> str:
    """A finding's stable name within one draft (rule and span): what a decision is recorded against."""
    return f"{f.rule}@{f.start}-{f.end}"


# ---- building --------------------------------------------------------------------------------------------------

def _num(s: str | None) -> int | None:
    if not s:
        return None
    from dsl.lawtext import parse_cn_numeral

    return parse_cn_numeral(s)


def standards_of(f: Finding) -> list[tuple[int, int | None]]:
    """The 条例第八至十一条 items a finding bears on, from its bases (条例 cited directly, or 办法 mapped)."""
    out: list[tuple[int, int | None]] = []
    citations = [b.get("citation", "") for b in f.bases] or f.basis.split("；")
    for c in citations:
        m = CITE_RE.search(c)
        if not m:
            continue
        inst, art, item = m.group(1), _num(m.group(2)), _num(m.group(4))
        if inst in (REGULATION, "条例") and art in (8, 9, 10, 11):
            out.append((art, item))
        elif inst in (MEASURES, "实施办法") and art in MEASURES_TO_REGULATION:
            out.append(MEASURES_TO_REGULATION[art])
    return list(dict.fromkeys(out))


def build_checklist(findings: list[Finding], separate: set[str] = frozenset()) -> tuple[list[ChecklistRow], list[Finding]]:
    """The checklist rows of 条例第八至十一条 with the findings on each, and the findings no row takes (`separate`:
    rules whose findings the form shows elsewhere, the exception declarations)."""
    from dsl.lawtext import citation, load_lawbook

    book = load_lawbook()
    law = book.get(REGULATION)
    rows: dict[tuple[int, int], ChecklistRow] = {}
    for art, _ in CATEGORIES:
        items = (law.articles.get(art) or {}).get("items") or {} if law else {}
        for n, text in sorted(items.items()):
            text = text if isinstance(text, str) else text.get("text", "")
            rows[(art, n)] = ChecklistRow(art, n, citation(REGULATION, [("art", art), ("item", n)]), text.rstrip("；。"))
    unmapped = []
    for f in findings:
        hits = standards_of(f)
        placed = False
        for art, item in hits:
            if item is None:   # the article without an item: its last (其他……) item
                item = max((n for a, n in rows if a == art), default=None)
            row = rows.get((art, item))
            if row is not None and f not in row.findings:
                row.findings.append(f)
                placed = True
        if not placed and f.rule not in separate:   # exception declarations have their own section
            unmapped.append(f)
    return list(rows.values()), unmapped


def review_from_document(doc, rs=None, engine: str | None = None) -> Review:
    from engine.check import check_document, default_rules
    from engine.context import document_context, exception_declarations, lexicon
    from engine.exceptions import declaration_rules

    rs = rs or default_rules()
    context = document_context(doc, rs)
    findings = check_document(doc, rs, engine)
    checklist, unmapped = build_checklist(findings, declaration_rules(rs))
    return Review(name=doc.name, context=context, findings=findings,
                  declarations=exception_declarations(doc, lexicon(rs)) if context.get("exception") else [],
                  checklist=checklist, unmapped=unmapped,
                  generated=_dt.date.today().strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月"),
                  rule_count=len(rs.rules))


def build_review(path: str, rs=None, engine: str | None = None) -> Review:
    from engine.ingest import read_document
    from engine.segment import segment

    if path != "-" and not Path(path).exists():
        raise UserError(f"找不到草案文件：{path}")
    if path != "-" and Path(path).is_dir():
        raise UserError(f"{path} 是目录；审查表一次针对一份草案，请给出文件路径")
    text, meta = read_document(path)
    if not text.strip():
        raise UserError(f"{path}：草案没有可读的文字内容")
    return review_from_document(segment("<stdin>" if path == "-" else path, text, meta), rs, engine)


def review_from_text(text: str, name: str = "<stdin>", rs=None, engine: str | None = None) -> Review:
    from engine.segment import segment

    return review_from_document(segment(name, text), rs, engine)


# ---- the form as blocks (reports.blocks draws them) ---------------------------------------------------------

def _cn(n: int) -> str:
    from dsl.lawtext import cn_numeral

    return cn_numeral(n)


def _where(f: Finding) -> str:
    parts = [f.path] if f.path else []
    if f.line:
        parts.append(f"第{f.line}行")
    return "，".join(parts) or "全文"


def _bases_text(f: Finding) -> str:
    if f.bases:
        return "\n".join(f"{b.get('citation', '')}：{b.get('text', '')}".rstrip("：") for b in f.bases)
    return f.basis


def _exception_text(exc: dict) -> str:
    where = exc.get("where") or {}
    s = f"起草单位在{exc.get('declared_at', '')}声明{exc.get('scope', '')}适用《公平竞争审查条例》第十二条例外"
    if exc.get("situation"):
        s += f"，情形：{exc['situation']}"
    present = [f"{e}（{where[e]}）" if e in where else e for e in exc.get("present") or []]
    s += "。已说明：" + ("；".join(present) or "无")
    missing = exc.get("missing") or []
    s += "。未说明：" + ("；".join(missing) or "无") + "。"
    s += "三项条件须同时具备，缺少的要件应补充说明，否则不能适用例外。" if missing else \
        "是否成立由审查人在审查结论中详细说明（条例第十七条第二款）。"
    return s


def _clauses(fs: list[Finding]) -> str:
    return "；".join(f"{f.path or _where(f)}（{SEVERITY_CN.get(f.severity, f.severity)}，{f.rule}）" for f in fs)


def form_doc(r: Review) -> Doc:
    ctx = r.context
    fc = [f for f in r.findings if f.family == "fair_competition"]
    other = [f for f in r.findings if f.family != "fair_competition"]
    shown = "标准输入" if r.name in ("<stdin>", "-") else Path(r.name).name   # never the server's path
    doc = Doc(name=shown, label=f"公平竞争审查表：{ctx.get('title') or shown}", css=CSS)
    off = r.official or {}
    issuer = off.get("issuer") or ctx.get("issuer") or "（审查机构）"
    year = off["printed"].year if off.get("printed") else _dt.date.today().year
    doc.masthead(off.get("mark") or issuer, off.get("number") or f"〔{year}〕　号")
    doc.title("公平竞争审查表")
    doc.lead("（依据《公平竞争审查条例》《公平竞争审查条例实施办法》）")

    # 一、基本情况
    doc.heading("一、基本情况", 1)
    scope = "涉及经营者经济活动" if ctx.get("economic") else "不涉及经营者经济活动"
    doc.table(None, [
        ["政策措施名称", ctx.get("title") or "（草案未标明标题，请填写）"],
        ["起草单位（发文机关）", ctx.get("issuer") or "（草案未注明，请填写）"],
        ["发文字号", ctx.get("number") or "—"],
        ["文件类型", f"{ctx.get('kind', '其他')}\n判断依据：{ctx.get('kind_reason', '')}"],
        ["审查范围", f"{scope}\n判断依据：{ctx.get('economic_reason', '')}"],
        ["例外情形声明", f"有（{ctx.get('exception_at', '')}）" if ctx.get("exception") else "未声明"],
        ["送审文件", shown],
        ["初筛时间", f"{r.generated}（policylint，规则 {r.rule_count} 条）"],
    ], [46, 110], gap=True)

    # 二、审查标准逐项对照
    doc.heading("二、审查标准逐项对照", 1)
    doc.para("按《公平竞争审查条例》第八条至第十一条逐项对照。“涉及”表示初筛发现草案可能含有该项内容，"
                           "列出所在条款；“不涉及”表示初筛未发现，仍须审查人结合全文判断。")
    rows = []
    for art, name in CATEGORIES:
        for row in (x for x in r.checklist if x.article == art):
            rows.append([f"{_cn(CATEGORIES.index((art, name)) + 1)}、{name}",
                         f"{row.citation.replace('《公平竞争审查条例》', '')}　{row.standard}",
                         "涉及" if row.involved else "不涉及", _clauses(row.findings) or "—"])
    if r.unmapped:
        rows.append(["其他", "未对应第八条至第十一条具体项的问题（见第三部分）", "涉及", _clauses(r.unmapped)])
    doc.table(["类别", "审查标准", "初筛结果", "涉及条款"], rows, [26, 68, 23, 39], merge=(0,), gap=True)

    # 三、发现的问题
    doc.heading("三、发现的问题及修改建议", 1)
    if not r.findings:
        doc.para("初筛未发现可能违反公平竞争审查标准的条款。")
    n = 0
    for group, fs in (("公平竞争审查", fc), ("市场准入、备案等相关问题", other)):
        if not fs:
            continue
        if other and fc:
            doc.para(f"{group}（{len(fs)}处）", bold=True)
        for f in fs:
            n += 1
            doc.heading(f"（{_cn(n)}）{f.path or _where(f)}：{f.title}（{SEVERITY_CN.get(f.severity, '')}）", 2)
            rows = [["条款位置", _where(f)],
                    ["条款原文", f"“{f.text}”"],
                    ["可能违反", _bases_text(f)],
                    ["理由", f.message]]
            words = list(dict.fromkeys(m.text for m in f.matched))
            if words:   # the words that triggered, not the rule's condition (the DSL is for rule authors)
                rows.append(["命中词语", "、".join(f"“{w}”" for w in words)])
            rows.append(["修改建议", f.suggestion])
            if f.confirm:
                rows.append(["需核实", f.confirm])
            if f.exception:
                rows.append(["例外声明", _exception_text(f.exception)])
            rows.append(["规则", f"{f.rule}（{SEVERITY_CN.get(f.severity, f.severity)}）"])
            d = r.decisions.get(finding_key(f))
            if d:
                rows.append(["审查人意见", f"{d.get('decision', '')}。理由：{d.get('reason', '')}"
                                          f"（{d.get('by', '')}，{d.get('at', '')}）"])
            doc.table(None, rows, [30, 126], split=True, gap=True)

    # 四、例外情形
    doc.heading("四、适用例外情形的声明", 1)
    if not r.declarations:
        doc.para("草案未声明适用《公平竞争审查条例》第十二条规定的例外情形。")
    else:
        rows = []
        from engine.context import ELEMENTS
        for d in r.declarations:
            covered = {"document": "全文", "article": d.declared_at, "articles": "、".join(d.covers)}[d.scope]
            rows.append([d.declared_at, covered, d.situation or "未说明",
                         "\n".join(f"{e}：已说明（{d.where.get(e, '')}）" if e in d.present else f"{e}：未说明"
                                   for e in ELEMENTS)])
        doc.table(["声明位置", "适用范围", "适用情形", "要件"], rows, [22, 26, 48, 60], gap=True)
        doc.para("适用条例第十二条的，审查结论中应说明：政策措施具有或者可能具有的排除、限制竞争效果；"
                               "适用的具体情形；对公平竞争不利影响最小的理由；实施期限或者终止条件的合理性"
                               "（《公平竞争审查条例实施办法》第二十九条第二款）。")

    # 五、审查结论
    doc.heading("五、审查结论（由审查人确认）", 1)
    errors = sum(1 for f in r.findings if f.severity == "error")
    warns = sum(1 for f in r.findings if f.severity == "warning")
    involved = sum(1 for x in r.checklist if x.involved)
    doc.para(f"初筛意见（供参考，不代替审查结论）：共发现 {len(r.findings)} 处问题（错误 {errors} 处、"
                           f"警告 {warns} 处），涉及审查标准 {involved} 项。")
    suggested = _suggested_conclusion(r)
    for i, text in enumerate(CONCLUSIONS):
        doc.check(text, hint=i == suggested)
    doc.para("审查意见说明：", bold=True)
    doc.lines(4)
    for label in ("审查人（签字）：", "审查机构负责人（签字）：", "审查机构（盖章）：", "审查日期：　　　　年　　月　　日"):
        doc.sign(label)
    doc.note("注：本表第一至四部分由 policylint 根据草案文字自动初筛生成，所列条款和依据需经审查人核实；"
                           "审查结论以审查人勾选和签字为准。")
    printed = off.get("printed")
    printed_text = f"{printed.year}年{printed.month}月{printed.day}日" if printed else r.generated
    doc.imprint(off.get("cc") or "", off.get("printer") or f"{issuer}办公室", printed_text)
    return doc


def _suggested_conclusion(r: Review) -> int:
    """Which conclusion the screening points to (shown as a hint, never ticked)."""
    if not r.context.get("economic"):
        return 0
    if not r.findings:
        return 1
    if r.declarations and all(not d.missing for d in r.declarations) and all(f.exception for f in r.findings
                                                                             if f.family == "fair_competition"):
        return 4
    return 2


# ---- drawing ---------------------------------------------------------------------------------------------------

# the form's own stylesheet (the notices use reports.blocks.OFFICIAL_CSS)
CSS = """
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
body { font-family: "仿宋_GB2312", "仿宋", FangSong, "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 28pt;
       max-width: 156mm; margin: 2em auto; padding: 0 1em; color: #000; }
h1 { font-family: "方正小标宋简体", "华文中宋", "宋体", SimSun, serif; font-size: 22pt; font-weight: normal;
     text-align: center; margin-bottom: 0; }
.subtitle { text-align: center; font-family: "楷体_GB2312", "楷体", KaiTi, serif; font-size: 14pt; }
h2 { font-family: "黑体", SimHei, sans-serif; font-size: 16pt; font-weight: normal; margin: 1em 0 0; }
h3 { font-family: "楷体_GB2312", "楷体", KaiTi, serif; font-size: 16pt; font-weight: normal; margin: .6em 0 .2em; }
p { text-indent: 2em; margin: 0; text-align: justify; }
table { border-collapse: collapse; width: 100%; font-size: 12pt; line-height: 1.5; margin: .3em 0 .8em; }
th, td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { text-align: center; }
td.k { width: 22%; }
.check { text-indent: 2em; }
.note { font-size: 12pt; text-indent: 0; margin-top: 1em; }
.sign { text-indent: 0; margin: .6em 0 0 8em; }\n.lines { text-indent: 0; }
@media print { body { margin: 0; padding: 0; max-width: none; } }
"""


def to_docx(r: Review, path) -> Path:
    return blocks.to_docx(form_doc(r), path)


def to_markdown(r: Review) -> str:
    return blocks.to_markdown(form_doc(r))


def to_html(r: Review) -> str:
    return blocks.to_html(form_doc(r))


def check_suffix(path) -> Path:
    """The output path if its suffix names a form format; else one Chinese line (checked before the draft is read)."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise UserError(f"不支持的审查表格式“{path.suffix or '（无扩展名）'}”：请用 .docx、.md 或 .html")
    return path


def write_review(r: Review, path) -> Path:
    return blocks.write(form_doc(r), check_suffix(path))
