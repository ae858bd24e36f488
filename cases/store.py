"""The register: SQLite in WAL mode (a file), or PostgreSQL when shared (a postgresql:// URL, cases/pg.py), with
versioned schema migrations (SQLite: PRAGMA user_version; PostgreSQL: table policylint_schema).

The DB API every register module (and cases/accounts.py) uses, the same on both back ends:
    conn = store.connect(target)            # a file path or a postgresql://user@host:port/db URL
    conn.execute(sql, params)               # SQLite-style SQL, `?` placeholders; .fetchone() .fetchall(), iterate
    conn.executemany(sql, rows)
    row[0], row["column"], dict(row)        # rows by position or by name
    with store.transaction(conn): ...       # BEGIN … COMMIT, ROLLBACK on error
    store.backend(conn)                     # "sqlite" or "postgresql"
Write portable SQL: no PRAGMA, no INSERT OR REPLACE (use INSERT … ON CONFLICT (key) DO …), RETURNING for new ids;
a new table goes in MIGRATIONS, where `INTEGER PRIMARY KEY AUTOINCREMENT` becomes an identity column on PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

from engine.errors import UserError

DEFAULT_DB = "policylint-cases.db"
DB_ENV = "POLICYLINT_DB"

# Scalar columns of the cases table, in order; lists are stored as JSON text, dates as ISO text.
COLUMNS = ["case_id", "region", "unit", "channel", "received_date", "description", "document", "clause", "basis",
           "list_item", "category", "subtype", "category_by", "flags", "verify_status", "verify_date", "verifier",
           "verify_findings", "rectify_status", "rectify_deadline", "rectify_date", "rectify_measures",
           "notified_dates", "source", "created_at", "updated_at"]
JSON_COLUMNS = {"flags", "notified_dates"}
DATE_COLUMNS = {"received_date", "verify_date", "rectify_deadline", "rectify_date"}

# Each migration moves the schema from version i to i+1; never edit one that has shipped, append a new one.
MIGRATIONS: list[str] = [
    # 1: the register and the history of every change
    """
    CREATE TABLE cases (
        case_id TEXT PRIMARY KEY,
        region TEXT NOT NULL DEFAULT '',
        unit TEXT NOT NULL DEFAULT '',
        channel TEXT NOT NULL DEFAULT '',
        received_date TEXT NOT NULL,
        description TEXT NOT NULL,
        document TEXT NOT NULL DEFAULT '',
        clause TEXT NOT NULL DEFAULT '',
        basis TEXT NOT NULL DEFAULT '',
        list_item TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        subtype TEXT NOT NULL DEFAULT '',
        category_by TEXT NOT NULL DEFAULT '',
        flags TEXT NOT NULL DEFAULT '[]',
        verify_status TEXT NOT NULL DEFAULT '待核查',
        verify_date TEXT,
        verifier TEXT NOT NULL DEFAULT '',
        verify_findings TEXT NOT NULL DEFAULT '',
        rectify_status TEXT NOT NULL DEFAULT '未整改',
        rectify_deadline TEXT,
        rectify_date TEXT,
        rectify_measures TEXT NOT NULL DEFAULT '',
        notified_dates TEXT NOT NULL DEFAULT '[]',
        source TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX cases_received ON cases(received_date);
    CREATE TABLE case_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        case_id TEXT NOT NULL REFERENCES cases(case_id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT '',
        before TEXT NOT NULL
    );
    CREATE INDEX case_history_case ON case_history(case_id);
    """,
    # 2: the monthly scans, so a report can say when the register was last classified
    """
    CREATE INDEX cases_unit ON cases(unit);
    CREATE TABLE scan_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        period TEXT NOT NULL,
        records INTEGER NOT NULL,
        findings INTEGER NOT NULL,
        rules TEXT NOT NULL DEFAULT ''
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def db_path(arg: str | None) -> Path | str:
    """The register named by --db, POLICYLINT_DB or the default: a Path, or a postgresql:// URL kept as text."""
    from cases.pg import is_url

    target = arg or os.environ.get(DB_ENV) or DEFAULT_DB
    return target if is_url(target) else Path(target)


def backend(conn) -> str:
    return getattr(conn, "backend", "sqlite")


def now_iso() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def connect(path: str | os.PathLike, create: bool = True):
    """Open the register (creating it when asked) and bring its schema up to date. A postgresql:// URL opens the
    register on that server (the database must exist; its tables are created on first use)."""
    from cases import pg

    if pg.is_url(path):
        return pg.connect(path, MIGRATIONS)
    p = Path(path)
    if not create and not p.exists():
        raise UserError(f"案例库 {p} 不存在：请先用 policylint cases import 导入案例，或用 --db 指定已有的案例库")
    if p.parent and not p.parent.exists():
        raise UserError(f"案例库所在目录 {p.parent} 不存在")
    try:
        conn = sqlite3.connect(str(p), isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        migrate(conn)
    except sqlite3.DatabaseError as e:
        reason = "文件被其他程序锁定，请稍后再试" if "locked" in str(e) else "不是 policylint 案例库或文件已损坏"
        raise UserError(f"无法打开案例库 {p}：{reason}") from None
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise UserError(f"案例库的结构版本（{version}）比本程序支持的（{SCHEMA_VERSION}）新，请升级 policylint")
    for i in range(version, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in MIGRATIONS[i].split(";"):
                if stmt.strip():
                    conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {i + 1}")
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    return SCHEMA_VERSION


# ---- conversion between rows and records -----------------------------------------------------------------------

_dumps = json.JSONEncoder(ensure_ascii=False).encode   # = json.dumps(v, ensure_ascii=False), one encoder for all rows


def json_cell(values) -> str:
    """A JSON column's value (flags, notified_dates): what to_row writes for it."""
    return _dumps([x.isoformat() if isinstance(x, dt.date) else x for x in (values or [])])


def to_row(values: dict) -> dict:
    """Python values (dates, lists) -> column values."""
    out = {}
    for k, v in values.items():
        if k in JSON_COLUMNS:
            v = json_cell(v)
        elif isinstance(v, dt.date):
            v = v.isoformat()
        out[k] = v
    return out


def from_row(row: sqlite3.Row | dict) -> dict:
    """Column values -> Python values: what CaseRecord(**...) takes."""
    d = dict(row)
    for k in JSON_COLUMNS & d.keys():
        d[k] = json.loads(d[k] or "[]")
    for k in DATE_COLUMNS & d.keys():
        d[k] = dt.date.fromisoformat(d[k]) if d[k] else None
    return d


def get(conn: sqlite3.Connection, case_id: str):
    from cases.model import CaseRecord, HistoryEntry

    row = conn.execute("SELECT * FROM cases WHERE case_id = ?", (case_id,)).fetchone()
    if row is None:
        return None
    rec = CaseRecord(**from_row(row))
    rec.history = [HistoryEntry(at=h["at"], action=h["action"], source=h["source"], before=json.loads(h["before"]))
                   for h in conn.execute("SELECT * FROM case_history WHERE case_id = ? ORDER BY id", (case_id,))]
    return rec


def select(conn: sqlite3.Connection, start: dt.date | None = None, end: dt.date | None = None,
           columns: list[str] | None = None) -> list[dict]:
    """Rows received in [start, end) (all when None), ordered by date then id, as Python values."""
    cols = ", ".join(columns or COLUMNS)
    sql, args = f"SELECT {cols} FROM cases", []
    if start or end:
        sql += " WHERE received_date >= ? AND received_date < ?"
        args = [(start or dt.date.min).isoformat(), (end or dt.date.max).isoformat()]
    sql += " ORDER BY received_date, case_id"
    loads, day = json.loads, dt.date.fromisoformat
    out: list[dict] = []
    names: list[str] = []
    for r in conn.execute(sql, args):   # from_row, with the columns to convert looked up once (100,000 rows)
        if not names:
            names = list(r.keys())
            jcols = [k for k in names if k in JSON_COLUMNS]
            dcols = [k for k in names if k in DATE_COLUMNS]
        d = dict(zip(names, r))
        for k in jcols:
            d[k] = loads(d[k] or "[]")
        for k in dcols:
            d[k] = day(d[k]) if d[k] else None
        out.append(d)
    return out


def records(conn: sqlite3.Connection, start: dt.date | None = None, end: dt.date | None = None):
    """Cases received in [start, end) as CaseRow objects (attribute access like CaseRecord, without history)."""
    from cases.model import CaseRow

    return [CaseRow(history=[], **r) for r in select(conn, start, end)]


def add_history(conn: sqlite3.Connection, entries: list[tuple]) -> None:
    """entries: (case_id, at, action, source, before-dict)."""
    conn.executemany("INSERT INTO case_history(case_id, at, action, source, before) VALUES (?, ?, ?, ?, ?)",
                     [(c, at, a, s, _dumps(to_row(b))) for c, at, a, s, b in entries])


def update_fields(conn: sqlite3.Connection, case_id: str, changes: dict, action: str, source: str) -> None:
    """Change some fields of one case and keep what they were in its history (the caller holds the transaction)."""
    cur = conn.execute(f"SELECT {', '.join(changes)} FROM cases WHERE case_id = ?", (case_id,)).fetchone()
    if cur is None:
        raise UserError(f"案例库中没有编号为 {case_id} 的案例")
    before = from_row(cur)
    stamp = now_iso()
    row = to_row(changes)
    sets = ", ".join(f"{k} = ?" for k in row)
    conn.execute(f"UPDATE cases SET {sets}, updated_at = ? WHERE case_id = ?", [*row.values(), stamp, case_id])
    add_history(conn, [(case_id, stamp, action, source, before)])


class transaction:
    """BEGIN IMMEDIATE … COMMIT, ROLLBACK on any error: a crash leaves the register as it was."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False
