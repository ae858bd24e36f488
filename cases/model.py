"""The case record: one case that violates the market-access negative list, as the register keeps it.

Categories follow 发改体改〔2021〕1670号 part 1 (四类) and the hidden-barrier forms it lists under (三); the codes
are those of shared/reference/case_circulation.md §1.1.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

from pydantic import BaseModel, Field

@dataclass(frozen=True)
class Category:
    """One category of case, as 1670号 part 1 writes it. `rank` is the precedence when several case rules classify
    one case: the lower wins — the named hidden-barrier forms first, the catch-alls (C2 "另设条件" has the
    broadest wording, C9 and D are "其他") last. `conduct` is how a notice names the conduct (一案一通报), `actor`
    who did it when the case names no unit: market entities entering a closed field (B), else the authorities."""
    code: str
    name: str                # the category as 1670号 writes it
    subtype: str             # the hidden-barrier form for C*, else ""
    item: int                # 1670号 part 1 item (一)…(四)
    rank: int
    conduct: str
    actor: str = "有关部门"


# The one table of case categories, in 1670号's order: everything else (labels, precedence, notice wording, the
# list of valid codes) is derived from it.
CATEGORY_TABLE: tuple[Category, ...] = (
    Category("A", "违背禁止准入类或许可准入类事项要求进行审批", "", 1, 5, "违规审批市场准入负面清单禁止或许可准入事项"),
    Category("B", "市场主体违规进入禁止或限制进入的行业、领域、业务", "", 2, 6, "违规进入市场准入负面清单禁止或限制进入领域",
             "相关市场主体"),
    Category("C1", "隐性壁垒", "国家层面已放开但地方仍在审批", 3, 3, "对国家层面已放开事项仍在审批"),
    Category("C2", "隐性壁垒", "另设市场准入限制性条件", 3, 7, "违规另设市场准入限制性条件"),
    Category("C3", "隐性壁垒", "监管能力不足导致不敢批", 3, 2, "以监管能力不足为由不予准入"),
    Category("C4", "隐性壁垒", "行政审批互为前置", 3, 0, "设置互为前置的审批条件"),
    Category("C5", "隐性壁垒", "同类事项跨区域重复审批", 3, 1, "对同类事项跨区域重复审批"),
    Category("C9", "隐性壁垒", "其他隐性壁垒", 3, 8, "设置市场准入隐性壁垒"),
    Category("D", "其他违背市场准入负面清单制度的情况", "", 4, 4, "违背市场准入负面清单制度"),
)
BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORY_TABLE}
# code -> (category as 1670号 writes it, hidden-barrier subtype or ""), in 1670号's order
CATEGORIES: dict[str, tuple[str, str]] = {c.code: (c.name, c.subtype) for c in CATEGORY_TABLE}
# the codes from the most specific to the catch-alls: which one a case keeps when several rules classify it
PRECEDENCE: list[str] = [c.code for c in sorted(CATEGORY_TABLE, key=lambda c: c.rank)]
CONDUCT: dict[str, str] = {c.code: c.conduct for c in CATEGORY_TABLE}
ACTOR: dict[str, str] = {c.code: c.actor for c in CATEGORY_TABLE}
# the four classes of 1670号 part 1, in its order; C* codes all belong to class (三)
CLASS_ITEM: dict[str, int] = {c.code[:1]: c.item for c in CATEGORY_TABLE}
CLASSES = {cls: f"（{'一二三四'[item - 1]}）" for cls, item in CLASS_ITEM.items()}
UNCLASSIFIED = "待人工分类"


def category_class(code: str | None) -> str:
    return (code or "")[:1]


def category_label(code: str | None) -> str:
    """'C2' -> '（三）设置市场准入隐性壁垒：另设市场准入限制性条件'."""
    c = BY_CODE.get(code or "")
    if c is None:
        return UNCLASSIFIED
    return f"{CLASSES[category_class(code)]}{c.name}" + (f"：{c.subtype}" if c.subtype else "")


def class_label(cls: str) -> str:
    first = next((c for c in CATEGORY_TABLE if category_class(c.code) == cls), None)
    return f"{CLASSES[cls]}{first.name}" if first else UNCLASSIFIED


def pick_category(candidates: list[tuple[str, str, str]]) -> tuple[str, str, str]:
    """[(code, subtype, rule id)] from the case rules -> the one to keep: (code, subtype, the rule ids, the winning
    rule first). Codes outside the table lose to every known code."""
    if not candidates:
        return "", "", ""
    last = len(CATEGORY_TABLE)
    best = min(candidates, key=lambda c: BY_CODE[c[0]].rank if c[0] in BY_CODE else last)
    rules = [best[2]] + sorted({c[2] for c in candidates} - {best[2]})
    return best[0], best[1], "、".join(rules)


# channels as the register spells them; raw spellings are mapped by cases.normalize.channel()
CHANNELS = ["12345热线", "投诉举报", "自查自纠", "督查检查", "媒体报道", "效能评估", "地方主动报送", "文件审查", "其他"]

VERIFY_STATUSES = ["待核查", "核查中", "属实", "部分属实", "不属实"]
VERIFIED = {"属实", "部分属实", "不属实"}
RECTIFY_STATUSES = ["未整改", "整改中", "已整改", "无需整改"]


class HistoryEntry(BaseModel):
    at: str                       # ISO timestamp of the change
    action: str                   # 导入更新 / 核查 / 整改 / 分类 / 通报 ...
    source: str = ""              # file:row, command
    before: dict = Field(default_factory=dict)   # the fields as they were before the change


class CaseRecord(BaseModel):
    case_id: str
    region: str = ""                       # 所属地区
    unit: str = ""                         # 涉及单位
    channel: str = ""                      # 来源渠道
    received_date: dt.date                 # 受理日期
    description: str                       # 问题描述
    document: str = ""                     # 涉及文件 (document or measure involved)
    clause: str = ""                       # 涉及条款 (the clause quoted)
    basis: str = ""                        # 违背的依据 (e.g. from a finding)
    list_item: str = ""                    # 涉及清单事项
    category: str = ""                     # A B C1..C5 C9 D
    subtype: str = ""                      # hidden-barrier form for C*
    category_by: str = ""                  # rule ids, or "人工"
    flags: list[str] = Field(default_factory=list)      # what needs attention, from the case rules
    verify_status: str = "待核查"
    verify_date: dt.date | None = None
    verifier: str = ""
    verify_findings: str = ""              # 核查情况
    rectify_status: str = "未整改"
    rectify_deadline: dt.date | None = None
    rectify_date: dt.date | None = None
    rectify_measures: str = ""
    notified_dates: list[dt.date] = Field(default_factory=list)
    source: str = ""                       # where the record came from (file:row / finding)
    created_at: str = ""
    updated_at: str = ""
    history: list[HistoryEntry] = Field(default_factory=list)

    @property
    def category_label(self) -> str:
        return category_label(self.category)

    @property
    def quarter(self) -> str:
        return quarter_of(self.received_date)


def quarter_of(d: dt.date) -> str:
    return f"{d.year}Q{(d.month - 1) // 3 + 1}"


# Field names in Chinese, in ledger order: the import headers, the ledger columns and the rule fields share them.
FIELD_CN: dict[str, str] = {
    "case_id": "案例编号",
    "region": "所属地区",
    "unit": "涉及单位",
    "channel": "来源渠道",
    "received_date": "受理日期",
    "description": "问题描述",
    "document": "涉及文件",
    "clause": "涉及条款",
    "basis": "违背依据",
    "list_item": "涉及清单事项",
    "category": "类别代码",
    "subtype": "隐性壁垒形式",
    "category_by": "分类依据",
    "flags": "需关注事项",
    "verify_status": "核查状态",
    "verify_date": "核查日期",
    "verifier": "核查人",
    "verify_findings": "核查情况",
    "rectify_status": "整改状态",
    "rectify_deadline": "整改期限",
    "rectify_date": "整改完成日期",
    "rectify_measures": "整改措施",
    "notified_dates": "通报日期",
    "source": "记录来源",
    "created_at": "登记时间",
    "updated_at": "更新时间",
}


class CaseRow(SimpleNamespace):
    """A case read back in bulk (lists, reports): CaseRecord's fields as plain attributes. Values were validated on
    their way into the register; rebuilding 30,000 pydantic models per report would cost seconds for nothing."""

    @property
    def category_label(self) -> str:
        return category_label(self.category)

    def to_json(self) -> dict:
        out = {}
        for k in FIELD_CN:
            v = getattr(self, k, None)
            if isinstance(v, dt.date):
                v = v.isoformat()
            elif isinstance(v, list):
                v = [x.isoformat() if isinstance(x, dt.date) else x for x in v]
            out[k] = v
        return out
