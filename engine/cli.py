"""`policylint`: the command line. Each command lives in the module of the part it belongs to; a module in
COMMAND_MODULES defines register(parsers) and must stay cheap to import (heavy imports inside handlers)."""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from pathlib import Path

from .errors import UserError

COMMAND_MODULES = {          # module -> the top-level commands it registers
    "dsl.cli": ("rules",),                    # rules list|show|test
    "dsl.coverage": ("rules",),               # rules coverage
    "reports.cli_review": ("review",),        # review
    "engine.cli_market": ("list", "filing"),  # list import|lookup, filing check
    "cases.cli": ("cases",),                  # cases import|scan|list|verify|add|sample
    "reports.cli_cases": ("report",),         # report case|monthly|quarterly
}

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class ChineseParser(argparse.ArgumentParser):
    """argparse with its own words in Chinese: users are civil servants, not programmers."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage: ", "用法：", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage: ", "用法：", 1)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        raise UserError(f"命令用法有误：{_cn_argparse(message)}（用 -h 查看帮助）")


def _cn_argparse(msg: str) -> str:
    for en, cn in (("the following arguments are required", "缺少参数"), ("unrecognized arguments", "无法识别的参数"),
                   ("invalid choice", "无效的选项"), ("expected one argument", "需要一个参数"),
                   ("argument", "参数"), ("choose from", "可选")):
        msg = msg.replace(en, cn)
    return msg


def build_parser(argv: list[str] | None = None) -> ChineseParser:
    """All commands for help and unknown input; for a known command only the modules it needs (start-up)."""
    p = ChineseParser(prog="policylint", description="policylint：公平竞争审查、市场准入负面清单、备案不得变审批的规则检查器。")
    top = p.add_subparsers(dest="command", metavar="命令", parser_class=ChineseParser)
    c = top.add_parser("check", help="检查政策措施草案（.docx/.txt/.md，目录，或 - 读标准输入）",
                       description="逐条检查草案，列出每一处可疑条款、可能违反的条款依据、理由和修改建议。")
    c.add_argument("paths", nargs="+", metavar="路径", help="文件或目录；- 表示标准输入")
    c.add_argument("--format", "-f", choices=("text", "json", "jsonl", "sarif"), default="text", help="输出格式（默认 text）")
    c.add_argument("--fail-on", choices=("error", "warning", "info"), default="warning",
                   help="达到该严重程度即以退出码 1 结束（默认 warning）")
    c.add_argument("--min-severity", choices=("error", "warning", "info"), default="info", help="只输出不低于该程度的问题")
    c.add_argument("--jobs", "-j", type=int, default=None, help="并行进程数（默认 CPU 核数）")
    c.add_argument("--engine", choices=("durable", "python"), default=None, help=argparse.SUPPRESS)
    c.add_argument("--as-of", metavar="日期", default=None,
                   help="按该日期（如 2026-08-01）选用当时有效的市场准入负面清单版本；默认取草案落款日期")
    c.add_argument("--suppress", metavar="忽略文件", default=None,
                   help="忽略文件（YAML，每项写明 rule 和 reason）；默认使用当前目录下的 policylint-suppress.yaml（如有）")
    c.add_argument("--register", action="store_true", help="把发现的问题登记为案例（需 --db）")
    c.add_argument("--db", default=None, help="案例库 SQLite 文件（与 --register 一起使用）")
    c.set_defaults(func=cmd_check)
    r = top.add_parser("rules", help="查看、测试规则", description="规则的列表、详情、例句测试与覆盖情况。")
    rules_sub = r.add_subparsers(dest="rules_command", metavar="子命令", parser_class=ChineseParser)
    parsers = {"top": top, "rules": rules_sub}
    for name in _modules_for(argv or []):
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(parsers)
    return p


def _modules_for(argv: list[str]) -> list[str]:
    """The command modules a command line needs: none for `check`, the command's own for a known one, all of
    them when the top-level help or an unknown command has to list every command."""
    first = next((a for a in argv if not a.startswith("-")), None)
    if first == "check":
        return []
    return [m for m, cmds in COMMAND_MODULES.items() if first in cmds] or list(COMMAND_MODULES)


def expand_paths(paths: list[str]) -> list[str]:
    from .ingest import is_supported

    out = []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(str(f) for f in path.rglob("*") if f.is_file() and is_supported(f)
                           and not f.name.startswith(("~$", ".")))
            if not found:
                raise UserError(f"{p}：目录中没有可检查的文件（.docx、.txt、.md）")
            out.extend(found)
        else:
            out.append(p)
    return out


def parse_date(text: str):
    import datetime as dt
    import re

    m = re.fullmatch(r"\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*", text)
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except (AttributeError, ValueError):
        raise UserError(f"日期“{text}”无法识别，请写成 2026-08-01 或 2026年8月1日") from None


def _jsonl_lines(findings) -> list[tuple[int, str]]:
    import json
    return [(f.rank, json.dumps(f.to_dict(), ensure_ascii=False)) for f in findings]


def _check_jsonl(paths: list[str], rs, args, floor: int, as_of) -> int:
    """The machine contract, rendered by the workers themselves: only text crosses back to this process."""
    from .batch import check_many
    from .finding import SEVERITY_RANK

    failures, worst = 0, -1
    out = sys.stdout
    for idx, lines, err in check_many(paths, rs, args.engine, args.jobs, prepare=_jsonl_lines, as_of=as_of):
        if err:
            failures += 1
            print(err, file=sys.stderr)
            continue
        for rank, line in lines:
            if rank >= floor:
                out.write(line + "\n")
                worst = max(worst, rank)
    if failures and failures == len(paths):
        return EXIT_BAD_INPUT
    if worst >= SEVERITY_RANK[args.fail_on]:
        return EXIT_FINDINGS
    return EXIT_BAD_INPUT if failures else EXIT_CLEAN


def cmd_check(args) -> int:
    from dsl.loader import load_rules
    from reports.render import render

    from .batch import check_many
    from .finding import SEVERITY_RANK

    paths = expand_paths(args.paths)
    rs = load_rules()
    as_of = parse_date(args.as_of) if args.as_of else None
    floor = SEVERITY_RANK[args.min_severity]
    suppress_file = args.suppress or ("policylint-suppress.yaml" if Path("policylint-suppress.yaml").exists() else None)
    if args.format == "jsonl" and not args.register and not suppress_file:
        return _check_jsonl(paths, rs, args, floor, as_of)
    results = check_many(paths, rs, args.engine, args.jobs, as_of=as_of)
    findings, failures = [], []
    for idx, fs, err in results:
        if err:
            failures.append((paths[idx], err))
        else:
            findings.extend(f for f in fs if f.rank >= floor)
    notes = []
    if suppress_file:
        from . import suppress

        findings, dropped = suppress.apply(findings, suppress.load(suppress_file))
        if dropped:
            notes.append(f"按忽略文件 {suppress_file} 略去 {len(dropped)} 条问题：" + "；".join(
                f"{f.rule}@{Path(f.file).name}:{f.line}（理由：{s.reason}）" for f, s in dropped[:10])
                + ("……" if len(dropped) > 10 else ""))
    render(findings, args.format, failures=failures, notes=notes)
    for _, err in failures:
        print(err, file=sys.stderr)
    if args.register:
        if not args.db:
            raise UserError("--register 需要同时给出 --db 案例库路径")
        from cases.register import register_findings   # the case register (cases/)
        new, unchanged = register_findings(findings, args.db)
        print(f"已登记案例：新增 {new} 件，已存在 {unchanged} 件（{args.db}）", file=sys.stderr)
    if failures and len(failures) == len(paths):
        return EXIT_BAD_INPUT
    fail_rank = SEVERITY_RANK[args.fail_on]
    if any(f.rank >= fail_rank for f in findings):
        return EXIT_FINDINGS
    return EXIT_BAD_INPUT if failures else EXIT_CLEAN


def main(argv: list[str] | None = None) -> int:
    try:
        argv = sys.argv[1:] if argv is None else argv
        parser = build_parser(argv)
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
    a short check); output is flushed and caches are saved first."""
    code = main()
    from .regex_cache import save
    save()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    os._exit(code)


if __name__ == "__main__":
    run()
