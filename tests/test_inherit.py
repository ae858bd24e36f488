"""Cross-clause facts (engine/inherit.py): a definition or a lead-in carried into the clauses that use it."""
from engine.check import check_text

DRAFT = """第一条 本办法所称骨干企业，是指注册地在本县且在本县纳税的企业。
第二条 投标人须具备下列条件：
（一）具有独立法人资格；
（二）在罗江注册全资运营子公司。
第三条 对骨干企业每户给予10万元奖励。
"""


def findings(text, **kw):
    return check_text(text, "draft.txt", precedents=False, **kw)


def test_definition_makes_a_later_reward_a_local_registration_reward():
    got = [f for f in findings(DRAFT) if f.path == "第三条" and f.rule.startswith("FC-19-3")]
    assert got, [(f.rule, f.path) for f in findings(DRAFT)]
    f = got[0]
    assert "第一条" in f.explanation and "骨干企业" in f.explanation   # the finding cites both clauses
    assert f.text.startswith("第三条") and all(m.start >= f.start and m.end <= f.end for m in f.matched)


def test_lead_in_makes_an_item_a_requirement():
    items = [f for f in findings(DRAFT) if f.path == "第二条第（二）项"]
    assert any(f.rule in ("NL-9-4-e", "FC-14-1-a") for f in items), [(f.rule, f.path) for f in items]
    # a finding the item makes on its own words needs no lead-in; every other one cites the lead-in it rests on
    alone = {f.rule for f in findings("（二）在罗江注册全资运营子公司。")}
    assert any("第二条" in f.explanation for f in items)
    assert all("第二条" in f.explanation or f.rule in alone for f in items)
    assert all(DRAFT[m.start:m.end] == m.text for f in items for m in f.matched)


def test_without_the_definition_or_lead_in_nothing_is_inherited():
    plain = DRAFT.replace("本办法所称骨干企业，是指注册地在本县且在本县纳税的企业。", "本办法自印发之日起施行。")
    plain = plain.replace("投标人须具备下列条件：", "投标人情况：")
    assert not [f for f in findings(plain) if f.path == "第三条" and f.rule.startswith("FC-19-3")]
    assert not [f for f in findings(plain) if "承接" in f.explanation]


def test_lawful_definition_adds_nothing():
    text = ("第一条 本办法所称小微企业，是指符合国家《中小企业划型标准规定》的企业。\n"
            "第二条 对小微企业按照国家规定落实减税降费政策。\n")
    assert not [f for f in findings(text) if "定义为" in f.explanation]


def test_the_purpose_clause_does_not_inherit_a_definition():
    """为……，根据……等要求，制定本办法 binds no one: the defined operators it names are not thereby restricted."""
    purpose = ("一、为进一步降低市场经营主体准入门槛，提高市场经营主体登记便利化水平，根据《中华人民共和国市场主体登记管理条例》"
               "等要求，结合我市实际，制定本实施办法。\n")
    definition = "二、本办法所称市场经营主体，是指在本市范围内注册登记的各类企业及其分支机构、个体工商户。\n"
    got = findings(purpose + definition)
    assert not [f for f in got if "定义为" in f.explanation], [(f.rule, f.path) for f in got]
    # the same words as an ordinary clause still inherit the definition
    duty = purpose.replace("，结合我市实际，制定本实施办法", "，市场经营主体须按要求办理")
    assert [f for f in findings(duty + definition) if "定义为" in f.explanation]
