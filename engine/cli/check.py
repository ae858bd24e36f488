"""`policylint check`: the drafts through the whole pipeline, findings out in every format."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from engine.errors import UserError

from .common import EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS


def register(parsers: dict) -> None:
    c = parsers["top"].add_parser("check", help="检查政策措施草案（.docx/.txt/.md，目录，或 - 读标准输入）",
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
    c.add_argument("--no-precedents", action="store_true",
                   help="不做典型案例比对（不列最相近的已公布案例，也不提示“与典型案例相似”）")
    c.set_defaults(func=cmd_check)


def expand_paths(paths: list[str]) -> list[str]:
    from engine.ingest import is_supported

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
    from engine.batch import check_many
    from engine.finding import SEVERITY_RANK

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
    from engine.rulebook import load_rules
    from reports.render import render

    from engine.batch import check_many
    from engine.finding import SEVERITY_RANK

    if args.no_precedents:   # read by engine.check in this process and in the workers it starts
        os.environ["POLICYLINT_NO_PRECEDENTS"] = "1"
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
        from engine import suppress

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
