"""Read the rows of a case file (CSV in UTF-8 or GB18030/GBK, XLSX, JSONL) as (row number, {field: value})."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Iterator

from cases.normalize import EXPECTED, HEADER_ALIASES, REQUIRED, map_headers
from engine.errors import UserError

HEADER_SCAN_ROWS = 10   # a title line or two above the table is common in office spreadsheets


class BadRow(Exception):
    """A row that cannot be read at all (e.g. a JSONL line that is not JSON)."""


def decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")   # a superset of GBK and GB2312: what Excel and WPS save on Chinese Windows
    except UnicodeDecodeError:
        raise UserError(f"{name}：无法识别文件编码（支持 UTF-8 与 GB18030/GBK），请在 Excel 中另存为“CSV UTF-8”") from None


class Table:
    """The rows of one file with its header mapped to canonical fields."""

    def __init__(self, path: Path):
        self.path = path
        self.columns: dict[int, str] = {}
        self.header_row = 0
        self.missing_optional: list[str] = []

    def rows(self) -> Iterator[tuple[int, dict | BadRow]]:
        suffix = self.path.suffix.lower()
        if suffix in (".csv", ".txt", ".tsv"):
            yield from self._grid(self._csv_rows())
        elif suffix in (".xlsx", ".xlsm"):
            yield from self._grid(self._xlsx_rows())
        elif suffix in (".jsonl", ".ndjson", ".json"):
            yield from self._jsonl()
        elif suffix in (".xls", ".et"):
            raise UserError(f"{self.path.name}：不支持旧版 {suffix} 格式，请在 Excel/WPS 中另存为 .xlsx 或 CSV")
        else:
            raise UserError(f"{self.path.name}：无法识别的文件类型（支持 .csv、.xlsx、.jsonl）")

    # -- grid formats (CSV, XLSX): find the header row, then map cells by column ---------------------------------
    def _grid(self, rows: Iterator[list]) -> Iterator[tuple[int, dict | BadRow]]:
        buffered: list[list] = []
        for number, cells in rows:
            if not self.columns:
                buffered.append(cells)
                mapping = map_headers(cells)
                if all(f in mapping.values() for f in REQUIRED):
                    self.columns, self.header_row = mapping, number
                    self._note_missing()
                elif len(buffered) >= HEADER_SCAN_ROWS:
                    break
                continue
            yield number, {f: cells[i] for i, f in self.columns.items() if i < len(cells)}
        if not self.columns:
            first = next((r for r in buffered if any(str(c or "").strip() for c in r)), [])
            need = "、".join(HEADER_ALIASES[f][0] for f in REQUIRED)
            seen = "、".join(str(c) for c in first if str(c or "").strip()) or "（空）"
            raise UserError(f"{self.path.name}：前 {HEADER_SCAN_ROWS} 行中找不到表头，至少需要列：{need}；"
                            f"第一行是：{seen}")

    def _note_missing(self) -> None:
        have = set(self.columns.values())
        self.missing_optional = [HEADER_ALIASES[f][0] for f in EXPECTED if f not in have]

    def _csv_rows(self) -> Iterator[tuple[int, list]]:
        try:
            text = decode(self.path.read_bytes(), self.path.name)
        except OSError as e:
            raise UserError(f"无法读取 {self.path}：{e.strerror}") from None
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            for cells in reader:
                yield reader.line_num, cells
        except csv.Error as e:
            raise UserError(f"{self.path.name} 第 {reader.line_num} 行：CSV 格式错误（{e}）") from None

    def _xlsx_rows(self) -> Iterator[tuple[int, list]]:
        import zipfile

        from openpyxl import load_workbook

        try:
            wb = load_workbook(self.path, read_only=True, data_only=True)
        except (OSError, zipfile.BadZipFile, KeyError, ValueError) as e:
            raise UserError(f"无法打开 {self.path.name}：不是有效的 .xlsx 文件（{type(e).__name__}）") from None
        try:
            ws = wb.active
            for number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        finally:
            wb.close()

    # -- JSONL: one object per line, keys are headers --------------------------------------------------------------
    def _jsonl(self) -> Iterator[tuple[int, dict | BadRow]]:
        try:
            text = decode(self.path.read_bytes(), self.path.name)
        except OSError as e:
            raise UserError(f"无法读取 {self.path}：{e.strerror}") from None
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield number, BadRow(f"不是合法的 JSON（第 {e.colno} 列）")
                continue
            if not isinstance(obj, dict):
                yield number, BadRow("不是 JSON 对象")
                continue
            keys = list(obj)
            mapping = map_headers(keys)
            yield number, {f: obj[keys[i]] for i, f in mapping.items()}
