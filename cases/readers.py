"""Read the rows of a case file (CSV in UTF-8 or GB18030/GBK, XLSX, JSONL) as (row number, {field: value})."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from cases.normalize import EXPECTED, HEADER_ALIASES, REQUIRED, map_headers
from engine.errors import UserError
from engine.records.tables import BadRow, grid_rows, text_lines

__all__ = ["BadRow", "Table", "HEADER_SCAN_ROWS"]

HEADER_SCAN_ROWS = 10   # a title line or two above the table is common in office spreadsheets


class Table:
    """The rows of one file with its header mapped to canonical fields."""

    def __init__(self, path: Path):
        self.path = path
        self.columns: dict[int, str] = {}
        self.header_row = 0
        self.missing_optional: list[str] = []

    def rows(self) -> Iterator[tuple[int, dict | BadRow]]:
        """(row number, {field: value}) for every row after the header, or (row number, BadRow)."""
        suffix = self.path.suffix.lower()
        if suffix in (".jsonl", ".ndjson", ".json"):
            yield from self._jsonl()
        elif suffix in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".et"):
            yield from self._grid(grid_rows(self.path))
        else:
            raise UserError(f"{self.path.name}：无法识别的文件类型（支持 .csv、.xlsx、.jsonl）")

    # -- grid formats (CSV, XLSX): find the header row, then map cells by column ---------------------------------
    def _grid(self, rows: Iterator[tuple[int, list | BadRow]]) -> Iterator[tuple[int, dict | BadRow]]:
        buffered: list[list] = []
        for number, cells in rows:
            if isinstance(cells, BadRow):
                if self.columns:
                    yield number, cells
                elif len(buffered) >= HEADER_SCAN_ROWS - 1:
                    break
                else:
                    buffered.append([])
                continue
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

    # -- JSONL: one object per line, keys are headers --------------------------------------------------------------
    def _jsonl(self) -> Iterator[tuple[int, dict | BadRow]]:
        for number, line in text_lines(self.path):
            if isinstance(line, BadRow):
                yield number, line
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as e:
                where = f"（第 {e.colno} 列）" if isinstance(e, json.JSONDecodeError) else "（嵌套过深）"
                yield number, BadRow(f"不是合法的 JSON{where}")
                continue
            if not isinstance(obj, dict):
                yield number, BadRow("不是 JSON 对象")
                continue
            keys = list(obj)
            mapping = map_headers(keys)
            yield number, {f: obj[keys[i]] for i, f in mapping.items()}
