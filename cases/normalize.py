"""Cleaning what staff type into spreadsheets: dates, headers, channels, regions."""
from __future__ import annotations

import datetime as dt
import functools
import re

# canonical field -> accepted headers (compared after normalise_header)
HEADER_ALIASES: dict[str, list[str]] = {
    "case_id": ["案例编号", "案件编号", "编号", "案例id", "案例号", "线索编号", "工单编号", "工单号", "case_id", "id"],
    "region": ["所属地区", "地区", "所属区域", "所在地区", "区域", "区县", "所属区县", "行政区划", "region"],
    "unit": ["涉及单位", "涉事单位", "被反映单位", "责任单位", "涉及部门", "涉及主体", "单位名称", "unit"],
    "channel": ["来源渠道", "来源", "线索来源", "案例来源", "渠道", "问题来源", "channel"],
    "received_date": ["受理日期", "受理时间", "登记日期", "登记时间", "接收日期", "收到日期", "received_date", "date"],
    "description": ["问题描述", "案情描述", "问题", "案情", "反映问题", "诉求内容", "问题内容", "简要案情", "description"],
    "document": ["涉及文件", "涉及文件名称", "文件名称", "涉及政策文件", "涉及措施", "涉及文件或措施", "document"],
    "clause": ["涉及条款", "具体条款", "条款内容", "clause"],
    "list_item": ["涉及清单事项", "清单事项", "负面清单事项", "list_item"],
    "verify_status": ["核查状态", "核查结果", "verify_status"],
    "verify_findings": ["核查情况", "核查意见", "verify_findings"],
    "verify_date": ["核查日期", "核查时间", "verify_date"],
    "rectify_status": ["整改状态", "整改情况", "rectify_status"],
    "rectify_deadline": ["整改期限", "整改时限", "rectify_deadline"],
    "rectify_date": ["整改完成日期", "整改完成时间", "rectify_date"],
    "rectify_measures": ["整改措施", "rectify_measures"],
}
REQUIRED = ("case_id", "received_date", "description")
EXPECTED = ("case_id", "region", "unit", "channel", "received_date", "description", "document")

_HEADER_NOISE = re.compile(r"[\s\u3000*＊:：]|[（(](必填|选填|可选)[）)]")


def normalise_header(h: object) -> str:
    s = str(h or "").replace("\ufeff", "").strip()
    return _HEADER_NOISE.sub("", s).lower()


_ALIAS_INDEX = {normalise_header(a): f for f, names in HEADER_ALIASES.items() for a in names}


def map_headers(headers: list) -> dict[int, str]:
    """Column index -> canonical field, first occurrence wins."""
    out: dict[int, str] = {}
    seen: set[str] = set()
    for i, h in enumerate(headers):
        f = _ALIAS_INDEX.get(normalise_header(h))
        if f and f not in seen:
            out[i] = f
            seen.add(f)
    return out


# ---- dates ------------------------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))"
                      r"(?:[\sT]+\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)?\s*$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class DateError(ValueError):
    """The Chinese reason a date cell was refused."""


def parse_date(value: object) -> dt.date | None:
    """A date as staff write it; None for an empty cell; DateError (Chinese message) when it is not a real date."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Excel serial day number (a date cell typed as number)
        if 20000 <= value <= 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise DateError(f"“{value}”不是日期")
    s = str(value).strip()
    if not s:
        return None
    return _parse_date_text(s, str(value))


@functools.lru_cache(maxsize=8192)   # a register repeats the same few hundred dates
def _parse_date_text(s: str, value: str) -> dt.date:
    s = s.translate(str.maketrans("０１２３４５６７８９－／．", "0123456789-/."))
    if s.isdigit() and len(s) == 5:
        return parse_date(int(s))   # an Excel serial day number read as text
    m = _DATE_RE.match(s)
    if not m:
        raise DateError(f"“{value}”无法识别（日期可写作 2026-08-01、2026/8/1、2026年8月1日 或 2026.8.1）")
    y = int(m.group(1))
    mo, d = (m.group(2), m.group(3)) if m.group(2) else (m.group(4), m.group(5))
    mo, d = int(mo), int(d)
    if not 1 <= mo <= 12:
        raise DateError(f"“{value}”不是有效日期（没有{mo}月）")
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise DateError(f"“{value}”不是有效日期（{y}年{mo}月没有{d}日）") from None


def parse_month(s: str) -> tuple[dt.date, dt.date]:
    """'2026-08' (also 2026年8月, 202608) -> [first day, first day of next month)."""
    m = re.fullmatch(r"\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))\s*", s or "")
    if not m or not 1 <= int(m.group(2) or m.group(3)) <= 12:
        raise ValueError(f"月份“{s}”无法识别，应写作 2026-08")
    y, mo = int(m.group(1)), int(m.group(2) or m.group(3))
    start = dt.date(y, mo, 1)
    end = dt.date(y + (mo == 12), mo % 12 + 1, 1)
    return start, end


def parse_quarter(s: str) -> tuple[dt.date, dt.date, str]:
    """'2026Q3' (also 2026-Q3, 2026年第三季度, 2026年3季度) -> [start, end), canonical label."""
    m = re.fullmatch(r"\s*(\d{4})\s*(?:[-年]?\s*[Qq]\s*([1-4])|年?\s*第?\s*([1-4一二三四])\s*季度?)\s*", s or "")
    if not m:
        raise ValueError(f"季度“{s}”无法识别，应写作 2026Q3")
    y = int(m.group(1))
    q_raw = m.group(2) or m.group(3)
    q = int(q_raw) if q_raw.isdigit() else "一二三四".index(q_raw) + 1
    start = dt.date(y, 3 * q - 2, 1)
    end = dt.date(y + (q == 4), (3 * q) % 12 + 1, 1)
    return start, end, f"{y}Q{q}"


def previous_quarter(label: str) -> str:
    y, q = int(label[:4]), int(label[-1])
    return f"{y - 1}Q4" if q == 1 else f"{y}Q{q - 1}"


def quarter_cn(label: str) -> str:
    return f"{label[:4]}年第{'一二三四'[int(label[-1]) - 1]}季度"


def date_cn(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


# ---- channels -----------------------------------------------------------------------------------------------------

_CHANNEL_WORDS = [
    ("12345热线", ("12345", "热线", "政务服务便民")),
    ("投诉举报", ("投诉", "举报", "信访", "来信", "来访")),
    ("自查自纠", ("自查", "自纠", "排查")),
    ("督查检查", ("督查", "检查", "巡查", "巡视", "审计", "督导")),
    ("媒体报道", ("媒体", "报道", "舆情", "网络", "新闻", "网民")),
    ("效能评估", ("效能评估", "评估")),
    ("地方主动报送", ("主动报送", "报送", "上报")),
    ("文件审查", ("文件审查", "公平竞争审查", "合法性审查", "policylint")),
]


@functools.lru_cache(maxsize=1024)
def channel(raw: str) -> str:
    s = str(raw or "").strip()
    if not s:
        return ""
    for name, words in _CHANNEL_WORDS:
        if s == name or any(w in s for w in words):
            return name
    return s


_SPACES = re.compile(r"[ \t\u3000]+")


def clean_text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    s = value.strip()
    if "  " in s or "\t" in s or "\u3000" in s:
        s = _SPACES.sub(" ", s)
    return s
