"""`policylint eval CORPUS…`: recall, false-positive rate, precision, family and article accuracy, per family and
per fold (folds by source batch), and the misses — the same checker the jsonl contract runs."""
from __future__ import annotations

import json
import sys

from engine.errors import UserError

FAMILY_CN = {"fair_competition": "公平竞争审查", "negative_list": "市场准入负面清单", "filing": "备案不得变审批"}


def register(parsers: dict) -> None:
    p = parsers["top"].add_parser(
        "eval", help="在带标注的语料上评估检查效果（按来源批次分折）",
        description="逐条检查带标注的语料（JSONL：text、label、family、basis、batch），按来源批次分折统计召回率、"
                    "误报率、精确率、类别和条款准确率。典型案例相似提示按留出折计算：某一折的近邻只从其他折中找。")
    p.add_argument("corpus", nargs="+", metavar="语料", help="JSONL 语料文件")
    p.add_argument("--folds", default=None, help="只评估这些折，如 0,1,2（训练折）或 3,4（留出折）")
    p.add_argument("-k", type=int, default=5, help="折数（默认 5）")
    p.add_argument("--no-precedents", action="store_true", help="不计典型案例相似提示")
    p.add_argument("--min-severity", choices=("error", "warning", "info"), default="warning",
                   help="达到该程度才算检出（默认 warning）")
    p.add_argument("--misses", action="store_true", help="列出漏报和误报")
    p.add_argument("--by", metavar="字段", default=None,
                   help="另按语料的某一字段分组统计，如 kind（探针的改写方式）或 split")
    p.add_argument("--format", "-f", choices=("text", "json"), default="text")
    p.add_argument("--engine", choices=("durable", "python"), default=None)
    p.set_defaults(func=cmd_eval)


def cmd_eval(args) -> int:
    from engine.quality import fold_of, read_corpus, score

    try:
        items = read_corpus(args.corpus)
    except (OSError, ValueError) as e:
        raise UserError(f"语料无法读取：{e}") from None
    if args.folds:
        try:
            want = {int(x) for x in args.folds.split(",")}
        except ValueError:
            raise UserError("--folds 应写成以逗号分隔的折号，如 0,1,2") from None
        items = [it for it in items if fold_of(it["batch"], args.k) in want]
    if not items:
        raise UserError("语料中没有可评估的条目")
    res = score(items, args.min_severity, precedents=not args.no_precedents, k=args.k, engine=args.engine, by=args.by)
    if args.format == "json":
        json.dump(res if args.misses else {k: v for k, v in res.items() if k not in ("misses", "false_alarms")},
                  sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    print(f"{'':<16}{'违规':>6}{'检出':>6}{'召回率':>8}{'合规':>6}{'误报':>6}{'误报率':>8}{'精确率':>8}{'类别准确':>9}{'条款准确':>9}")

    def line(name, b):
        f = lambda x: "—" if x is None else f"{x:.3f}"   # noqa: E731
        print(f"{name:<16}{b['violations']:>6}{b['caught']:>6}{f(b['recall']):>9}{b['compliant']:>6}"
              f"{b['false_positives']:>6}{f(b['fp_rate']):>9}{f(b['precision']):>9}{f(b['family_accuracy']):>10}"
              f"{f(b['article_accuracy']):>10}")
    line("全部", res["overall"])
    for fam, b in res["families"].items():
        line(FAMILY_CN.get(fam, fam), b)
    for fold, b in res["folds"].items():
        line(f"第{fold}折", b)
    for g, b in res.get("groups", {}).items():
        line(g.replace("probe-", "")[:16], b)
    o = res["overall"]
    if not args.no_precedents:
        print(f"其中只由典型案例相似提示检出 {o['tier_only_caught']} 条；误报中只由该提示造成 {o['tier_only_false_positives']} 条")
    if args.misses:
        for m in res["misses"]:
            print(f"漏报 [第{m['fold']}折] {m['id']} {FAMILY_CN.get(m['family'], m['family'])}：{m['text']}")
        for m in res["false_alarms"]:
            print(f"误报 [第{m['fold']}折] {m['id']} {'、'.join(m['rules'])}：{m['text']}")
    print(f"recall {o['recall']}, false-positive rate {o['fp_rate']}, precision {o['precision']}, "
          f"family {o['family_accuracy']}, article {o['article_accuracy']} ({len(items)} items)")
    return 0
