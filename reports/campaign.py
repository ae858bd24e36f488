"""The clean-up ledger (存量政策措施清理台账) of a campaign, and the difference between two ledgers.

One row per document: findings by family, the articles concerned, the rules, and a suggestion — 保留 (keep),
修订 (revise) or 废止 (repeal) — with the reason in words. The suggestion is a starting point for the reviewing
body, which decides; the rule is stated in the ledger's notes sheet:
- 保留: no finding at error or warning level;
- 废止: error findings in at least REPEAL_ARTICLES different articles, or of at least REPEAL_RULES different rules
  (the measure is built on the barriers, not merely worded badly in one place);
- 修订: every other document with findings;
- 未能检查: the document could not be read (the reason is given); it stays in the ledger so nothing is lost.

A second run (after a rule change or a new negative-list edition) given the earlier ledger writes a 变化 sheet:
documents added or gone, suggestion changed, rules newly reported or no longer reported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import UserError

FAMILIES = [("fair_competition", "公平竞争审查"), ("negative_list", "市场准入负面清单"), ("filing", "备案不得变审批")]
KEEP, REVISE, REPEAL, FAILED = "保留", "修订", "废止", "未能检查"
REPEAL_ARTICLES = 5
REPEAL_RULES = 4
HEADER = ["序号", "文件", "建议", "理由", "问题总数", "错误", "警告"] + [cn for _, cn in FAMILIES] + \
    ["涉及条款", "规则"]
_ARTICLE = re.compile(r"^(第[一二三四五六七八九十百零〇\d]+条)")


@dataclass
class DocSummary:
    """What the ledger keeps of one document's findings (made in the worker: only this crosses back)."""
    errors: int = 0
    warnings: int = 0
    by_family: dict = field(default_factory=dict)
    articles: list = field(default_factory=list)
    rules: list = field(default_factory=list)
    error_articles: int = 0
    error_rules: int = 0


def summarize(findings) -> DocSummary:
    s = DocSummary()
    arts, err_arts, rules, err_rules = {}, set(), {}, set()
    for f in findings:
        if f.severity not in ("error", "warning"):
            continue
        if f.severity == "error":
            s.errors += 1
            err_rules.add(f.rule)
        else:
            s.warnings += 1
        s.by_family[f.family] = s.by_family.get(f.family, 0) + 1
        rules.setdefault(f.rule, None)
        m = _ARTICLE.match(f.path or "")
        art = m.group(1) if m else (f"第{f.line}段" if f.line else "")
        if art:
            arts.setdefault(art, None)
            if f.severity == "error":
                err_arts.add(art)
    s.articles, s.rules = list(arts), sorted(rules)
    s.error_articles, s.error_rules = len(err_arts), len(err_rules)
    return s


def suggestion(s: DocSummary | None, error: str | None = None) -> tuple[str, str]:
    if s is None:
        return FAILED, error or "无法读取"
    if not (s.errors or s.warnings):
        return KEEP, "未发现违反审查标准的内容"
    where = f"{len(s.articles)} 处条款" if s.articles else "多处"
    if s.error_articles >= REPEAL_ARTICLES or s.error_rules >= REPEAL_RULES:
        return REPEAL, (f"{s.error_articles} 条存在违反审查标准的规定，涉及 {s.error_rules} 项标准，"
                        f"主要内容建立在限制竞争的措施上")
    if s.errors:
        return REVISE, f"{where}存在违反审查标准的规定（错误 {s.errors} 处），删除或修改后可继续适用"
    return REVISE, f"{where}有需要人工判断的疑点（警告 {s.warnings} 处），核实后修改表述"


@dataclass
class LedgerRow:
    file: str
    suggestion: str
    reason: str
    errors: int = 0
    warnings: int = 0
    by_family: dict = field(default_factory=dict)
    articles: list = field(default_factory=list)
    rules: list = field(default_factory=list)

    def cells(self, n: int) -> list:
        return [n, self.file, self.suggestion, self.reason, self.errors + self.warnings, self.errors, self.warnings,
                *[self.by_family.get(k, 0) for k, _ in FAMILIES], "、".join(self.articles), "、".join(self.rules)]


def row_for(file: str, summary: DocSummary | None, error: str | None = None) -> LedgerRow:
    sug, why = suggestion(summary, error)
    if summary is None:
        return LedgerRow(file, sug, why)
    return LedgerRow(file, sug, why, summary.errors, summary.warnings, dict(summary.by_family),
                     list(summary.articles), list(summary.rules))


# ---- the difference between two ledgers -------------------------------------------------------------------------

@dataclass
class Change:
    file: str
    kind: str            # 新增文件 / 不再列入 / 建议改变 / 问题变化
    before: str
    after: str
    added_rules: list
    removed_rules: list


def diff(old: list[LedgerRow], new: list[LedgerRow]) -> list[Change]:
    before = {r.file: r for r in old}
    out = []
    for r in new:
        o = before.pop(r.file, None)
        if o is None:
            out.append(Change(r.file, "新增文件", "", r.suggestion, list(r.rules), []))
            continue
        added = [x for x in r.rules if x not in o.rules]
        removed = [x for x in o.rules if x not in r.rules]
        if o.suggestion != r.suggestion:
            out.append(Change(r.file, "建议改变", o.suggestion, r.suggestion, added, removed))
        elif added or removed:
            out.append(Change(r.file, "问题变化", o.suggestion, r.suggestion, added, removed))
    for f, o in before.items():
        out.append(Change(f, "不再列入", o.suggestion, "", [], list(o.rules)))
    return out


# ---- xlsx -------------------------------------------------------------------------------------------------------

NOTES = [
    "建议的依据（供审查机构参考，最终由审查机构决定）：",
    "保留：未发现错误或警告级别的问题。",
    f"废止：错误级别的问题出现在 {REPEAL_ARTICLES} 条以上不同条款，或涉及 {REPEAL_RULES} 项以上不同审查标准。",
    "修订：其余发现问题的文件，删除或修改有关条款后可继续适用。",
    "未能检查：文件无法读取（理由栏写明原因），需人工处理。",
]


def write(path: str | Path, rows: list[LedgerRow], meta: list[tuple[str, str]], changes: list[Change] | None = None):
    import xlsxwriter

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"{path}：清理台账只能写成 .xlsx 文件")
    if not path.parent.exists():
        raise UserError(f"{path.parent}：目录不存在")
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws = wb.add_worksheet("清理台账")
    ws.freeze_panes(1, 2)
    for c, (h, w) in enumerate(zip(HEADER, [6, 40, 8, 40, 8, 6, 6, 12, 14, 14, 30, 30])):
        ws.set_column(c, c, w)
        ws.write(0, c, h, head)
    for n, r in enumerate(rows, start=1):
        for c, v in enumerate(r.cells(n)):
            ws.write(n, c, v, wrap)
    if changes is not None:
        cs = wb.add_worksheet("变化")
        for c, (h, w) in enumerate(zip(["文件", "变化", "原建议", "现建议", "新增规则", "不再报告的规则"],
                                       [40, 10, 8, 8, 30, 30])):
            cs.set_column(c, c, w)
            cs.write(0, c, h, head)
        for n, ch in enumerate(changes, start=1):
            for c, v in enumerate([ch.file, ch.kind, ch.before, ch.after, "、".join(ch.added_rules),
                                   "、".join(ch.removed_rules)]):
                cs.write(n, c, v, wrap)
    ns = wb.add_worksheet("说明")
    ns.set_column(0, 1, 50)
    for n, (k, v) in enumerate(meta):
        ns.write(n, 0, k)
        ns.write(n, 1, v)
    for n, line in enumerate(NOTES, start=len(meta) + 1):
        ns.write(n, 0, line)
    wb.close()


def read(path: str | Path) -> list[LedgerRow]:
    """A ledger this module wrote (the 清理台账 sheet), for the difference with a later run."""
    from openpyxl import load_workbook

    p = Path(path)
    if not p.exists():
        raise UserError(f"上一次的清理台账 {p} 不存在")
    if p.suffix.lower() != ".xlsx":
        raise UserError(f"{p}：上一次的清理台账应为 policylint campaign 生成的 .xlsx 文件")
    try:
        wb = load_workbook(p, read_only=True)
    except Exception:   # openpyxl raises many kinds for a file that is not a workbook   # noqa: BLE001
        raise UserError(f"{p}：不是 .xlsx 文件，或文件已损坏") from None
    try:
        if "清理台账" not in wb.sheetnames:
            raise UserError(f"{p}：没有“清理台账”工作表，不是 policylint campaign 生成的台账")
        it = wb["清理台账"].iter_rows(values_only=True)
        header = list(next(it, ()) or ())
        missing = [h for h in ("文件", "建议", "规则") if h not in header]
        if missing:
            raise UserError(f"{p}：清理台账缺少“{'”“'.join(missing)}”列")
        col = {h: header.index(h) for h in header if h}
        out = []
        for values in it:
            if not values or values[col["文件"]] in (None, ""):
                continue
            def cell(name, default=""):
                i = col.get(name)
                v = values[i] if i is not None and i < len(values) else None
                return default if v is None else v
            rules = [x for x in str(cell("规则")).split("、") if x]
            out.append(LedgerRow(str(cell("文件")), str(cell("建议")), str(cell("理由")),
                                 int(cell("错误", 0) or 0), int(cell("警告", 0) or 0),
                                 {k: int(cell(cn, 0) or 0) for k, cn in FAMILIES},
                                 [x for x in str(cell("涉及条款")).split("、") if x], rules))
        return out
    finally:
        wb.close()
