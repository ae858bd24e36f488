"""What the case rules compare: each case as a dict keyed by the Chinese field names, with derived fields.

Derived fields are computed here, before evaluation, against an as-of date (the day of the monthly verification):
主体类型 (政府部门 / 市场主体 / 未知, from the unit's name), 整改逾期天数, 本季同单位案例数, 受理天数.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import sqlite3
from collections import Counter

from cases.model import quarter_of

_MARKET = re.compile(r"(公司|企业|集团|厂|商行|商店|门店|超市|药店|诊所|医院|酒店|宾馆|合作社|工作室|经营部|个体|"
                     r"体育馆|游泳馆|场馆|旅行社|培训机构|学校|幼儿园|事务所|商户|网店|平台|市场主体|经营主体|经营者)")
_GOVERNMENT = re.compile(r"(人民政府|政府|局|委员会|委|办公室|办|管委会|管理委员会|厅|署|部门|小组|指挥部|中心|队|"
                         r"街道|乡|镇|村委会|居委会|社区)$|有关部门|人民政府")


@functools.lru_cache(maxsize=4096)   # a register names the same units again and again
def unit_kind(unit: str | None) -> str:
    u = (unit or "").strip()
    if not u:
        return "未知"
    if _MARKET.search(u):
        return "市场主体"
    if _GOVERNMENT.search(u):
        return "政府部门"
    return "未知"


@functools.lru_cache(maxsize=4096)
def unit_key(unit: str | None) -> str:
    return re.sub(r"\s+", "", unit or "")


def quarter_unit_counts(conn: sqlite3.Connection, quarters: set[str]) -> Counter:
    """(quarter, unit) -> number of cases of that unit received in that quarter, over the whole register."""
    from cases.normalize import parse_quarter

    counts: Counter = Counter()
    for q in quarters:
        start, end, _ = parse_quarter(q)
        for unit, n in conn.execute(
                "SELECT unit, COUNT(*) FROM cases WHERE received_date >= ? AND received_date < ? AND unit != '' "
                "GROUP BY unit", (start.isoformat(), end.isoformat())):
            counts[(q, unit_key(unit))] += n
    return counts


def as_rule_record(r: dict, as_of: dt.date, unit_counts: Counter, line: int = 0) -> dict:
    """One case (store.select() dict) -> the dict the case rules read."""
    deadline = r.get("rectify_deadline")
    done = r.get("rectify_status") in ("已整改", "无需整改")
    overdue = None
    if deadline and not done:
        overdue = max((as_of - deadline).days, 0)
    received = r["received_date"]
    unit = r.get("unit") or ""
    return {
        "_id": r["case_id"],
        "_line": line,
        "所属地区": r.get("region") or None,
        "涉及单位": unit or None,
        "来源渠道": r.get("channel") or None,
        "问题描述": r.get("description") or "",
        "涉及文件": r.get("document") or None,
        "涉及条款": r.get("clause") or None,
        "涉及清单事项": r.get("list_item") or None,
        "主体类型": unit_kind(unit),
        "核查状态": r.get("verify_status") or "待核查",
        "整改状态": r.get("rectify_status") or "未整改",
        "整改期限": deadline.isoformat() if deadline else None,
        "整改措施": r.get("rectify_measures") or None,
        "整改逾期天数": overdue,
        "本季同单位案例数": unit_counts.get((quarter_of(received), unit_key(unit))) if unit else None,
        "受理天数": (as_of - received).days,
    }
