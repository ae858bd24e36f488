"""The application: settings, the database per request, security middleware, sessions, CSRF, error pages.

    app = create_app("cases.db")          # FastAPI; run with uvicorn (policylint serve)

Security, in one place:
- every response carries CSP (no inline script or style), X-Frame-Options DENY, nosniff, Referrer-Policy no-referrer,
  and pages Cache-Control no-store;
- a request body over `max_upload` is refused with 413 before the application sees it (Content-Length, or counted
  while it arrives); bodies are held in memory, so no upload name ever reaches the file system;
- sessions: a random token in an HttpOnly, SameSite=Strict cookie, only its hash in the database; they end after
  `idle_minutes` without a request and `absolute_hours` after login;
- every POST form carries a CSRF token (the session's, or for the login form a cookie-bound one), compared in
  constant time; the login is rate-limited per (name, address) in cases.accounts.
"""
from __future__ import annotations

import contextlib
import secrets
import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import UserError

HERE = Path(__file__).parent
SESSION_COOKIE = "pl_session"
LOGIN_CSRF_COOKIE = "pl_login_csrf"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
STATUS_CN = {400: "请求有误", 401: "需要登录", 403: "无权访问", 404: "页面不存在", 405: "请求方式不对",
             413: "文件过大", 415: "文件类型不支持", 422: "请求内容不完整", 429: "尝试次数过多", 500: "服务器出错"}


class Settings:
    def __init__(self, db_path, max_upload: int, idle_minutes: int, absolute_hours: int, secure_cookies: bool):
        self.db_path = Path(db_path)
        self.max_upload = max_upload
        self.idle = idle_minutes * 60
        self.absolute = absolute_hours * 3600
        self.secure_cookies = secure_cookies


class WebError(Exception):
    """An error page (or JSON error under /api) with a status and one Chinese line."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


# ---- the ASGI layer: body limit and security headers -------------------------------------------------------

class Guard:
    """Refuse request bodies over the limit with 413 (before the route runs) and add the security headers."""

    def __init__(self, app, max_body: int, max_file: int | None = None):
        self.app, self.max_body, self.max_file = app, max_body, max_file or max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        is_page = not scope["path"].startswith(("/api/", "/static/"))

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers += SECURITY_HEADERS
                if is_page:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                return await _plain(send_with_headers, 400, scope, "请求头 Content-Length 无效")
            if too_big:
                return await _plain(send_with_headers, 413, scope, _too_big(self.max_file))
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            body, more = bytearray(), True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > self.max_body:
                    return await _plain(send_with_headers, 413, scope, _too_big(self.max_file))
            sent = False

            async def replay():
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": bytes(body), "more_body": False}
                return await receive()

            return await self.app(scope, replay, send_with_headers)
        return await self.app(scope, receive, send_with_headers)


def _too_big(limit: int) -> str:
    return f"上传的文件过大：不能超过 {limit / 1024 / 1024:g} MB"


async def _plain(send, status: int, scope, message: str):
    if scope["path"].startswith("/api/"):
        import json
        body, ctype = json.dumps({"error": message}, ensure_ascii=False).encode(), b"application/json"
    else:
        body = _error_html(status, message).encode()
        ctype = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _error_html(status: int, message: str) -> str:
    from html import escape
    title = STATUS_CN.get(status, "出错了")
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title} · 公平竞争审查工作台</title>'
            f'<link rel="stylesheet" href="/static/style.css"></head><body class="error-page"><main class="narrow">'
            f'<h1>{title}</h1><p>{escape(message)}</p><p><a href="/">返回首页</a></p></main></body></html>')


# ---- the application ---------------------------------------------------------------------------------------

def create_app(db_path, *, max_upload: int = 20 * 1024 * 1024, idle_minutes: int = 30, absolute_hours: int = 8,
               secure_cookies: bool = False) -> FastAPI:
    from cases import accounts, store

    settings = Settings(db_path, max_upload, idle_minutes, absolute_hours, secure_cookies)
    conn = store.connect(settings.db_path, create=True)
    try:
        accounts.ensure_schema(conn)
    finally:
        conn.close()
    app = FastAPI(title="policylint 审查工作台接口", version=_version(),
                  description="供办公系统调用：上传政策措施草案，返回与 `policylint check --format json` 相同的检查结果。"
                              "认证：HTTP Basic（工作台用户名和口令）或 `Authorization: Bearer 令牌`"
                              "（`policylint users token 用户名` 签发）。",
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.templates.env.globals["roles"] = accounts.ROLES
    app.state.cache = ReviewCache()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(WebError)
    async def _web_error(request: Request, exc: WebError):
        return error_response(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(UserError)
    async def _user_error(request: Request, exc: UserError):
        return error_response(request, 400, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        msg = {404: "没有这个页面，或者该审查记录不存在", 405: "不支持这种请求方式"}.get(exc.status_code, STATUS_CN.get(
            exc.status_code, "请求无法处理"))
        return error_response(request, exc.status_code, msg)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        fields = "、".join(dict.fromkeys(str(e.get("loc", ["", ""])[-1]) for e in exc.errors()))
        return error_response(request, 422, f"请求缺少或写错了这些内容：{fields}" if fields else "请求内容不完整")

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        import logging
        logging.getLogger("policylint.web").error("请求 %s 处理失败：%s: %s", request.url.path, type(exc).__name__, exc)
        return error_response(request, 500, "服务器处理这个请求时出错，请稍后重试；如果反复出现，请联系系统管理员")

    from . import api, routes, staff
    app.include_router(routes.router)
    app.include_router(staff.router)
    app.include_router(api.router)
    # on the raw ASGI messages, before any route; multipart overhead is allowed on top of the file itself
    app.add_middleware(Guard, max_body=max_upload + 64 * 1024, max_file=max_upload)
    return app


def _version() -> str:
    from engine.cli.common import version
    return version()


def error_response(request: Request, status: int, message: str, headers: dict | None = None):
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    return HTMLResponse(_error_html(status, message), status_code=status, headers=headers)


# ---- per request ------------------------------------------------------------------------------------------

@contextlib.contextmanager
def db(request: Request):
    from cases import store

    conn = store.connect(request.app.state.settings.db_path, create=True)
    try:
        yield conn
    finally:
        conn.close()


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def current_user(request: Request, conn):
    from cases import accounts

    s = request.app.state.settings
    return accounts.session_user(conn, request.cookies.get(SESSION_COOKIE, ""), s.idle, s.absolute)


def require_user(request: Request, conn, role: str | None = None):
    """The logged-in user, or a redirect to the login page (WebError 303 carries the Location)."""
    user = current_user(request, conn)
    if user is None:
        nxt = request.url.path if request.method == "GET" else "/"
        raise WebError(303, "请先登录", {"Location": f"/login?next={nxt}"})
    if role and user["role"] != role:
        raise WebError(403, "这个页面只供案例管理人员使用")
    return user


def check_csrf(user: dict, token: str) -> None:
    if not token or not secrets.compare_digest(str(token), user["csrf"]):
        raise WebError(403, "表单已过期或来源不明（缺少或不符的校验码），请刷新页面后重新提交")


def page(request: Request, template: str, user: dict | None, status: int = 200, **context):
    return request.app.state.templates.TemplateResponse(request, template, {"user": user, **context}, status_code=status)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---- checked drafts, kept for the review page ---------------------------------------------------------------

class ReviewCache:
    """Findings of the drafts checked recently, by review id (the text is in the database; checking it again
    after a restart gives the same findings)."""

    def __init__(self, size: int = 32):
        self.size, self.items, self.lock = size, {}, threading.Lock()

    def get(self, rid: str, review: dict):
        with self.lock:
            hit = self.items.get(rid)
        if hit is not None:
            return hit
        from engine.check import check_document, default_rules
        from engine.segment import segment

        from .drafts import CHECK_LOCK

        doc = segment(review["name"], review["text"], review["meta"])
        with CHECK_LOCK:
            findings = check_document(doc, default_rules())
        with self.lock:
            if len(self.items) >= self.size:
                self.items.pop(next(iter(self.items)))
            self.items[rid] = (doc, findings)
        return doc, findings

    def put(self, rid: str, doc, findings) -> None:
        with self.lock:
            self.items[rid] = (doc, findings)
