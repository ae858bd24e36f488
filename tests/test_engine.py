"""Evaluation: durable-rules in the guarded pattern agrees with the plain-Python oracle, state does not leak
between documents, durable's known failure modes are handled, and a crash costs one document, not the batch."""
import json
import os
import random

import pytest

from engine.check import check_text, evaluator
from engine.durable_eval import DurableEvaluator, check_limits
from engine.errors import EngineError
from engine.oracle import OracleEvaluator
from engine.structured import check_records

DRAFT = ("第一条　为加强招商引资，制定本办法。\n"
         "第二条　外地企业参与本市项目投标的，须在本市设立分公司。全面清理要求外地企业在本地设立分支机构的规定。\n"
         "第三条　企业年纳税额超过1000万元的，给予50万元奖励。\n")


def key(findings):
    return sorted((f.rule, f.start, f.end, f.line, f.column, tuple(m.text for m in f.matched)) for f in findings)


def test_findings_located_and_explained(engine_rules):
    fs = check_text(DRAFT, "d.txt", engine_rules, "durable")
    by_rule = {f.rule: f for f in fs}
    assert set(by_rule) == {"T-BRANCH", "T-TAX", "T-DOC"}
    f = by_rule["T-BRANCH"]
    assert (f.line, f.column, f.path) == (2, 11, "第二条")
    assert f.text == "第二条　外地企业参与本市项目投标的，须在本市设立分公司。"
    assert [m.text for m in f.matched] == ["本市", "须", "本市", "分公司"]
    assert f.explanation.startswith("本句“本市”与“分公司”相距不超过20字，出现“须”")
    assert "（“清理”、“废止”等" in f.explanation and "不排除" in f.explanation
    assert f.basis.startswith("《公平竞争审查条例实施办法》第十四条第（一）项")
    assert f.bases[0]["text"].startswith("强制、拒绝或者阻碍")


def test_unless_suppresses_cleanup_order(engine_rules):
    assert check_text("全面清理要求外地企业在本地设立分支机构的规定。", "x", engine_rules, "durable") == []


def test_document_context_reaches_rules(engine_rules, monkeypatch):
    import engine.check as check
    monkeypatch.setattr(check, "document_context", lambda doc, rs=None: {"exception": True, "kind": "其他"})
    assert "T-TAX" not in {f.rule for f in check_text(DRAFT, "d", engine_rules, "durable")}
    assert "T-TAX" not in {f.rule for f in check_text(DRAFT, "d", engine_rules, "python")}


VOCAB = ["本市", "本县", "本区", "外地", "须", "必须", "应当", "方可", "分公司", "分支机构", "子公司", "清理", "废止",
         "不得要求", "纳税", "税收", "奖励", "补贴", "招商引资", "公平竞争审查", "企业", "项目", "，", "。", "\n"]


def generated_corpus(n, seed=7):
    rng = random.Random(seed)
    for _ in range(n):
        yield "".join(rng.choice(VOCAB) + rng.choice(["", "的", "在", "给予"]) for _ in range(rng.randint(5, 80)))


def test_durable_matches_oracle_on_generated_corpus(engine_rules):
    total = 0
    for i, text in enumerate(generated_corpus(300)):
        d = check_text(text, f"g{i}", engine_rules, "durable")
        p = check_text(text, f"g{i}", engine_rules, "python")
        assert key(d) == key(p), text
        total += len(d)
    assert total > 100   # the corpus really exercises the rules


def test_durable_matches_oracle_on_every_pack_example(pack_rules):
    for rule in pack_rules.rules:
        for text, _violating, _line in rule.examples:
            assert key(check_text(text, "e", pack_rules, "durable")) == key(check_text(text, "e", pack_rules, "python")), \
                (rule.id, text)


def test_documents_do_not_leak_state(engine_rules):
    first = key(check_text(DRAFT, "a", engine_rules, "durable"))
    assert check_text("本办法自发布之日起施行。", "b", engine_rules, "durable") == []
    assert key(check_text(DRAFT, "a", engine_rules, "durable")) == first
    # a long run of documents in one host: durable caps live states at 1024 per ruleset (research §2)
    for i in range(1100):
        check_text("外地企业须在本市设立分公司。" if i % 2 else "无关的句子。", f"n{i}", engine_rules, "durable")
    assert key(check_text(DRAFT, "a", engine_rules, "durable")) == first


def test_or_double_fire_is_deduplicated(engine_rules):
    recs = [{"_id": "x", "_line": 1, "是否收费": True, "办理时限": 30, "备注": "审核通过后备案"}]
    fs = check_records(recs, "filing_item", "t", engine_rules, "durable")
    assert [f.rule for f in fs] == ["T-FEE"]      # three true branches, one finding


def test_unmatched_facts_do_not_drop_other_actions(engine_rules):
    """P5: a batch where most facts match nothing still runs the actions of the ones that match."""
    recs = [{"_id": str(i), "_line": i} for i in range(50)] + [{"_id": "hit", "_line": 99, "是否收费": True}]
    fs = check_records(recs, "filing_item", "t", engine_rules, "durable")
    assert [(f.rule, f.record, f.line) for f in fs] == [("T-FEE", "hit", 99)]


def test_structured_rules_agree_between_engines(engine_rules):
    rng = random.Random(3)
    recs = []
    for i in range(400):
        rec = {"_id": f"i{i}", "_line": i + 2}
        if rng.random() < 0.5:
            rec["办理环节"] = rng.sample(["受理", "现场核查", "专家评审", "公示"], rng.randint(0, 3))
        if rng.random() < 0.5:
            rec["结果形式"] = rng.choice(["告知性备案", "备案回执", None])
        if rng.random() < 0.5:
            rec["是否收费"] = rng.choice([True, False])
        if rng.random() < 0.5:
            rec["办理时限"] = rng.choice([1, 5, 20, 21, 60])
        if rng.random() < 0.3:
            rec["备注"] = rng.choice(["经审核通过后予以备案", "当场备案", ""])
        recs.append(rec)
    d = check_records(recs, "filing_item", "t", engine_rules, "durable")
    p = check_records(recs, "filing_item", "t", engine_rules, "python")
    assert [(f.rule, f.record) for f in d] == [(f.rule, f.record) for f in p]
    assert len({f.rule for f in d}) == 2


def test_action_errors_are_surfaced(engine_rules, monkeypatch):
    """An error while reading durable's actions fails the document loudly instead of losing findings (P14)."""
    ev = DurableEvaluator(engine_rules)

    def explode(self, message, hits):
        raise RuntimeError("boom")
    monkeypatch.setattr(DurableEvaluator, "_on_action", explode)
    with pytest.raises(EngineError, match="boom"):
        ev.evaluate({"filing_item": [{"id": "r0", **{f"v{i}": 1 for i in range(len(engine_rules.atoms))}}]})


def test_durable_c_api_contract():
    """The calls the evaluator relies on, as durable-rules 2.0.28 behaves (pinned in pyproject)."""
    import durable_rules_engine as d

    h = d.create_ruleset("contract_t", json.dumps({
        "r0": {"all": [{"m": {"$and": [{"kind": "s"}, {"$or": [{"a1": 1}, {"a2": 1}]}]}}]},
        "__end": {"all": [{"m": {"kind": "__end"}}]}}))
    batch = [{"id": "x:1", "sid": "s", "kind": "s", "a1": 1, "a2": 1}, {"id": "x:2", "sid": "s", "kind": "s"},
             {"id": "x:e", "sid": "s", "kind": "__end"}]
    code, state = d.assert_facts(h, json.dumps(batch))
    assert code == 1                          # x:2 matched nothing: reported, not fatal
    seen, result = [], d.start_action_for_state(h, state)
    while result:
        msg = json.loads(result[1] if isinstance(result, tuple) else result)
        seen += [(k, v["m"]["id"]) for k, v in msg.items()]
        result = d.complete_and_start_action(h, state)
    assert sorted(seen) == [("__end", "x:e"), ("r0", "x:1"), ("r0", "x:1")]   # $or fires per true branch (P3)
    d.delete_state(h, "s")                    # after the sentinel fired: no crash (P1)


def test_static_limits_are_checked():
    definition = {f"r{i}": {"all": [{"m": {"$and": [{"kind": "sentence"}, {f"a{i}": 1}]}}]} for i in range(513)}
    with pytest.raises(EngineError, match="静态上限"):
        check_limits(definition, "big")
    check_limits(dict(list(definition.items())[:60]), "ok")


def test_explicit_fact_ids_survive_identical_content(engine_rules):
    """P6: two units with identical flags are distinct facts (ids), so both are reported."""
    text = "外地企业须在本市设立分公司。外地企业须在本市设立分公司。"
    fs = check_text(text, "d", engine_rules, "durable")
    assert [f.rule for f in fs] == ["T-BRANCH", "T-BRANCH"]


def test_batch_crash_costs_one_document(tmp_path, engine_rules, monkeypatch):
    from engine import batch

    paths = []
    for i in range(5):
        p = tmp_path / f"d{i}.txt"
        p.write_text("外地企业须在本市设立分公司。", encoding="utf-8")
        paths.append(str(p))
    real = batch._check_one

    def crashing(path, rs, engine, prepare=None, as_of=None):
        if path.endswith("d2.txt"):
            os.abort()   # what a segfault in durable's C core looks like to the supervisor
        return real(path, rs, engine, prepare, as_of)
    monkeypatch.setattr(batch, "_check_one", crashing)
    results = batch.check_many(paths, engine_rules, "durable", jobs=2)
    assert [r[0] for r in results] == [0, 1, 2, 3, 4]
    assert results[2][1] is None and "进程异常退出" in results[2][2]
    assert all(r[1] and r[1][0].rule == "T-BRANCH" for i, r in enumerate(results) if i != 2)


def test_one_evaluator_per_process_and_ruleset(engine_rules):
    assert evaluator(engine_rules, "durable") is evaluator(engine_rules, "durable")
    assert isinstance(evaluator(engine_rules, "python"), OracleEvaluator)


def test_durable_matches_oracle_on_generated_drafts_with_the_packs(pack_rules):
    """Whole drafts mixing the packs' own example sentences with filler, every scope at once."""
    from test_bench import make_draft

    total = 0
    for i in range(12):
        text = make_draft(pack_rules, 3000, 100 + i)
        d = check_text(text, f"g{i}", pack_rules, "durable")
        assert key(d) == key(check_text(text, f"g{i}", pack_rules, "python"))
        total += len(d)
    assert total > 50
