"""Import a case file into the register: every row is new, updated, unchanged or rejected, in one transaction.

Rows that share a case id within one file are applied in file order, so the later row wins and the register's
history keeps the earlier one; when the register already holds what the file ends with, the whole group is
unchanged — which is what makes a second import of the same file a no-op.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from cases import store
from cases.normalize import DateError, channel, clean_text, parse_date
from cases.readers import BadRow, Table
from engine.errors import UserError
from engine.records.tables import excel_safe

DATE_FIELDS = ("received_date", "verify_date", "rectify_deadline", "rectify_date")

_VERIFY_SYNONYMS = {"待核查": "待核查", "未核查": "待核查", "待核实": "待核查", "核查中": "核查中", "正在核查": "核查中",
                    "属实": "属实", "已核实": "属实", "核实": "属实", "查实": "属实", "已核查属实": "属实",
                    "部分属实": "部分属实", "基本属实": "部分属实", "不属实": "不属实", "不实": "不属实",
                    "未查实": "不属实", "已核查不属实": "不属实"}
_RECTIFY_SYNONYMS = {"未整改": "未整改", "未启动": "未整改", "待整改": "未整改", "整改中": "整改中", "正在整改": "整改中",
                     "推进中": "整改中", "已整改": "已整改", "已完成整改": "已整改", "整改完成": "已整改",
                     "完成整改": "已整改", "已完成": "已整改", "无需整改": "无需整改", "不需整改": "无需整改"}


@dataclass
class Reject:
    row: int
    case_id: str
    reason: str


@dataclass
class ImportResult:
    file: str
    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    blank: int = 0
    rejects: list[Reject] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    rejects_file: str = ""   # where the rejected rows were written (always, when there are any)

    def balanced(self) -> bool:
        return self.read == self.new + self.updated + self.unchanged + self.rejected

    def summary(self) -> str:
        s = (f"读取 {self.read} 行 = 新增 {self.new} + 更新 {self.updated} + 未变 {self.unchanged} "
             f"+ 拒收 {self.rejected}")
        if self.blank:
            s += f"（另有空行 {self.blank} 行已跳过）"
        return s


def validate(raw: dict, latest: dt.date | None = None) -> dict:
    """Cells -> clean field values (only the non-empty ones); ValueError with the Chinese reason for a bad row.
    `latest`: the last acceptable 受理日期 (default: a year from today)."""
    out: dict = {}
    # one look at the whole row for lone surrogates; only a row that has one is looked at value by value, so
    # the first bad value in the row's order gives the reason, as before
    try:
        whole = not _unencodable("".join(raw.values()))
    except TypeError:   # a cell that is not text (a spreadsheet number or date): value by value
        whole = False
    for f, v in raw.items():
        if not whole and isinstance(v, str) and not v.isascii() and _unencodable(v):
            raise ValueError("含有无效字符（单独的代理项），无法保存：请检查该行")
        if f in DATE_FIELDS:
            d, err = _date_cell(v) if type(v) is str else _date_value(v)
            if err is not None:
                label = {"received_date": "受理日期", "verify_date": "核查日期", "rectify_deadline": "整改期限",
                         "rectify_date": "整改完成日期"}[f]
                raise ValueError(f"{label}{err}")
            if d is not None:
                out[f] = d
            continue
        if type(v) is str:   # clean_text, without a call for the usual cell
            s = v.strip()
            if "  " in s or "\t" in s or "\u3000" in s:
                s = clean_text(v)
        else:
            s = clean_text(v)
        if not s:
            continue
        if f == "channel":
            s = channel(s)
        elif f == "verify_status":
            if s not in _VERIFY_SYNONYMS:
                raise ValueError(f"核查状态“{s}”不是可选值（待核查、核查中、属实、部分属实、不属实）")
            s = _VERIFY_SYNONYMS[s]
        elif f == "rectify_status":
            if s not in _RECTIFY_SYNONYMS:
                raise ValueError(f"整改状态“{s}”不是可选值（未整改、整改中、已整改、无需整改）")
            s = _RECTIFY_SYNONYMS[s]
        out[f] = s
    if not out.get("case_id"):
        raise ValueError("缺少案例编号")
    if len(out["case_id"]) > 64:
        raise ValueError("案例编号过长（超过 64 个字符）")
    if "received_date" not in out:
        raise ValueError("缺少受理日期")
    if d := out["received_date"]:
        if not dt.date(1990, 1, 1) <= d <= (latest or dt.date.today() + dt.timedelta(days=366)):
            raise ValueError(f"受理日期 {d.isoformat()} 超出合理范围")
    if not out.get("description"):
        raise ValueError("问题描述为空")
    return out


def _date_value(v) -> tuple[dt.date | None, str | None]:
    """(parse_date(v), None) or (None, the reason it is not a date)."""
    try:
        return parse_date(v), None
    except DateError as e:
        return None, str(e)


@functools.lru_cache(maxsize=4096)   # a file repeats the same few hundred dates
def _date_cell(v: str) -> tuple[dt.date | None, str | None]:
    return _date_value(v)


def _unencodable(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _is_blank(raw) -> bool:
    if not isinstance(raw, dict):
        return False
    for v in raw.values():
        if v is None:
            continue
        if v.strip() if isinstance(v, str) else clean_text(v):   # clean_text of a string is empty iff strip() is
            return False
    return True


_VERIFY_RANK = {"待核查": 0, "核查中": 1, "属实": 2, "部分属实": 2, "不属实": 2}
_RECTIFY_RANK = {"未整改": 0, "整改中": 1, "已整改": 2, "无需整改": 2}


def _keep_progress(current: dict | None, values: dict) -> dict:
    """A spreadsheet exported before a case was verified or rectified must not undo that progress when it is
    imported again: a status further along in the register wins over an earlier one in the file."""
    if not current:
        return values
    out = dict(values)
    for f, rank in (("verify_status", _VERIFY_RANK), ("rectify_status", _RECTIFY_RANK)):
        if f in out and rank.get(current.get(f), 0) > rank.get(out[f], 0):
            del out[f]
    return out


def _differs(current: dict, values: dict) -> bool:
    return any(current.get(k) != v for k, v in values.items() if k != "case_id")


def import_file(path: str | Path, conn: sqlite3.Connection, rejects_path: str | Path | None = None,
                progress=None) -> ImportResult:
    """progress: an object with advance(n), told of every row read (the command line's progress bar)."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"文件不存在：{path}")
    table = Table(path)
    res = ImportResult(file=str(path))
    groups: dict[str, list[tuple[int, dict]]] = {}
    latest = dt.date.today() + dt.timedelta(days=366)
    for number, raw in table.rows():
        if progress is not None:
            progress.advance(1)
        if _is_blank(raw):
            res.blank += 1
            continue
        res.read += 1
        if isinstance(raw, BadRow):
            res.rejects.append(Reject(number, "", str(raw)))
            continue
        try:
            values = validate(raw, latest)
        except ValueError as e:
            res.rejects.append(Reject(number, clean_text(raw.get("case_id")), str(e)))
            continue
        groups.setdefault(values["case_id"], []).append((number, values))
    res.missing_columns = table.missing_optional
    res.rejected = len(res.rejects)

    with store.transaction(conn):
        existing = _load_existing(conn, list(groups))
        stamp = store.now_iso()
        inserts, updates, history = [], [], []
        for case_id, rows in groups.items():
            current = existing.get(case_id)
            rows = [(number, _keep_progress(current, values)) for number, values in rows]
            if current is not None and not _differs(current, rows[-1][1]):
                res.unchanged += len(rows)
                continue
            is_new = current is None
            for number, values in rows:
                src = f"{path.name}:{number}"
                if current is None:
                    current = {**values, "source": src}
                    res.new += 1
                elif _differs(current, values):
                    history.append((case_id, stamp, "导入更新", src, {k: current.get(k) for k in values}))
                    current = {**current, **values, "source": src}
                    res.updated += 1
                else:
                    res.unchanged += 1
            (inserts if is_new else updates).append(current)
        _write(conn, inserts, updates, stamp)
        store.add_history(conn, history)
        if res.rejects or rejects_path:
            target = Path(rejects_path) if rejects_path else default_rejects_path(path, conn)
            write_rejects(target, res.rejects)
            res.rejects_file = str(target)
    return res


def default_rejects_path(source: Path, conn: sqlite3.Connection) -> Path:
    """Beside the register (or beside the file, for a register in memory): <file name>_拒收.csv. Rejected rows are
    always written down, so that none is lost because someone forgot --rejects. A register on a server
    (PostgreSQL) has no folder: the current directory."""
    if store.backend(conn) != "sqlite":
        return Path.cwd() / f"{source.stem}_拒收.csv"
    db = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    folder = Path(db).parent if db else source.parent
    return folder / f"{source.stem}_拒收.csv"


_IMPORT_FIELDS = ["case_id", "region", "unit", "channel", "received_date", "description", "document", "clause",
                  "list_item", "verify_status", "verify_findings", "verify_date", "rectify_status", "rectify_deadline",
                  "rectify_date", "rectify_measures", "source"]


def _load_existing(conn: sqlite3.Connection, ids: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    cols = ", ".join(_IMPORT_FIELDS)
    for i in range(0, len(ids), 900):   # under SQLite's bound-parameter limit
        chunk = ids[i:i + 900]
        q = f"SELECT {cols} FROM cases WHERE case_id IN ({', '.join('?' * len(chunk))})"
        for row in conn.execute(q, chunk):
            out[row["case_id"]] = store.from_row(row)
    return out


def _write(conn: sqlite3.Connection, inserts: list[dict], updates: list[dict], stamp: str) -> None:
    cols = _IMPORT_FIELDS
    if inserts:
        conn.executemany(
            f"INSERT INTO cases({', '.join(cols)}, created_at, updated_at) "
            f"VALUES ({', '.join('?' * len(cols))}, ?, ?)",
            [_cells(r, cols) + [stamp, stamp] for r in inserts])
    if updates:
        sets = ", ".join(f"{c} = ?" for c in cols[1:])
        conn.executemany(f"UPDATE cases SET {sets}, updated_at = ? WHERE case_id = ?",
                         [_cells(r, cols[1:]) + [stamp, r["case_id"]] for r in updates])


_DEFAULTS = {"verify_status": "待核查", "rectify_status": "未整改"}


def _cells(r: dict, cols: list[str]) -> list:
    """[_cell(r, c) for c in cols], without a call per cell (100,000 rows of 17)."""
    date = dt.date
    return [(v.isoformat() if isinstance(v, date) else v) if (v := r.get(c)) is not None
            else (None if c in DATE_FIELDS else _DEFAULTS.get(c, "")) for c in cols]


def _cell(r: dict, c: str):
    v = r.get(c)
    if v is None:
        return None if c in DATE_FIELDS else _DEFAULTS.get(c, "")
    return v.isoformat() if isinstance(v, dt.date) else v


def write_rejects(path: str | Path, rejects: list[Reject]) -> None:
    """CSV with a UTF-8 BOM so that Excel on Chinese Windows opens it without garbling; a value from the file that
    begins with = + - @ (or a tab, a carriage return) is written with a leading apostrophe, never as a formula."""
    try:
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["行号", "案例编号", "拒收原因"])
            for r in rejects:
                w.writerow([r.row, excel_safe(r.case_id), excel_safe(r.reason)])
    except OSError as e:
        raise UserError(f"无法写入拒收文件 {path}：{e.strerror}") from None
