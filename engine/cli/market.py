"""`policylint list import|lookup|editions` (market-access negative list) and `policylint filing check`.

Cheap to import: everything heavy is imported inside the handlers.
"""
from __future__ import annotations

import sys

from engine.errors import UserError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}

DATA_DIR_HELP = ("清单数据目录（默认：环境变量 POLICYLINT_DATA，否则 $XDG_DATA_HOME/policylint，"
                 "即 ~/.local/share/policylint）")


def register(parsers: dict) -> None:
    top = parsers["top"]
    lp = top.add_parser("list", help="市场准入负面清单：导入官方清单、查询经营活动",
                        description="市场准入负面清单数据：导入官方发布的清单表格，按经营范围或活动查询清单事项。")
    sub = lp.add_subparsers(dest="list_command", metavar="子命令", parser_class=type(lp))
    p = sub.add_parser("import", help="导入官方发布的清单表格（.xlsx/.csv），核对事项数后保存",
                       description="读取官方发布的清单表格（从 PDF 提取的表格另存为 .xlsx 或 .csv），核对禁止类、"
                                   "许可类事项数与该版本是否一致、事项编码是否唯一、类别是否可识别，通过后保存到清单数据目录。")
    p.add_argument("file", metavar="文件", help="清单表格（.xlsx 或 .csv）")
    p.add_argument("--edition", required=True, metavar="版本", help="清单版本，如 2025、2022")
    p.add_argument("--data-dir", default=None, metavar="目录", help=DATA_DIR_HELP)
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("lookup", help="查询经营范围或活动是否属于清单事项",
                       description="列出与经营范围或活动描述相符的清单事项（编码、类别、主管部门）；不属于清单事项的，"
                                   "说明各类经营主体皆可依法平等进入。所用清单数据不完整时，结论注明是临时性的。")
    p.add_argument("activity", metavar="经营范围或活动描述")
    p.add_argument("--edition", default=None, metavar="版本", help="指定清单版本（默认按 --as-of 或今天选施行的版本）")
    p.add_argument("--as-of", default=None, metavar="日期", help="按该日期（YYYY-MM-DD）施行的版本查询")
    p.add_argument("--data-dir", default=None, metavar="目录", help=DATA_DIR_HELP)
    p.add_argument("--format", choices=("text", "json"), default="text", help="输出格式（默认 text）")
    p.set_defaults(func=cmd_lookup)
    p = sub.add_parser("editions", help="列出可用的清单版本及其完整程度")
    p.add_argument("--data-dir", default=None, metavar="目录", help=DATA_DIR_HELP)
    p.set_defaults(func=cmd_editions)
    lp.set_defaults(func=lambda args: _need_sub(lp))

    fp = top.add_parser("filing", help="行政备案：检查备案事项清单或备案申请的办理情况",
                        description="检查行政备案事项清单（每行一个事项）或备案申请办理记录（每条一次申请）中"
                                    "“以备案之名行许可之实”的问题。")
    fsub = fp.add_subparsers(dest="filing_command", metavar="子命令", parser_class=type(fp))
    p = fsub.add_parser("check", help="逐项检查备案事项清单或备案申请",
                        description="读取 .xlsx/.csv/.yaml/.json：行政备案事项清单逐项检查；含“申请人”“办理结果”等列"
                                    "（或 YAML 中的 requests 列表）的按备案申请逐条检查。无法读取的行报告行号后跳过。")
    p.add_argument("file", metavar="文件")
    p.add_argument("--list", dest="item_list", default=None, metavar="清单文件",
                   help="检查备案申请时对照的公布清单（默认取 YAML 中的 list 字段）")
    p.add_argument("--format", "-f", choices=("text", "json", "jsonl", "sarif"), default="text", help="输出格式（默认 text）")
    p.add_argument("--fail-on", choices=("error", "warning", "info"), default="warning",
                   help="达到该严重程度即以退出码 1 结束（默认 warning）")
    p.add_argument("--min-severity", choices=("error", "warning", "info"), default="info", help="只输出不低于该程度的问题")
    p.set_defaults(func=cmd_filing_check)
    fp.set_defaults(func=lambda args: _need_sub(fp))


def _need_sub(p) -> int:
    p.print_help(sys.stderr)
    return EXIT_BAD_INPUT


# ---- list ----------------------------------------------------------------------------------------------------

def cmd_import(args) -> int:
    from engine.records.market_list import import_table

    target, counts = import_table(args.file, str(args.edition), args.data_dir)
    print(f"已导入《市场准入负面清单（{args.edition}年版）》：共 {counts['总数']} 项（禁止准入类 {counts['禁止']} 项，"
          f"许可准入类 {counts['许可']} 项），措施 {counts['措施']} 条；保存在 {target}")
    return EXIT_CLEAN


def _as_of(s: str | None):
    if not s:
        return None
    import datetime as dt
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise UserError(f"日期“{s}”无法识别，应写作 YYYY-MM-DD，如 2025-06-01") from None


def cmd_lookup(args) -> int:
    from engine.records.market_list import describe_item, edition_in_force, lookup, lookup_report

    activity = args.activity.strip()
    if not activity:
        raise UserError("请给出经营范围或活动描述，例如：policylint list lookup \"医疗机构设置\"")
    ed = edition_in_force(_as_of(args.as_of), args.data_dir, args.edition)
    if args.format == "json":
        import json
        hits = lookup(activity, ed)
        json.dump({"activity": activity, "edition": ed.edition, "edition_label": ed.label, "complete": ed.complete,
                   "items_known": len(ed.items), "items_stated": ed.stated.get("总数"),
                   "matches": [{"category": i.get("类别"), "name": i.get("事项名称"), "code": i.get("事项编码"),
                                "department": i.get("主管部门"), "matched": w, "text": describe_item(i)} for i, w in hits],
                   "outside_list": not hits, "provisional": (not hits) and not ed.complete,
                   "note": ed.completeness_note()}, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return EXIT_CLEAN
    lines, _ = lookup_report(activity, ed)
    print("\n".join(lines))
    return EXIT_CLEAN


def cmd_editions(args) -> int:
    from engine.records.market_list import editions

    for ed in sorted(editions(args.data_dir).values(), key=lambda e: e.effective):
        state = "完整" if ed.complete else f"不完整（{len(ed.items)}/{ed.stated.get('总数')} 项）"
        print(f"{ed.edition}  {ed.label}  {ed.effective.isoformat()} 起施行  {state}  来源：{ed.source}")
    return EXIT_CLEAN


# ---- filing check --------------------------------------------------------------------------------------------

def cmd_filing_check(args) -> int:
    from pathlib import Path

    from engine.records.filing import detect_kind, item_index, read_items, read_requests
    from engine.structured import check_records

    path = Path(args.file)
    if not path.exists():
        raise UserError(f"找不到文件：{args.file}")
    kind = detect_kind(path)
    notes: list[str] = []
    if kind == "item":
        rows, bad = read_items(path)
        records = [it.record(line) for line, it in rows]
        what = "备案事项"
    else:
        rows, bad, meta = read_requests(path)
        list_path = args.item_list or meta.get("list")
        index = None
        if list_path:
            lp = Path(list_path)
            if not lp.is_absolute() and not args.item_list:
                lp = path.parent / lp
            items, item_bad = read_items(lp)
            if item_bad:
                notes.append(f"对照清单 {lp.name} 有 {len(item_bad)} 行无法读取，已跳过")
            index = item_index(items)
            notes.append(f"对照的公布清单：{lp.name}（{len(index)} 个事项）")
        else:
            notes.append("未提供公布的行政备案事项清单（--list），无法判断超出清单的材料、清单外事项和超时限")
        records = [r.record(index, line) for line, r in rows]
        what = "备案申请"
    for e in bad:
        print(f"{path.name} {e}，该行已跳过", file=sys.stderr)
    if not records:
        raise UserError(f"{path.name}：没有可检查的{what}" + (f"（{len(bad)} 行无法读取）" if bad else ""))
    findings = check_records(records, "filing_item" if kind == "item" else "filing_request", str(path))
    floor = SEVERITY_RANK[args.min_severity]
    shown = [f for f in findings if SEVERITY_RANK[f.severity] >= floor]
    failures = [(f"{path}:{e.line}", e.message) for e in bad]
    flagged = {f.record for f in findings}
    notes.append(f"共检查{what} {len(records)} 条，其中 {len(flagged)} 条有问题"
                 + (f"；另有 {len(bad)} 行无法读取，已跳过" if bad else ""))
    _render(shown, args.format, failures, notes, records if args.format == "text" else None)
    fail = SEVERITY_RANK[args.fail_on]
    return EXIT_FINDINGS if any(SEVERITY_RANK[f.severity] >= fail for f in findings) else EXIT_CLEAN


def _render(findings, fmt, failures, notes, records) -> None:
    try:
        from reports.render import render
    except ImportError:   # reports not installed: plain JSON lines still serve machines
        import json
        for f in findings:
            print(json.dumps(f.to_dict(), ensure_ascii=False))
        return
    render(findings, fmt, failures=failures, notes=notes)
    if records is not None:   # text: one line per item or request after the diagnostics
        by: dict = {}
        for f in findings:
            by.setdefault((f.record, f.line), []).append(f)
        print("\n逐项结论：")
        for r in records:
            fs = by.get((r["_id"], r["_line"]), [])
            if fs:
                err = sum(1 for f in fs if f.severity == "error")
                warn = sum(1 for f in fs if f.severity == "warning")
                rules = "；".join(dict.fromkeys(f.title for f in fs))
                print(f"  第 {r['_line']} 行 {r['_id']}：{len(fs)} 处问题（错误 {err}，警告 {warn}，"
                      f"提示 {len(fs) - err - warn}）——{rules}")
            else:
                print(f"  第 {r['_line']} 行 {r['_id']}：未发现问题")
