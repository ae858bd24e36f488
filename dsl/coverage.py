"""Which items of the fair-competition review standards have a rule.

The rows are every item of 《公平竞争审查条例》第八至十一条 and 《公平竞争审查条例实施办法》第九至二十四条, read from the
law text in rules/law (an article without items, such as 实施办法第二十四条, is one row). A rule implements a row when
one of its `basis` lines cites exactly that article and item.
"""
from __future__ import annotations

import unicodedata

REGULATION = "公平竞争审查条例"
MEASURES = "公平竞争审查条例实施办法"
# (instrument, first article, last article) of the review standards
STANDARDS = ((REGULATION, 8, 11), (MEASURES, 9, 24))


def standard_items(lawbook) -> list[tuple[str, int, int | None]]:
    """(instrument, article, item) for every row, item None for an article without items."""
    from .errors import UserError

    rows = []
    for instrument, first, last in STANDARDS:
        law = lawbook.get(instrument)
        if law is None:
            raise UserError(f"内置法规文本中没有《{instrument}》，无法统计覆盖情况（检查 rules/law/）")
        for art in range(first, last + 1):
            node = law.articles.get(art)
            if node is None:
                raise UserError(f"内置的《{instrument}》文本缺少第{_cn(art)}条，无法统计覆盖情况")
            items = sorted((node.get("items") or {}) if isinstance(node, dict) else {})
            rows.extend((instrument, art, item) for item in items) if items else rows.append((instrument, art, None))
    return rows


def coverage_rows(ruleset, lawbook) -> list[dict]:
    """One dict per standard item: its citation, the rules citing it and their example counts."""
    from .lawtext import citation

    implementing: dict[tuple, list] = {}
    for rule in ruleset.rules:
        for b in rule.bases:
            law = lawbook.get(b.instrument)
            name = law.instrument if law is not None else b.instrument
            key = (name, b.article, b.item)
            if rule not in implementing.setdefault(key, []):
                implementing[key].append(rule)
    rows = []
    for instrument, art, item in standard_items(lawbook):
        rules = implementing.get((instrument, art, item), [])
        locs = [("art", art)] + ([("item", item)] if item is not None else [])
        rows.append({
            "instrument": instrument,
            "article": art,
            "item": item,
            "citation": citation(instrument, locs),
            "rules": [r.id for r in rules],
            "violating_examples": sum(1 for r in rules for _, violating, _ in r.examples if violating),
            "lawful_examples": sum(1 for r in rules for _, violating, _ in r.examples if not violating),
        })
    return rows


def print_table(rows: list[dict]) -> None:
    heads = ("法规", "条款", "规则数", "违规例句", "合规例句", "实现规则")
    table = [(("条例" if r["instrument"] == REGULATION else "实施办法"), _locator(r), str(len(r["rules"])),
              str(r["violating_examples"]), str(r["lawful_examples"]), "、".join(r["rules"]) or "（无）")
             for r in rows]
    widths = [max([_width(h)] + [_width(row[i]) for row in table]) for i, h in enumerate(heads[:-1])]
    print("  ".join(_pad(h, w) for h, w in zip(heads, widths)) + "  " + heads[-1])
    print("  ".join("-" * w for w in widths) + "  " + "-" * 8)
    for row in table:
        print("  ".join(_pad(c, w) for c, w in zip(row, widths)) + "  " + row[-1])


def _locator(r: dict) -> str:
    return f"第{_cn(r['article'])}条" + (f"第（{_cn(r['item'])}）项" if r["item"] is not None else "")


def _short(r: dict) -> str:
    return ("条例" if r["instrument"] == REGULATION else "实施办法") + _locator(r)


def _cn(n: int) -> str:
    from .lawtext import cn_numeral
    return cn_numeral(n)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))
