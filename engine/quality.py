"""Scoring the checker on a labelled corpus, grouped by source batch.

A corpus line: {"id", "text", "label": "violation"|"compliant", "family", "basis", "batch", …}. An item's fold is
fixed by its batch (sha1 of the batch id mod k), so that all clauses of one published release fall in one fold:
a rule written after reading a fold's misses is never scored on that fold. The precedent tier is scored the same
way: for a held-out fold its index is built from the other folds only.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

from .finding import SEVERITY_RANK
from .precedents import PRECEDENT_RULE

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
TRAINING_FOLDS = (0, 1, 2)     # rules are written on these; 3 and 4 are held out (rules/precedents/README.md)
HELD_OUT_FOLDS = (3, 4)


def fold_of(batch: str, k: int = 5) -> int:
    return int(hashlib.sha1((batch or "").encode("utf-8")).hexdigest(), 16) % k


def cn_number(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch in CN_DIGITS:
            cur = CN_DIGITS[ch]
        elif ch == "十":
            total, cur = total + (cur or 1) * 10, 0
        elif ch == "百":
            total, cur = total + (cur or 1) * 100, 0
        else:
            return None
    return total + cur


CITATION = re.compile(r"《?([\u4e00-\u9fff]{2,30}?(?:条例实施办法|实施办法|实施细则|条例|办法|细则|法|规定))》?"
                      r"((?:第[零一二两三四五六七八九十百\d]+条[^《；;]*?)+)(?=《|；|;|$|[\u4e00-\u9fff]{2,30}?(?:条例|办法|细则|法)第)")


def citations(basis: str | None) -> set[tuple[str, int]]:
    """(instrument, article) pairs a citation names: 《公平竞争审查条例》第九条 → ("公平竞争审查条例", 9). Article
    numbers of different instruments never match: 细则 (2021) 第十三条 is not 办法 (2025) 第十三条."""
    out = set()
    for inst, tail in CITATION.findall(basis or ""):
        inst = inst.replace("中华人民共和国", "")
        for m in re.findall(r"第([零一二两三四五六七八九十百\d]+)条", tail):
            n = cn_number(m)
            if n:
                out.add((inst, n))
    return out


def read_corpus(paths: list[str]) -> list[dict]:
    items = []
    for p in paths:
        for n, line in enumerate(Path(p).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                d = json.loads(line)
                d.setdefault("batch", d.get("source") or Path(p).stem)
                d["_file"] = f"{p}:{n}"
                items.append(d)
    return items


def score(items: list[dict], min_severity: str = "warning", precedents: bool = True, k: int = 5,
          engine: str | None = None, by: str | None = None) -> dict:
    """Check every item (the precedent index of each fold built without that fold) and return the figures."""
    from .check import check_text
    from .precedents import PrecedentIndex, read_library

    library = read_library() if precedents else []
    floor = SEVERITY_RANK[min_severity]
    by_fold: dict[int, list[dict]] = defaultdict(list)
    for it in items:
        by_fold[fold_of(it["batch"], k)].append(it)
    results = []
    for fold, members in sorted(by_fold.items()):
        index = False
        if precedents:
            # leave the fold's own batches (and any item with the same text) out of the neighbours
            held = {it["batch"] for it in members}
            texts = {it["text"] for it in members}
            index = PrecedentIndex([p for p in library if p.text not in texts], exclude=held)
        for it in members:
            fs = [f for f in check_text(it["text"], it["id"], engine=engine, precedents=index) if f.rank >= floor]
            results.append((fold, it, fs))
    return summarise(results, by=by)


def summarise(results: list[tuple[int, dict, list]], cited: set[str] | None = None, by: str | None = None) -> dict:
    if cited is None:
        from .check import default_rules
        cited = {i for r in default_rules().rules for i, _ in citations(r.basis_text)}

    def block(rows):
        v = [(it, fs) for _, it, fs in rows if it["label"] == "violation"]
        c = [(it, fs) for _, it, fs in rows if it["label"] != "violation"]
        caught = [(it, fs) for it, fs in v if fs]
        fp = [(it, fs) for it, fs in c if fs]
        fam_ok = sum(1 for it, fs in caught if any(f.family == it.get("family") for f in fs))
        # scored only where the case cites an instrument the rules cite (a case citing the 2021 细则 is not)
        with_art = [(it, fs) for it, fs in caught if {i for i, _ in citations(it.get("basis"))} & cited]
        art_ok = sum(1 for it, fs in with_art if any(citations(f.basis) & citations(it.get("basis")) for f in fs))
        flagged = len(caught) + len(fp)
        # what the precedent tier adds on its own: clauses only its similarity warning flagged
        tier_caught = sum(1 for it, fs in caught if all(f.rule == PRECEDENT_RULE for f in fs))
        tier_fp = sum(1 for it, fs in fp if all(f.rule == PRECEDENT_RULE for f in fs))
        return {"violations": len(v), "compliant": len(c), "caught": len(caught), "false_positives": len(fp),
                "tier_only_caught": tier_caught, "tier_only_false_positives": tier_fp,
                "recall": _r(len(caught), len(v)), "fp_rate": _r(len(fp), len(c)),
                "precision": _r(len(caught), flagged), "family_accuracy": _r(fam_ok, len(caught)),
                "article_accuracy": _r(art_ok, len(with_art)), "articles_scored": len(with_art)}

    out = {"overall": block(results), "families": {}, "folds": {}, "misses": [], "false_alarms": []}
    for fam in sorted({it.get("family") for _, it, _ in results if it["label"] == "violation"} - {None}):
        rows = [r for r in results if r[1].get("family") == fam or r[1]["label"] != "violation"]
        out["families"][fam] = block([r for r in rows if r[1]["label"] == "violation"])
    for fold in sorted({f for f, _, _ in results}):
        out["folds"][fold] = block([r for r in results if r[0] == fold])
    if by:   # e.g. probes by kind (close / restructured / far paraphrase, lawful twin) or by split
        out["groups"] = {g: block([r for r in results if str(r[1].get(by)) == g])
                         for g in sorted({str(r[1].get(by)) for r in results})}
    for fold, it, fs in results:
        if it["label"] == "violation" and not fs:
            out["misses"].append({"fold": fold, "id": it["id"], "family": it.get("family"), "text": it["text"]})
        elif it["label"] != "violation" and fs:
            out["false_alarms"].append({"fold": fold, "id": it["id"], "text": it["text"],
                                        "rules": sorted({f.rule for f in fs})})
    return out


def _r(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None
