"""`policylint check`: the drafts through the whole pipeline, findings out in every format."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from engine.errors import UserError

from .common import EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS, Progress

SEVERITIES = ("error", "warning", "info")
FORMATS = ("text", "json", "jsonl", "sarif")
# word-processor formats policylint does not read: in a folder such a file is a draft left unchecked, so a failed
# input (exit 2); spreadsheets, images, archives and the like are listed as skipped and do not change the exit code
DRAFT_FORMATS = {".rtf", ".docm", ".dotx", ".dot", ".odt", ".wpt", ".pages"}


def register(parsers: dict) -> None:
    c = parsers["top"].add_parser("check", help="检查政策措施草案（.docx/.pdf/.ofd/.txt/.md 等，目录，或 - 读标准输入）",
                       description="逐条检查草案，列出每一处可疑条款、可能违反的条款依据、理由和修改建议。"
                                   "未给出的选项取自配置文件（policylint.toml，或 pyproject.toml 的 [tool.policylint]，"
                                   "从当前目录向上查找）。退出码：0 没有问题，1 有问题，2 用法有误或有文件无法检查。")
    c.add_argument("paths", nargs="+", metavar="路径", help="文件或目录；- 表示标准输入")
    c.add_argument("--format", "-f", choices=FORMATS, default=None, help="输出格式（默认 text）")
    c.add_argument("--fail-on", choices=SEVERITIES, default=None,
                   help="达到该严重程度即以退出码 1 结束（默认 warning）")
    c.add_argument("--min-severity", choices=SEVERITIES, default=None, help="只输出不低于该程度的问题（默认 info）")
    c.add_argument("--select", metavar="规则", default=None,
                   help="只检查这些规则：编号或前缀，逗号分隔（如 FC-9,NL），也可写规则族 fair_competition")
    c.add_argument("--ignore", metavar="规则", default=None, help="不检查这些规则：编号或前缀，逗号分隔")
    c.add_argument("--config", metavar="配置文件", default=None,
                   help="配置文件（policylint.toml 或 pyproject.toml）；默认从当前目录向上查找")
    c.add_argument("--no-config", action="store_true", help="不读取任何配置文件")
    c.add_argument("--jobs", "-j", type=int, default=None, help="并行进程数（默认 CPU 核数）")
    c.add_argument("--dask", metavar="地址", default=None,
                   help="把文件分发给 Dask 工作进程检查：tcp://主机:端口（已有的调度器），或 local:N（在本机启动 N 个工作进程）")
    c.add_argument("--engine", choices=("durable", "python"), default=None, help=argparse.SUPPRESS)
    c.add_argument("--as-of", metavar="日期", default=None,
                   help="按该日期（如 2026-08-01）选用当时有效的市场准入负面清单版本；默认取草案落款日期")
    c.add_argument("--suppress", metavar="忽略文件", default=None,
                   help="忽略文件（YAML，每项写明 rule 和 reason）；默认取配置文件的 suppressions，"
                        "或当前目录下的 policylint-suppress.yaml（如有）")
    c.add_argument("--register", action="store_true", help="把发现的问题登记为案例（需 --db）")
    c.add_argument("--db", default=None, help="案例库 SQLite 文件（与 --register 一起使用）")
    c.add_argument("--no-precedents", action="store_true",
                   help="不做典型案例比对（不列最相近的已公布案例，也不提示“与典型案例相似”）")
    c.set_defaults(func=cmd_check)


def expand_paths(paths: list[str]) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """(files to check, files a folder held that were skipped and why, files that are drafts policylint cannot
    read — an unchecked draft is a failed input). A file named on the command line is always checked."""
    from engine import ingest

    skip_reason = getattr(ingest, "skip_reason", None)
    out, skipped, refused = [], [], []
    for p in paths:
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if not path.is_dir():
            out.append(p)
            continue
        found = 0
        for f in sorted(path.rglob("*")):
            if not f.is_file():
                continue
            rel = f.relative_to(path)
            if f.name.startswith("~$"):
                skipped.append((str(f), "Word 打开文件时产生的临时文件"))
            elif any(part.startswith(".") for part in rel.parts):
                skipped.append((str(f), "隐藏文件"))
            elif ingest.is_supported(f):
                out.append(str(f))
                found += 1
            else:
                why = (skip_reason(f) if skip_reason else None) or f"不支持的文件类型“{f.suffix or '无扩展名'}”"
                if f.suffix.lower() in DRAFT_FORMATS:
                    refused.append((str(f), f"{f}：{why}"))
                else:
                    skipped.append((str(f), why))
        if not found and not refused:
            raise UserError(f"{p}：目录中没有可检查的文件（{_supported_text(ingest)}）")
    return out, skipped, refused


def _supported_text(ingest) -> str:
    return getattr(ingest, "SUPPORTED_TEXT", None) or "、".join(sorted(ingest.SUPPORTED_SUFFIXES))


def _patterns(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").replace("，", ",").split(",") if p.strip()]


def settings(args, rs):
    """Flags over the configuration file over defaults: (fmt, fail_on, min_severity, suppress_file, keep, cfg)."""
    from engine import config

    cfg = config.Config() if args.no_config else config.load(args.config)
    select, ignore = _patterns(args.select), _patterns(args.ignore)
    # the rule ids are looked at only when something selects or ignores rules
    known = ([(r.id, r.family) for r in rs.rules] + _extra_rule_ids()
             if select or ignore or cfg.select or cfg.ignore else [])
    for flag, pats in (("--select", select), ("--ignore", ignore)):
        bad = config.unknown_patterns(pats, known)
        if bad:
            raise UserError(f"{flag}：“{'”“'.join(bad)}”不是任何规则的编号或前缀（用 policylint rules list 查看）")
    for key in ("select", "ignore"):
        bad = config.unknown_patterns(getattr(cfg, key), known)
        if bad:
            raise UserError(f"{cfg.where(key)}：{key} 中的“{'”“'.join(bad)}”不是任何规则的编号或前缀"
                            f"（用 policylint rules list 查看）")
    keep = config.rule_selector(select or cfg.select, ignore if args.ignore is not None else cfg.ignore)
    suppress_file = (args.suppress or cfg.suppressions
                     or ("policylint-suppress.yaml" if Path("policylint-suppress.yaml").exists() else None))
    return (args.format or cfg.format or "text", args.fail_on or cfg.fail_on or "warning",
            args.min_severity or cfg.min_severity or "info", suppress_file, keep, cfg)


def _extra_rule_ids() -> list[tuple[str, str]]:
    """Findings the engine makes beside the rule files (precedent warnings)."""
    out = []
    try:
        from engine.precedents import PRECEDENT_RULE
        out.append((PRECEDENT_RULE, ""))
    except ImportError:
        pass
    return out


def parse_date(text: str):
    import datetime as dt
    import re

    m = re.fullmatch(r"\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*", text)
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except (AttributeError, ValueError):
        raise UserError(f"日期“{text}”无法识别，请写成 2026-08-01 或 2026年8月1日") from None


_ENCODE = None


def _jsonl_lines(findings) -> list[tuple[int, str, str, str]]:
    global _ENCODE
    if _ENCODE is None:   # json.dumps(..., ensure_ascii=False) would build a new encoder for every finding
        import json
        _ENCODE = json.JSONEncoder(ensure_ascii=False).encode
    return [(f.rank, f.rule, f.family, _ENCODE(f.to_dict())) for f in findings]


def _report_skipped(skipped: list[tuple[str, str]]) -> None:
    if skipped:
        print(f"policylint：目录中有 {len(skipped)} 个文件未检查：", file=sys.stderr)
        for path, why in skipped:
            print(f"  {path}：{why}", file=sys.stderr)


def _exit_code(failures: int, worst: int, fail_on: str) -> int:
    from engine.finding import SEVERITY_RANK

    if failures:
        return EXIT_BAD_INPUT   # an input that could not be checked is never hidden behind findings or a clean run
    return EXIT_FINDINGS if worst >= SEVERITY_RANK[fail_on] else EXIT_CLEAN


def _check_jsonl(paths, rs, args, floor: int, as_of, keep, fail_on: str, refused) -> int:
    """The machine contract, rendered by the workers themselves: only text crosses back to this process."""
    from engine.batch import check_many, check_serial

    failures, worst = len(refused), -1
    for _, err in refused:
        print(err, file=sys.stderr)
    out = sys.stdout

    def write(lines) -> None:
        nonlocal worst
        for rank, rule, family, line in lines:
            if rank >= floor and keep(rule, family):
                out.write(line + "\n")
                worst = max(worst, rank)

    serial = not args.dask and (len(paths) <= 1 or args.jobs == 1)
    with Progress("检查草案", len(paths)) as bar:
        # one process: each finding is written as soon as its region is done (a large draft's findings are never
        # all held at once); workers send each draft's lines back whole
        results = (check_serial(paths, rs, args.engine, prepare=_jsonl_lines, as_of=as_of, emit=write) if serial
                   else check_many(paths, rs, args.engine, args.jobs, prepare=_jsonl_lines, as_of=as_of,
                                   dask=args.dask))
        for idx, lines, err in results:
            bar.advance()
            if err:
                failures += 1
                print(err, file=sys.stderr)
                continue
            write(lines)
    return _exit_code(failures, worst, fail_on)


def cmd_check(args) -> int:
    from engine.rulebook import load_rules
    from reports.render import render

    from engine.batch import check_many
    from engine.finding import SEVERITY_RANK

    if args.no_precedents:   # read by engine.check in this process and in the workers it starts
        os.environ["POLICYLINT_NO_PRECEDENTS"] = "1"
    paths, skipped, refused = expand_paths(args.paths)
    rs = load_rules()
    fmt, fail_on, min_severity, suppress_file, keep, _ = settings(args, rs)
    suppressions = []
    if suppress_file:
        from engine import suppress

        suppressions = suppress.load(suppress_file)
        known = {r.id for r in rs.rules} | {r for r, _ in _extra_rule_ids()}
        for s in suppress.unknown_rules(suppressions, known):
            print(f"policylint：警告：{suppress_file}:{s.line}：规则编号“{s.rule}”不存在，这一项忽略不了任何问题"
                  f"（用 policylint rules list 查看编号）", file=sys.stderr)
    as_of = parse_date(args.as_of) if args.as_of else None
    floor = SEVERITY_RANK[min_severity]
    _report_skipped(skipped)
    if fmt == "jsonl" and not args.register and not suppressions:
        return _check_jsonl(paths, rs, args, floor, as_of, keep, fail_on, refused)
    findings, failures = [], list(refused)
    for _, err in refused:
        print(err, file=sys.stderr)
    with Progress("检查草案", len(paths)) as bar:
        for idx, fs, err in check_many(paths, rs, args.engine, args.jobs, as_of=as_of, dask=args.dask):
            bar.advance()
            if err:
                failures.append((paths[idx], err))
                print(err, file=sys.stderr)
            else:
                findings.extend(f for f in fs if f.rank >= floor and keep(f.rule, f.family))
    notes = []
    if suppressions:
        from engine import suppress

        findings, dropped = suppress.apply(findings, suppressions)
        if dropped:
            notes.append(f"按忽略文件 {suppress_file} 略去 {len(dropped)} 条问题：" + "；".join(
                f"{f.rule}@{Path(f.file).name}:{f.line}（理由：{s.reason}）" for f, s in dropped[:10])
                + ("……" if len(dropped) > 10 else ""))
        known = {r.id for r in rs.rules} | {r for r, _ in _extra_rule_ids()}
        read = len(paths) - (len(failures) - len(refused))
        for s in suppress.unused(suppressions, dropped) if read else ():
            if s.rule in known:
                print(f"policylint：警告：{suppress_file}:{s.line}：忽略 {s.rule} 的这一项在本次检查中没有忽略任何问题"
                      f"（草案已修改，或 file/path/text 写得不对），可以删去", file=sys.stderr)
    checked = len(paths) - (len(failures) - len(refused))
    render(findings, fmt, failures=failures, notes=notes, skipped=skipped, checked=checked)
    if args.register:
        if not args.db:
            raise UserError("--register 需要同时给出 --db 案例库路径")
        from cases.register import register_findings   # the case register (cases/)
        new, unchanged = register_findings(findings, args.db)
        print(f"已登记案例：新增 {new} 件，已存在 {unchanged} 件（{args.db}）", file=sys.stderr)
    return _exit_code(len(failures), max((f.rank for f in findings), default=-1), fail_on)
