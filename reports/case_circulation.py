"""按月核查 and 按季通报: the monthly verification summary and the quarterly circulation of cases.

The quarterly circulation follows the structure of published batch notices (case_circulation.md §3 “整批通报”):
basis — overall statistics (region, unit, category, channel, change against the previous quarter) — typical
cases — rectification progress — praise, supervision and requirements. Frequencies are whatever the register is
asked for: the reference found no legal source for “按月核查”, so nothing here claims one.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import Counter

from cases.model import CATEGORIES, CHANNELS, UNCLASSIFIED, VERIFIED, category_label
from cases.normalize import date_cn, previous_quarter, quarter_cn
from reports import case_charts as charts
from reports.case_doc import CaseDoc
from reports.case_xlsx import Figure
from reports.case_notice import (BASIS_INSTRUMENT, BASIS_TITLE, SELF_REPORTED, add_imprint, add_masthead, case_title,
                                 default_issuer, facts,
                                 place_name, rectification, subject)

TRUE_FINDINGS = {"属实", "部分属实"}
DONE = {"已整改", "无需整改"}
MAX_LISTED = 200          # longer lists live in the .xlsx ledger, not in the document
TYPICAL = 6


def _pct(a: int, b: int):
    """A share: "27.3%" in documents, 0.273 with the format 0.0% in the ledger; "—" when there is no base."""
    return Figure(a / b, f"{a / b * 100:.1f}%", "0.0%") if b else "—"


def _change(cur: int, prev: int) -> str:
    """For prose: 增加3件（+27.3%）."""
    if prev == 0:
        return f"新增{cur}件" if cur else "持平"
    d = cur - prev
    if d == 0:
        return "持平"
    return f"{'增加' if d > 0 else '减少'}{abs(d)}件（{'+' if d > 0 else '−'}{abs(d) / prev * 100:.1f}%）"


def _delta(cur: int, prev: int) -> str:
    """For tables: +3 (+27%)."""
    d = cur - prev
    if prev == 0 or not d:
        text = f"+{cur}" if cur else "0"
    else:
        text = f"{d:+d} ({d / prev * 100:+.0f}%)"   # half-width: fits a narrow column
    return Figure(d, text, "+0;-0;0")   # the ledger stores the change in cases, signed


@functools.lru_cache(maxsize=4096)
def _short_region(region: str, city: str) -> str:
    r = place_name(region)
    return (r[len(city):] or r) if city and r.startswith(city) and r != city else (r or "未登记")


def _cat(code: str) -> str:
    return code if code in CATEGORIES else UNCLASSIFIED


def overdue(rec, as_of: dt.date) -> int:
    if rec.rectify_status in DONE or not rec.rectify_deadline or rec.rectify_deadline >= as_of:
        return 0
    return (as_of - rec.rectify_deadline).days


class Stats:
    """Counts over one period's cases, with the previous period's for comparison."""

    def __init__(self, cases: list, previous: list, as_of: dt.date):
        self.cases, self.previous, self.as_of = cases, previous, as_of
        self.city = _city([c.region for c in cases + previous])
        self.region = Counter(self.short(c.region) for c in cases)
        self.region_prev = Counter(self.short(c.region) for c in previous)
        self.category = Counter(_cat(c.category) for c in cases)
        self.category_prev = Counter(_cat(c.category) for c in previous)
        self.channel = Counter(c.channel or "未登记" for c in cases)
        self.channel_prev = Counter(c.channel or "未登记" for c in previous)
        self.unit = Counter((c.region, c.unit) for c in cases if c.unit)
        self.verified = sum(1 for c in cases if c.verify_status in VERIFIED)
        self.true = [c for c in cases if c.verify_status in TRUE_FINDINGS]
        self.rectified = sum(1 for c in self.true if c.rectify_status == "已整改")
        self.in_progress = sum(1 for c in self.true if c.rectify_status == "整改中")
        self.not_started = sum(1 for c in self.true if c.rectify_status == "未整改")
        self.overdue = sorted((c for c in self.true if overdue(c, as_of)), key=lambda c: -overdue(c, as_of))

    def short(self, region: str) -> str:
        return _short_region(region, self.city)

    def regions(self) -> list[str]:
        names = set(self.region) | set(self.region_prev)
        return sorted(names, key=lambda r: (-self.region[r], -self.region_prev[r], r))

    def categories(self) -> list[str]:
        order = list(CATEGORIES) + [UNCLASSIFIED]
        return [c for c in order if self.category[c] or self.category_prev[c]]

    def channels(self) -> list[str]:
        names = set(self.channel) | set(self.channel_prev)
        return sorted(names, key=lambda ch: (CHANNELS.index(ch) if ch in CHANNELS else 99, ch))

    def region_rows(self) -> list[list]:
        rows = []
        for r in self.regions():
            cs = [c for c in self.cases if self.short(c.region) == r]
            true = [c for c in cs if c.verify_status in TRUE_FINDINGS]
            done = sum(1 for c in true if c.rectify_status == "已整改")
            rows.append([r, self.region[r], self.region_prev[r], _delta(self.region[r], self.region_prev[r]),
                         sum(1 for c in cs if c.verify_status in VERIFIED), len(true), done, _pct(done, len(true)),
                         sum(1 for c in true if overdue(c, self.as_of))])
        return rows

    def category_rows(self) -> list[list]:
        return [[c if c != UNCLASSIFIED else "—", category_label(c) if c != UNCLASSIFIED else c, self.category[c],
                 self.category_prev[c], _delta(self.category[c], self.category_prev[c]),
                 _pct(self.category[c], len(self.cases))]
                for c in self.categories()]

    def channel_rows(self) -> list[list]:
        return [[ch, self.channel[ch], _pct(self.channel[ch], len(self.cases)), self.channel_prev[ch],
                 _delta(self.channel[ch], self.channel_prev[ch])] for ch in self.channels()]

    def unit_rows(self, limit: int = 10) -> list[list]:
        top = [(k, n) for k, n in self.unit.most_common() if n >= 2][:limit]
        cats: dict[tuple, set] = {}
        for c in self.cases:
            cats.setdefault((c.region, c.unit), set()).add(_cat(c.category))
        return [[subject(region, unit, ""), n, "、".join(sorted(cats[region, unit]))] for (region, unit), n in top]


def _city(regions) -> str:
    from reports.case_notice import city_of

    return city_of(regions)


# ---- typical cases ------------------------------------------------------------------------------------------------

def typical_cases(cases: list, limit: int = TYPICAL) -> list:
    """Verified cases with complete facts, one per category first (most specific categories first), then more.
    Deterministic: ties go to the earlier case."""
    def score(c) -> tuple:
        complete = bool(c.unit) + bool(c.document or c.list_item) + bool(c.clause) + bool(c.rectify_measures)
        return (-complete, c.rectify_status != "已整改", c.received_date, c.case_id)

    pool = sorted((c for c in cases if c.verify_status in TRUE_FINDINGS and c.category in CATEGORIES), key=score)
    chosen, seen = [], set()
    for c in pool:
        if c.category not in seen:
            chosen.append(c)
            seen.add(c.category)
    for c in pool:
        if len(chosen) >= limit:
            break
        if c not in chosen:
            chosen.append(c)
    order = list(CATEGORIES)
    return sorted(chosen[:limit], key=lambda c: (order.index(c.category), c.received_date, c.case_id))


# ---- the quarterly circulation ------------------------------------------------------------------------------------

def build_quarterly(cases: list, previous: list, quarter: str, issuer: str | None = None,
                    addressee: str | None = None, date: dt.date | None = None, as_of: dt.date | None = None,
                    charts_on: bool = True, *,
                    number: str | None = None, mark: str | None = None, cc: str = "", printer: str | None = None,
                    printed: dt.date | None = None) -> CaseDoc:
    date = date or dt.date.today()
    as_of = as_of or date
    st = Stats(cases, previous, as_of)
    issuer = issuer or default_issuer([c.region for c in cases + previous])
    qcn, pcn = quarter_cn(quarter), quarter_cn(previous_quarter(quarter))
    doc = CaseDoc(cases=cases, name=f"{qcn}案例通报")
    add_masthead(doc, issuer, date, number, mark)
    doc.title(f"关于{qcn}违背市场准入负面清单典型案例的通报")
    doc.addressee(addressee or ("各县（市、区）人民政府（管委会），市直有关部门：" if st.city else "各有关单位："))
    doc.para(f"按照《{BASIS_TITLE}》（{BASIS_INSTRUMENT}）要求，我们对{qcn}归集的违背市场准入负面清单案例"
             f"逐一开展了核查，现将有关情况通报如下。")

    n, p = len(cases), len(previous)
    doc.heading("一、总体情况", 1)
    if not n:
        doc.para(f"{qcn}未归集到违背市场准入负面清单案例（{pcn}{p}件）。")
    else:
        top_cat = st.category.most_common(1)[0]
        top_ch = st.channel.most_common(1)[0]
        doc.para(f"{qcn}共归集违背市场准入负面清单案例{n}件，较{pcn}（{p}件）{_change(n, p)}。已完成核查{st.verified}件，"
                 f"核查率{_pct(st.verified, n)}；其中属实或部分属实{len(st.true)}件，已完成整改{st.rectified}件，"
                 f"整改率{_pct(st.rectified, len(st.true))}。从类别看，"
                 f"“{category_label(top_cat[0]) if top_cat[0] != UNCLASSIFIED else UNCLASSIFIED}”最多，"
                 f"共{top_cat[1]}件；从来源看，{top_ch[0]}最多，共{top_ch[1]}件。")
    doc.heading("（一）分类别情况", 2)
    doc.table(["代码", "类别（发改体改〔2021〕1670号）", "本季度", "上季度", "变化", "占比"], st.category_rows(),
              [14, 66, 18, 18, 24, 16])
    if charts_on and n:
        labels = [c for c in st.categories()]
        doc.image(charts.bar(labels, {qcn[5:]: [st.category[c] for c in labels],
                                      pcn[5:] if pcn[:5] == qcn[:5] else pcn: [st.category_prev[c] for c in labels]},
                             "分类别案例数（本季度与上季度）"), "图1 分类别案例数")
    doc.heading("（二）分地区情况", 2)
    doc.table(["地区", "本季度", "上季度", "变化", "已核查", "属实", "已整改", "整改率", "逾期"], st.region_rows(),
              [24, 15, 15, 24, 15, 15, 15, 18, 15])
    if charts_on and n:
        regions = st.regions()
        doc.image(charts.bar(regions, {"本季度": [st.region[r] for r in regions],
                                       "上季度": [st.region_prev[r] for r in regions]},
                             "分地区案例数", horizontal=True), "图2 分地区案例数")
    doc.heading("（三）分来源渠道情况", 2)
    doc.table(["来源渠道", "本季度", "占比", "上季度", "变化"], st.channel_rows(), [40, 26, 26, 26, 38])
    if charts_on and n:
        chs = st.channels()
        doc.image(charts.pie(chs, [st.channel[c] for c in chs], "案例来源渠道构成"), "图3 案例来源渠道构成")
    doc.heading("（四）涉及单位情况", 2)
    units = st.unit_rows()
    if units:
        doc.para(f"本季度有{sum(1 for _, k in st.unit.items() if k >= 2)}个单位涉及两件及以上案例，需重点关注。")
        doc.table(["涉及单位", "案例数", "类别"], units, [90, 22, 44])
    else:
        doc.para("本季度未发现同一单位重复出现的情况。")

    doc.heading("二、典型案例", 1)
    typical = typical_cases(cases)
    if not typical:
        doc.para("本季度暂无已核查属实的典型案例。")
    for i, c in enumerate(typical, start=1):
        doc.heading(f"（{_cn_num(i)}）{case_title(c)}", 2)
        for para in facts(c):
            doc.para(para)
        doc.para(f"案例来源：{c.channel or '未登记'}。整改情况：{rectification(c, as_of)}")

    doc.heading("三、整改进展", 1)
    t = len(st.true)
    doc.para(f"本季度属实或部分属实的{t}件案例中，已完成整改{st.rectified}件，整改中{st.in_progress}件，"
             f"尚未整改{st.not_started}件；整改期限已过仍未完成整改的{len(st.overdue)}件。")
    if charts_on and t:
        regions = [r for r in st.regions() if any(st.short(c.region) == r for c in st.true)]
        parts = {s: [sum(1 for c in st.true if st.short(c.region) == r and c.rectify_status == s) for r in regions]
                 for s in ("已整改", "整改中", "未整改")}
        doc.image(charts.stacked(regions, parts, "分地区整改进展（属实案例）"), "图4 分地区整改进展")
    if st.overdue:
        rows = [[c.case_id, subject(c.region, c.unit, c.category), c.rectify_deadline.isoformat(), overdue(c, as_of),
                 c.rectify_status] for c in st.overdue[:MAX_LISTED]]
        doc.table(["案例编号", "涉及单位", "整改期限", "逾期天数", "整改状态"], rows, [34, 58, 24, 18, 22])

    doc.heading("四、工作要求", 1)
    praise = _praise(st)
    if praise:
        doc.para(f"{'、'.join(praise)}主动开展案例排查并及时完成整改，予以通报表扬。")
    supervise = sorted({st.short(c.region) for c in st.overdue})
    if supervise:
        doc.para(f"请{'、'.join(supervise)}督促有关部门对逾期未整改的案例限期整改到位，并于下季度首月"
                 f"将整改结果报送{issuer}。")
    doc.para("各地区、各部门要对照本通报所列案例，全面开展自查自纠，学习借鉴有关经验做法，做到发现一起、整改一起、"
             "通报一起；新出台涉及市场准入的政策措施，要严格开展公平竞争审查，不得在市场准入负面清单之外另设准入条件。")
    doc.para("本通报将在门户网站公开。")
    listed = 0 < n <= MAX_LISTED
    if listed:
        doc.para("附件：本季度案例清单")
    elif n:
        doc.para(f"附件：本季度案例清单（共{n}件，见同期案例台账 .xlsx）")
    doc.signature(issuer, date_cn(date))
    if listed:   # GB/T 9704: the attachment follows the signature, on a new page, headed 附件
        doc.pagebreak()
        doc.attachment("附件")
        doc.title("本季度案例清单")
        doc.table(["案例编号", "地区", "涉及单位", "类别", "核查", "整改"],
                  [[c.case_id, st.short(c.region), c.unit, _cat(c.category) if c.category else "—", c.verify_status,
                    c.rectify_status] for c in cases], [34, 18, 50, 14, 18, 22])
    add_imprint(doc, issuer, date, cc, printer, printed)   # 版记: the last thing in the document, after any 附件
    doc.sheets.update(_stat_sheets(st))
    return doc


def _praise(st: Stats) -> list[str]:
    """Regions whose cases came (also) from their own self-inspection and whose verified cases are all rectified."""
    out = []
    for r in st.regions():
        cs = [c for c in st.cases if st.short(c.region) == r]
        true = [c for c in cs if c.verify_status in TRUE_FINDINGS]
        if true and any(c.channel in SELF_REPORTED for c in cs) and all(c.rectify_status == "已整改" for c in true):
            out.append(r)
    return out


def _stat_sheets(st: Stats) -> dict:
    return {
        "分类别": (["代码", "类别", "本期", "上期", "变化", "占比"], st.category_rows()),
        "分地区": (["地区", "本期", "上期", "变化", "已核查", "属实", "已整改", "整改率", "逾期"], st.region_rows()),
        "分渠道": (["来源渠道", "本期", "占比", "上期", "变化"], st.channel_rows()),
        "涉及单位": (["涉及单位", "案例数", "类别"], st.unit_rows(limit=1000)),
    }


def _cn_num(i: int) -> str:
    from dsl.lawtext import cn_numeral

    return cn_numeral(i)


# ---- the monthly verification summary -------------------------------------------------------------------------------

def build_monthly(cases: list, previous: list, backlog: list, month: str, issuer: str | None = None,
                  date: dt.date | None = None, as_of: dt.date | None = None, charts_on: bool = True, *,
                  number: str | None = None, mark: str | None = None, cc: str = "", printer: str | None = None,
                  printed: dt.date | None = None) -> CaseDoc:
    """cases: received in the month; previous: the month before; backlog: every earlier case still open
    (not verified, or verified true and not rectified)."""
    date = date or dt.date.today()
    as_of = as_of or date
    y, m = int(month[:4]), int(month[5:7])
    mcn = f"{y}年{m}月"
    st = Stats(cases, previous, as_of)
    issuer = issuer or default_issuer([c.region for c in cases + backlog])
    doc = CaseDoc(cases=cases, name=f"{mcn}案例核查情况")
    add_masthead(doc, issuer, date, number, mark)
    doc.title(f"关于{mcn}违背市场准入负面清单案例核查情况的通报")
    doc.subtitle(f"（核查基准日：{date_cn(as_of)}）")
    n = len(cases)
    pending = [c for c in cases if c.verify_status not in VERIFIED]
    doc.heading("一、本月归集情况", 1)
    doc.para(f"{mcn}共受理违背市场准入负面清单案例线索{n}件，较上月（{len(previous)}件）{_change(n, len(previous))}。"
             f"已完成核查{st.verified}件，尚待核查{len(pending)}件；核查属实或部分属实{len(st.true)}件，"
             f"已完成整改{st.rectified}件，整改中{st.in_progress}件，尚未整改{st.not_started}件。")
    doc.table(["地区", "本月", "上月", "变化", "已核查", "属实", "已整改", "整改率", "逾期"], st.region_rows(),
              [24, 15, 15, 24, 15, 15, 15, 18, 15])
    doc.table(["代码", "类别", "本月", "上月", "变化", "占比"], st.category_rows(), [14, 66, 18, 18, 24, 16])
    if charts_on and n:
        labels = st.categories()
        doc.image(charts.bar(labels, {"本月": [st.category[c] for c in labels],
                                      "上月": [st.category_prev[c] for c in labels]}, "分类别案例数"),
                  "图1 分类别案例数")
    doc.table(["来源渠道", "本月", "占比", "上月", "变化"], st.channel_rows(), [40, 26, 26, 26, 38])

    doc.heading("二、核查情况（一案一核查）", 1)
    by_status = Counter(c.verify_status for c in cases)
    doc.para("本月受理案例的核查结论：" + "，".join(f"{s}{by_status[s]}件" for s in ("属实", "部分属实", "不属实", "核查中", "待核查")
                                           if by_status[s]) + "。" if n else "本月无新受理案例。")
    old_pending = [c for c in backlog if c.verify_status not in VERIFIED]
    if old_pending:
        doc.para(f"此前受理、至今仍未完成核查的案例{len(old_pending)}件，请有关地区在下月核查中办结。")
    if pending:
        doc.table(["案例编号", "受理日期", "地区", "涉及单位", "类别", "状态"],
                  [[c.case_id, c.received_date.isoformat(), st.short(c.region), c.unit, _cat(c.category),
                    c.verify_status] for c in pending[:MAX_LISTED]], [34, 24, 18, 44, 14, 22])

    doc.heading("三、整改情况", 1)
    open_true = [c for c in cases + backlog if c.verify_status in TRUE_FINDINGS and c.rectify_status not in DONE]
    late = sorted((c for c in open_true if overdue(c, as_of)), key=lambda c: -overdue(c, as_of))
    doc.para(f"截至{date_cn(as_of)}，核查属实尚未完成整改的案例共{len(open_true)}件（含以前月份），"
             f"其中超过整改期限的{len(late)}件。")
    if late:
        doc.table(["案例编号", "涉及单位", "整改期限", "逾期天数", "整改状态"],
                  [[c.case_id, subject(c.region, c.unit, c.category), c.rectify_deadline.isoformat(), overdue(c, as_of),
                    c.rectify_status] for c in late[:MAX_LISTED]], [34, 58, 24, 18, 22])

    doc.heading("四、需关注事项", 1)
    flagged = [c for c in cases if c.flags]
    if flagged:
        flag_count = Counter(f.split("（")[0] for c in flagged for f in c.flags)
        doc.para("按月扫描标出需关注的案例" + f"{len(flagged)}件：" + "，".join(f"{k}{v}件" for k, v in flag_count.most_common())
                 + "。")
        doc.table(["案例编号", "涉及单位", "需关注事项"],
                  [[c.case_id, subject(c.region, c.unit, c.category), "；".join(c.flags)] for c in flagged[:MAX_LISTED]],
                  [34, 52, 70])
    else:
        doc.para("本月案例未发现需关注事项（如尚未运行 policylint cases scan，请先扫描）。")
    doc.heading("五、下一步工作", 1)
    doc.para("对尚待核查的案例逐件核查，做到一案一核查；对核查属实的案例明确整改期限并跟踪督办，逾期未整改的纳入季度通报；"
             "对同一单位重复出现的问题，开展集中排查。")
    doc.signature(issuer, date_cn(date))
    add_imprint(doc, issuer, date, cc, printer, printed)
    doc.sheets.update(_stat_sheets(st))
    return doc
