"""The ledger (台账): one row per case with every field, frozen header, filters, column widths; plus statistics
sheets for the monthly and quarterly reports. Written in openpyxl's write-only mode so 30,000 cases stay fast."""
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


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


def write_ledger(cases: list, path, extra: dict[str, tuple[list, list]] | None = None,
                 sheet_name: str = "案例台账") -> Path:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = Workbook(write_only=True)
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")

    ws = wb.create_sheet(sheet_name)
    ws.freeze_panes = "B2"                               # header row and the case id stay in view
    for i, (_, _, width, _) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[_col(i)].width = width
    ws.auto_filter.ref = f"A1:{_col(len(COLUMNS))}{max(len(cases), 1) + 1}"
    header = []
    for _, h, _, _ in COLUMNS:
        c = WriteOnlyCell(ws, value=h)
        c.font, c.fill, c.border = head_font, head_fill, border
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(c)
    ws.append(header)
    date_fmt = "yyyy-mm-dd"
    for rec in cases:
        row = []
        for f, _, _, w in COLUMNS:
            c = WriteOnlyCell(ws, value=_value(rec, f))
            c.alignment = wrap if w else top
            if isinstance(c.value, dt.date):
                c.number_format = date_fmt
            row.append(c)
        ws.append(row)

    for name, (headers, rows) in (extra or {}).items():
        _stats_sheet(wb, name, headers, rows, head_font, head_fill, border)
    path = Path(path)
    wb.save(path)
    return path


def _stats_sheet(wb, name: str, headers: list, rows: list, font, fill, border) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    ws = wb.create_sheet(name[:31])
    ws.freeze_panes = "A2"
    for i, h in enumerate(headers, start=1):
        longest = max([len(str(h))] + [len(str(r[i - 1])) for r in rows if i - 1 < len(r)])
        ws.column_dimensions[_col(i)].width = min(max(8, longest * 1.8 + 2), 60)
    ws.auto_filter.ref = f"A1:{_col(len(headers))}{max(len(rows), 1) + 1}"
    cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=h)
        c.font, c.fill, c.border = font, fill, border
        c.alignment = Alignment(horizontal="center", wrap_text=True)
        cells.append(c)
    ws.append(cells)
    for r in rows:
        ws.append(list(r))
