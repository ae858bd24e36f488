"""The precedent tier: the published cases nearest to a clause (rules/precedents/*.jsonl).

Every finding names the most similar published violation of its family. A clause that no rule flags is reported
as a warning for a person to check when the clause model (engine/precedent_model.py, trained on the published
violations and lawful sentences) reads it as a violation, the clause has an element of one (a place tied to an
operator or requirement, a named operator, access, filing, tax; rules/lexicon/document.rule 比对要素), and it does
not state its open, equal condition or bind the administration itself (用语模型不比对). The warning names the
nearest published violation and the words that weighed most.

Similarity is the cosine of TF-IDF vectors over character bigrams (Chinese has no spaces; bigrams carry most of
the meaning of policy wording). Digits count as one character, so "500万元" and "300万元" read alike. The index is
plain Python (an inverted index packed in arrays, no numpy on the start-up path) and is cached beside the
compiled rules, keyed by the library's content.

The library is data: each item says where it was published. `exclude` leaves out items (by batch) so that a
held-out fold is never its own neighbour in cross-validation. The parameters were chosen on the training folds
only (docs/quality.md says how); `policylint eval` reports the tier and the rules separately.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import math
import re
from collections import Counter
from pathlib import Path

from dsl.record import field, record

from .precedent_model import SEP, THRESHOLD, normalise

PRECEDENT_DIR = Path(__file__).resolve().parents[1] / "rules" / "precedents"
K = 3               # nearest violations whose family and article a warning takes (similarity-weighted vote)
MIN_CHARS = 12      # shorter sentences (headings, fragments) are not compared
PRECEDENT_RULE = "PREC-SIMILAR"
INDEX_VERSION = "5"

PUNCT = frozenset("，。；：、（）()“”\"'‘’《》〈〉,.;:!?！？【】[]—-－…·　 \t\r\n")


def tokens(text: str) -> list[str]:
    """Character bigrams of the text, punctuation left out, every digit read as 0."""
    cs = ["0" if c.isdigit() else c for c in text if c not in PUNCT]
    return [cs[i] + cs[i + 1] for i in range(len(cs) - 1)] or cs


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
    article: str | None = None     # the 条例 article and item the case's basis maps to (citation_map.yaml)


def library_paths() -> list[Path]:
    return sorted(PRECEDENT_DIR.glob("*.jsonl"))


def read_library(paths: list[Path] | None = None) -> list[Precedent]:
    cmap = citation_map()
    out = []
    for p in paths or library_paths():
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
                                 article=map_citation(d.get("basis"), cmap) if d["label"] == "violation" else None))
    return out


# ---- old citations → 《公平竞争审查条例》 ----------------------------------------------------------------------

def citation_map() -> list[dict]:
    """rules/precedents/citation_map.yaml: which 条例 article (and item) an older citation corresponds to."""
    import yaml

    path = PRECEDENT_DIR / "citation_map.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["map"] if path.exists() else []


REGULATION_CITE = re.compile(r"公平竞争审查条例(?!实施)》?\s*(第[零一二两三四五六七八九十]+条)(?:第[（(]([一二三四五六七八九十]+)[)）]项)?")


def map_citation(basis: str | None, cmap: list[dict]) -> str | None:
    """The 条例 citation a case's basis names or maps to, e.g. "第九条第（三）项", or None."""
    if not basis:
        return None
    from .quality import citations

    m = REGULATION_CITE.search(basis)
    if m:
        return m.group(1) + (f"第（{m.group(2)}）项" if m.group(2) else "")
    cited = citations(basis)
    for row in cmap:
        if (row["instrument"], row["article"]) in cited:
            return row["regulation"]
    return None


# ---- the index -------------------------------------------------------------------------------------------

class Postings:
    """token -> [(item number, weight)], kept as a token -> row dict and three arrays (row offsets, item numbers,
    weights), and pickled as one string and three byte strings."""

    def __init__(self, postings: dict[str, list[tuple[int, float]]]):
        from array import array

        self.rows = {t: r for r, t in enumerate(postings)}
        self.off, self.ids, self.ws = array("I", [0]), array("I"), array("d")
        for pairs in postings.values():
            self.ids.extend(i for i, _ in pairs)
            self.ws.extend(w for _, w in pairs)
            self.off.append(len(self.ids))

    def get(self, token: str):
        r = self.rows.get(token)
        if r is None:
            return ()
        lo, hi = self.off[r], self.off[r + 1]
        return zip(self.ids[lo:hi], self.ws[lo:hi])

    def __getstate__(self):
        return SEP.join(self.rows), self.off.tobytes(), self.ids.tobytes(), self.ws.tobytes()

    def __setstate__(self, state):
        from array import array

        tokens, off, ids, ws = state
        self.rows = {t: r for r, t in enumerate(tokens.split(SEP))} if tokens else {}
        self.off, self.ids, self.ws = array("I"), array("I"), array("d")
        self.off.frombytes(off)
        self.ids.frombytes(ids)
        self.ws.frombytes(ws)


class PrecedentIndex:
    """TF-IDF (sublinear tf, smoothed idf) over tokens(), cosine similarity through an inverted index."""

    def __init__(self, items: list[Precedent], exclude: set[str] = frozenset(), model="train"):
        self.items = [p for p in items if p.batch not in exclude]
        # the clause model: given (the shipped one), or learnt from the same items and the probes' train split
        # outside the excluded batches ("train"), or none (None)
        self.model = model if model != "train" else None
        if model == "train" and self.items:
            from .precedent_model import train, training_items

            self.model = train(training_items(self.items, exclude_batches=frozenset(exclude)))
        docs = [Counter(tokens(p.text)) for p in self.items]
        df = Counter(t for d in docs for t in d)
        n = len(self.items)
        self.default_idf = math.log(n + 1) + 1
        self.idf = {t: math.log((n + 1) / (c + 1)) + 1 for t, c in df.items()}
        self.violation_postings: dict[str, list[tuple[int, float]]] = {}   # token -> [(violation, weight)] …
        self.lawful_postings: dict[str, list[tuple[int, float]]] = {}      # … and the same for lawful sentences
        for i, d in enumerate(docs):
            vec = self._weights(d)
            is_violation = self.items[i].label == "violation"
            for t, w in vec.items():
                (self.violation_postings if is_violation else self.lawful_postings).setdefault(t, []).append((i, w))
        # unpickled on every check: as dicts of lists of tuples they cost 70 ms, packed in arrays a few
        self.violation_postings, self.lawful_postings = Postings(self.violation_postings), Postings(self.lawful_postings)
        self._memo: dict[tuple, object] = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_memo"] = {}
        return state

    def _weights(self, counts: Counter) -> dict[str, float]:
        idf, dflt = self.idf, self.default_idf
        vec = {t: (1 + math.log(c)) * idf.get(t, dflt) for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {t: w / norm for t, w in vec.items()}

    def _query(self, text: str) -> dict[str, float]:
        return self._weights(Counter(tokens(text)))

    def _scores(self, q: dict[str, float], postings: Postings | None = None) -> dict[int, float]:
        if postings is None:
            return {**self._scores(q, self.violation_postings), **self._scores(q, self.lawful_postings)}
        acc: dict[int, float] = {}
        get = acc.get
        for t, w in q.items():
            for i, dw in postings.get(t):
                acc[i] = get(i, 0.0) + w * dw
        return acc

    def _remember(self, key: tuple, value):
        """Findings on one clause share its text: answer each text once (bounded, so memory stays flat)."""
        if len(self._memo) > 4096:
            self._memo.clear()
        self._memo[key] = value
        return value

    def nearest(self, text: str, k: int = 8) -> list[tuple[float, Precedent]]:
        """Up to k cases, best first, as (cosine similarity, case)."""
        if not self.items:
            return []
        scores = self._scores(self._query(text))
        top = sorted(scores.items(), key=lambda kv: -kv[1])[:k]
        return [(round(s, 4), self.items[i]) for i, s in top if s > 0]

    def nearest_violation(self, text: str, family: str | None = None):
        key = ("v", text, family)
        if key in self._memo:
            return self._memo[key]
        scores = self._scores(self._query(text), self.violation_postings)
        items = self.items
        # the first of the highest (as a stable sort would give), without sorting every scored case
        got = max((kv for kv in scores.items() if family is None or items[kv[0]].family == family),
                  key=lambda kv: kv[1], default=None)
        return self._remember(key, None if got is None else (round(got[1], 4), items[got[0]]))

    def model_suspect(self, text: str) -> float | None:
        """The probability, when the clause model reads the clause as a violation (its words: `model.reasons`)."""
        if self.model is None:
            return None
        key = ("m", normalise(text))    # what the model reads: "第29条　…" and "第60条　…" are one clause to it
        if key in self._memo:
            prob = self._memo[key]
        else:
            prob = self._remember(key, self.model.probability(text))
        return None if prob < THRESHOLD else prob

    def nearest_violations(self, text: str, k: int = 3) -> list[tuple[float, Precedent]]:
        scores = self._scores(self._query(text), self.violation_postings)
        return [(s, self.items[i]) for i, s in heapq.nlargest(k, scores.items(), key=lambda kv: kv[1])]


def _library_key() -> str:
    """A digest of the library, the citation map, the shipped clause model and this code (remembered under the
    files' stat: an unchanged library is not read and hashed again on every check)."""
    from . import precedent_model
    from .cachefiles import file_digest

    files = [p for p in library_paths() + [PRECEDENT_DIR / "citation_map.yaml", Path(__file__),
                                           Path(precedent_model.__file__), precedent_model.MODEL_FILE] if p.exists()]
    return file_digest(files, INDEX_VERSION, "precedent-fingerprints.txt")


_default: dict[tuple, PrecedentIndex] = {}


def default_index(exclude: frozenset = frozenset()) -> PrecedentIndex:
    """The index of the whole library (cached on disk, keyed by the library's content), or of all but `exclude`."""
    key = tuple(sorted(exclude))
    if key not in _default:
        index = None
        if not exclude:
            from .cachefiles import cache_dir, load_pickle, save_pickle

            path = cache_dir() / f"precedents-{_library_key()}.pickle"
            index = load_pickle(path)
            if not isinstance(index, PrecedentIndex):
                from .precedent_model import load_shipped

                index = PrecedentIndex(read_library(), model=load_shipped() or "train")
                save_pickle(path, index)
        _default[key] = index or PrecedentIndex(read_library(), set(exclude))
    return _default[key]


def as_dict(sim: float, p: Precedent) -> dict:
    return {"id": p.id, "text": p.text, "similarity": round(sim, 3), "basis": p.basis, "source_title": p.source_title,
            "source_url": p.source_url, "date": p.date, "family": p.family}


REGULATION = "《公平竞争审查条例》"


# a clause's own number ("第二十九条　", "（三）", "2.") says nothing the three regexes read
_NUMBERING = re.compile(r"^\s*(?:第[0-9０-９零〇一二两三四五六七八九十百千]+条|[（(][0-9０-９一二三四五六七八九十]+[)）]|[0-9０-９]+[.．、])\s*")


def _heard(index: PrecedentIndex, text: str, skip, gate, fair) -> bool:
    """Whether the clause model may speak on a suspect clause: not a corrective clause (`skip`), an element of a
    violation present (`gate`: document.rule 比对要素) and no open, equal condition stated or administration bound
    (`fair`: 用语模型不比对). Remembered per text: a long document repeats its sentences, and the gate spells out
    every place name of China (the slowest regex of the check, so searched last)."""
    key = ("h", _NUMBERING.sub("", text, count=1), id(skip), id(gate), id(fair))
    got = index._memo.get(key)
    if got is None:
        got = index._remember(key, not ((skip is not None and skip.search(text))
                                        or (fair is not None and fair.search(text))
                                        or (gate is not None and not gate.search(text))))
    return got


def _vote(vio: list[tuple[float, Precedent]]):
    """Family and 条例 article of a suspect clause: the similarity-weighted majority of its nearest violations."""
    fam, art = Counter(), Counter()
    for s, p in vio:
        fam[p.family or "fair_competition"] += s
        if p.article:
            art[p.article] += s
    family = fam.most_common(1)[0][0]
    article = art.most_common(1)[0][0] if art and family == "fair_competition" else None
    return family, article


def annotate(doc, findings: list, index: PrecedentIndex | None = None, k: int = K, skip=None, gate=None,
             fair=None) -> list:
    """Name the nearest published case on every finding; add a warning for clauses no rule flagged that read like
    the published violations rather than the published lawful sentences. `skip`: a regex for clauses that are not
    compared (rules/lexicon/document.rule, `for doc.precedent`: a clause correcting or forbidding a practice quotes
    the practice, so it reads like the case it corrects). The clause model is heard only where `gate` finds an
    element of a violation and `fair` finds no open, equal condition stated in the clause."""
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
        if len(text) < MIN_CHARS:
            continue
        prob = index.model_suspect(text)
        if prob is None or not _heard(index, text, skip, gate, fair):   # the costly regexes only on the suspects
            continue
        vio = index.nearest_violations(text, k)
        if not vio:
            continue
        best, p = vio[0]
        said = "、".join(f"“{w}”" for w in index.model.reasons(text)) or "（无突出字词）"
        why = (f"没有规则命中本句。依据已公布典型案例和合规例句的用语比对，本句读作违规条款的可能性为 {prob:.0%}"
               f"（主要因为{said}等字词），最相近的已公布违规案例是“{p.text[:60]}”（相似度 {best:.0%}）；"
               f"这是用语上的相似，不是规则认定，故提示人工核实。")
        family, article = _vote(vio)
        basis = f"{REGULATION}{article}" if article else (p.basis or "（案例未载明条款）")
        if article and p.basis and REGULATION not in p.basis:
            basis += f"（典型案例原引：{p.basis}）"
        line, col = doc.line_col(unit.start)
        end_line, end_col = doc.line_col(max(unit.end - 1, unit.start))
        extra.append(Finding(
            file=doc.name, rule=PRECEDENT_RULE, title="与典型案例相似，需人工核实", family=family,
            severity="warning", basis=basis,
            message=f"与已公布的典型案例（{p.source_title}）所涉条款相似，需人工核实是否存在同类问题",
            suggestion="对照该案例和所涉条款逐项核实；确属合规的，可在忽略文件中写明理由",
            line=line, column=col, end_line=end_line, end_column=end_col + 1, start=unit.start, end=unit.end,
            path=unit.path, scope="sentence", text=text, explanation=why, precedent=as_dict(best, p)))
    return findings + extra
