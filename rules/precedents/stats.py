"""Counts of the precedent library by family, label, publisher, year and batch, as the Markdown tables that
rules/precedents/README.md carries between its STATS markers. `python rules/precedents/stats.py --write` updates
README; tests/test_quality_floor.py checks that README is current."""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAMILY_CN = {"fair_competition": "公平竞争审查", "negative_list": "市场准入负面清单", "filing": "备案不得变审批"}
START, END = "<!-- STATS:START -->", "<!-- STATS:END -->"


def items() -> list[dict]:
    out = []
    for p in sorted(HERE.glob("*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                d["_file"] = p.name
                out.append(d)
    return out


def table(head: tuple[str, ...], rows) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def stats() -> str:
    its = items()
    fam = Counter((d.get("family"), d["label"]) for d in its)
    families = sorted({f for f, _ in fam})
    parts = ["### 按类别", table(("类别", "违规条款", "合规例句"),
                               [(FAMILY_CN.get(f, f), fam[(f, "violation")], fam[(f, "compliant")]) for f in families]
                               + [("合计", sum(v for (f, l), v in fam.items() if l == "violation"),
                                   sum(v for (f, l), v in fam.items() if l == "compliant"))])]
    pub = Counter((d.get("publisher") or "（未载明）", d["label"]) for d in its)
    parts += ["### 按发布者", table(("发布者", "违规", "合规"),
                                  sorted(((p, pub[(p, "violation")], pub[(p, "compliant")]) for p in {p for p, _ in pub}),
                                         key=lambda r: (-(r[1] + r[2]), r[0])))]
    year = Counter((m.group(0) if (m := re.search(r"(19|20)\d{2}", str(d.get("date") or ""))) else "未载明", d["label"])
                   for d in its)
    parts += ["### 按年份", table(("年份", "违规", "合规"),
                                sorted((y, year[(y, "violation")], year[(y, "compliant")]) for y in {y for y, _ in year}))]
    batches = Counter(d.get("batch") for d in its)
    parts += [f"### 按来源批次（共 {len(batches)} 批；评估按批次分折）",
              table(("批次", "条数"), sorted(batches.items(), key=lambda kv: (-kv[1], kv[0])))]
    return "\n\n".join(parts)


def write() -> None:
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    a, b = text.index(START) + len(START), text.index(END)
    readme.write_text(text[:a] + "\n" + stats() + "\n" + text[b:], encoding="utf-8")


if __name__ == "__main__":
    write() if "--write" in sys.argv else print(stats())
