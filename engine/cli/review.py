"""`policylint review DRAFT -o 审查表.docx`: the fair competition review form for one draft.

Cheap to import: python-docx and the engine load inside the handler.
"""
from __future__ import annotations

import argparse
import sys


def register(parsers: dict) -> None:
    p = parsers["top"].add_parser(
        "review", help="生成公平竞争审查表（.docx / .md / .html）",
        description="检查一份政策措施草案，生成审查人归档用的公平竞争审查表：基本情况、审查范围和文件类型、"
                    "条例第八至十一条逐项对照、发现的问题及条文依据和修改建议、例外情形声明、待审查人确认的审查结论。")
    p.add_argument("draft", metavar="草案", help="草案文件（.docx/.txt/.md），- 表示标准输入")
    p.add_argument("-o", "--output", metavar="文件",
                   help="输出文件，格式由扩展名决定：.docx、.md、.html；省略时把 Markdown 打印到标准输出")
    p.add_argument("--engine", choices=("durable", "python"), default=None, help=argparse.SUPPRESS)
    p.add_argument("--issuer", metavar="审查机构", help="版头和版记所用的审查机构（默认取草案的起草单位）")
    from .report import add_official_args
    add_official_args(p, mark_default="审查机构名称", organ="审查机构")
    p.set_defaults(func=cmd_review)


def cmd_review(args) -> int:
    from reports.review_form import build_review, check_suffix, to_markdown, write_review

    if args.output:
        check_suffix(args.output)   # before the draft is read and checked
    from .report import official_kwargs

    official = official_kwargs(args)
    review = build_review(args.draft, engine=args.engine)
    review.official = {**{k: v for k, v in official.items() if v}, "issuer": args.issuer}
    if not args.output:
        sys.stdout.write(to_markdown(review))
        return 0
    out = write_review(review, args.output)
    n = len(review.findings)
    print(f"已生成公平竞争审查表：{out}（发现问题 {n} 处）", file=sys.stderr)
    return 0
