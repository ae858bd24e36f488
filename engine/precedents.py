"""The precedent tier: the published cases nearest to a clause (rules/precedents/*.jsonl).

Every finding names the most similar published violation of its family; a clause that no rule flags but that is
very close to a published violation (and closer to it than to any published lawful sentence) becomes a warning
for a person to check. Retrieval is BM25 (bm25s) over character bigrams — Chinese has no spaces, and bigrams
carry most of the meaning of policy wording; the final similarity is the share of the clause's bigrams found in
the case (containment), which has a fixed 0–1 scale so that one threshold serves every length.

The library is data: each item says where it was published. `exclude` leaves out items (by batch) so that a
held-out fold is never its own neighbour in cross-validation.
"""
from __future__ import annotations

import json
from pathlib import Path

from dsl.record import field, record

PRECEDENT_DIR = Path(__file__).resolve().parents[1] / "rules" / "precedents"
WARN_AT = 0.62          # containment at or above which an unflagged clause is reported; tuned on training folds
LAWFUL_MARGIN = 0.05    # … unless a published lawful sentence is at least this close
PRECEDENT_RULE = "PREC-SIMILAR"


@record
class Precedent:
    id: str
    text: str
    label: str
    family: str | None
    basis: str | None
    source_title: str
    source_url: str
    batch: str
    date: str = ""
    kind: str = ""
    bigrams: frozenset = field(default_factory=frozenset)


def bigrams(text: str) -> list[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。；：、（）()“”\"'《》,.;:!?！？"]
    return [chars[i] + chars[i + 1] for i in range(len(chars) - 1)] or chars


def read_library(paths: list[Path] | None = None) -> list[Precedent]:
    out = []
    for p in paths or sorted(PRECEDENT_DIR.glob("*.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            if d.get("label") not in ("violation", "compliant") or not d.get("text"):
                continue
            out.append(Precedent(id=d["id"], text=d["text"], label=d["label"], family=d.get("family"),
                                 basis=d.get("basis"), source_title=d.get("source_title") or d.get("source", ""),
                                 source_url=d.get("source_url") or d.get("source", ""), batch=d.get("batch", ""),
                                 date=str(d.get("date") or ""), kind=d.get("kind", ""),
                                 bigrams=frozenset(bigrams(d["text"]))))
    return out


class PrecedentIndex:
    def __init__(self, items: list[Precedent], exclude: set[str] = frozenset()):
        import bm25s

        self.items = [p for p in items if p.batch not in exclude]
        # every bigram of every violation: a clause with less than warn_at of its bigrams in here cannot reach
        # warn_at with any one violation, so suspect() answers without scoring the library (most clauses)
        self.violation_bigrams = frozenset().union(*(p.bigrams for p in self.items if p.label == "violation"))
        self.bm25 = None
        if self.items:
            self.bm25 = bm25s.BM25()
            self.bm25.index([bigrams(p.text) for p in self.items], show_progress=False)

    def nearest(self, text: str, k: int = 8) -> list[tuple[float, Precedent]]:
        """Up to k cases, best first, as (containment of the clause's bigrams in the case, case)."""
        if not self.bm25:
            return []
        q = bigrams(text)
        qs = set(q)
        if not qs:
            return []
        import numpy as np

        scores = self.bm25.get_scores(q)
        top = np.argsort(-scores)[:k]
        out = [(len(qs & self.items[i].bigrams) / len(qs), self.items[i]) for i in top if scores[i] > 0]
        return sorted(out, key=lambda t: -t[0])

    def nearest_violation(self, text: str, family: str | None = None):
        for sim, p in self.nearest(text, 12):
            if p.label == "violation" and (family is None or p.family == family):
                return sim, p
        return None

    def suspect(self, text: str, warn_at: float = WARN_AT):
        """(similarity, case) when the clause is close to a published violation and not as close to a lawful one."""
        qs = set(bigrams(text))
        if not qs or len(qs & self.violation_bigrams) < warn_at * len(qs):
            return None
        near = self.nearest(text, 12)
        best_v = next(((s, p) for s, p in near if p.label == "violation"), None)
        if not best_v or best_v[0] < warn_at:
            return None
        best_ok = next((s for s, p in near if p.label == "compliant"), 0.0)
        return best_v if best_ok < best_v[0] - LAWFUL_MARGIN else None


_default: dict[tuple, PrecedentIndex] = {}


def default_index(exclude: frozenset = frozenset()) -> PrecedentIndex:
    key = tuple(sorted(exclude))
    if key not in _default:
        _default[key] = PrecedentIndex(read_library(), set(exclude))
    return _default[key]


def as_dict(sim: float, p: Precedent) -> dict:
    return {"id": p.id, "text": p.text, "similarity": round(sim, 3), "basis": p.basis, "source_title": p.source_title,
            "source_url": p.source_url, "date": p.date, "family": p.family}


def annotate(doc, findings: list, index: PrecedentIndex | None = None, warn_at: float = WARN_AT) -> list:
    """Name the nearest published case on every finding; add a warning for clauses no rule flagged that are very
    close to a published violation."""
    from .finding import Finding

    index = index or default_index()
    if not index.items:
        return findings
    for f in findings:
        if f.text and f.precedent is None:
            hit = index.nearest_violation(f.text, f.family) or index.nearest_violation(f.text)
            if hit:
                f.precedent = as_dict(*hit)
    import bisect

    starts, ends = [], []           # the findings' spans merged into sorted disjoint intervals
    for s, e in sorted((f.start, f.end) for f in findings if f.record is None):
        if ends and s < ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    extra = []
    for unit in doc.sentences:
        i = bisect.bisect_left(ends, unit.start + 1)   # the first interval ending after the unit starts
        if i < len(starts) and starts[i] < unit.end:
            continue   # a rule already speaks about this clause
        text = doc.unit_text(unit)
        if len(text) < 12:
            continue
        hit = index.suspect(text, warn_at)
        if not hit:
            continue
        sim, p = hit
        line, col = doc.line_col(unit.start)
        end_line, end_col = doc.line_col(max(unit.end - 1, unit.start))
        extra.append(Finding(
            file=doc.name, rule=PRECEDENT_RULE, title="与典型案例相似，需人工核实", family=p.family or "fair_competition",
            severity="warning", basis=p.basis or "（案例未载明条款）",
            message=f"与已公布的典型案例（{p.source_title}）所涉条款高度相似（相似度 {sim:.0%}），需人工核实是否存在同类问题",
            suggestion="对照该案例和所涉条款逐项核实；确属合规的，可在忽略文件中写明理由",
            line=line, column=col, end_line=end_line, end_column=end_col + 1, start=unit.start, end=unit.end,
            path=unit.path, scope="sentence", text=text,
            explanation=f"没有规则命中本句，但本句 {sim:.0%} 的字词组合见于已公布案例“{p.text[:60]}”，"
                        f"且与已收录的合规例句都不如此接近。",
            precedent=as_dict(sim, p)))
    return findings + extra
