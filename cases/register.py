"""Findings become cases: one case per document (or filing item / request: Finding.record) and rule.

The case id is derived from file + rule + record, so registering the same findings again adds nothing.
Findings of severity info are hints for the drafter, not suspected violations, and are not registered.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path

from cases import store
from engine.errors import UserError
from engine.finding import Finding, Match


def case_id_for(file: str, rule: str, record: str | None) -> str:
    key = f"{os.path.normpath(file or '-').replace(os.sep, '/')}|{rule}|{record or ''}"
    return "F" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12].upper()


def _group(findings: list[Finding]) -> dict[str, list[Finding]]:
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        if f.severity == "info":
            continue
        groups.setdefault(case_id_for(f.file, f.rule, f.record), []).append(f)
    return groups


def _case_values(cid: str, group: list[Finding], region: str, unit: str, received: dt.date, channel: str) -> dict:
    first = group[0]
    name = Path(first.file).name if first.file and first.file != "-" else "（标准输入）"
    document = f"{name}（{first.record}）" if first.record else name
    places = []
    for f in group:
        where = f.path or (f"第{f.line}行" if f.line else "")
        places.append(f"{where}：{f.text}" if where else f.text)
    clause = "\n".join(dict.fromkeys(p for p in places if p))[:4000]
    desc = f"{first.title}：{first.message}"
    if len(group) > 1:
        desc += f"（共 {len(group)} 处）"
    sets = first.sets or {}
    return {"case_id": cid, "region": region, "unit": unit, "channel": channel, "received_date": received,
            "description": desc, "document": document, "clause": clause, "basis": first.basis,
            "category": str(sets.get("category", "")), "subtype": str(sets.get("subtype", "")),
            "category_by": first.rule if sets.get("category") else "",
            "source": f"{first.file}:{first.line} {first.rule}"}


def register_findings(findings: list[Finding], db_path, region: str = "", unit: str = "",
                      received: dt.date | None = None, channel: str = "文件审查") -> tuple[int, int]:
    """Register the findings as cases; returns (new, unchanged) counted in cases, not findings."""
    groups = _group(findings)
    conn = store.connect(db_path)
    try:
        with store.transaction(conn):
            have = {r[0] for r in conn.execute(
                f"SELECT case_id FROM cases WHERE case_id IN ({', '.join('?' * len(groups))})", list(groups))} \
                if groups else set()
            stamp = store.now_iso()
            rows = [_case_values(cid, g, region, unit, received or dt.date.today(), channel)
                    for cid, g in groups.items() if cid not in have]
            if rows:
                cols = list(rows[0])
                conn.executemany(
                    f"INSERT INTO cases({', '.join(cols)}, created_at, updated_at) "
                    f"VALUES ({', '.join('?' * len(cols))}, ?, ?)",
                    [list(store.to_row(r).values()) + [stamp, stamp] for r in rows])
    finally:
        conn.close()
    return len(rows), len(have)


def read_findings_jsonl(path: str | Path) -> list[Finding]:
    """The output of `policylint check --format jsonl` / `policylint filing check --format jsonl`."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"文件不存在：{p}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"无法读取 {p}：{getattr(e, 'strerror', None) or '不是 UTF-8 文本'}") from None
    known = set(Finding.__fields__)
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            raise UserError(f"{p.name} 第 {n} 行不是合法的 JSON（应为 policylint check --format jsonl 的输出）") from None
        if not isinstance(obj, dict) or not {"file", "rule", "message"} <= obj.keys():
            raise UserError(f"{p.name} 第 {n} 行不是检查结果（缺少 file、rule 或 message 字段）")
        vals = {k: v for k, v in obj.items() if k in known}
        if "text_start" in obj:   # jsonl start/end are the matched words' span; the record keeps the unit's
            vals["start"], vals["end"] = obj["text_start"], obj.get("text_end", obj.get("end", 0))
        vals["matched"] = [Match(**{k: v for k, v in m.items() if k in Match.__fields__})
                           for m in vals.get("matched") or [] if isinstance(m, dict)]
        vals.setdefault("title", obj.get("rule", ""))
        vals.setdefault("family", "")
        vals.setdefault("severity", "warning")
        vals.setdefault("basis", "")
        vals.setdefault("suggestion", obj.get("suggest", ""))
        if vals["severity"] not in ("error", "warning", "info"):
            vals["severity"] = "warning"
        try:
            out.append(Finding(**vals))
        except TypeError as e:
            raise UserError(f"{p.name} 第 {n} 行字段有误：{e}") from None
    return out
