"""The ledger (台账): one row per case with every field, frozen header, filters, column widths; plus statistics
sheets for the monthly and quarterly reports (written by reports.case_xlsx, fast enough for 30,000 cases)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from cases.model import FIELD_CN, category_label

# ledger columns: (field, header, width in characters, wrap)
COLUMNS = [(f, h, w, wrap) for f, h, w, wrap in [
    ("case_id", FIELD_CN["case_id"], 16, False), ("region", FIELD_CN["region"], 14, False),
    ("unit", FIELD_CN["unit"], 22, True), ("channel", FIELD_CN["channel"], 11, False),
    ("received_date", FIELD_CN["received_date"], 11, False), ("description", FIELD_CN["description"], 60, True),
    ("document", FIELD_CN["document"], 34, True), ("clause", FIELD_CN["clause"], 24, True),
    ("basis", FIELD_CN["basis"], 24, True), ("list_item", FIELD_CN["list_item"], 18, True),
    ("category", FIELD_CN["category"], 8, False), ("_category_label", "类别", 34, True),
    ("subtype", FIELD_CN["subtype"], 20, True), ("category_by", FIELD_CN["category_by"], 16, True),
    ("flags", FIELD_CN["flags"], 28, True), ("verify_status", FIELD_CN["verify_status"], 9, False),
    ("verify_date", FIELD_CN["verify_date"], 11, False), ("verifier", FIELD_CN["verifier"], 9, False),
    ("verify_findings", FIELD_CN["verify_findings"], 30, True), ("rectify_status", FIELD_CN["rectify_status"], 9, False),
    ("rectify_deadline", FIELD_CN["rectify_deadline"], 11, False), ("rectify_date", FIELD_CN["rectify_date"], 11, False),
    ("rectify_measures", FIELD_CN["rectify_measures"], 30, True), ("notified_dates", FIELD_CN["notified_dates"], 12, True),
    ("source", FIELD_CN["source"], 18, True), ("created_at", FIELD_CN["created_at"], 19, False),
    ("updated_at", FIELD_CN["updated_at"], 19, False)]]


def _value(rec, field: str):
    if field == "_category_label":
        return category_label(rec.category)
    v = getattr(rec, field)
    if isinstance(v, list):
        return "；".join(x.isoformat() if isinstance(x, dt.date) else str(x) for x in v)
    return v


def write_ledger(cases: list, path, extra: dict[str, tuple[list, list]] | None = None,
                 sheet_name: str = "案例台账", title: str = "") -> Path:
    from reports.case_xlsx import Sheet, save

    ledger = Sheet(sheet_name, [h for _, h, _, _ in COLUMNS], [w for _, _, w, _ in COLUMNS],
                   [wrap for _, _, _, wrap in COLUMNS], freeze="B2")   # header row and the case id stay in view
    fields = [f for f, _, _, _ in COLUMNS]
    for rec in cases:
        ledger.append([_value(rec, f) for f in fields])
    sheets = [ledger]
    for name, (headers, rows) in (extra or {}).items():
        widths = []
        for i, h in enumerate(headers):
            longest = max([len(str(h))] + [len(str(r[i])) for r in rows if i < len(r)])
            widths.append(min(max(8, longest * 1.8 + 2), 60))
        sheet = Sheet(name, headers, widths, [True] * len(headers))
        for r in rows:
            sheet.append(list(r))
        sheets.append(sheet)
    return save(sheets, path, title=title or sheet_name)
