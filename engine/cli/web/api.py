"""The JSON API for office-automation (OA) systems: `POST /api/check` with a multipart file returns exactly the
object `policylint check NAME --format json` prints for the same file. HTTP Basic (a workbench user's name and
password) or `Authorization: Bearer <token>` (`policylint users token NAME`); 401 without or with wrong ones."""
from __future__ import annotations

import base64
import binascii
import io
import json

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import JSONResponse

from .app import WebError, client_ip, db

router = APIRouter(prefix="/api", tags=["检查"])
CHALLENGE = {"WWW-Authenticate": 'Basic realm="policylint", charset="UTF-8"'}


def api_user(request: Request, conn) -> dict:
    from cases import accounts

    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    ip = client_ip(request)
    user = None
    if scheme.lower() == "bearer" and value.strip():
        user = accounts.user_by_token(conn, value.strip())
    elif scheme.lower() == "basic" and value.strip():
        try:
            name, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise WebError(401, "认证信息格式不对（HTTP Basic 应为 用户名:口令 的 Base64）", CHALLENGE) from None
        if sep:
            try:
                user = accounts.authenticate(conn, name, password, ip=ip)
            except accounts.TooManyAttempts as e:
                raise WebError(429, str(e)) from None
            if user is None:
                accounts.audit(conn, name.strip()[:40], "接口认证失败", "", "用户名或口令不正确", ip)
    elif not header:
        raise WebError(401, "需要认证：请用 HTTP Basic（用户名和口令）或 Authorization: Bearer 令牌", CHALLENGE)
    if user is None:
        raise WebError(401, "认证失败：用户名、口令或令牌不正确", CHALLENGE)
    return user


@router.post("/check", summary="检查一份草案",
             description="上传一份草案（multipart/form-data，字段名 file；支持 .docx .pdf .ofd .doc .wps .txt .md .html），"
                         "返回与 `policylint check 文件名 --format json` 相同的对象：findings（每条问题）、failures、"
                         "skipped、notes。文件过大返回 413，类型不支持返回 415，无法读取返回 400，未认证返回 401。",
             responses={200: {"description": "检查结果（与命令行 --format json 相同）"},
                        401: {"description": "未认证或认证失败"}, 413: {"description": "文件过大"},
                        415: {"description": "文件类型不支持"}})
async def check(request: Request, file: UploadFile = File(..., description="草案文件")):
    import asyncio

    from cases import accounts
    from reports.render import render

    from .drafts import check_draft, display_name, read_upload

    with db(request) as conn:
        user = api_user(request, conn)
    data = await read_upload(file, request.app.state.settings.max_upload)
    name = display_name(file.filename)
    _, findings = await asyncio.to_thread(check_draft, data, name)
    out = io.StringIO()
    render(findings, "json", out, failures=[], notes=[], skipped=[], checked=1)
    with db(request) as conn:
        accounts.audit(conn, user["name"], "接口检查", name, f"发现问题 {len(findings)} 处", client_ip(request))
    return JSONResponse(json.loads(out.getvalue()))


@router.get("/whoami", summary="当前认证的用户")
def whoami(request: Request):
    with db(request) as conn:
        user = api_user(request, conn)
    return {"name": user["name"], "role": user["role"]}
