"""`policylint campaign`: a clean-up campaign (存量政策措施清理) over folders of existing documents — the ledger
(keep / revise / repeal per document) and, given the ledger of an earlier run, what changed."""
from __future__ import annotations

import sys
from pathlib import Path

from engine.errors import UserError

from .common import EXIT_BAD_INPUT, EXIT_CLEAN, EXIT_FINDINGS, Progress


def register(parsers: dict) -> None:
    c = parsers["top"].add_parser(
        "campaign", help="存量政策措施清理：批量检查文件，生成清理台账（保留/修订/废止），并与上次台账比较",
        description="逐个检查目录中的政策文件，生成清理台账（.xlsx）：每个文件的问题数（按公平竞争审查、市场准入负面清单、"
                    "备案不得变审批分列）、涉及条款、规则，以及保留、修订或废止的建议和理由。给出 --previous 上次的台账时，"
                    "另写“变化”工作表（规则或清单版本调整后，哪些文件的结论变了）。退出码：0 全部建议保留，1 有文件建议修订或废止，"
                    "2 用法有误或有文件无法检查。")
    c.add_argument("paths", nargs="+", metavar="路径", help="文件或目录")
    c.add_argument("-o", "--output", required=True, metavar="台账.xlsx", help="清理台账（.xlsx）")
    c.add_argument("--previous", metavar="上次台账.xlsx", default=None, help="上一次生成的清理台账，用于列出变化")
    c.add_argument("--jobs", "-j", type=int, default=None, help="并行进程数（默认 CPU 核数）")
    c.add_argument("--dask", metavar="地址", default=None,
                   help="把文件分发给 Dask 工作进程检查：tcp://主机:端口，或 local:N（在本机启动 N 个工作进程）")
    c.add_argument("--as-of", metavar="日期", default=None, help="按该日期选用当时有效的市场准入负面清单版本")
    c.add_argument("--no-precedents", action="store_true", help="不做典型案例比对")
    c.set_defaults(func=cmd_campaign)


def _names(paths: list[str], files: list[str]) -> list[str]:
    """The name of each file in the ledger: relative to the folder given (so a ledger still matches a later run
    from another place), the path as given otherwise."""
    roots = [Path(p) for p in paths if p != "-" and Path(p).is_dir()]
    out = []
    for f in files:
        fp = Path(f)
        name = f
        for r in roots:
            try:
                name = fp.relative_to(r).as_posix()
                break
            except ValueError:
                continue
        out.append(name)
    return out


def cmd_campaign(args) -> int:
    import datetime as dt
    import os

    from engine.batch import check_many
    from engine.rulebook import load_rules
    from reports import campaign

    from .check import expand_paths, parse_date

    if "-" in args.paths:
        raise UserError("清理台账不读标准输入：请给出文件或目录")
    out = Path(args.output)
    if out.suffix.lower() != ".xlsx":
        raise UserError(f"{out}：清理台账只能写成 .xlsx 文件")
    if not out.parent.exists():
        raise UserError(f"{out.parent}：目录不存在")
    previous = campaign.read(args.previous) if args.previous else None   # a bad earlier ledger: before any work
    if args.no_precedents:
        os.environ["POLICYLINT_NO_PRECEDENTS"] = "1"
    files, skipped, refused = expand_paths(args.paths)
    as_of = parse_date(args.as_of) if args.as_of else None
    rs = load_rules()
    names = _names(args.paths, files)
    rows, failures = [], 0
    with Progress("清理检查", len(files)) as bar:
        results = check_many(files, rs, None, args.jobs, prepare=campaign.summarize, as_of=as_of, dask=args.dask)
        for idx, summary, err in results:
            bar.advance()
            if err:
                failures += 1
                print(err, file=sys.stderr)
            rows.append(campaign.row_for(names[idx], summary, err))
    ref_names = _names(args.paths, [f for f, _ in refused])
    for name, (_, err) in zip(ref_names, refused):
        failures += 1
        print(err, file=sys.stderr)
        rows.append(campaign.row_for(name, None, err.split("：", 1)[-1]))
    for path, why in skipped:
        print(f"policylint：未列入台账：{path}（{why}）", file=sys.stderr)
    changes = campaign.diff(previous, rows) if previous is not None else None
    meta = [("生成时间", dt.datetime.now().isoformat(timespec="seconds")), ("检查范围", "；".join(args.paths)),
            ("规则指纹", getattr(rs, "fingerprint", "")), ("负面清单基准日", args.as_of or "按各文件落款日期"),
            ("上次台账", args.previous or "—")]
    campaign.write(out, rows, meta, changes)
    counts = {k: sum(1 for r in rows if r.suggestion == k)
              for k in (campaign.KEEP, campaign.REVISE, campaign.REPEAL, campaign.FAILED)}
    print(f"清理台账 {out}：共 {len(rows)} 件，" + "，".join(f"建议{k} {n} 件" if k != campaign.FAILED else f"{k} {n} 件"
                                                     for k, n in counts.items()))
    if changes is not None:
        kinds: dict[str, int] = {}
        for ch in changes:
            kinds[ch.kind] = kinds.get(ch.kind, 0) + 1
        print(f"与上次台账 {args.previous} 相比：" + ("，".join(f"{k} {n} 件" for k, n in kinds.items()) or "没有变化")
              + ("（明细见“变化”工作表）" if changes else ""))
    if failures:
        return EXIT_BAD_INPUT
    return EXIT_FINDINGS if counts[campaign.REVISE] or counts[campaign.REPEAL] else EXIT_CLEAN
