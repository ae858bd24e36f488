"""`policylint serve [--host H] [--port P] [--db DB]`: the reviewers' workbench (engine/cli/web) under uvicorn."""
from __future__ import annotations

from engine.errors import UserError

from .cases import add_db_arg


def register(parsers: dict) -> None:
    p = parsers["top"].add_parser(
        "serve", help="启动审查工作台（网页和办公系统接口）",
        description="启动审查工作台：审查人员上传草案、逐条采纳或不采纳并写明理由、下载审查表；案例管理人员导入案例、"
                    "查看案例库、下载通报和台账；办公系统调用 POST /api/check。用户用 policylint users add 新建。")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，只允许本机访问）")
    p.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    add_db_arg(p)
    p.add_argument("--max-upload-mb", type=float, default=20, metavar="MB", help="上传文件大小上限（默认 20 MB）")
    p.add_argument("--session-minutes", type=int, default=30, metavar="分钟",
                   help="会话空闲多久后失效（默认 30 分钟；无论是否活动，登录 8 小时后须重新登录）")
    p.add_argument("--secure-cookies", action="store_true", help="会话 Cookie 只经 HTTPS 发送（部署在 HTTPS 之后时使用）")
    p.set_defaults(func=cmd_serve)


def cmd_serve(args) -> int:
    import uvicorn

    from cases import accounts, store

    from .web import create_app

    if not 0 < args.port < 65536:
        raise UserError(f"端口 {args.port} 无效：应在 1 至 65535 之间")
    path = store.db_path(args.db)
    conn = store.connect(path, create=True)
    try:
        accounts.ensure_schema(conn)
        users = accounts.list_users(conn)
    finally:
        conn.close()
    if not users:
        print(f"提示：案例库 {path} 中还没有用户，请先运行 policylint users add 用户名 --db {path}")
    app = create_app(path, max_upload=int(args.max_upload_mb * 1024 * 1024), idle_minutes=args.session_minutes,
                     secure_cookies=args.secure_cookies)
    print(f"审查工作台：http://{args.host}:{args.port}/ （案例库 {path}；按 Ctrl+C 停止）")
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, server_header=False)
    except OSError as e:
        raise UserError(f"无法在 {args.host}:{args.port} 启动：{e.strerror or e}") from None
    return 0
