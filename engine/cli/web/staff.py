"""The staff pages: import the month's case file (cases.importer, the same accounting and rejects as
`policylint cases import`), the register, and the notices and ledgers (the handlers of `policylint report`)."""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import re
import secrets
import threading
from pathlib import Path

from fastapi import APIRouter, File, Form, Request, UploadFile

from engine.errors import UserError

from .app import WebError, check_csrf, client_ip, db, page, require_user
from .routes import download

router = APIRouter(prefix="/staff", include_in_schema=False)
CASE_SUFFIXES = {".csv", ".xlsx", ".xlsm", ".tsv", ".jsonl"}
REPORT_FORMATS = {"docx": "公文（.docx）", "xlsx": "台账（.xlsx）", "html": "网页（.html）", "md": "Markdown（.md）"}
_REPORT_LOCK = threading.Lock()   # the report handlers print their summary: one at a time, stdout captured
_REJECTS: dict[str, tuple[str, bytes]] = {}


@router.get("/cases")
def register_page(request: Request, month: str = ""):
    from cases import store
    from cases.model import category_label

    with db(request) as conn:
        user = require_user(request, conn, "staff")
        start = end = None
        if month:
            from cases.normalize import parse_month
            try:
                start, end = parse_month(month)
            except ValueError as e:
                raise WebError(400, str(e)) from None
        rows = store.select(conn, start, end)
        total = conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0]
    rows = rows[-500:][::-1]
    for r in rows:
        r["category_label"] = category_label(r["category"]) if r.get("category") else "待分类"
    today = dt.date.today()
    q = (today.month - 1) // 3 + 1
    return page(request, "cases.html", user, rows=rows, total=total, month=month, formats=REPORT_FORMATS,
                this_month=today.strftime("%Y-%m"), this_quarter=f"{today.year}Q{q}", result=None)


@router.post("/import")
async def import_cases(request: Request, file: UploadFile = File(None), csrf: str = Form("")):
    import asyncio

    from cases import accounts, importer

    from .drafts import PrivateFile, display_name, read_upload, suffix_of

    with db(request) as conn:
        user = require_user(request, conn, "staff")
        check_csrf(user, csrf)
    data = await read_upload(file, request.app.state.settings.max_upload)
    name = display_name(file.filename)
    suffix = suffix_of(name, CASE_SUFFIXES)
    stem = "网页导入-" + dt.datetime.now().strftime("%Y%m%d-%H%M%S")

    def run():
        with PrivateFile(data, suffix, stem) as path, db(request) as conn:
            rejects = path.with_name(f"{stem}_拒收.csv")
            try:
                res = importer.import_file(path, conn, rejects)
            except UserError as e:
                raise WebError(400, str(e).replace(str(path), name).replace(path.name, name)) from None
            blob = rejects.read_bytes() if res.rejects and rejects.exists() else b""
            accounts.audit(conn, user["name"], "导入案例", name, res.summary(), client_ip(request))
            return res, blob

    res, blob = await asyncio.to_thread(run)
    token = ""
    if blob:
        token = secrets.token_urlsafe(16)
        if len(_REJECTS) > 100:
            _REJECTS.pop(next(iter(_REJECTS)))
        _REJECTS[token] = (user["name"], blob)
    return page(request, "imported.html", user, name=name, res=res, token=token, balanced=res.balanced())


@router.get("/rejects/{token}")
def rejects(request: Request, token: str):
    with db(request) as conn:
        user = require_user(request, conn, "staff")
    hit = _REJECTS.get(token)
    if not hit or hit[0] != user["name"]:
        raise WebError(404, "拒收明细已过期，请重新导入")
    return download(hit[1], "拒收明细.csv")


def _run_report(request: Request, user: dict, kind: str, target: str, fmt: str, **fields) -> bytes:
    from cases import accounts, store

    if fmt not in REPORT_FORMATS:
        raise WebError(400, f"不支持的格式“{fmt}”：可用 " + "、".join(REPORT_FORMATS))
    from engine.cli import build_parser

    settings = request.app.state.settings
    import tempfile
    with tempfile.TemporaryDirectory(prefix="policylint-web-") as tmp:
        out = Path(tmp) / f"report.{fmt}"
        # the command line's own parser gives the handler exactly the defaults `policylint report` has
        # (options first, then `--`: a case number can never be read as an option)
        argv = ["report", kind, "--db", str(settings.db_path), "-o", str(out),
                *(["--", fields["case_id"]] if kind == "case" else
                  ["--month", fields["month"]] if kind == "monthly" else ["--quarter", fields["quarter"]])]
        with _REPORT_LOCK, contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            args = build_parser().parse_args(argv)
            args.func(args)
        data = out.read_bytes()
    conn = store.connect(settings.db_path)
    try:
        accounts.audit(conn, user["name"], "下载通报", target, REPORT_FORMATS[fmt], client_ip(request))
    finally:
        conn.close()
    return data


@router.get("/reports/case")
def case_report(request: Request, case_id: str = "", fmt: str = "docx"):
    with db(request) as conn:
        user = require_user(request, conn, "staff")
    case_id = case_id.strip()
    if not case_id or len(case_id) > 60 or case_id.startswith("-") or re.search(r"[\x00-\x1f]", case_id):
        raise WebError(400, "请填写正确的案例编号（如 QH2026-00001）")
    data = _run_report(request, user, "case", f"案例 {case_id}", fmt, case_id=case_id)
    return download(data, f"案例通报-{_safe(case_id)}.{fmt}")


@router.get("/reports/monthly")
def monthly_report(request: Request, month: str = "", fmt: str = "docx"):
    with db(request) as conn:
        user = require_user(request, conn, "staff")
    if not re.fullmatch(r"\d{4}-\d{1,2}", month.strip()):
        raise WebError(400, f"月份“{month}”无法识别，请写成 2026-08")
    data = _run_report(request, user, "monthly", f"{month} 月度核查", fmt, month=month.strip())
    return download(data, f"{month.strip()}案例核查情况.{fmt}")


@router.get("/reports/quarterly")
def quarterly_report(request: Request, quarter: str = "", fmt: str = "docx"):
    with db(request) as conn:
        user = require_user(request, conn, "staff")
    quarter = quarter.strip().upper()
    if not re.fullmatch(r"\d{4}Q[1-4]", quarter):
        raise WebError(400, f"季度“{quarter}”无法识别，请写成 2026Q3")
    data = _run_report(request, user, "quarterly", f"{quarter} 季度通报", fmt, quarter=quarter)
    return download(data, f"{quarter}季度通报.{fmt}" if fmt != "xlsx" else f"{quarter}案例台账.xlsx")


def _safe(s: str) -> str:
    return re.sub(r"[^\w\-]", "_", s)[:60]
