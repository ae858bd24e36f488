"""Verification (一案一核查) and rectification of one case, each change kept in the case's history."""
from __future__ import annotations

import datetime as dt

from cases import store
from cases.model import CATEGORIES, VERIFIED
from engine.errors import UserError


def apply(db_path, case_id: str, *, status: str | None = None, findings: str | None = None,
          verifier: str | None = None, verify_date: dt.date | None = None, category: str | None = None,
          rectify: str | None = None, deadline: dt.date | None = None, measures: str | None = None,
          rectified_on: dt.date | None = None, notified_on: dt.date | None = None,
          amend: str | None = None) -> list[str]:
    """Record what the verifier decided; returns the changes in Chinese, for the command's output."""
    conn = store.connect(db_path, create=False)
    try:
        with store.transaction(conn):
            rec = store.get(conn, case_id)
            if rec is None:
                raise UserError(f"案例库中没有编号为 {case_id} 的案例")
            verify: dict = {}
            said: list[str] = []
            if status or findings or verifier or category:
                if rec.verify_status in VERIFIED and not amend:
                    raise UserError(f"案例 {case_id} 已于 {rec.verify_date or '此前'} 核查（{rec.verify_status}），"
                                    f"一案一核查只登记一次；如需更正，请加 --amend \"更正原因\"")
                if status:
                    verify["verify_status"] = status
                    verify["verify_date"] = verify_date or dt.date.today()
                    said.append(f"核查结论 {status}")
                if findings:
                    verify["verify_findings"] = findings
                    said.append("核查情况")
                if verifier:
                    verify["verifier"] = verifier
                if category:
                    code = category.strip().upper()
                    if code not in CATEGORIES:
                        raise UserError(f"类别“{category}”无效，应为：{'、'.join(CATEGORIES)}")
                    verify.update(category=code, subtype=CATEGORIES[code][1], category_by="人工")
                    said.append(f"类别 {code}")
                if status == "不属实" and not rectify:
                    rectify = "无需整改"
            if verify:
                action = f"更正核查（{amend}）" if amend and rec.verify_status in VERIFIED else "核查"
                store.update_fields(conn, case_id, verify, action, "cases verify")
            rect: dict = {}
            if rectify:
                rect["rectify_status"] = rectify
                if rectify == "已整改":
                    rect["rectify_date"] = rectified_on or dt.date.today()
                said.append(f"整改状态 {rectify}")
            elif rectified_on:
                rect["rectify_date"] = rectified_on
            if deadline:
                rect["rectify_deadline"] = deadline
                said.append(f"整改期限 {deadline.isoformat()}")
            if measures:
                rect["rectify_measures"] = measures
                said.append("整改措施")
            if rect:
                if rectify in ("整改中", "已整改") and rec.verify_status == "不属实" and "verify_status" not in verify:
                    raise UserError(f"案例 {case_id} 核查结论为不属实，不能登记整改")
                store.update_fields(conn, case_id, rect, "整改", "cases verify")
            if notified_on:
                dates = sorted(set(rec.notified_dates) | {notified_on})
                store.update_fields(conn, case_id, {"notified_dates": dates}, "通报", "cases verify")
                said.append(f"通报日期 {notified_on.isoformat()}")
            if not said and not verify:
                raise UserError("没有要登记的内容：请给出 --status、--rectify、--deadline、--measures 或 --notified-on 等")
    finally:
        conn.close()
    return said or ["核查人"]
