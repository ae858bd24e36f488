"""`policylint report case|monthly|quarterly`: the notices and circulations drawn from the case register.

The suffix of -o picks the format: .docx (official document style), .xlsx (the ledger), .md, .html.
Cheap to import: the report modules are imported inside the handlers.
"""
from __future__ import annotations

import sys

from engine.cli.cases import add_db_arg, get_case, open_db
from engine.errors import UserError

OUT_HELP = "输出文件；后缀决定格式：.docx（公文格式）、.xlsx（台账）、.md、.html"


def _common(p) -> None:
    add_db_arg(p)
    p.add_argument("-o", "--output", required=True, metavar="文件", help=OUT_HELP)
    p.add_argument("--issuer", metavar="发文机关", help="发文机关署名（默认按案例所属地级市生成，如“青禾市发展和改革委员会”）")
    p.add_argument("--date", metavar="日期", help="成文日期（默认今天）")
    p.add_argument("--as-of", metavar="日期", help="核查基准日，用于计算整改逾期（默认同成文日期）")
    add_official_args(p)


def add_official_args(p, mark_default: str = "发文机关＋文件", organ: str = "发文机关") -> None:
    """版头 and 版记 (GB/T 9704), shared with `policylint review`."""
    g = p.add_argument_group("公文格式（版头、版记）")
    g.add_argument("--doc-number", metavar="文号", help="发文字号，如“青发改体改〔2026〕12号”（默认留空待填：〔年份〕　号）")
    g.add_argument("--mark", metavar="发文机关标志", help=f"版头的发文机关标志（默认“{mark_default}”）")
    g.add_argument("--cc", metavar="抄送机关", default="", help="版记的抄送机关，多个用逗号分隔（默认不写抄送）")
    g.add_argument("--printer", metavar="印发机关", help=f"版记的印发机关（默认“{organ}＋办公室”）")
    g.add_argument("--print-date", metavar="日期", help="版记的印发日期（默认同成文日期）")


def official_kwargs(args, parse=None) -> dict:
    printed = None
    if getattr(args, "print_date", None):
        from cases.normalize import DateError, parse_date

        try:
            printed = parse_date(args.print_date)
        except DateError as e:
            raise UserError(f"印发日期{e}") from None
    return {"number": args.doc_number, "mark": args.mark, "cc": args.cc or "", "printer": args.printer,
            "printed": printed}


def register(parsers: dict) -> None:
    top = parsers["top"]
    if "report" not in parsers:
        r = top.add_parser("report", help="生成案例通报、月度核查情况、季度通报（docx/xlsx/md/html）",
                           description="从案例库生成一案一通报、按月核查情况和按季通报。-o 的后缀决定格式。")
        parsers["report"] = r.add_subparsers(dest="report_command", metavar="子命令", parser_class=type(r))
        r.set_defaults(func=lambda a: (r.print_help(), 2)[1])
    sub = parsers["report"]

    p = sub.add_parser("case", help="一案一通报：单个案例的通报", description="生成单个案例的通报（一案一通报）。")
    p.add_argument("case_id", metavar="案例编号")
    _common(p)
    p.set_defaults(func=cmd_case)

    p = sub.add_parser("monthly", help="按月核查：月度案例核查情况", description="生成某月受理案例的核查情况汇总（按月核查）。")
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="月份，如 2026-08")
    _common(p)
    p.add_argument("--no-charts", action="store_true", help="不插入图表")
    p.set_defaults(func=cmd_monthly)

    p = sub.add_parser("quarterly", help="按季通报：季度典型案例通报",
                       description="生成季度通报：分地区、单位、类别、渠道统计，与上季度比较，典型案例，整改进展，附图表。")
    p.add_argument("--quarter", required=True, metavar="YYYYQn", help="季度，如 2026Q3")
    _common(p)
    p.add_argument("--addressee", metavar="主送机关", help="主送机关（默认“各县（市、区）人民政府（管委会），市直有关部门：”）")
    p.add_argument("--no-charts", action="store_true", help="不插入图表")
    p.set_defaults(func=cmd_quarterly)


def _dates(args):
    import datetime as dt

    from cases.normalize import DateError, parse_date

    def one(v, label):
        if not v:
            return None
        try:
            return parse_date(v)
        except DateError as e:
            raise UserError(f"{label}{e}") from None

    date = one(args.date, "成文日期") or dt.date.today()
    return date, one(args.as_of, "核查基准日") or date


def cmd_case(args) -> int:
    from reports.case_doc import check_format, write
    from reports.case_notice import build_notice

    check_format(args.output)
    date, as_of = _dates(args)
    rec = get_case(args)
    out = write(build_notice(rec, issuer=args.issuer, date=date, as_of=as_of, **official_kwargs(args)), args.output)
    print(f"已生成案例通报 {out}")
    return 0


def cmd_monthly(args) -> int:
    from cases import store
    from cases.model import VERIFIED
    from cases.normalize import parse_month
    from reports.case_circulation import build_monthly
    from reports.case_doc import check_format, write

    check_format(args.output)
    try:
        start, end = parse_month(args.month)
    except ValueError as e:
        raise UserError(str(e)) from None
    date, as_of = _dates(args)
    prev_start, _ = parse_month(f"{start.year - (start.month == 1)}-{(start.month - 2) % 12 + 1:02d}")
    conn = open_db(args)
    try:
        cases = store.records(conn, start, end)
        previous = store.records(conn, prev_start, start)
        backlog = [c for c in store.records(conn, None, start)
                   if c.verify_status not in VERIFIED or
                   (c.verify_status in ("属实", "部分属实") and c.rectify_status not in ("已整改", "无需整改"))]
    finally:
        conn.close()
    label = f"{start.year}-{start.month:02d}"
    doc = build_monthly(cases, previous, backlog, label, issuer=args.issuer, date=date, as_of=as_of,
                        charts_on=not args.no_charts, **official_kwargs(args))
    out = write(doc, args.output)
    print(f"已生成 {start.year}年{start.month}月案例核查情况 {out}（案例 {len(cases)} 件）")
    _warn_unscanned(cases)
    return 0


def _warn_unscanned(cases) -> None:
    """Cases without a category (never scanned, or no rule could place them) show as 待人工分类 in the
    statistics: say so, and how to fix it."""
    months = sorted({c.received_date.strftime("%Y-%m") for c in cases
                     if not c.category_by and getattr(c, "received_date", None)})
    if months:
        n = sum(1 for c in cases if not c.category_by)
        print(f"注意：其中 {n} 件案例没有类别，统计中计为“待人工分类”（尚未运行分类扫描，或规则无法归类、需人工判断）。"
              "如尚未扫描，请先运行 " + "、".join(f"policylint cases scan --month {m}" for m in months)
              + " 后重新生成；无法归类的可用 policylint cases verify 人工登记类别。", file=sys.stderr)


def cmd_quarterly(args) -> int:
    from cases import store
    from cases.normalize import parse_quarter, previous_quarter
    from reports.case_circulation import build_quarterly
    from reports.case_doc import check_format, write

    check_format(args.output)
    try:
        start, end, label = parse_quarter(args.quarter)
        pstart, pend, _ = parse_quarter(previous_quarter(label))
    except ValueError as e:
        raise UserError(str(e)) from None
    date, as_of = _dates(args)
    conn = open_db(args)
    try:
        cases = store.records(conn, start, end)
        previous = store.records(conn, pstart, pend)
    finally:
        conn.close()
    doc = build_quarterly(cases, previous, label, issuer=args.issuer, addressee=args.addressee, date=date,
                          as_of=as_of, charts_on=not args.no_charts, **official_kwargs(args))
    out = write(doc, args.output)
    print(f"已生成 {label} 季度通报 {out}（案例 {len(cases)} 件，上季度 {len(previous)} 件）")
    _warn_unscanned(cases)
    return 0
