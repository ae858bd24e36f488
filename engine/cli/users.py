"""`policylint users add|passwd|disable|enable|token|list`: the workbench's accounts, in the case register's database.

Passwords are read from standard input (never from the command line, where they would stay in the shell history
and the process list): one line, or twice on a terminal without echo.
"""
from __future__ import annotations

import sys
from contextlib import closing

from engine.errors import UserError

from .cases import add_db_arg


def register(parsers: dict) -> None:
    u = parsers["top"].add_parser("users", help="管理审查工作台的用户（新建、改口令、停用、签发接口令牌）",
                                  description="审查工作台（policylint serve）的用户，保存在案例库中。口令从标准输入读取。")
    sub = u.add_subparsers(dest="users_command", metavar="子命令", parser_class=type(u))
    u.set_defaults(func=lambda a: (u.print_help(), 2)[1])
    p = sub.add_parser("add", help="新建用户（口令从标准输入读取）", description="新建用户，口令从标准输入读取（至少 10 个字符）。")
    p.add_argument("name", metavar="用户名")
    p.add_argument("--role", choices=("reviewer", "staff"), default="reviewer",
                   help="reviewer：审查人员（默认）；staff：案例管理人员（另可导入案例、下载通报和台账）")
    add_db_arg(p)
    p.set_defaults(func=cmd_add)
    p = sub.add_parser("passwd", help="修改口令（从标准输入读取），并注销该用户的全部会话")
    p.add_argument("name", metavar="用户名")
    add_db_arg(p)
    p.set_defaults(func=cmd_passwd)
    for verb, label in (("disable", "停用用户并注销其会话"), ("enable", "重新启用用户")):
        p = sub.add_parser(verb, help=label)
        p.add_argument("name", metavar="用户名")
        add_db_arg(p)
        p.set_defaults(func=cmd_disable if verb == "disable" else cmd_enable)
    p = sub.add_parser("token", help="为办公系统签发接口令牌（原令牌作废；令牌只显示这一次）")
    p.add_argument("name", metavar="用户名")
    add_db_arg(p)
    p.set_defaults(func=cmd_token)
    p = sub.add_parser("list", help="列出用户")
    add_db_arg(p)
    p.set_defaults(func=cmd_list)


def _conn(args):
    from cases import accounts, store

    conn = store.connect(store.db_path(args.db), create=True)
    accounts.ensure_schema(conn)
    return conn


def read_password(confirm: bool = True) -> str:
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("口令：")
        if confirm and getpass.getpass("再输入一次：") != first:
            raise UserError("两次输入的口令不一致")
        return first
    line = sys.stdin.readline()
    if not line:
        raise UserError("没有从标准输入读到口令（例如：printf '%s\\n' 口令 | policylint users add 张三）")
    return line.rstrip("\r\n")


def cmd_add(args) -> int:
    from cases import accounts

    accounts.check_name(args.name)
    password = read_password()
    with closing(_conn(args)) as conn:
        accounts.add_user(conn, args.name, password, args.role)
    print(f"已新建用户 {args.name.strip()}（{accounts.ROLES[args.role]}）")
    return 0


def cmd_passwd(args) -> int:
    from cases import accounts

    password = read_password()
    with closing(_conn(args)) as conn:
        accounts.set_password(conn, args.name, password)
    print(f"已修改用户 {args.name} 的口令，其会话已全部注销")
    return 0


def cmd_disable(args) -> int:
    from cases import accounts

    with closing(_conn(args)) as conn:
        accounts.set_disabled(conn, args.name, True)
    print(f"已停用用户 {args.name}")
    return 0


def cmd_enable(args) -> int:
    from cases import accounts

    with closing(_conn(args)) as conn:
        accounts.set_disabled(conn, args.name, False)
    print(f"已启用用户 {args.name}")
    return 0


def cmd_token(args) -> int:
    from cases import accounts

    with closing(_conn(args)) as conn:
        token = accounts.new_api_token(conn, args.name)
    print(token)
    print("请妥善保存：令牌只显示这一次。调用接口时放在请求头 Authorization: Bearer 令牌", file=sys.stderr)
    return 0


def cmd_list(args) -> int:
    from cases import accounts

    with closing(_conn(args)) as conn:
        users = accounts.list_users(conn)
    if not users:
        print("还没有用户（用 policylint users add 用户名 新建）")
    for u in users:
        state = "（已停用）" if u["disabled"] else ""
        print(f"{u['name']}\t{accounts.ROLES.get(u['role'], u['role'])}{state}\t新建于 {u['created_at']}")
    return 0
