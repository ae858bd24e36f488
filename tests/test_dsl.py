"""The rule language: parsing, the typed AST, and every error a rule author can make, with file:line:col."""
import pytest

from dsl import ast
from dsl.compiler import CompileError, compile_files
from dsl.lawtext import load_lawbook
from dsl.parser import RuleSyntaxError, parse_text

GOOD = '''
terms 本地 = "本地" | "本市" | /本[县区]/
terms 分支 = "分支机构" | "分公司"
terms 全部 = 本地 | 分支
rule FC-T-1 "标题" {
  family   fair_competition
  basis    "公平竞争审查条例实施办法" art 14 item 1
  basis    "公平竞争审查条例" art 9 item 2
  severity error
  scope    clause
  when     (本地 near(20) 分支 or 本地 before "设立" within 5) and not "鼓励"
  unless   "清理" after 本地
  message  "前半" "后半"
  suggest  "建议"
  confirm  "需核实"
  violates "须在本市设立分公司。"
  passes   "清理本市设立分公司的要求。"
  tags     branch, local
}
rule FIL-T-1 "结构化" {
  family   filing
  basis    "公平竞争审查条例实施办法" art 9 item 3
  on       filing_item
  when     办理环节 has any("现场核查", "专家评审") and 办理时限 >= 5 and 结果形式 in ["回执", "证书"]
           and 备注 contains 本地 and 有效期 exists and not 是否收费 == true
  message  "m"
  suggest  "s"
  set      category = "C4"
}
'''


def compile_text(text, path="t.rule"):
    return compile_files([parse_text(text, path)], load_lawbook())


def test_parse_builds_typed_ast():
    f = parse_text(GOOD, "t.rule")
    assert [t.name for t in f.terms] == ["本地", "分支", "全部"]
    rule = f.rules[0]
    assert rule.id == "FC-T-1" and rule.severity == "error" and rule.scope == "clause"
    assert rule.message == "前半后半"
    assert [(b.instrument, [(l.kind, l.number) for l in b.locators]) for b in rule.basis] == [
        ("公平竞争审查条例实施办法", [("art", 14), ("item", 1)]), ("公平竞争审查条例", [("art", 9), ("item", 2)])]
    assert isinstance(rule.when, ast.And) and isinstance(rule.when.args[0], ast.Or)
    assert isinstance(rule.unless, ast.Order) and rule.unless.second.text == "清理"  # 本地 before "清理"
    assert [e.violating for e in rule.examples] == [True, False] and rule.examples[0].pos.line == 16
    assert rule.tags == ["branch", "local"]
    fil = f.rules[1]
    assert fil.on == "filing_item" and fil.sets == {"category": "C4"}
    kinds = [a.kind for a in fil.when.args]
    assert kinds == ["has", "compare", "member", "contains", "exists", "not"]


def test_compile_good_rules():
    rs = compile_text(GOOD)
    r = rs.by_id()["FC-T-1"]
    assert r.basis_text == "《公平竞争审查条例实施办法》第十四条第（一）项；《公平竞争审查条例》第九条第（二）项"
    assert r.bases[0].text.startswith("强制、拒绝或者阻碍外地经营者")
    assert {p[1] for p in rs.partitions} == {"clause", "filing_item"}
    assert rs.groups["全部"][0] == ["本地", "本市", "分支机构", "分公司"]


@pytest.mark.parametrize("text, line, col, words", [
    ('rule FC-1 "x" {\n  family fair_competition\n  when 本地 and\n  message "x"\n}\n', 4, 3, "message"),
    ('terms 本地 = "a" |\n', 1, 16, "文件结尾"),
    ('rule FC-1 "x" {\n  severity fatal\n}\n', 2, 12, "应为：error/warning/info"),
    ('rule fc-1 "x" {}\n', 1, 6, "规则编号"),
    ('rule FC-1 "x" {\n  when 本地 near 20 分支\n}\n', 2, 16, "应为：“(”"),
    ('rule FC-1 "x" {\n  when "a" ？ "b"\n}\n', 2, 12, "无法识别的字符“？”"),
])
def test_syntax_errors_name_place_and_expectation(text, line, col, words):
    with pytest.raises(RuleSyntaxError) as e:
        parse_text(text, "bad.rule")
    msg = str(e.value)
    assert msg.startswith(f"bad.rule:{line}:{col}: 规则文件错误：")
    assert words in msg
    assert "^" in msg.splitlines()[-1]          # the caret line
    assert "Traceback" not in msg


HEAD = 'rule FC-1 "x" {\n  family fair_competition\n  basis "公平竞争审查条例" art 9 item 2\n  message "m"\n  suggest "s"\n'
EX = '  violates "a"\n  passes "b"\n}\n'


@pytest.mark.parametrize("text, words", [
    (HEAD + '  when 未定义词组\n' + EX, "未定义的词组“未定义词组”"),
    ('terms 甲 = 乙\nterms 乙 = 甲\n' + HEAD + '  when 甲\n' + EX, "循环引用"),
    ('terms 甲 = "a"\nterms 甲 = "b"\n' + HEAD + '  when 甲\n' + EX, "重复定义"),
    (HEAD + '  when "a"\n' + EX + HEAD + '  when "b"\n' + EX, "规则编号 FC-1 重复"),
    (HEAD.replace("art 9 item 2", "art 9 item 7") + '  when "a"\n' + EX, "第九条第（七）项 不存在"),
    (HEAD.replace("art 9 item 2", "art 99") + '  when "a"\n' + EX, "第九十九条 不存在"),
    (HEAD.replace("公平竞争审查条例", "不存在的条例") + '  when "a"\n' + EX, "不在内置法规文本中"),
    (HEAD + '  when "a" and not "a"\n' + EX, "永远不会命中"),
    (HEAD + '  when "a" before "b" and not "b"\n' + EX, "永远不会命中"),
    (HEAD + '  when not "a"\n' + EX, "不要求出现任何词语"),
    (HEAD + '  when "a"\n  violates "a"\n}\n', "至少需要一个 violates 例句和一个 passes 例句"),
    (HEAD + '  when /(/\n' + EX, "无法编译"),
    (HEAD + '  when /a*/\n' + EX, "空字符串"),
    (HEAD + '  when 办理时限 > 5 and "a"\n' + EX, "文本规则只能使用 doc.*"),
    (HEAD.replace("family fair_competition", "family other") + '  when "a"\n' + EX, "family“other”未知"),
    ('rule FC-1 "x" {\n  when "a"\n' + EX, "缺少：family、basis、message、suggest"),
])
def test_load_time_errors(text, words):
    with pytest.raises(CompileError) as e:
        compile_text(text, "bad.rule")
    assert words in str(e.value)
    assert str(e.value).startswith("bad.rule:")


def test_loader_reports_bad_file_as_user_error(tmp_path):
    from engine.rulebook import load_rules
    from engine.errors import RuleLoadError

    p = tmp_path / "bad.rule"
    p.write_text('rule FC-1 "x" {\n  family fair_competition\n  when 本地 and\n}\n', encoding="utf-8")
    with pytest.raises(RuleLoadError) as e:
        load_rules([p], use_cache=False)
    assert f"{p}:4:1:" in str(e.value)


def test_regex_anchors():
    from dsl.compiler import regex_anchors
    assert regex_anchors("本[县区]") == (("本",),)
    assert regex_anchors("注册资本.{0,5}(万元|亿元)以上") == (("注册资本",), ("以上",), ("万元", "亿元"))
    assert regex_anchors("(须|必须)在本地") == (("在本地",),)
    assert regex_anchors(r"\d+") is None
    assert regex_anchors("(甲|乙)?丙") == (("丙",),)


INTERP = '''
terms 本地 = "本地" | "本市"
terms 登记 = "注册" | /登记(注册)?/
rule FC-T-9 "t" {
  family fair_competition
  basis "公平竞争审查条例实施办法" art 14 item 1
  when /在{本地}[^，。]{0,4}{登记}/
  message "m"
  suggest "s"
  violates "须在本市注册。"
  passes   "欢迎企业来投资。"
}
'''


def test_regex_names_a_concept_in_braces_and_keeps_quantifiers():
    rs = compile_text(INTERP)
    patterns = [a for a in map(str, rs.atoms) if "本市" in a]
    assert patterns, rs.atoms
    p = patterns[0]
    assert "(?:本地|本市)" in p and "{0,4}" in p and "(?:登记(注册)?)" in p


def test_regex_with_unknown_concept_fails_at_its_place():
    with pytest.raises(CompileError) as e:
        compile_text(INTERP.replace("{登记}", "{登计}"))
    assert "登计" in str(e.value) and "t.rule:" in str(e.value)


def test_table_terms_read_a_csv_column_beside_the_rule_file(tmp_path):
    (tmp_path / "places.csv").write_text("name,short,ambiguous\n罗江区,罗江,\n朝阳区,朝阳,常用词\n", encoding="utf-8")
    text = ('terms 地名 = table "places.csv" column "name" | table "places.csv" column "short" skip "ambiguous"\n'
            + INTERP.replace("{本地}", "").replace("when /在[^，。]{0,4}{登记}/", "when 地名 before 登记 within 4"))
    rs = compile_text(text, path=str(tmp_path / "t.rule"))
    words = rs.groups["地名"][0]
    assert {"罗江", "罗江区", "朝阳区"} <= set(words) and "朝阳" not in words   # 朝阳: a common word, skipped
    with pytest.raises(CompileError) as e:
        compile_text(text.replace('column "short"', 'column "简称"'), path=str(tmp_path / "t.rule"))
    assert "简称" in str(e.value) and "没有" in str(e.value)


def test_loader_warns_on_a_group_nobody_uses(tmp_path):
    import warnings as w

    from dsl.loader import UnusedGroupWarning, compile_rules

    f = tmp_path / "t.rule"
    f.write_text(INTERP + '\nterms 没人用 = "甲" | "乙"\n', encoding="utf-8")
    with w.catch_warnings(record=True) as got:
        w.simplefilter("always")
        compile_rules([f])
    msgs = [str(x.message) for x in got if issubclass(x.category, UnusedGroupWarning)]
    assert len(msgs) == 1 and "没人用" in msgs[0] and "t.rule:" in msgs[0]


FACT = INTERP + '''
terms 协议名称 = "协议" | "合同"
terms 文件种类_协议 for doc.kind = 协议名称 | /框架协议(书)?/ | "意向书"
'''


def test_a_group_marked_for_a_document_fact_is_used_and_kept_in_order(tmp_path):
    """`terms X for doc.kind = …`: the engine reads the group (engine/context.py), so it is not unused; the compiled
    rules keep its terms in the order written, group references expanded in place, also in the cache."""
    import pickle
    import warnings as w

    from dsl.loader import UnusedGroupWarning, compile_rules

    f = tmp_path / "t.rule"
    f.write_text(FACT, encoding="utf-8")
    with w.catch_warnings(record=True) as got:
        w.simplefilter("always")
        rs = compile_rules([f])
    assert not [x for x in got if issubclass(x.category, UnusedGroupWarning)] and rs.unused_groups == []
    g = pickle.loads(pickle.dumps(rs.for_cache())).context_groups["文件种类_协议"]
    assert g.fact == "kind" and g.source == f"{f}:{FACT[:FACT.index('terms 文件种类')].count(chr(10)) + 1}"
    assert g.terms == [("L", "协议"), ("L", "合同"), ("R", "框架协议(书)?"), ("L", "意向书")]
    assert g.literals == ["协议", "合同", "意向书"] and g.pattern == "协议|合同|(?:框架协议(书)?)|意向书"
    assert list(rs.context_groups) == ["文件种类_协议"]   # unmarked groups are the rules' business


def test_a_document_fact_must_be_one_the_engine_works_out():
    with pytest.raises(CompileError) as e:
        compile_text(FACT.replace("for doc.kind", "for doc.issuer"))
    assert "doc.issuer 未知" in str(e.value) and "doc.kind、doc.economic、doc.exception" in str(e.value)
    with pytest.raises(RuleSyntaxError) as e:
        parse_text('terms 甲 for kind = "a"\n', "bad.rule")
    assert "文件事实（如 doc.kind）" in str(e.value)


def test_shipped_rules_have_no_unused_group():
    from dsl.loader import compile_rules, rule_files

    assert compile_rules(rule_files()).unused_groups == []
