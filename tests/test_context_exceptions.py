"""Document facts (engine/context.py) and 第十二条 exception declarations (engine/exceptions.py)."""
from __future__ import annotations

import pytest

from engine.context import document_context, exception_declarations
from engine.exceptions import apply_exceptions
from engine.finding import Finding
from engine.segment import segment

ENGINE = "python"   # the oracle evaluator: the same findings as durable, no engine start-up
RULE_ID = "FC-EXC-INCOMPLETE"   # rules/fair_competition/art25.rule: a declaration that leaves an element out

RULES = '''
terms 例本地 = "本市" | "本地"
terms 例分支 = "分公司" | "分支机构"
terms 例强制 = "须" | "必须" | "应当"

rule EXT-BRANCH "要求外地经营者在本地设立分支机构" {
  family   fair_competition
  basis    "公平竞争审查条例" art 9 item 2
  severity error
  when     例本地 near(20) 例分支 and 例强制
  message  "强制外地经营者在本地设立分支机构"
  suggest  "删除设立分支机构的要求"
  violates "外地企业参与本市项目投标的，须在本市设立分公司。"
  passes   "全面清理要求外地企业在本地设立分支机构的规定。"
}
'''


@pytest.fixture(scope="module")
def rs(tmp_path_factory):
    from engine.rulebook import compile_paths

    from dsl.loader import RULES_DIR

    p = tmp_path_factory.mktemp("rules") / "ext.rule"
    p.write_text(RULES, encoding="utf-8")
    return compile_paths([p, RULES_DIR / "fair_competition" / "art25.rule"])


def ctx(text: str, name: str = "草案.txt") -> dict:
    return document_context(segment(name, text))


# ---- kind (办法第二条第三款) ----------------------------------------------------------------------------------

@pytest.mark.parametrize("title,kind", [
    ("某某市公共资源交易管理办法", "规范性文件"),
    ("关于印发《某某区建筑市场管理规定》的通知", "规范性文件"),
    ("某某县促进民营经济发展若干措施", "政策性文件"),
    ("关于进一步优化营商环境的实施意见", "政策性文件"),
    ("某某区人民政府与某某科技有限公司投资合作协议", "行政协议"),
    ("某某市人民政府与某某集团战略合作备忘录", "备忘录"),
    ("某某市预拌混凝土生产技术规范", "标准"),
    ("某某市2025年公务用车维修服务定点采购公告", "具体政策措施"),
])
def test_kind_from_title(title, kind):
    c = ctx(f"{title}\n第一条 为规范市场秩序，制定本文件。\n第二条 企业应当依法经营。")
    assert c["kind"] == kind, c["kind_reason"]
    assert c["kind_reason"]


def test_kind_regulatory_number_makes_a_normative_document():
    c = ctx("某某县促进民营经济发展若干措施\n某政规〔2025〕3号\n一、对企业给予奖励。")
    assert c["kind"] == "规范性文件"
    assert "规" in c["kind_reason"] and c["number"] == "某政规〔2025〕3号"


def test_kind_from_wording_without_title():
    c = ctx("甲方负责协调项目用地，乙方承诺在本区设立独立法人公司。本协议自双方签字之日起生效。")
    assert c["kind"] == "行政协议"
    assert ctx("对本地企业给予奖励。")["kind"] == "其他"


# ---- economic activity (条例第二条, 办法第二条第二款) ----------------------------------------------------------

def test_economic_activity_names_the_areas():
    c = ctx("某某市政府采购管理办法\n第一条 采购人不得限定供应商的所有制形式。")
    assert c["economic"] is True
    assert "政府采购" in c["economic_reason"]


def test_internal_administration_is_not_economic():
    c = ctx("关于加强机关内部公文处理工作的通知\n一、各科室要规范公文处理流程。\n二、做好值班值守和干部考勤。")
    assert c["economic"] is False
    assert "内部" in c["economic_reason"]


# ---- title and issuer ---------------------------------------------------------------------------------------

def test_issuer_from_title_signature_and_agreement():
    assert ctx("某某市人民政府关于促进消费的若干措施\n一、发放消费券。")["issuer"] == "某某市人民政府"
    signed = "关于规范招标投标活动的通知\n一、不得限制外地企业投标。\n某某县发展和改革局\n2025年3月1日"
    assert ctx(signed)["issuer"] == "某某县发展和改革局"
    agreement = "投资合作协议\n甲方：某某区人民政府\n乙方：某某科技有限公司\n第一条 乙方在甲方辖区投资。"
    assert ctx(agreement)["issuer"] == "某某区人民政府"
    assert ctx("对本地企业给予奖励。")["issuer"] == ""


# ---- exception declarations -----------------------------------------------------------------------------------

DRAFT = """某某市促进新能源汽车推广应用若干措施
第一条 为推广新能源汽车，制定本措施。
第二条 外地企业参与本市充电设施项目投标的，须在本市设立分公司。
第三条 参与本市公交车辆采购的企业，须在本市设立分支机构。
第四条 为实现节约能源、保护环境的社会公共利益，本措施第三条适用《公平竞争审查条例》第十二条规定的例外情形{extra}。
第五条 本措施自2025年5月1日起施行{period}。
"""


def draft(extra: str = "", period: str = "") -> str:
    return DRAFT.format(extra=extra, period=period)


def test_no_declaration_no_exception():
    text = draft().replace("第四条 为实现节约能源、保护环境的社会公共利益，本措施第三条适用《公平竞争审查条例》第十二条规定的例外情形。\n", "")
    c = ctx(text)
    assert c["exception"] is False and c["exception_at"] == ""
    prohibit = "第一条 各部门不得滥用例外规定，不得以适用《公平竞争审查条例》第十二条为名排除竞争。"
    assert ctx(prohibit)["exception"] is False


def test_declaration_elements_present_and_missing():
    d = segment("x", draft())
    (decl,) = exception_declarations(d)
    assert decl.declared_at == "第四条"
    assert decl.scope == "articles" and decl.covers == ["第三条"]
    assert decl.situation_item == 3
    assert decl.present == ["适用情形"]
    assert decl.missing == ["没有对公平竞争影响更小的替代方案", "合理的实施期限或者终止条件"]
    full = segment("x", draft("，经评估没有对公平竞争影响更小的替代方案", "，有效期至2027年12月31日"))
    (decl,) = exception_declarations(full)
    assert decl.missing == []
    assert "第五条" in decl.where["合理的实施期限或者终止条件"]   # the period found in the 附则, and where


def test_check_marks_covered_findings_and_reports_incomplete(rs):
    from engine.check import check_text

    findings = check_text(draft(), "草案.txt", rs=rs, engine=ENGINE)
    branch = [f for f in findings if f.rule == "EXT-BRANCH"]
    assert {f.path for f in branch} == {"第二条", "第三条"}
    art3 = next(f for f in branch if f.path == "第三条")
    art2 = next(f for f in branch if f.path == "第二条")
    assert art3.exception["claimed"] is True and art3.exception["declared_at"] == "第四条"
    assert art3.exception["missing"] == ["没有对公平竞争影响更小的替代方案", "合理的实施期限或者终止条件"]
    assert art3.exception["situation"].startswith("（三）")
    assert "未说明" in art3.explanation and "替代方案" in art3.explanation
    assert art2.exception is None                     # the declaration names 第三条 only
    (inc,) = [f for f in findings if f.rule == RULE_ID]
    assert inc.family == "fair_competition" and inc.severity == "warning"
    assert inc.path == "第四条" and inc.line == 5
    assert "《公平竞争审查条例》第十二条" in inc.basis and "第二十九条第二款" in inc.basis
    assert "替代方案" in inc.message and "实施期限" in inc.message
    assert any("对公平竞争影响更小的替代方案" in b["text"] for b in inc.bases)


def test_complete_declaration_is_not_a_finding(rs):
    from engine.check import check_text

    text = draft("，经评估没有对公平竞争影响更小的替代方案", "，有效期至2027年12月31日")
    findings = check_text(text, rs=rs, engine=ENGINE)
    assert not [f for f in findings if f.rule == RULE_ID]
    art3 = next(f for f in findings if f.path == "第三条")
    assert art3.exception["missing"] == [] and len(art3.exception["present"]) == 3


def test_global_declaration_covers_every_fair_competition_finding():
    text = ("第一条 外地企业须在本市设立分公司。\n第二条 本办法各项措施适用《公平竞争审查条例》第十二条规定的例外情形，"
            "以维护国家安全和发展利益。")
    d = segment("x", text)
    c = document_context(d)
    assert c["exception"] is True
    mine = Finding(file="x", rule="R1", title="t", family="fair_competition", severity="error", basis="b",
                   message="m", suggestion="s", start=0, end=10, path="第一条")
    other = Finding(file="x", rule="R2", title="t", family="filing", severity="error", basis="b",
                    message="m", suggestion="s", start=0, end=10, path="第一条")
    out = apply_exceptions(d, c, [mine, other])
    assert mine.exception and mine.exception["scope"] == "全文"
    assert mine.exception["situation"].startswith("（一）")
    assert other.exception is None                     # only fair competition findings
    assert [f.rule for f in out].count(RULE_ID) == 1


def test_without_declaration_findings_pass_through():
    d = segment("x", "第一条 外地企业须在本市设立分公司。")
    f = Finding(file="x", rule="R1", title="t", family="fair_competition", severity="error", basis="b",
                message="m", suggestion="s")
    assert apply_exceptions(d, document_context(d), [f]) == [f] and f.exception is None


def test_situation_named_by_item_number():
    text = ("第一条 对首台（套）装备给予奖励。\n第二条 经评估，本办法符合《公平竞争审查条例》第十二条第（二）项规定的情形，"
            "没有对公平竞争影响更小的替代方案，实施期限为三年。")
    (decl,) = exception_declarations(segment("x", text))
    assert decl.situation_item == 2 and decl.situation.startswith("（二）为促进科学技术进步")
    assert decl.scope == "document" and decl.missing == []


def test_title_skips_the_document_head_and_joins_a_broken_title():
    text = ("某某市人民政府文件\n某政发〔2025〕3号\n某某市人民政府关于印发《某某市促进\n新能源汽车产业发展若干措施》的通知\n"
            "各区县人民政府，市政府各部门：\n现将《某某市促进新能源汽车产业发展若干措施》印发给你们，请认真贯彻执行。")
    c = ctx(text)
    assert c["title"] == "某某市人民政府关于印发《某某市促进新能源汽车产业发展若干措施》的通知"
    assert c["kind"] == "政策性文件" and c["issuer"] == "某某市人民政府" and c["number"] == "某政发〔2025〕3号"
    c = ctx("特急\n某某县建筑市场管理办法（征求意见稿）\n第一条 为规范建筑市场秩序，制定本办法。")
    assert c["title"] == "某某县建筑市场管理办法（征求意见稿）" and c["kind"] == "规范性文件"


@pytest.mark.parametrize("sentence", [
    "第一条 不得以适用《公平竞争审查条例》第十二条为名排除、限制竞争。",
    "第一条 是否适用《公平竞争审查条例》第十二条规定的例外情形：否。",
    "第一条 本措施不涉及适用例外规定的情形，外地企业须在本市设立分公司。",
])
def test_negated_or_questioned_exception_is_not_a_claim(sentence):
    assert ctx(sentence)["exception"] is False


# ---- the words come from the rules (rules/lexicon/document.rule) ----------------------------------------------

def test_the_lexicon_defines_exactly_the_groups_the_engine_reads():
    """Every group marked `for doc.FACT` in the shipped rules is read by engine/context.py for that fact, and every
    group it reads is defined so: no Python-side word list, no marked group left over."""
    from engine.check import default_rules
    from engine.context import READS, missing_groups

    groups = default_rules().context_groups
    assert missing_groups(groups) == []
    read = {g.name for g in groups.values() for fact, names in READS.items() for n in names
            if g.fact == fact and (g.name.startswith(n) if n.endswith("_") else g.name == n)}
    assert read == set(groups)
    assert {g.source.split(":")[0].replace("\\", "/").rsplit("rules/", 1)[1] for g in groups.values()} == {
        "lexicon/document.rule"}


def test_editing_the_lexicon_changes_the_document_facts(tmp_path):
    """A word added to the rule file is a word the engine reads (the area named by the group's name)."""
    from dsl.loader import RULES_DIR
    from engine.context import judge_economic, lexicon
    from engine.rulebook import compile_paths

    src = (RULES_DIR / "lexicon" / "document.rule").read_text(encoding="utf-8")
    assert judge_economic("发展低空经济。")[0] is False
    p = tmp_path / "document.rule"
    p.write_text(src.replace('= "产业" | "扶持"', '= "产业" | "低空经济" | "扶持"'), encoding="utf-8")
    others = [q for q in sorted((RULES_DIR / "lexicon").glob("*.rule")) if q.name != "document.rule"]
    economic, why = judge_economic("发展低空经济。", lexicon(compile_paths([p, *others])))
    assert economic is True and "产业发展（“低空经济”）" in why


def test_a_lexicon_without_a_group_the_engine_reads_is_a_load_error(tmp_path):
    from dsl.loader import RULES_DIR
    from engine.context import lexicon
    from engine.errors import RuleLoadError
    from engine.rulebook import compile_paths

    src = (RULES_DIR / "lexicon" / "document.rule").read_text(encoding="utf-8")
    p = tmp_path / "document.rule"
    p.write_text(src.replace("terms 替代方案说明 for doc.exception", "terms 替代方案说法 for doc.exception"),
                 encoding="utf-8")
    others = [q for q in sorted((RULES_DIR / "lexicon").glob("*.rule")) if q.name != "document.rule"]
    with pytest.raises(RuleLoadError) as e:
        lexicon(compile_paths([p, *others]))
    assert "替代方案说明（for doc.exception）" in str(e.value) and "document.rule" in str(e.value)


def test_the_engine_finds_the_declaration_rule_by_its_record_kind(tmp_path):
    """engine/exceptions.py names no rule: any rule `on exception_declaration` judges declarations, with its own
    message (fields filled in), suggestion, severity and basis."""
    from engine.check import check_text
    from engine.rulebook import compile_paths

    p = tmp_path / "own.rule"
    p.write_text(RULES + '''
rule EXT-EXC-PERIOD "例外声明没有期限" {
  family   fair_competition
  basis    "公平竞争审查条例实施办法" art 25 para 3
  severity error
  on       exception_declaration
  when     not 合理的实施期限或者终止条件 exists
  message  "在{声明位置}声明例外，没有写期限（适用范围：{适用范围}）"
  suggest  "写明期限"
}
''', encoding="utf-8")
    own = compile_paths([p])
    for engine in ("python", "durable"):
        (f,) = [f for f in check_text(draft(), "草案.txt", rs=own, engine=engine) if f.rule == "EXT-EXC-PERIOD"]
        assert f.message == "在“第四条”声明例外，没有写期限（适用范围：“第三条”）" and f.severity == "error"
        assert f.path == "第四条" and f.basis == "《公平竞争审查条例实施办法》第二十五条第三款"
        assert f.bases[0]["text"].startswith("本条所称合理的实施期限")
    complete = draft("，经评估没有对公平竞争影响更小的替代方案", "，有效期至2027年12月31日")
    assert not [f for f in check_text(complete, "草案.txt", rs=own, engine=ENGINE) if f.rule == "EXT-EXC-PERIOD"]


def test_a_field_in_a_text_rule_message_is_refused():
    from dsl.compiler import CompileError, compile_files
    from dsl.lawtext import load_lawbook
    from dsl.parser import parse_text

    with pytest.raises(CompileError) as e:
        compile_files([parse_text(RULES.replace("强制外地经营者在本地设立分支机构\"", "强制{例本地}\""), "t.rule")],
                      load_lawbook())
    assert "只能用于结构化事实的规则" in str(e.value)


def test_a_wrong_declaration_example_says_what_the_engine_found(rs):
    """A failing example of a rule `on exception_declaration` shows the declarations found and their fields (or that
    none was found), not text-unit conditions that do not apply to it."""
    from reports.rule_docs import explain_example

    rule = rs.by_id()[RULE_ID]
    none = explain_example(rs, rule, "本措施适用例外。", True, 1, set())
    assert "没有找到例外声明" in none and "document.rule" in none
    text = "为实现节约能源的社会公共利益，本措施适用《公平竞争审查条例》第十二条规定的例外情形，没有替代方案，有效期三年内。"
    found = explain_example(rs, rule, text, True, 1, set())
    assert "适用情形：第1行“节约能源”" in found and "缺少要件：无" in found and "when 成立" not in found
