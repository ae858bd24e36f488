"""`policylint`: the one command line, the only package that may import every layer.

One module per command group; each defines register(parsers) and keeps heavy imports inside its handlers, so
that `policylint check` on one draft starts fast.
"""
from __future__ import annotations

import argparse
import os
import sys

from engine.errors import UserError

from .common import EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS, ChineseParser, version  # noqa: F401  (re-exported)

# the command modules in help order, and the module of each top-level command: `policylint check FILE` imports
# and builds only the check command's parser (every other module's imports and argparse's look-ups of help
# translations are a measurable part of a one-draft check)
MODULES = ("check", "rules", "eval", "review", "market", "cases", "report", "users", "serve", "campaign", "resident")
COMMAND_MODULE = {"check": "check", "rules": "rules", "eval": "eval", "review": "review", "list": "market",
                  "filing": "market", "cases": "cases", "report": "report", "users": "users", "serve": "serve",
                  "campaign": "campaign", "resident": "resident"}


class _Version(argparse.Action):
    """--version, with the version looked up only when asked (importlib.metadata costs a check's start-up)."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"policylint {version()}")
        parser.exit()


def build_parser(command: str | None = None) -> ChineseParser:
    """The whole command line; with `command` (a known top-level command), only that command's module."""
    import importlib

    p = ChineseParser(prog="policylint", description="policylint：公平竞争审查、市场准入负面清单、备案不得变审批的规则检查器。")
    p.add_argument("--version", "-V", action=_Version, nargs=0, help="显示版本号并退出")
    top = p.add_subparsers(dest="command", metavar="命令", parser_class=ChineseParser)
    parsers = {"top": top}
    for name in (COMMAND_MODULE[command],) if command in COMMAND_MODULE else MODULES:
        importlib.import_module(f"{__name__}.{name}").register(parsers)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else argv
        parser = build_parser(argv[0] if argv else None)
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_BAD_INPUT
        return args.func(args)
    except UserError as e:
        print(f"policylint：{e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("policylint：已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLEAN
    except Exception as e:  # the last line of defence: no traceback reaches a user
        if os.environ.get("POLICYLINT_DEBUG"):
            raise
        print(f"policylint：内部错误（{type(e).__name__}: {e}）。设置环境变量 POLICYLINT_DEBUG=1 可查看详细信息。",
              file=sys.stderr)
        return EXIT_BAD_INPUT


def run() -> None:
    """The console entry: main(), then exit without tearing down every object of the run (a measurable part of
    a short check); output is flushed and caches are saved first. With POLICYLINT_RESIDENT set, the command goes
    to that resident process (engine/cli/resident.py) when it answers."""
    code = None
    if os.environ.get("POLICYLINT_RESIDENT"):
        from engine.resident_client import forward
        code = forward(sys.argv[1:])
    if code is None:
        code = main()
    from engine.regex_cache import save
    save()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)


