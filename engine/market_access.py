"""Post-step of `check`: tie negative_list findings to the list edition they were checked against.

Call `annotate(findings, text, as_of=None)` on the findings of one document after the rules ran. It

1. picks the edition in force on the draft's date (the last full date in its closing lines; `as_of`, else
   $POLICYLINT_AS_OF, overrides; today when the draft bears none), or the edition named by $POLICYLINT_LIST_EDITION;
2. adds to every negative_list finding a note naming that edition, and saying plainly when its data is incomplete;
3. for the rules that find a permit requirement (tagged 清单核对 in their rule file), looks the clause up in the list: an activity the
   list covers as 许可准入 keeps the finding as a hint; an activity a complete list does not cover is raised to
   a warning (清单之外设立准入许可); with an incomplete list the finding stays a hint marked provisional.

Cheap when there is nothing to do: the list is read only if a negative_list finding exists.
"""
from __future__ import annotations

import datetime as dt
import os

from .finding import Finding

PERMIT_TAG = "清单核对"      # rules with this tag find a permit requirement to look up in the list


def annotate(findings: list[Finding], text: str = "", as_of: dt.date | None = None,
             data_dir: str | None = None, permit_rules: set[str] | None = None) -> list[Finding]:
    targets = [f for f in findings if f.family == "negative_list"]
    if not targets:
        return findings
    from .errors import UserError
    from .records.market_list import draft_date, edition_in_force, lookup

    when = as_of or _env_date() or draft_date(text) or dt.date.today()
    try:
        ed = edition_in_force(when, data_dir, os.environ.get("POLICYLINT_LIST_EDITION") or None)
    except UserError as e:
        for f in targets:
            f.notes.append(f"未能确定对照的负面清单版本：{e}")
        return findings
    note = ed.completeness_note()
    for f in targets:
        if f.rule in (permit_rules or set()):
            _permit(f, ed, lookup(f.text, ed))
        if note not in f.notes:
            f.notes.append(note)
    return findings


def _env_date() -> dt.date | None:
    """$POLICYLINT_AS_OF (YYYY-MM-DD) stands in for `--as-of` where a caller cannot pass it."""
    v = os.environ.get("POLICYLINT_AS_OF")
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        return None


def _permit(f: Finding, ed, hits) -> None:
    if hits:
        names = "；".join(f"{item.get('事项名称')}（{'禁止' if item.get('类别') == '禁止' else '许可'}准入类，"
                         f"编码 {item.get('事项编码') or '未取得'}）" for item, _ in hits)
        if any(item.get("类别") == "许可" for item, _ in hits):
            f.notes.append(f"该活动可能属于清单事项：{names}。许可本身有清单依据，仍须核对设定依据和许可条件。")
            if f.severity != "info":
                f.severity = "info"
        else:
            f.notes.append(f"该活动可能属于清单禁止准入事项：{names}。")
        return
    if ed.complete:
        f.notes.append(f"{ed.label}未列入该活动：在清单之外设立准入许可，各类经营主体本可依法平等进入。")
        if f.severity == "info":
            f.severity = "warning"
    else:
        f.notes.append("所用清单数据不完整，未能在清单中找到该活动；本提示是临时性的，须对照官方清单确认。")
