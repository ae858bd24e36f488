"""The shipped rule packs as data: every rule cites the law that is bundled, says what is wrong and how to fix it,
and carries enough examples (violating and lawful) that `rules test` proves it both fires and holds back."""
import collections

from engine.check import check_text

MEASURES, REGULATION = "公平竞争审查条例实施办法", "公平竞争审查条例"


def test_enough_rules_in_every_family(pack_rules):
    per_family = collections.Counter(r.family for r in pack_rules.rules)
    assert len(pack_rules.rules) >= 15
    assert per_family["fair_competition"] >= 66 and per_family["negative_list"] >= 5 and per_family["filing"] >= 5


def test_every_rule_is_complete(pack_rules):
    for r in pack_rules.rules:
        assert r.bases and r.message and r.suggest, r.id
        assert all(b.text for b in r.bases), (r.id, [b.citation for b in r.bases])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.message + r.suggest), r.id   # written for reviewers


def test_text_rules_have_three_and_three_examples(pack_rules):
    thin = [(r.id, sum(v for _, v, _ in r.examples), sum(not v for _, v, _ in r.examples))
            for r in pack_rules.rules if r.on == "text"]
    assert [t for t in thin if t[1] < 3 or t[2] < 3] == []


def test_fair_competition_rules_cite_measures_and_regulation(pack_rules):
    for r in pack_rules.rules:
        if r.family != "fair_competition" or r.id.startswith("FC-EXC"):
            continue
        instruments = {b.instrument for b in r.bases}
        assert MEASURES in instruments and REGULATION in instruments, (r.id, r.basis_text)


def test_examples_fire_only_their_rule_family_sensibly(pack_rules):
    """A lawful example must not be flagged at warning or above by ANY rule of the same family."""
    offenders = []
    for r in pack_rules.rules:
        for text, violating, line in r.examples:
            if violating:
                continue
            hits = [f.rule for f in check_text(text, "e", pack_rules) if f.family == r.family
                    and f.severity in ("warning", "error")]
            if hits:
                offenders.append((r.id, text, hits))
    assert len(offenders) <= max(3, len(pack_rules.rules) // 50), offenders[:20]
