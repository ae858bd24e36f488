"""Reviewers' accounts, sessions, decisions and the audit log, in the same database as the case register.

Portable SQL only (`?` placeholders, TEXT and INTEGER, explicit ids), so the PostgreSQL adapter of cases.store
can run it unchanged. Passwords are stored as argon2id hashes (argon2-cffi); session and API tokens are random
(secrets) and only their SHA-256 is stored, so a copy of the database gives no way in.

    conn = store.connect("cases.db"); ensure_schema(conn)
    add_user(conn, "张三", "口令……", role="reviewer")
    user = authenticate(conn, "张三", "口令……", ip="10.0.0.1")      # None, or raises TooManyAttempts
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from engine.errors import UserError

ROLES = {"reviewer": "审查人员", "staff": "案例管理人员"}
MAX_FAILURES = 5                 # failed logins per (name, address) ...
FAILURE_WINDOW = 15 * 60         # ... within this many seconds, then the pair is refused until the window passes
MIN_PASSWORD = 10

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL DEFAULT 'reviewer',
        token_hash TEXT NOT NULL DEFAULT '',
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS sessions (
        token_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL,
        csrf TEXT NOT NULL,
        created_at REAL NOT NULL,
        last_seen REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS login_failures (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        ip TEXT NOT NULL,
        at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS reviews (
        id TEXT PRIMARY KEY,
        user_name TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        text TEXT NOT NULL,
        meta TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE IF NOT EXISTS review_decisions (
        review_id TEXT NOT NULL,
        finding_key TEXT NOT NULL,
        decision TEXT NOT NULL,
        reason TEXT NOT NULL,
        user_name TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (review_id, finding_key)
    )""",
    """CREATE TABLE IF NOT EXISTS audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user_name TEXT NOT NULL,
        ip TEXT NOT NULL DEFAULT '',
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at)",
    "CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(name, ip)",
]
DECISIONS = ("采纳", "不采纳")


class TooManyAttempts(UserError):
    pass


def ensure_schema(conn) -> None:
    for stmt in SCHEMA:
        conn.execute(stmt)


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hasher():
    from argon2 import PasswordHasher
    return PasswordHasher()


def _next_id(conn, table: str) -> int:
    return (conn.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0] or 0) + 1


# ---- users ------------------------------------------------------------------------------------------------------

def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name or len(name) > 40 or any(c.isspace() or ord(c) < 32 or c in ":/\\" for c in name):
        raise UserError("用户名须为 1 至 40 个字符，不含空格、冒号和斜杠")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"口令太短：至少 {MIN_PASSWORD} 个字符")
    if len(password) > 200:
        raise UserError("口令太长：至多 200 个字符")
    return password


def add_user(conn, name: str, password: str, role: str = "reviewer") -> None:
    name, password = check_name(name), check_password(password)
    if role not in ROLES:
        raise UserError(f"角色“{role}”不存在，可用：" + "、".join(f"{k}（{v}）" for k, v in ROLES.items()))
    if get_user(conn, name):
        raise UserError(f"用户 {name} 已存在（改口令请用 policylint users passwd {name}）")
    digest = _hasher().hash(password)
    conn.execute("INSERT INTO users(id, name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)",
                 (_next_id(conn, "users"), name, digest, role, _now()))
    audit(conn, "（命令行）", "新建用户", name, f"角色：{ROLES[role]}")


def set_password(conn, name: str, password: str) -> None:
    user = _require(conn, name)
    conn.execute("UPDATE users SET password_hash = ? WHERE id = ?", (_hasher().hash(check_password(password)), user["id"]))
    conn.execute("DELETE FROM sessions WHERE user_id = ?", (user["id"],))
    audit(conn, "（命令行）", "修改口令", name, "该用户的会话已全部注销")


def set_disabled(conn, name: str, disabled: bool) -> None:
    user = _require(conn, name)
    conn.execute("UPDATE users SET disabled = ? WHERE id = ?", (1 if disabled else 0, user["id"]))
    if disabled:
        conn.execute("DELETE FROM sessions WHERE user_id = ?", (user["id"],))
    audit(conn, "（命令行）", "停用用户" if disabled else "启用用户", name)


def new_api_token(conn, name: str) -> str:
    """A new API token for the user (the old one stops working); only its hash is kept."""
    user = _require(conn, name)
    token = "plk_" + secrets.token_urlsafe(32)
    conn.execute("UPDATE users SET token_hash = ? WHERE id = ?", (_sha(token), user["id"]))
    audit(conn, "（命令行）", "签发接口令牌", name)
    return token


def get_user(conn, name: str):
    row = conn.execute("SELECT id, name, role, disabled, created_at, token_hash FROM users WHERE name = ?",
                       (name,)).fetchone()
    return dict(row) if row else None


def list_users(conn) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT id, name, role, disabled, created_at FROM users ORDER BY id")]


def _require(conn, name: str) -> dict:
    user = get_user(conn, name)
    if not user:
        raise UserError(f"用户 {name} 不存在（用 policylint users list 查看）")
    return user


# ---- logging in ----------------------------------------------------------------------------------------------

def _recent_failures(conn, name: str, ip: str, now: float) -> list[float]:
    return [r[0] for r in conn.execute("SELECT at FROM login_failures WHERE name = ? AND ip = ? AND at > ?",
                                       (name, ip, now - FAILURE_WINDOW))]


def authenticate(conn, name: str, password: str, ip: str = "", now: float | None = None):
    """The user (a dict) when the name and password are right and the account is enabled; None when not.
    Raises TooManyAttempts (before checking the password) after MAX_FAILURES failures of this name from this
    address within FAILURE_WINDOW. The password is never stored, logged or echoed."""
    import time

    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    now = time.time() if now is None else now
    name = (name or "").strip()[:100]
    fails = _recent_failures(conn, name, ip, now)
    if len(fails) >= MAX_FAILURES:
        wait = int(min(fails) + FAILURE_WINDOW - now) // 60 + 1
        raise TooManyAttempts(f"该用户从本机登录失败次数过多，请 {wait} 分钟后再试")
    row = conn.execute("SELECT id, name, role, disabled, password_hash FROM users WHERE name = ?", (name,)).fetchone()
    ok = False
    if row is not None:
        try:
            ok = _hasher().verify(row["password_hash"], password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher().hash("timing-equaliser")   # an unknown name costs as long as a wrong password
    if not ok or row["disabled"]:
        conn.execute("INSERT INTO login_failures(id, name, ip, at) VALUES (?, ?, ?, ?)",
                     (_next_id(conn, "login_failures"), name, ip, now))
        return None
    conn.execute("DELETE FROM login_failures WHERE name = ? AND ip = ?", (name, ip))
    return {"id": row["id"], "name": row["name"], "role": row["role"]}


def user_by_token(conn, token: str):
    if not token:
        return None
    row = conn.execute("SELECT id, name, role, disabled FROM users WHERE token_hash = ?", (_sha(token),)).fetchone()
    return dict(row) if row and not row["disabled"] else None


# ---- sessions -------------------------------------------------------------------------------------------------

def new_session(conn, user_id: int, now: float | None = None) -> tuple[str, str]:
    """(session token for the cookie, CSRF token for the forms). Only the session token's hash is stored."""
    import time

    now = time.time() if now is None else now
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    conn.execute("INSERT INTO sessions(token_hash, user_id, csrf, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
                 (_sha(token), user_id, csrf, now, now))
    return token, csrf


def session_user(conn, token: str, idle: float, absolute: float, now: float | None = None):
    """The session's user (with its csrf) when the session exists and has neither been idle longer than `idle`
    seconds nor lived longer than `absolute`; an expired session is deleted."""
    import time

    if not token:
        return None
    now = time.time() if now is None else now
    row = conn.execute("SELECT s.token_hash, s.csrf, s.created_at, s.last_seen, u.id, u.name, u.role, u.disabled "
                       "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?",
                       (_sha(token),)).fetchone()
    if row is None:
        return None
    if row["disabled"] or now - row["last_seen"] > idle or now - row["created_at"] > absolute:
        conn.execute("DELETE FROM sessions WHERE token_hash = ?", (row["token_hash"],))
        return None
    if now - row["last_seen"] > 30:
        conn.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (now, row["token_hash"]))
    return {"id": row["id"], "name": row["name"], "role": row["role"], "csrf": row["csrf"]}


def end_session(conn, token: str) -> None:
    if token:
        conn.execute("DELETE FROM sessions WHERE token_hash = ?", (_sha(token),))


# ---- reviews and decisions -----------------------------------------------------------------------------------

def add_review(conn, user_name: str, name: str, text: str, meta: dict) -> str:
    rid = secrets.token_hex(8)
    conn.execute("INSERT INTO reviews(id, user_name, name, created_at, text, meta) VALUES (?, ?, ?, ?, ?, ?)",
                 (rid, user_name, name, _now(), text, json.dumps(meta, ensure_ascii=False)))
    return rid


def get_review(conn, rid: str):
    row = conn.execute("SELECT * FROM reviews WHERE id = ?", (rid,)).fetchone()
    if row is None:
        return None
    d = dict(row)
    d["meta"] = json.loads(d["meta"] or "{}")
    return d


def list_reviews(conn, user_name: str | None = None, limit: int = 50) -> list[dict]:
    sql, args = "SELECT id, user_name, name, created_at FROM reviews", []
    if user_name is not None:
        sql, args = sql + " WHERE user_name = ?", [user_name]
    return [dict(r) for r in conn.execute(sql + f" ORDER BY created_at DESC, id LIMIT {int(limit)}", args)]


def decide(conn, rid: str, key: str, decision: str, reason: str, user_name: str, ip: str = "",
           label: str = "") -> dict:
    """Record the reviewer's decision on one finding (the latest one counts) and write it to the audit log."""
    reason = " ".join((reason or "").split())
    if decision not in DECISIONS:
        raise UserError("请选择“采纳”或“不采纳”")
    if len(reason) < 2:
        raise UserError("请写明理由（至少两个字）")
    if len(reason) > 2000:
        raise UserError("理由过长：至多 2000 字")
    at = _now()
    conn.execute("INSERT INTO review_decisions(review_id, finding_key, decision, reason, user_name, at) "
                 "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (review_id, finding_key) DO UPDATE SET "
                 "decision = excluded.decision, reason = excluded.reason, user_name = excluded.user_name, "
                 "at = excluded.at", (rid, key, decision, reason, user_name, at))
    audit(conn, user_name, "审查决定", f"{label or rid}（{key}）", f"{decision}；理由：{reason}", ip)
    return {"decision": decision, "reason": reason, "by": user_name, "at": at}


def decisions(conn, rid: str) -> dict[str, dict]:
    return {r["finding_key"]: {"decision": r["decision"], "reason": r["reason"], "by": r["user_name"], "at": r["at"]}
            for r in conn.execute("SELECT * FROM review_decisions WHERE review_id = ?", (rid,))}


# ---- the audit log -------------------------------------------------------------------------------------------

def audit(conn, user_name: str, action: str, target: str = "", detail: str = "", ip: str = "") -> None:
    """One row: who, when, what, on what, why. Ids are explicit (max + 1) so the SQL runs on PostgreSQL too."""
    for _ in range(5):
        try:
            conn.execute("INSERT INTO audit_log(id, at, user_name, ip, action, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (_next_id(conn, "audit_log"), _now(), user_name, ip, action, target, detail))
            return
        except Exception as e:   # two writers took the same id: take the next one
            if "UNIQUE" not in str(e).upper() and "duplicate" not in str(e).lower():
                raise
    raise UserError("审计日志写入失败，请重试")


def audit_rows(conn, user_name: str | None = None, limit: int = 200) -> list[dict]:
    sql, args = "SELECT * FROM audit_log", []
    if user_name is not None:
        sql, args = sql + " WHERE user_name = ?", [user_name]
    return [dict(r) for r in conn.execute(sql + f" ORDER BY id DESC LIMIT {int(limit)}", args)]
