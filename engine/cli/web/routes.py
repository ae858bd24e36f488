"""The reviewer's pages: log in, upload a draft, read each finding beside its clause, decide with a reason,
download the review form with the decisions in it, and the audit log."""
from __future__ import annotations

import secrets
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from engine.errors import UserError

from .app import (LOGIN_CSRF_COOKIE, SESSION_COOKIE, WebError, check_csrf, client_ip, current_user, db, page,
                  redirect, require_user)

router = APIRouter(include_in_schema=False)
SEVERITY_CN = {"error": "错误", "warning": "警告", "info": "提示"}
FAMILY_CN = {"fair_competition": "公平竞争审查", "negative_list": "市场准入负面清单", "filing": "备案不得变审批"}


def _safe_next(nxt: str | None) -> str:
    """Only a path on this site: never //host or a scheme."""
    if not nxt or not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt or ":" in nxt.split("?")[0]:
        return "/"
    return nxt


# ---- logging in and out ----------------------------------------------------------------------------------

@router.get("/login")
def login_page(request: Request, next: str = "/"):
    token = secrets.token_urlsafe(24)
    resp = page(request, "login.html", None, csrf=token, next=_safe_next(next), error=None, name="")
    _set_login_csrf(request, resp, token)
    return resp


def _set_login_csrf(request: Request, resp, token: str) -> None:
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                    secure=request.app.state.settings.secure_cookies, path="/login")


@router.post("/login")
def login(request: Request, name: str = Form(""), password: str = Form(""), csrf: str = Form(""),
          next: str = Form("/")):
    from cases import accounts

    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not csrf or not secrets.compare_digest(expected, csrf):
        raise WebError(403, "登录表单已过期或来源不明，请刷新登录页面后重试")
    ip = client_ip(request)
    with db(request) as conn:
        try:
            user = accounts.authenticate(conn, name, password, ip=ip)
        except accounts.TooManyAttempts as e:
            accounts.audit(conn, name.strip()[:40], "登录被拒", "", "失败次数过多，暂停登录", ip)
            return _login_again(request, name, next, str(e), 429)
        if user is None:
            accounts.audit(conn, name.strip()[:40], "登录失败", "", "用户名或口令不正确", ip)
            return _login_again(request, name, next, "用户名或口令不正确", 401)
        token, _ = accounts.new_session(conn, user["id"])
        accounts.audit(conn, user["name"], "登录", "", "", ip)
    resp = redirect(_safe_next(next))
    s = request.app.state.settings
    resp.set_cookie(SESSION_COOKIE, token, max_age=s.absolute, httponly=True, samesite="strict",
                    secure=s.secure_cookies, path="/")
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


def _login_again(request, name, nxt, error, status):
    token = secrets.token_urlsafe(24)
    resp = page(request, "login.html", None, status=status, csrf=token, next=_safe_next(nxt), error=error,
                name=name[:40])
    _set_login_csrf(request, resp, token)
    return resp


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")):
    from cases import accounts

    with db(request) as conn:
        user = current_user(request, conn)
        if user:
            check_csrf(user, csrf)
            accounts.end_session(conn, request.cookies.get(SESSION_COOKIE, ""))
            accounts.audit(conn, user["name"], "退出", "", "", client_ip(request))
    resp = redirect("/login")
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


# ---- the reviewer's pages ------------------------------------------------------------------------------

@router.get("/")
def home(request: Request):
    from cases import accounts
    from engine import ingest

    with db(request) as conn:
        user = require_user(request, conn)
        reviews = accounts.list_reviews(conn, None if user["role"] == "staff" else user["name"])
    return page(request, "home.html", user, reviews=reviews, suffixes="、".join(sorted(ingest.SUPPORTED_SUFFIXES)),
                accept=",".join(sorted(ingest.SUPPORTED_SUFFIXES)),
                max_mb=f"{request.app.state.settings.max_upload / 1024 / 1024:g}")


@router.post("/reviews")
async def upload(request: Request, file: UploadFile = File(None), csrf: str = Form("")):
    import asyncio

    from cases import accounts

    from .drafts import check_draft, display_name, read_upload

    with db(request) as conn:
        user = require_user(request, conn)
        check_csrf(user, csrf)
    data = await read_upload(file, request.app.state.settings.max_upload)
    name = display_name(file.filename)
    doc, findings = await asyncio.to_thread(check_draft, data, name)
    with db(request) as conn:
        rid = accounts.add_review(conn, user["name"], name, doc.text, doc.meta if hasattr(doc, "meta") else {})
        accounts.audit(conn, user["name"], "上传草案", rid, f"{name}：发现问题 {len(findings)} 处", client_ip(request))
    request.app.state.cache.put(rid, doc, findings)
    return redirect(f"/reviews/{rid}")


def _review(request: Request, conn, rid: str, user: dict):
    from cases import accounts

    review = accounts.get_review(conn, rid)
    if review is None or (user["role"] != "staff" and review["user_name"] != user["name"]):
        raise WebError(404, "该审查记录不存在，或不是您上传的草案")
    return review


def marked(text: str, offset: int, matches) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_match) at the matched words (offsets in the document); overlaps keep the first."""
    out, pos = [], 0
    for m in sorted(matches, key=lambda m: (m.start, -m.end)):
        s, e = m.start - offset, m.end - offset
        if s < pos or s < 0 or e > len(text):
            continue
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def _full_text(doc, findings) -> list[list[tuple[str, int | None]]]:
    """The draft line by line, each line cut at every matched word: (piece, finding number or None)."""
    spans = sorted({(m.start, m.end, i) for i, f in enumerate(findings) for m in f.matched}, key=lambda x: (x[0], -x[1]))
    lines, pos = [], 0
    for line in doc.text.split("\n"):
        start, end = pos, pos + len(line)
        pieces, cur = [], start
        for s, e, i in spans:
            if e <= start or s >= end or s < cur:
                continue
            e = min(e, end)
            if s > cur:
                pieces.append((doc.text[cur:s], None))
            pieces.append((doc.text[s:e], i + 1))
            cur = e
        if cur < end:
            pieces.append((doc.text[cur:end], None))
        lines.append(pieces)
        pos = end + 1
    return lines


@router.get("/reviews/{rid}")
def review_page(request: Request, rid: str):
    from cases import accounts
    from reports.review_form import finding_key

    with db(request) as conn:
        user = require_user(request, conn)
        review = _review(request, conn, rid, user)
        decisions = accounts.decisions(conn, rid)
    doc, findings = request.app.state.cache.get(rid, review)
    items = [{"n": i + 1, "f": f, "key": finding_key(f), "clause": marked(f.text, f.start, f.matched),
              "decision": decisions.get(finding_key(f)), "severity": SEVERITY_CN.get(f.severity, f.severity),
              "family": FAMILY_CN.get(f.family, f.family)} for i, f in enumerate(findings)]
    counts = {k: sum(1 for f in findings if f.severity == k) for k in SEVERITY_CN}
    return page(request, "review.html", user, review=review, items=items, counts=counts,
                decided=sum(1 for it in items if it["decision"]), lines=_full_text(doc, findings),
                line_word=(review["meta"] or {}).get("line_word", "行"))


@router.post("/reviews/{rid}/decisions")
def decide(request: Request, rid: str, key: str = Form(""), decision: str = Form(""), reason: str = Form(""),
           csrf: str = Form("")):
    from cases import accounts
    from reports.review_form import finding_key

    with db(request) as conn:
        user = require_user(request, conn)
        check_csrf(user, csrf)
        review = _review(request, conn, rid, user)
        _, findings = request.app.state.cache.get(rid, review)
        keys = [finding_key(f) for f in findings]
        if key not in keys:
            raise WebError(400, "这条问题不在本草案的检查结果中，请刷新页面")
        try:
            accounts.decide(conn, rid, key, decision, reason, user["name"], client_ip(request),
                            label=f"{review['name']} 第 {keys.index(key) + 1} 条问题")
        except UserError as e:
            raise WebError(400, f"第 {keys.index(key) + 1} 条问题的决定未保存：{e}") from None
    return redirect(f"/reviews/{rid}#f{keys.index(key) + 1}")


@router.get("/reviews/{rid}/form.docx")
def review_form(request: Request, rid: str):
    import tempfile
    from pathlib import Path

    from cases import accounts
    from engine.check import default_rules
    from reports.review_form import review_from_document, to_docx

    from .drafts import CHECK_LOCK

    with db(request) as conn:
        user = require_user(request, conn)
        review = _review(request, conn, rid, user)
        decisions = accounts.decisions(conn, rid)
        accounts.audit(conn, user["name"], "下载审查表", rid, f"{review['name']}（已决定 {len(decisions)} 条）",
                       client_ip(request))
    doc, _ = request.app.state.cache.get(rid, review)
    with CHECK_LOCK:   # the form exactly as `policylint review` builds it, plus the decisions
        form = review_from_document(doc, default_rules())
    form.decisions = decisions
    with tempfile.TemporaryDirectory(prefix="policylint-web-") as tmp:
        path = to_docx(form, Path(tmp) / "form.docx")
        data = Path(path).read_bytes()
    stem = review["name"].rsplit(".", 1)[0]
    return download(data, f"公平竞争审查表-{stem}.docx")


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA = {".docx": DOCX, ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".md": "text/markdown; charset=utf-8", ".html": "text/html; charset=utf-8", ".csv": "text/csv; charset=utf-8"}


def download(data: bytes, filename: str) -> Response:
    suffix = "." + filename.rsplit(".", 1)[-1].lower()
    ascii_name = "policylint" + suffix
    return Response(data, media_type=MEDIA.get(suffix, "application/octet-stream"), headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"})


@router.get("/audit")
def audit_page(request: Request):
    from cases import accounts

    with db(request) as conn:
        user = require_user(request, conn)
        rows = accounts.audit_rows(conn, None if user["role"] == "staff" else user["name"])
    return page(request, "audit.html", user, rows=rows)
