"""`policylint cases import|scan|list|show|verify|add|sample`: the case register from the command line.

Cheap to import on purpose (policylint start-up is measured): everything heavy is imported inside the handlers.
"""
from __future__ import annotations

import sys

from engine.errors import UserError

DB_HELP = "案例库 SQLite 文件（默认取环境变量 POLICYLINT_DB，未设置时为当前目录下的 policylint-cases.db）"


def add_db_arg(p) -> None:
    """--db, shared with `policylint report` (engine.cli.report)."""
    p.add_argument("--db", default=None, metavar="案例库", help=DB_HELP)


def _period(p) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--month", metavar="YYYY-MM", help="只处理该月受理的案例，如 2026-08")
    g.add_argument("--quarter", metavar="YYYYQn", help="只处理该季度受理的案例，如 2026Q3")


def register(parsers: dict) -> None:
    top = parsers["top"]
    c = top.add_parser("cases", help="案例库：导入、扫描、核查、列表（违背市场准入负面清单案例归集）",
                       description="违背市场准入负面清单案例的归集登记：导入台账、按月扫描分类、一案一核查、列出案例。")
    sub = c.add_subparsers(dest="cases_command", metavar="子命令", parser_class=type(c))
    c.set_defaults(func=lambda a: _usage(c))

    p = sub.add_parser("import", help="导入案例台账（CSV/XLSX/JSONL，中文表头）",
                       description="导入案例台账。每一行要么新增、要么更新、要么未变、要么拒收；拒收行写入 --rejects 文件。"
                                   "同一文件重复导入不会改变案例库；整个导入是一个事务，中途出错案例库保持原样。")
    p.add_argument("file", metavar="文件", help="CSV（UTF-8 或 GB18030/GBK）、XLSX 或 JSONL")
    add_db_arg(p)
    p.add_argument("--rejects", metavar="拒收文件.csv",
                   help="把拒收的行（行号、原因）写入该 CSV（带 BOM，Excel 可直接打开）；"
                        "不指定时，有拒收行也会写入案例库旁的“文件名_拒收.csv”")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("scan", help="按规则批量扫描：分类、标出需关注的案例",
                       description="用 rules/cases/*.rule 中的规则扫描案例：按发改体改〔2021〕1670号分类，"
                                   "并标出要素缺失、整改逾期、同一单位本季度重复出现等需关注事项。")
    _period(p)
    add_db_arg(p)
    p.add_argument("--as-of", metavar="日期", help="核查基准日（计算逾期天数，默认今天）")
    p.add_argument("--dask", metavar="地址", default=None,
                   help="把案例分批交给 Dask 工作进程扫描：tcp://主机:端口，或 local:N（在本机启动 N 个工作进程）")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("list", help="列出案例", description="列出案例库中的案例。")
    _period(p)
    add_db_arg(p)
    p.add_argument("--category", metavar="类别", help="只列该类别（A、B、C1…C9、D，或 C 表示全部隐性壁垒）")
    p.add_argument("--format", "-f", choices=("text", "jsonl"), default="text", help="输出格式（默认 text）")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="查看一个案例及其修改历史", description="查看一个案例的全部字段和修改历史。")
    p.add_argument("case_id", metavar="案例编号")
    add_db_arg(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("verify", help="登记核查结论和整改情况（一案一核查）",
                       description="登记一个案例的核查结论（一案一核查：只登记一次，更正须加 --amend 并说明原因）"
                                   "以及整改状态、期限和措施（可多次更新）。")
    p.add_argument("case_id", metavar="案例编号")
    add_db_arg(p)
    p.add_argument("--status", choices=("核查中", "属实", "部分属实", "不属实"), help="核查结论")
    p.add_argument("--findings", metavar="文字", help="核查情况")
    p.add_argument("--verifier", metavar="姓名", help="核查人")
    p.add_argument("--date", metavar="日期", help="核查日期（默认今天）")
    p.add_argument("--category", metavar="类别", help="核查认定的类别（A、B、C1…C5、C9、D），之后扫描不再改动")
    p.add_argument("--rectify", choices=("未整改", "整改中", "已整改", "无需整改"), help="整改状态")
    p.add_argument("--deadline", metavar="日期", help="整改期限")
    p.add_argument("--measures", metavar="文字", help="整改措施（废止或修订的文件及文号等）")
    p.add_argument("--rectified-on", metavar="日期", help="整改完成日期（--rectify 已整改 时默认今天）")
    p.add_argument("--notified-on", metavar="日期", help="登记一次通报日期（一案一通报）")
    p.add_argument("--amend", metavar="原因", help="更正已登记的核查结论，并写明原因")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("add", help="把检查结果登记为案例（check / filing check 的 jsonl 输出）",
                       description="把 policylint check --format jsonl 或 policylint filing check --format jsonl 的结果"
                                   "登记为案例：每个文件（或备案事项）每条规则一件，重复登记不会产生重复案例。")
    p.add_argument("file", metavar="结果.jsonl")
    add_db_arg(p)
    p.add_argument("--region", default="", metavar="地区", help="所属地区")
    p.add_argument("--unit", default="", metavar="单位", help="涉及单位（起草单位）")
    p.add_argument("--date", metavar="日期", help="受理日期（默认今天）")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("sample", help="生成示例案例台账（演示与测试用）",
                       description="生成一个虚构的地级市（青禾市）的示例案例台账，含各类别、各渠道，以及几行有问题的数据"
                                   "（缺编号、日期不存在、问题描述为空、同一编号描述改变）。相同 --seed 生成相同内容。")
    p.add_argument("-o", "--output", required=True, metavar="文件", help=".csv、.xlsx 或 .jsonl")
    p.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026）")
    p.add_argument("--rows", type=int, default=120, help="案例行数（默认 120）")
    p.add_argument("--encoding", choices=("utf-8", "gb18030"), default="utf-8",
                   help="CSV 编码（默认 utf-8，带 BOM；gb18030 模拟 Excel 中文版另存的 CSV）")
    p.add_argument("--clean", action="store_true", help="不加入有问题的行")
    p.set_defaults(func=cmd_sample)


def _usage(p) -> int:
    p.print_help(sys.stderr)
    return 2


def open_db(args, create: bool = False):
    from cases import store

    return store.connect(store.db_path(args.db), create=create)


def get_case(args):
    """The case args.case_id names in the --db register; a missing one is one Chinese line."""
    from cases import store

    conn = open_db(args)
    try:
        rec = store.get(conn, args.case_id)
    finally:
        conn.close()
    if rec is None:
        raise UserError(f"案例库中没有编号为 {args.case_id} 的案例")
    return rec


def _date(value: str | None, label: str):
    import datetime as dt

    from cases.normalize import DateError, parse_date

    if not value:
        return None
    if value in ("今天", "today"):
        return dt.date.today()
    try:
        return parse_date(value)
    except DateError as e:
        raise UserError(f"{label}{e}") from None


def period_bounds(args):
    """(start, end, label) from --month / --quarter; (None, None, "全部") when neither."""
    from cases.normalize import parse_month, parse_quarter

    try:
        if getattr(args, "month", None):
            s, e = parse_month(args.month)
            return s, e, f"{s.year}-{s.month:02d}"
        if getattr(args, "quarter", None):
            return parse_quarter(args.quarter)
    except ValueError as e:
        raise UserError(str(e)) from None
    return None, None, "全部"


# ---- handlers -------------------------------------------------------------------------------------------------------

def cmd_import(args) -> int:
    from cases import importer, store

    path = store.db_path(args.db)
    conn = open_db(args, create=True)
    try:
        from .common import Progress

        with Progress("导入案例", None) as bar:
            res = importer.import_file(args.file, conn, args.rejects, progress=bar)
    finally:
        conn.close()
    print(f"导入 {args.file} → {path}")
    print(res.summary())
    if res.missing_columns:
        print(f"提示：文件中没有以下列，相应字段留空：{'、'.join(res.missing_columns)}", file=sys.stderr)
    if res.rejects:
        where = f"，明细已写入 {res.rejects_file}"
        print(f"拒收 {len(res.rejects)} 行{where}：", file=sys.stderr)
        for r in res.rejects[:20]:
            print(f"  第 {r.row} 行 {r.case_id or '（无编号）'}：{r.reason}", file=sys.stderr)
        if len(res.rejects) > 20:
            print(f"  ……另有 {len(res.rejects) - 20} 行", file=sys.stderr)
    return 0


def cmd_scan(args) -> int:
    import datetime as dt

    from cases import scan
    from cases.model import UNCLASSIFIED, category_label

    start, end, label = period_bounds(args)
    as_of = _date(args.as_of, "核查基准日") or dt.date.today()
    conn = open_db(args)
    try:
        res = scan.scan(conn, start, end, label, as_of=as_of, progress_factory=scan.TtyProgress,
                        dask=args.dask)
    finally:
        conn.close()
    print(f"扫描 {label} 受理的案例 {res.records} 件（核查基准日 {as_of.isoformat()}），规则命中 {res.findings} 次。")
    if not res.records:
        return 0
    print("分类：")
    for code, n in sorted(res.by_category.items(), key=lambda kv: (kv[0] == UNCLASSIFIED, kv[0])):
        print(f"  {code if code != UNCLASSIFIED else '—'}  {category_label(code) if code != UNCLASSIFIED else code}"
              f"：{n} 件")
    if res.manual:
        print(f"  （其中 {res.manual} 件为核查人员认定的类别，未改动）")
    if res.reclassified:
        print(f"  与上次扫描相比改变类别 {res.reclassified} 件（原类别已记入修改历史）")
    if res.by_flag:
        print("需关注：")
        for flag, n in res.by_flag.most_common():
            print(f"  {flag}：{n} 件")
    return 0


def _fmt_list_line(r) -> str:
    from cases.model import category_label

    cat = r.category or "—"
    flags = f"  ⚑{'；'.join(r.flags)}" if r.flags else ""
    return (f"{r.case_id}  {r.received_date.isoformat()}  {r.region or '—'}  {r.unit or '—'}  [{cat}]"
            f"  {r.verify_status}/{r.rectify_status}\n    {r.description}\n    类别：{category_label(r.category)}{flags}")


def cmd_list(args) -> int:
    import json

    from cases import store

    start, end, label = period_bounds(args)
    conn = open_db(args)
    try:
        recs = store.records(conn, start, end)
    finally:
        conn.close()
    if args.category:
        want = args.category.strip().upper()
        recs = [r for r in recs if r.category == want or (len(want) == 1 and r.category.startswith(want))]
    out = sys.stdout
    if args.format == "jsonl":
        for r in recs:
            out.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
    else:
        for r in recs:
            out.write(_fmt_list_line(r) + "\n")
        print(f"共 {len(recs)} 件（{label}）", file=sys.stderr)
    return 0


def cmd_show(args) -> int:
    from cases.model import FIELD_CN

    rec = get_case(args)
    data = rec.model_dump(exclude={"history"})
    for k, label in FIELD_CN.items():
        v = data.get(k)
        if isinstance(v, list):
            v = "；".join(str(x) for x in v)
        print(f"{label}：{v if v not in (None, '') else '—'}")
    if rec.history:
        print("修改历史：")
        for h in rec.history:
            before = "；".join(f"{FIELD_CN.get(k, k)}={v}" for k, v in h.before.items())
            print(f"  {h.at}  {h.action}  {h.source}  原值：{before}")
    return 0


def cmd_verify(args) -> int:
    from cases import verify

    changes = verify.apply(
        _db_path(args), args.case_id, status=args.status, findings=args.findings, verifier=args.verifier,
        verify_date=_date(args.date, "核查日期"), category=args.category, rectify=args.rectify,
        deadline=_date(args.deadline, "整改期限"), measures=args.measures,
        rectified_on=_date(args.rectified_on, "整改完成日期"), notified_on=_date(args.notified_on, "通报日期"),
        amend=args.amend)
    print(f"案例 {args.case_id} 已更新：{'；'.join(changes)}")
    return 0


def _db_path(args):
    from cases import store

    return store.db_path(args.db)


def cmd_add(args) -> int:
    import datetime as dt

    from cases.register import read_findings_jsonl, register_findings

    findings = read_findings_jsonl(args.file)
    new, unchanged = register_findings(findings, _db_path(args), region=args.region, unit=args.unit,
                                       received=_date(args.date, "受理日期") or dt.date.today())
    hints = sum(1 for f in findings if f.severity == "info")
    print(f"读取检查结果 {len(findings)} 条，登记案例：新增 {new} 件，已存在 {unchanged} 件"
          + (f"（提示级 {hints} 条不登记）" if hints else ""))
    return 0


def cmd_sample(args) -> int:
    from cases import sample

    if args.rows < 1 or args.rows > 1_000_000:
        raise UserError("--rows 应在 1 到 1000000 之间")
    rows = sample.generate(rows=args.rows, seed=args.seed, dirty=not args.clean)
    sample.write(args.output, rows, encoding="gb18030" if args.encoding == "gb18030" else "utf-8-sig")
    print(f"已生成示例台账 {args.output}：{len(rows)} 行（种子 {args.seed}）")
    return 0

