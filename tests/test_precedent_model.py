"""The clause model of the precedent tier (engine/precedent_model.py): scored in plain Python exactly as
scikit-learn scores it, trained without the held-out batches, and heard only on clauses with an element of a
violation (rules/lexicon/document.rule, 比对要素)."""
import pytest

from engine.check import check_text
from engine.precedent_model import NGRAMS, THRESHOLD, training_items, train
from engine.precedents import PRECEDENT_RULE, PrecedentIndex, read_library


@pytest.fixture(scope="module")
def library():
    return read_library()


@pytest.fixture(scope="module")
def index(library):
    return PrecedentIndex(library)


def test_plain_python_scores_equal_scikit_learn(library):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    import engine.precedent_model as M

    rows = training_items(library)
    model = train(rows)
    vec = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, sublinear_tf=True, min_df=M.MIN_DF,
                          preprocessor=M.normalise)
    fit = LogisticRegression(C=M.C, max_iter=5000, class_weight="balanced").fit(
        vec.fit_transform([t for t, _ in rows]), [y for _, y in rows])
    texts = [t for t, _ in rows[::25]] + ["外地企业参与本县工程投标的，须在本县设立分公司。", "  Ａ  b\t\tc 本地   企业 ", "。"]
    want = fit.predict_proba(vec.transform(texts))[:, 1]
    assert max(abs(w - model.probability(t)) for w, t in zip(want, texts)) < 1e-9


def test_held_out_batches_and_their_paraphrases_are_not_trained_on(library):
    batch = next(p.batch for p in library if p.label == "violation" and p.family == "fair_competition")
    kept = {t for t, _ in training_items(library, exclude_batches={batch})}
    assert not kept & {p.text for p in library if p.batch == batch}
    import json
    from engine.precedent_model import probe_paths

    probes = [json.loads(line) for path in probe_paths() for line in path.read_text(encoding="utf-8").splitlines()
              if line.strip()]
    assert not kept & {d["text"] for d in probes if d.get("batch") == batch}
    assert not kept & {d["text"] for d in probes if d.get("split") == "test"}   # the probes' test split measures


def test_a_clause_reading_like_the_violations_is_a_warning_with_reasons(index):
    # a reward reserved for newly attracted firms (办法第十九条): the lead-in of a list no rule reads on its own
    text = "第五条　对新引进的企业给予以下奖励："
    assert index.model.probability(text) >= THRESHOLD
    assert check_text(text, "d.txt", precedents=False) == []
    found = [f for f in check_text(text, "d.txt", precedents=index) if f.rule == PRECEDENT_RULE]
    assert found and found[0].severity == "warning" and found[0].precedent["source_url"]
    assert "可能性为" in found[0].explanation and "新引进" in found[0].explanation


def test_a_clause_without_an_element_of_a_violation_is_not_reported(index):
    # objective, open reward conditions are lawful (办法第十九条 forbids rewards conditioned on place or tax)
    text = "对当年研发投入增长超过百分之二十的企业，按新增研发投入的百分之十给予奖励，单个企业最高一百万元。"
    assert not [f for f in check_text(text, "d.txt", precedents=index) if f.rule == PRECEDENT_RULE]


def test_the_gate_silences_the_model_and_nothing_else(index):
    from engine.precedents import annotate
    from engine.segment import segment
    import re

    text = "区内老旧小区燃气管道改造工程统一由区城投公司实施。"
    assert index.model.probability(text) >= THRESHOLD
    doc = segment("d.txt", text)
    assert [f.rule for f in annotate(doc, [], index, gate=None)] == [PRECEDENT_RULE]
    assert [f.rule for f in annotate(doc, [], index, gate=re.compile("城投"))] == [PRECEDENT_RULE]
    assert annotate(doc, [], index, gate=re.compile("本地")) == []


def test_the_shipped_model_is_the_model_of_the_present_library(library):
    """rules/precedents/clause_model.json.gz is what an installed copy scores with; after a change to the library,
    the probes or the parameters, rewrite it: python -m engine.precedent_model"""
    from engine.precedent_model import fingerprint, load_shipped, shipped_fingerprint

    rows = training_items(library)
    assert shipped_fingerprint() == fingerprint(rows), "run: python -m engine.precedent_model"
    shipped, fresh = load_shipped(), train(rows)
    for text, _ in rows[::40]:
        assert abs(shipped.probability(text) - fresh.probability(text)) < 1e-4


def test_the_default_index_scores_with_the_shipped_model(tmp_path, monkeypatch):
    import engine.precedents as P
    from engine.precedent_model import load_shipped

    monkeypatch.setenv("POLICYLINT_CACHE", str(tmp_path))
    monkeypatch.setattr(P, "_default", {})
    text = "区内老旧小区燃气管道改造工程统一由区城投公司实施。"
    assert P.default_index().model.probability(text) == load_shipped().probability(text)


def test_the_tier_leaves_the_rules_lawful_examples_nearly_alone(index):
    """The rules' lawful examples are near misses written to sit next to a violation (same words, lawful structure).
    The clause model reads words, so it warns on a few of them; it must stay a few (27 of 912 when this was
    written), or the tier would bury a reviewer in warnings on lawful drafts."""
    from engine.check import default_rules

    lawful = sorted({t for r in default_rules().rules if r.on == "text" for t, v, _ in r.examples if not v})
    warned = [t for t in lawful if any(f.rule == PRECEDENT_RULE for f in check_text(t, "d.txt", precedents=index))]
    assert len(warned) <= 0.04 * len(lawful), warned[:10]
