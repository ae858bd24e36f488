"""Writes the ledger workbooks (.xlsx) with XlsxWriter.

openpyxl spends ~30 µs per cell building cell and style objects, so a 30,000-case ledger (800,000 cells) took
half a minute; XlsxWriter writes it in a few seconds. Each sheet gets column widths, a frozen header, an
autofilter, a bold shaded header, wrapped text and real date cells, all in 等线 (the Chinese default font of Excel
and WPS).

XlsxWriter's constant_memory mode is not used: it writes every string inline, which for the ledger was ~30%
slower and gave a ~40% larger file than the shared-string table (region, channel and status values repeat on
every row), while the default mode only adds some tens of MB for 30,000 cases.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

FONT = {"font_name": "等线", "font_size": 11, "font_charset": 134, "font_family": 2,
        "font_scheme": "none"}   # "none": the theme's minor font (Calibri/宋体) must not override 等线
HEADER = {"bold": True, "bg_color": "#DDEBF7", "align": "center", "valign": "vcenter", "text_wrap": True,
          "border": 1, "border_color": "#999999"}
WRAP = {"valign": "top", "text_wrap": True}
DATE = {"valign": "top", "num_format": "yyyy-mm-dd"}
TOP = {"valign": "top"}

# control characters are not allowed in XML; XlsxWriter would keep them as _xHHHH_ escapes, which show up
# verbatim when the ledger is read back (and re-imported), so they are dropped as before
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Figure:
    """A number a report shows as text ("+3 (+27%)", "27.3%") and the ledger stores as a number with a number
    format, so Excel can sum, sort and chart it: str() is the text, `value` and `num_format` go to the cell."""
    __slots__ = ("value", "text", "num_format")

    def __init__(self, value: float, text: str, num_format: str):
        self.value, self.text, self.num_format = value, text, num_format

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Figure({self.value!r}, {self.text!r})"


# a cell value starting with one of these is taken for a formula by Excel, WPS and LibreOffice when the cell is
# typed or a CSV is opened (=HYPERLINK(…), +cmd|…, -2+3, @SUM(…)); the ledger writes such values as strings with
# the quote prefix set (shown as typed, never evaluated, even after the cell is edited)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value: str) -> bool:
    return value.startswith(FORMULA_START)


def csv_safe(value):
    """For a CSV that Excel will open: a leading apostrophe on a value Excel would run as a formula (OWASP)."""
    return "'" + value if isinstance(value, str) and formula_like(value) else value


class Sheet:
    """One worksheet: a header row, column widths (in characters), which columns wrap, and the top-left cell
    that is not frozen (``freeze="B2"`` keeps the header row and the first column in view)."""

    def __init__(self, name: str, headers: list[str], widths: list[float], wrap: list[bool] | None = None,
                 freeze: str = "A2"):
        # Excel forbids []:*?/\ in sheet names, a leading or trailing apostrophe, and more than 31 characters
        self.name = re.sub(r"[\[\]:*?/\\]", "_", name)[:31].strip("'") or "Sheet"
        self.headers, self.widths = headers, widths
        self.wrap = wrap or [False] * len(headers)
        self.freeze = freeze
        self.rows: list[list] = []

    def append(self, row: list) -> None:
        self.rows.append(row)

    def _write(self, ws, fmt: dict) -> None:
        ncol = len(self.headers)
        if not ncol:
            return
        for i, w in enumerate(self.widths[:ncol]):
            ws.set_column(i, i, w)
        ws.freeze_panes(self.freeze)
        ws.autofilter(0, 0, len(self.rows), ncol - 1)
        for c, h in enumerate(self.headers):
            ws.write_string(0, c, _CONTROL.sub("", str(h)), fmt["header"])
        text_fmt = [fmt["wrap"] if self.wrap[i] else fmt["top"] for i in range(ncol)]
        quoted_fmt = [fmt["wrap_quoted"] if self.wrap[i] else fmt["top_quoted"] for i in range(ncol)]
        top, date = fmt["top"], fmt["date"]
        number_fmt = fmt["numbers"]
        # explicit writers per type: the generic write() would turn "=..." into formulas and "http..." into links
        write_string, write_number = ws.write_string, ws.write_number
        write_boolean, write_datetime = ws.write_boolean, ws.write_datetime
        for r, row in enumerate(self.rows, start=1):
            for c, v in enumerate(row[:ncol]):
                if v is None or v == "":
                    continue
                if isinstance(v, str):
                    clean = v if v.isprintable() else _CONTROL.sub("", v)
                    write_string(r, c, clean, quoted_fmt[c] if formula_like(v) else text_fmt[c])
                elif isinstance(v, Figure):
                    write_number(r, c, v.value, number_fmt[v.num_format])
                elif isinstance(v, bool):
                    write_boolean(r, c, v, top)
                elif isinstance(v, (int, float)):
                    write_number(r, c, v, top)
                elif isinstance(v, dt.date):
                    # the ledger's dates are days; a time of day is dropped so the cell stays a plain date
                    write_datetime(r, c, v.date() if isinstance(v, dt.datetime) else v, date)
                else:
                    write_string(r, c, _CONTROL.sub("", str(v)), text_fmt[c])


class _NumberFormats(dict):
    """One cell format per number format, made when first used."""

    def __init__(self, wb):
        super().__init__()
        self.wb = wb

    def __missing__(self, num_format: str):
        f = self[num_format] = self.wb.add_format({**TOP, "num_format": num_format})
        return f


def save(sheets: list[Sheet], path, title: str = "") -> Path:
    """Write the sheets, in order, into one workbook at `path`. Raises OSError when the file cannot be written."""
    from xlsxwriter import Workbook
    from xlsxwriter.exceptions import FileCreateError

    path = Path(path)
    wb = Workbook(str(path), {"nan_inf_to_errors": True,
                              "default_format_properties": dict(FONT)})
    wb.set_properties({"title": title, "author": "policylint"})
    fmt = {key: wb.add_format(props) for key, props in
           (("header", HEADER), ("wrap", WRAP), ("date", DATE), ("top", TOP),
            ("wrap_quoted", {**WRAP, "quote_prefix": True}), ("top_quoted", {**TOP, "quote_prefix": True}))}
    fmt["numbers"] = _NumberFormats(wb)
    used: set[str] = set()
    for sheet in sheets:
        name, n = sheet.name, 1
        while name.lower() in used:     # Excel compares sheet names case-insensitively
            n += 1
            name = f"{sheet.name[:31 - len(str(n)) - 1]}_{n}"
        used.add(name.lower())
        sheet._write(wb.add_worksheet(name), fmt)
    try:
        wb.close()
    except FileCreateError as e:
        # callers catch OSError for "cannot write the file"; XlsxWriter wraps it in its own exception
        cause = e.args[0] if e.args and isinstance(e.args[0], OSError) else OSError(str(e))
        raise cause from None
    return path
