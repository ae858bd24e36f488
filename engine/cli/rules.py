"""`policylint rules list|show|test|coverage`."""
from __future__ import annotations

import json
import sys

FAMILY_CN = {"fair_competition": "公平竞争审查", "negative_list": "市场准入负面清单", "filing": "备案不得变审批",
             "case": "案例归集"}


def register(parsers: dict) -> None:
    r = parsers["top"].add_parser("rules", help="查看、测试规则", description="规则的列表、详情、例句测试与覆盖情况。")
    sub = r.add_subparsers(dest="rules_command", metavar="子命令", parser_class=type(r))
    r.set_defaults(func=lambda a: (r.print_help(), 2)[1])
    _register_coverage(sub)
    p = sub.add_parser("list", help="列出全部规则")
    p.add_argument("--family", choices=tuple(FAMILY_CN), help="只列出某一类")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("show", help="显示一条规则：条件、所引条文原文、例句")
    p.add_argument("rule_id", metavar="规则编号")
    p.set_defaults(func=cmd_show)
    p = sub.add_parser("test", help="运行每条规则内嵌的违规例句和合规例句")
    p.add_argument("rule_ids", nargs="*", metavar="规则编号", help="只测这些规则（默认全部）")
    p.add_argument("--engine", choices=("durable", "python"), default=None)
    p.set_defaults(func=cmd_test)
    p = sub.add_parser("docs", help="生成规则文档：每条规则一页（所引条文、查什么、为什么、怎样修改、排除情形、例句）及索引",
                       description="每条规则写成一页：编号、标题、所引条文原文、查什么、为什么、怎样修改、各排除情形及其保护的"
                                   "合规写法、违规示例和合规示例、规则文件位置；另有按类别和条文排列的索引和审查标准覆盖表。")
    p.add_argument("--out", "-o", default="docs/rules", metavar="目录", help="输出目录（默认 docs/rules）")
    p.add_argument("--format", "-f", choices=("md", "html"), default="md", help="md（默认）或 html")
    p.set_defaults(func=cmd_docs)


def cmd_list(args) -> int:
    from engine.rulebook import load_rules

    rs = load_rules()
    rules = [r for r in rs.rules if not args.family or r.family == args.family]
    if args.format == "json":
        json.dump([{"id": r.id, "title": r.title, "family": r.family, "severity": r.severity, "scope": r.unit,
                    "basis": r.basis_text, "source": r.source} for r in rules], sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for r in rules:
        print(f"{r.id:<18} {r.severity:<8} {FAMILY_CN.get(r.family, r.family)}  {r.title}\n{'':<18} 依据：{r.basis_text}")
    print(f"\n共 {len(rules)} 条规则。")
    return 0


def cmd_show(args) -> int:
    from engine.errors import UserError

    from engine.rulebook import load_rules

    rs = load_rules()
    rule = rs.by_id().get(args.rule_id)
    if rule is None:
        near = [r.id for r in rs.rules if args.rule_id.upper() in r.id][:8]
        raise UserError(f"没有编号为 {args.rule_id} 的规则" + (f"；相近的有：{'、'.join(near)}" if near else ""))
    print(f"{rule.id}  {rule.title}")
    print(f"类别：{FAMILY_CN.get(rule.family, rule.family)}    严重程度：{rule.severity}    范围：{rule.unit}")
    print(f"定义位置：{rule.source}")
    print(f"条件：{rule.when_text}")
    if rule.unless_text:
        print(f"排除：{rule.unless_text}")
    print(f"问题：{rule.message}")
    print(f"建议：{rule.suggest}")
    if rule.confirm:
        print(f"需核实：{rule.confirm}")
    for b in rule.bases:
        print(f"\n依据：{b.citation}（{b.edition}年版{('，' + b.number) if b.number else ''}）")
        print(f"  本项原文：{b.text}")
        if b.article_text and b.article_text != b.text:
            print("  该条全文：")
            for line in b.article_text.splitlines():
                print(f"    {line}")
    if rule.examples:
        print("\n例句：")
        for text, violating, line in rule.examples:
            print(f"  {'违规' if violating else '合规'}：{text}")
    return 0


def run_examples(rs, rule_ids: set[str] | None = None, engine: str | None = None) -> list[tuple]:
    """Every embedded example through the whole checker; returns failures (rule, text, violating, line, found)."""
    from engine.check import check_text

    failures = []
    for rule in rs.rules:
        if rule_ids and rule.id not in rule_ids:
            continue
        for text, violating, line in rule.examples:
            found = {f.rule for f in check_text(text, "<example>", rs, engine)}
            if (rule.id in found) != violating:
                failures.append((rule, text, violating, line, found))
    return failures


def cmd_test(args) -> int:
    from engine.rulebook import load_rules

    rs = load_rules()
    wanted = set(args.rule_ids) if args.rule_ids else None
    if wanted and not wanted <= set(rs.by_id()):
        from engine.errors import UserError
        raise UserError(f"没有这些规则：{'、'.join(sorted(wanted - set(rs.by_id())))}")
    failures = run_examples(rs, wanted, args.engine)
    rules = [r for r in rs.rules if not wanted or r.id in wanted]
    total = sum(len(r.examples) for r in rules)
    from reports.rule_docs import explain_example

    for rule, text, violating, line, found in failures:
        file = rule.source.rsplit(":", 1)[0]
        want = "应当命中而未命中" if violating else "不应命中却命中了"
        print(f"{file}:{line}: {rule.id} {want}：{text}")
        print("\n".join(explain_example(rs, rule, text, violating, line, found).splitlines()[2:]) + "\n")
    passed = total - len(failures)
    print(f"规则 {len(rules)} 条，例句 {total} 句：{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


def cmd_docs(args) -> int:
    from pathlib import Path

    from dsl.coverage import coverage_rows
    from dsl.lawtext import load_lawbook
    from engine.errors import UserError
    import copy

    from dsl.loader import compile_rules, rule_files
    from engine.rulebook import load_rules
    from engine.precedents import read_library
    from reports.rule_docs import build, precedent_matches

    rs = load_rules()
    if not rs.groups:                    # the cached form leaves out the term groups, which the pages list
        rs = copy.copy(rs)
        rs.groups = compile_rules(rule_files()).groups
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"输出位置 {out} 已有同名文件，不是目录")
    try:
        written = build(rs, out, args.format, coverage_rows(rs, load_lawbook()), precedent_matches(rs, read_library()))
    except OSError as e:
        raise UserError(f"无法写入目录 {out}：{e.strerror or e}") from None
    print(f"已写出 {len(written) - 1} 条规则的文档和索引：{out / ('index.' + args.format)}")
    return 0


def _register_coverage(sub) -> None:
    p = sub.add_parser(
        "coverage", help="审查标准覆盖情况：条例第八至十一条、实施办法第九至二十四条每一项由哪些规则实现",
        description="列出《公平竞争审查条例》第八至十一条和《公平竞争审查条例实施办法》第九至二十四条的每一项，"
                    "以及实现该项的规则和例句数。有任何一项没有规则时以退出码 1 结束。")
    p.add_argument("--format", "-f", choices=("text", "json"), default="text", help="输出格式（默认 text）")
    p.add_argument("--uncovered", action="store_true", help="只列出没有规则的项")
    p.set_defaults(func=cmd_coverage)


def cmd_coverage(args) -> int:
    from dsl.coverage import coverage_rows, print_table, _short
    from dsl.lawtext import load_lawbook
    from engine.rulebook import load_rules

    rows = coverage_rows(load_rules(), load_lawbook())
    missing = [r for r in rows if not r["rules"]]
    shown = missing if args.uncovered else rows
    if args.format == "json":
        json.dump(shown, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_table(shown)
        covered = len(rows) - len(missing)
        print(f"\n审查标准共 {len(rows)} 项，已有规则 {covered} 项，没有规则 {len(missing)} 项。")
        if missing:
            print("没有规则的项：" + "、".join(_short(r) for r in missing))
    return 1 if missing else 0
