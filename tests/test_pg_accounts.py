"""The web application's users, sessions, reviews and audit log (cases/accounts.py) in the PostgreSQL register,
through the same ?-style DB API as SQLite."""
import pytest

from cases import accounts, store


def test_accounts_and_audit_log_on_both_back_ends(db_target):
    conn = store.connect(db_target("acc"))
    try:
        accounts.ensure_schema(conn)
        accounts.ensure_schema(conn)                       # idempotent
        accounts.add_user(conn, "zhangsan", "a-long-password-1", "reviewer")
        assert [u["name"] for u in accounts.list_users(conn)] == ["zhangsan"]
        assert accounts.authenticate(conn, "zhangsan", "a-long-password-1")
        accounts.audit(conn, "zhangsan", "登录", ip="127.0.0.1")
        accounts.audit(conn, "zhangsan", "查看", target="R-1")
        rows = accounts.audit_rows(conn, "zhangsan")
        assert [r["action"] for r in rows] == ["查看", "登录"]
    finally:
        conn.close()
