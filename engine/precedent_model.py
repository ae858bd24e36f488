"""How much a clause reads like the published violations: a linear model over character n-grams.

The precedent tier (engine/precedents.py) asks this model about every clause no rule flagged. It is a logistic
regression (scikit-learn) over TF-IDF character 1–3-grams, trained on

- the published library (rules/precedents/*.jsonl): the violations quoted by typical-case releases and the lawful
  sentences of laws, State Council documents and rectified clauses;
- the team's probes marked `split: train` (tests/probes/*.jsonl, every one marked `generated`): paraphrases of
  training violations and lawful near misses written in the drafters' register. They teach the model that a local
  policy document's wording is not itself a sign of a violation; the probes' `test` split is never trained on, so
  it still measures the tier.

Why a model and not more rules: rules catch the forms of a breach someone has written down; on published clauses
of releases the rules never saw they miss about three in ten. The model generalises over wording (a reward "按综合
贡献" reads like one "按纳税额"), and it is only a warning for a person to check, naming the nearest published case.

The weights are plain Python data, scored without numpy or scikit-learn on the check path. The model of the whole
library ships as `rules/precedents/clause_model.json.gz` (so an installed copy, which has no tests/probes, scores
exactly as the repository does); `python -m engine.precedent_model` rewrites it, and a test fails when it is not
the model of the present library and probes. Parameters (n-grams, C, THRESHOLD) were chosen by grouped
cross-validation on the training folds only (docs/quality.md). `quality.score` retrains the model without the
held-out fold, so a clause is never scored by a model that read it.
"""
from __future__ import annotations

import json
import math
import re
from array import array
from collections import Counter
from pathlib import Path


NGRAMS = (1, 3)
C = 64.0
MIN_DF = 2
THRESHOLD = 0.85     # probability at which an unflagged clause is reported for a person to check
PROBE_DIR = Path(__file__).resolve().parents[1] / "tests" / "probes"
MODEL_FILE = Path(__file__).resolve().parents[1] / "rules" / "precedents" / "clause_model.json.gz"
_WHITE = re.compile(r"\s\s+")    # the same normalisation as scikit-learn's char analyzer
_PUNCT = re.compile(r"[\W_]")
SEP = "\x1f"        # joins the n-grams (and the precedent index's tokens) when pickled: no text holds it
_NOT_WORDS = re.compile(r"[^\u3400-\u9fff]+")


def normalise(text: str) -> str:
    """Only the Chinese characters, every other run (digits, Latin letters, punctuation) read as one space: dates,
    percentages and article numbers are common in policy documents and in the cases quoted from them, rare in the
    lawful laws, so the model would otherwise learn "2027年" or "8%" as a sign of a violation."""
    return _NOT_WORDS.sub(" ", text)


def ngrams(text: str, lo: int = NGRAMS[0], hi: int = NGRAMS[1]) -> list[str]:
    """scikit-learn's `analyzer="char"` n-grams (after `normalise`), reproduced so that scoring needs no
    scikit-learn."""
    t = _WHITE.sub(" ", normalise(text))
    n_len = len(t)
    out = []
    for n in range(lo, min(hi + 1, n_len + 1)):
        out.extend(t[i:i + n] for i in range(n_len - n + 1))
    return out


class LinearModel:
    """The weights of the fitted model: for each n-gram its idf and coefficient, and the intercept. Kept as one
    n-gram -> position dict and two float arrays, and pickled as one string and two byte strings: a dict of
    36,000 tuples takes 40 ms to unpickle on every check, this form 8 ms."""

    def __init__(self, terms: dict, intercept: float, trained_on: int = 0):
        self._keyed(list(terms))
        self.idf = array("d", (terms[g][0] for g in self.keys))
        self.coef = array("d", (terms[g][1] for g in self.keys))
        self.intercept, self.trained_on = intercept, trained_on

    def _keyed(self, keys: list[str]) -> None:
        self.keys = keys                                   # position -> n-gram (the words `reasons` names)
        self.index = {g: i for i, g in enumerate(keys)}    # n-gram -> position

    @property
    def terms(self) -> dict:
        return {g: (self.idf[i], self.coef[i]) for i, g in enumerate(self.keys)}

    def __getstate__(self):
        return (SEP.join(self.keys), self.idf.tobytes(), self.coef.tobytes(), self.intercept, self.trained_on)

    def __setstate__(self, state):
        keys, idf, coef, self.intercept, self.trained_on = state
        self._keyed(keys.split(SEP) if keys else [])
        self.idf, self.coef = array("d"), array("d")
        self.idf.frombytes(idf)
        self.coef.frombytes(coef)

    def _vector(self, text: str) -> dict[int, float]:
        index, idf, log = self.index, self.idf, math.log
        vec = {}
        for g, c in Counter(ngrams(text)).items():
            i = index.get(g)
            if i is not None:
                vec[i] = (1 + log(c)) * idf[i]
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {i: w / norm for i, w in vec.items()}

    def probability(self, text: str) -> float:
        coef = self.coef
        z = self.intercept + sum(w * coef[i] for i, w in self._vector(text).items())
        return 1 / (1 + math.exp(-z)) if z > -50 else 0.0

    def reasons(self, text: str, n: int = 4) -> list[str]:
        """The words of the clause that push it most towards the violations: the places of its eight strongest
        n-grams, merged where they touch, punctuation left out, strongest first."""
        keys = self.keys
        top = sorted(((w * self.coef[i], keys[i]) for i, w in self._vector(text).items()), reverse=True)[:8]
        weight = [0.0] * len(text)
        low = text.lower()
        for s, g in top:
            if s <= 0:
                break
            at = low.find(g)
            while at >= 0:
                for i in range(at, at + len(g)):
                    weight[i] += s
                at = low.find(g, at + 1)
        runs, cur, got = [], "", 0.0
        for ch, w in zip(text, weight):
            if w > 0 and not _PUNCT.match(ch):
                cur, got = cur + ch, got + w
            elif cur:
                runs.append((got, cur))
                cur, got = "", 0.0
        if cur:
            runs.append((got, cur))
        out: list[str] = []
        for _, r in sorted(runs, reverse=True):
            if len(r) > 1 and not any(r in o for o in out):
                out.append(r)
        return out[:n]


def training_items(library, exclude_batches=frozenset(), exclude_texts=frozenset()) -> list[tuple[str, bool]]:
    """(text, is_violation) from the library items given and the probes' train split, leaving out every item of an
    excluded batch (a held-out fold's paraphrases share their source's batch) and every excluded text."""
    rows = [(p.text, p.label == "violation") for p in library
            if p.batch not in exclude_batches and p.text not in exclude_texts]
    for path in probe_paths():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            if (d.get("split") == "train" and d.get("label") in ("violation", "compliant") and d.get("text")
                    and d.get("batch") not in exclude_batches and d["text"] not in exclude_texts):
                rows.append((d["text"], d["label"] == "violation"))
    return rows


def probe_paths() -> list[Path]:
    return sorted(PROBE_DIR.glob("*.jsonl")) if PROBE_DIR.is_dir() else []


def train(rows: list[tuple[str, bool]]) -> LinearModel | None:
    """Fit the model (scikit-learn, imported only here); None when there is nothing of one kind to learn from."""
    if len({y for _, y in rows}) < 2:
        return None
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True, min_df=MIN_DF, preprocessor=normalise)
    X = vec.fit_transform([t for t, _ in rows])
    fit = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(X, [y for _, y in rows])
    coef = fit.coef_[0]
    terms = {g: (float(vec.idf_[i]), float(coef[i])) for g, i in vec.vocabulary_.items()}
    return LinearModel(terms=terms, intercept=float(fit.intercept_[0]), trained_on=len(rows))


def fingerprint(rows: list[tuple[str, bool]]) -> str:
    """What the model was trained from and how: changes when the library, the probes or the parameters do."""
    import hashlib

    h = hashlib.sha256(repr((NGRAMS, C, MIN_DF, "chinese only")).encode())
    for text, y in sorted(rows):
        h.update(f"{int(y)}\t{text}\n".encode("utf-8"))
    return h.hexdigest()[:24]


def _read_shipped() -> dict | None:
    import gzip

    return json.loads(gzip.decompress(MODEL_FILE.read_bytes())) if MODEL_FILE.exists() else None


def load_shipped() -> LinearModel | None:
    d = _read_shipped()
    return d and LinearModel(terms={g: tuple(v) for g, v in d["terms"].items()}, intercept=d["intercept"],
                             trained_on=d["trained_on"])


def shipped_fingerprint() -> str | None:
    d = _read_shipped()
    return d and d["fingerprint"]


def write_shipped(library) -> LinearModel:
    import gzip

    rows = training_items(library)
    model = train(rows)
    d = {"fingerprint": fingerprint(rows), "intercept": model.intercept, "trained_on": model.trained_on,
         "terms": {g: [round(idf, 6), round(coef, 6)] for g, (idf, coef) in sorted(model.terms.items())}}
    MODEL_FILE.write_bytes(gzip.compress(json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                                         mtime=0))
    return load_shipped()


if __name__ == "__main__":
    from engine.precedents import read_library

    m = write_shipped(read_library())
    print(f"{MODEL_FILE}: {len(m.terms)} n-grams, trained on {m.trained_on} clauses")
