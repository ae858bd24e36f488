"""The workbench in process (FastAPI's TestClient over the real app, a real SQLite register in tmp_path):
the API against the command line, the reviewer's pages, the staff pages, and every security property."""
from __future__ import annotations

import base64
import io
import json
import logging
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import SAMPLES, policylint_cmd

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

PASSWORD = "审查口令-correct-horse-42"
STAFF_PASSWORD = "staff-口令-battery-staple"
DRAFT = SAMPLES / "sample_draft.docx"


def _add_user(db: Path, name: str, password: str, role: str = "reviewer") -> subprocess.CompletedProcess:
    return subprocess.run(policylint_cmd() + ["users", "add", name, "--role", role, "--db", str(db)],
                          input=password + "\n", capture_output=True, text=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from engine.cli.web import create_app

    db = tmp_path_factory.mktemp("web") / "cases.db"
    for name, pw, role in (("张三", PASSWORD, "reviewer"), ("李四", STAFF_PASSWORD, "staff")):
        r = _add_user(db, name, pw, role)
        assert r.returncode == 0, r.stderr
    app = create_app(db, max_upload=1024 * 1024)
    return app, db


def _client(site) -> TestClient:
    return TestClient(site[0], base_url="http://testserver", follow_redirects=False)


def _login(c: TestClient, name="张三", password=PASSWORD):
    r = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    return c.post("/login", data={"name": name, "password": password, "csrf": token, "next": "/"})


def _csrf(c: TestClient, path="/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', c.get(path).text).group(1)


def _upload(c: TestClient, path=DRAFT, name=None):
    token = _csrf(c)
    with open(path, "rb") as fh:
        return c.post("/reviews", data={"csrf": token}, files={"file": (name or path.name, fh.read())})


def _basic(name, password) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


# ---- the API ------------------------------------------------------------------------------------------------

def test_api_returns_exactly_what_the_command_line_prints(site):
    cli = subprocess.run(policylint_cmd() + ["check", DRAFT.name, "--format", "json"], cwd=SAMPLES,
                         capture_output=True, text=True)
    assert cli.returncode == 1, cli.stderr
    expected = json.loads(cli.stdout)
    c = _client(site)
    r = c.post("/api/check", files={"file": (DRAFT.name, DRAFT.read_bytes())}, headers=_basic("张三", PASSWORD))
    assert r.status_code == 200, r.text
    assert r.json() == expected
    assert len(expected["findings"]) >= 10


def test_api_401_without_or_with_wrong_credentials(site):
    c = _client(site)
    files = {"file": (DRAFT.name, DRAFT.read_bytes())}
    for headers in ({}, _basic("张三", "wrong-password-1"), _basic("nobody", PASSWORD),
                    {"Authorization": "Bearer plk_not-a-token"}, {"Authorization": "Basic !!!"}):
        r = c.post("/api/check", files=files, headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["www-authenticate"].startswith("Basic")
        assert re.search(r"[\u4e00-\u9fff]", r.json()["error"])


def test_api_token_from_the_command_line(site):
    _, db = site
    r = subprocess.run(policylint_cmd() + ["users", "token", "张三", "--db", str(db)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    token = r.stdout.strip()
    c = _client(site)
    assert c.get("/api/whoami", headers={"Authorization": f"Bearer {token}"}).json() == {"name": "张三",
                                                                                        "role": "reviewer"}
    conn = sqlite3.connect(db)
    assert token not in "\n".join(conn.iterdump())   # only its hash is kept


def test_openapi_schema_served(site):
    r = _client(site).get("/api/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert "/api/check" in schema["paths"]
    assert "multipart/form-data" in json.dumps(schema["paths"]["/api/check"]["post"]["requestBody"])


def test_upload_size_limit_413(site):
    c = _client(site)
    big = b"\xe7\xac\xac" * (1024 * 1024 // 3 + 10)     # just over 1 MB of text: within the body's slack
    r = c.post("/api/check", files={"file": ("big.txt", big)}, headers=_basic("张三", PASSWORD))
    assert r.status_code == 413 and "过大" in r.json()["error"]
    huge = b"a" * (2 * 1024 * 1024)                      # refused from Content-Length, before the route
    r = c.post("/api/check", files={"file": ("huge.txt", huge)}, headers=_basic("张三", PASSWORD))
    assert r.status_code == 413
    _login(c)
    r = c.post("/reviews", data={"csrf": _csrf(c)}, files={"file": ("huge.txt", huge)})
    assert r.status_code == 413 and "文件过大" in r.text


def test_upload_type_limit_and_bad_files_are_one_chinese_line(site):
    c = _client(site)
    auth = _basic("张三", PASSWORD)
    r = c.post("/api/check", files={"file": ("tool.exe", b"MZ\x90\x00")}, headers=auth)
    assert r.status_code == 415 and "不支持的文件类型" in r.json()["error"]
    r = c.post("/api/check", files={"file": ("broken.docx", b"not a zip at all")}, headers=auth)
    assert r.status_code == 400
    msg = r.json()["error"]
    assert msg.startswith("broken.docx：") and "Traceback" not in msg and "内部错误" not in msg
    assert "/tmp" not in msg and "policylint-web" not in msg    # the private file's path is never shown
    r = c.post("/api/check", headers=auth)
    assert r.status_code == 422 and re.search(r"[\u4e00-\u9fff]", r.json()["error"])


def test_no_path_from_the_upload_name_reaches_the_file_system(site, tmp_path, monkeypatch):
    import tempfile

    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    c = _client(site)
    evil = "../../../../" + str(tmp_path / "escaped.docx").lstrip("/")
    r = c.post("/api/check", files={"file": (evil, DRAFT.read_bytes())}, headers=_basic("张三", PASSWORD))
    assert r.status_code == 200
    assert {f["file"] for f in r.json()["findings"]} == {"escaped.docx"}
    assert not (tmp_path / "escaped.docx").exists()
    assert list(private.iterdir()) == []                 # the private folder was removed
    r = c.post("/api/check", files={"file": ("..\\..\\win.txt", "第一条　本县企业优先。".encode())},
               headers=_basic("张三", PASSWORD))
    assert r.status_code == 200 and all(f["file"] == "win.txt" for f in r.json()["findings"])


# ---- security headers, CSRF, sessions, rate limits, passwords ---------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/", "/static/style.css", "/api/openapi.json", "/no-such-page"])
def test_security_headers(site, path):
    r = _client(site).get(path)
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "server" not in r.headers


def test_pages_need_a_login(site):
    c = _client(site)
    for path in ("/", "/audit", "/staff/cases", "/reviews/0123456789abcdef"):
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path


def test_csrf_on_every_post_form(site):
    c = _client(site)
    r = c.post("/login", data={"name": "张三", "password": PASSWORD, "csrf": "forged"})
    assert r.status_code == 403 and "过期" in r.text
    assert _login(c).status_code == 303
    with open(DRAFT, "rb") as fh:
        data = fh.read()
    for token in ("", "forged"):
        r = c.post("/reviews", data={"csrf": token}, files={"file": (DRAFT.name, data)})
        assert r.status_code == 403, token
    rid = _upload(c).headers["location"].rsplit("/", 1)[1]
    page = c.get(f"/reviews/{rid}").text
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    r = c.post(f"/reviews/{rid}/decisions", data={"key": key, "decision": "不采纳", "reason": "伪造的请求"})
    assert r.status_code == 403
    assert c.post("/logout", data={"csrf": "forged"}).status_code == 403
    # every form on every page carries the token
    for path in ("/", f"/reviews/{rid}"):
        html = c.get(path).text
        assert html.count('method="post"') == html.count('name="csrf"') > 0


def test_sessions_expire(site):
    from cases import accounts, store

    _, db = site
    conn = store.connect(db)
    user = accounts.get_user(conn, "张三")
    token, _ = accounts.new_session(conn, user["id"], now=1000.0)
    assert accounts.session_user(conn, token, idle=1800, absolute=8 * 3600, now=1000.0 + 1700)["name"] == "张三"
    assert accounts.session_user(conn, token, idle=1800, absolute=8 * 3600, now=1000.0 + 1700 + 1801) is None
    assert accounts.session_user(conn, token, idle=1800, absolute=8 * 3600, now=1000.0) is None   # deleted
    # through the web: a session idle for longer than the limit sends the user back to the login page
    c = _client(site)
    assert _login(c).status_code == 303
    assert c.get("/").status_code == 200
    conn.execute("UPDATE sessions SET last_seen = last_seen - 3600")
    assert c.get("/").headers["location"].startswith("/login")
    # ... and one older than the absolute limit too, however active
    assert _login(c).status_code == 303
    conn.execute("UPDATE sessions SET created_at = created_at - 9 * 3600")
    assert c.get("/").headers["location"].startswith("/login")
    conn.close()
    r = _login(c)
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


def test_login_rate_limited_per_user_and_address(site):
    from cases import accounts, store

    c = _client(site)
    for _ in range(accounts.MAX_FAILURES):
        assert _login(c, "李四", "wrong-password-x").status_code == 401
    r = _login(c, "李四", STAFF_PASSWORD)           # the right password no longer helps from this address
    assert r.status_code == 429 and "分钟后再试" in r.text
    conn = store.connect(site[1])
    assert accounts.authenticate(conn, "李四", STAFF_PASSWORD, ip="10.1.2.3")["name"] == "李四"   # another address
    assert accounts.authenticate(conn, "张三", PASSWORD, ip="testclient")["name"] == "张三"      # another user
    conn.execute("DELETE FROM login_failures")
    conn.close()


def test_passwords_never_logged_or_stored(site, caplog):
    caplog.set_level(logging.DEBUG)
    c = _client(site)
    _login(c, "张三", "a-wrong-password-here")
    _login(c)
    c.get("/api/whoami", headers=_basic("张三", PASSWORD))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    _, db = site
    conn = sqlite3.connect(db)
    dump = "\n".join(conn.iterdump())
    conn.close()
    for secret in (PASSWORD, "a-wrong-password-here", STAFF_PASSWORD):
        assert secret not in logged and secret not in dump
        assert secret.encode() not in b"".join(p.read_bytes() for p in db.parent.glob("cases.db*"))
    assert "$argon2id$" in dump


def test_users_command_reads_the_password_from_stdin(tmp_path):
    db = tmp_path / "u.db"
    r = _add_user(db, "王五", "short")
    assert r.returncode == 2 and "口令太短" in r.stderr and "Traceback" not in r.stderr
    r = _add_user(db, "王 五", "long-enough-password")
    assert r.returncode == 2 and "用户名" in r.stderr
    assert _add_user(db, "王五", "long-enough-password").returncode == 0
    r = _add_user(db, "王五", "long-enough-password")
    assert r.returncode == 2 and "已存在" in r.stderr
    r = subprocess.run(policylint_cmd() + ["users", "list", "--db", str(db)], capture_output=True, text=True)
    assert "王五\t审查人员" in r.stdout and "long-enough-password" not in r.stdout


# ---- the reviewer's work: decisions in the audit log and in the form --------------------------------------------

def test_decisions_reach_the_audit_log_and_the_review_form(site):
    import docx

    c = _client(site)
    _login(c)
    r = _upload(c)
    assert r.status_code == 303
    rid = r.headers["location"].rsplit("/", 1)[1]
    html = c.get(f"/reviews/{rid}").text
    assert "<mark>" in html and "修改建议" in html and "最相近的已公布案例" in html
    keys = re.findall(r'name="key" value="([^"]+)"', html)
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    r = c.post(f"/reviews/{rid}/decisions", data={"csrf": csrf, "key": keys[0], "decision": "不采纳", "reason": "短"})
    assert r.status_code == 400 and "至少两个字" in r.text
    r = c.post(f"/reviews/{rid}/decisions", data={"csrf": csrf, "key": "FC-X@1-2", "decision": "采纳",
                                                  "reason": "不存在的问题"})
    assert r.status_code == 400
    c.post(f"/reviews/{rid}/decisions", data={"csrf": csrf, "key": keys[0], "decision": "不采纳",
                                              "reason": "该条款仅为政策适用范围的表述，已与起草单位核实不设注册地门槛"})
    c.post(f"/reviews/{rid}/decisions", data={"csrf": csrf, "key": keys[1], "decision": "采纳",
                                              "reason": "确属限定本地经营者，应按建议修改"})
    audit = c.get("/audit").text
    assert "审查决定" in audit and "不采纳；理由：该条款仅为政策适用范围的表述" in audit
    r = c.get(f"/reviews/{rid}/form.docx")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    text = "\n".join(cell.text for t in docx.Document(io.BytesIO(r.content)).tables for row in t.rows
                     for cell in row.cells)
    assert "不采纳。理由：该条款仅为政策适用范围的表述，已与起草单位核实不设注册地门槛（张三" in text
    assert "采纳。理由：确属限定本地经营者，应按建议修改（张三" in text
    assert "下载审查表" in c.get("/audit").text


def test_a_reviewer_sees_only_their_own_reviews(site):
    a = _client(site)
    _login(a)
    rid = _upload(a).headers["location"].rsplit("/", 1)[1]
    b = _client(site)
    from cases import accounts, store
    conn = store.connect(site[1])
    if not accounts.get_user(conn, "赵六"):
        accounts.add_user(conn, "赵六", "zhaoliu-password-1")
    conn.close()
    _login(b, "赵六", "zhaoliu-password-1")
    assert b.get(f"/reviews/{rid}").status_code == 404
    assert b.get(f"/reviews/{rid}/form.docx").status_code == 404
    assert b.get("/staff/cases").status_code == 403


# ---- the staff pages ------------------------------------------------------------------------------------------

def test_staff_import_has_the_command_lines_accounting(site, tmp_path):
    src = SAMPLES / "cases_dirty_gb18030.csv"
    other = tmp_path / "cli.db"
    cli = subprocess.run(policylint_cmd() + ["cases", "import", str(src), "--db", str(other)],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    summary = re.search(r"读取 .*", cli.stdout).group(0)
    c = _client(site)
    _login(c, "李四", STAFF_PASSWORD)
    r = c.post("/staff/import", data={"csrf": _csrf(c, "/staff/cases")},
               files={"file": ("../案例台账.csv", src.read_bytes())})
    assert r.status_code == 200, r.text
    assert summary in r.text
    n_rejects = int(re.search(r"拒收 (\d+)", summary).group(1))
    assert n_rejects > 0 and r.text.count("<tr><td>") >= n_rejects
    link = re.search(r'href="(/staff/rejects/[^"]+)"', r.text).group(1)
    rej = c.get(link)
    assert rej.status_code == 200 and rej.content.decode("utf-8-sig").count("\n") >= n_rejects
    assert "导入案例" in c.get("/audit").text
    reg = c.get("/staff/cases").text
    assert "T-001" in reg


def test_staff_reports_and_ledger(site):
    import docx
    import openpyxl

    c = _client(site)
    _login(c, "李四", STAFF_PASSWORD)
    r = c.post("/staff/import", data={"csrf": _csrf(c, "/staff/cases")},
               files={"file": ("cases.xlsx", (SAMPLES / "cases_sample.xlsx").read_bytes())})
    assert r.status_code == 200 and "读取 121 行" in r.text
    r = c.get("/staff/reports/case", params={"case_id": "QH2026-00001", "fmt": "docx"})
    assert r.status_code == 200
    assert "QH2026-00001" in "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs) or \
        "石门县" in "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    r = c.get("/staff/reports/monthly", params={"month": "2026-08", "fmt": "docx"})
    assert r.status_code == 200 and "核查" in "".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    r = c.get("/staff/reports/quarterly", params={"quarter": "2026Q3", "fmt": "xlsx"})
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.worksheets[0].max_row > 10
    r = c.get("/staff/reports/case", params={"case_id": "NO-SUCH", "fmt": "docx"})
    assert r.status_code == 400 and "没有编号为 NO-SUCH 的案例" in r.text
    r = c.get("/staff/reports/quarterly", params={"quarter": "2026Q9"})
    assert r.status_code == 400 and "无法识别" in r.text
    assert "下载通报" in c.get("/audit").text


def test_a_review_survives_a_restart(site):
    """The draft's text is in the database: a new server process (a new app, empty cache) shows the same findings
    and the decisions made before."""
    from engine.cli.web import create_app

    c = _client(site)
    _login(c)
    rid = _upload(c).headers["location"].rsplit("/", 1)[1]
    before = c.get(f"/reviews/{rid}").text
    keys = re.findall(r'name="key" value="([^"]+)"', before)
    c.post(f"/reviews/{rid}/decisions", data={"csrf": _csrf(c), "key": keys[-1], "decision": "采纳",
                                              "reason": "重启之前作出的决定"})
    fresh = TestClient(create_app(site[1], max_upload=1024 * 1024), follow_redirects=False)
    _login(fresh)
    after = fresh.get(f"/reviews/{rid}").text
    assert re.findall(r'name="key" value="([^"]+)"', after) == keys
    assert "重启之前作出的决定" in after


def test_a_case_number_is_never_read_as_an_option(site, tmp_path):
    c = _client(site)
    _login(c, "李四", STAFF_PASSWORD)
    target = tmp_path / "written.docx"
    for case_id in (f"-o{target}", f"--output={target}", "--db=/etc/passwd"):
        r = c.get("/staff/reports/case", params={"case_id": case_id, "fmt": "docx"})
        assert r.status_code == 400 and "案例编号" in r.text
    assert not target.exists()
