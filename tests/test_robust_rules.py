"""The rule loader never crashes: every bad rule file is a RuleLoadError with file:line:col and a caret.

The inputs are the crashing ones of issue 10, built here in code: an unknown string escape (was VisitError), a basis
citing article 1000 (was IndexError in cn_numeral), a thousand nested parentheses and a thousand `not` (was
RecursionError), and catastrophic regexes (were accepted and would hang a check)."""
import time

import pytest

from dsl.errors import RuleLoadError
from dsl.lawtext import cn_numeral, parse_cn_numeral
from dsl.loader import compile_rules
from dsl.parser import MAX_NESTING, RuleSyntaxError, parse_text

RULE = '''rule FC-T-1 "标题" {{
  family   fair_competition
  basis    "公平竞争审查条例" art {art}
  when     {when}
  message  {message}
  suggest  "s"
  violates "本地企业优先"
  passes   "外地企业"
}}
'''


def rule(art="9 item 2", when='"本地"', message='"m"'):
    return RULE.format(art=art, when=when, message=message)


def load(tmp_path, text, name="x.rule"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return compile_rules([p]), p


def assert_clean(err: Exception, path, line: int, col: int | None = None):
    msg = str(err)
    assert isinstance(err, RuleLoadError)
    head = f"{path}:{line}:" if col is None else f"{path}:{line}:{col}:"
    assert msg.startswith(head), msg
    assert msg.splitlines()[-1].strip().endswith("^"), msg   # the caret line
    assert "Traceback" not in msg and "Error" not in msg.split("：", 1)[0]


# ---- strings ---------------------------------------------------------------------------------------------------

def test_unknown_escape_is_a_clean_error_at_the_backslash(tmp_path):
    with pytest.raises(RuleLoadError) as e:
        load(tmp_path, rule(message='"须在本地\\q注册"'))
    msg = str(e.value)
    col = '  message  "须在本地'.__len__() + 1
    assert_clean(e.value, tmp_path / "x.rule", 5, col)
    assert "“\\q”不是有效的转义" in msg and "\\uXXXX" in msg


@pytest.mark.parametrize("literal, text", [
    (r'"a\"b"', 'a"b'), (r'"a\\b"', "a\\b"), (r'"\u4e2d\u6587"', "中文"), (r'"x\/y"', "x/y"),
    (r'"\ud83d\ude00"', "\U0001F600"), (r'"tab\there"', "tab\there"),
])
def test_valid_escapes_decode_as_documented(literal, text):
    f = parse_text(rule(message=literal), "t.rule")
    assert f.rules[0].message == text


@pytest.mark.parametrize("literal, words", [
    (r'"\u12"', "四位十六进制"), (r'"\ud800"', "代理项的前半"), (r'"\udc00x"', "单独的代理项后半"), (r'"a\x41"', "“\\x”"),
])
def test_bad_escapes_name_what_was_expected(literal, words):
    with pytest.raises(RuleSyntaxError) as e:
        parse_text(rule(message=literal), "t.rule")
    assert words in str(e.value) and str(e.value).startswith("t.rule:5:")


# ---- the law -----------------------------------------------------------------------------------------------------

def test_basis_citing_article_1000_is_a_clean_error(tmp_path):
    with pytest.raises(RuleLoadError) as e:
        load(tmp_path, rule(art="1000"))
    assert_clean(e.value, tmp_path / "x.rule", 3)
    assert "第一千条 不存在" in str(e.value) and "《》" not in str(e.value)


def test_huge_numbers_are_refused_where_they_are(tmp_path):
    for art, words in (("99999999999999999999999", "条款编号"), ("9" * 5000, "条款编号")):
        with pytest.raises(RuleLoadError) as e:
            load(tmp_path, rule(art=art))
        assert_clean(e.value, tmp_path / "x.rule", 3)
        assert words in str(e.value) and len(str(e.value)) < 1000
    with pytest.raises(RuleLoadError) as e:
        load(tmp_path, rule(when='"本地" near(' + "9" * 5000 + ') "企业"'))
    assert "距离" in str(e.value)


def test_cn_numeral_is_total():
    assert [cn_numeral(n) for n in (0, 10, 12, 25, 100, 105, 110, 999)] == [
        "零", "十", "十二", "二十五", "一百", "一百零五", "一百一十", "九百九十九"]
    assert [cn_numeral(n) for n in (1000, 1005, 1050, 10000, 100000, 100000001)] == [
        "一千", "一千零五", "一千零五十", "一万", "十万", "一亿零一"]
    assert cn_numeral(-3) == "负三" and cn_numeral(10 ** 30)
    for n in list(range(0, 3000)) + [10 ** k + d for k in range(3, 13) for d in (0, 1, 10, 999)]:
        assert parse_cn_numeral(cn_numeral(n)) == n
    assert parse_cn_numeral("") is None and parse_cn_numeral("²") is None and parse_cn_numeral("条") is None


# ---- nesting -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("when", [
    "(" * 1000 + '"本地"' + ")" * 1000,
    "not " * 1000 + '"本地"',
    "(" * 1000 + '"本地"',                  # unbalanced as well
    '"本地" and ' + "(" * 500 + '"甲" or ' * 1 + '"乙"' + ")" * 500,
])
def test_deep_nesting_is_a_clean_error_both_ways(tmp_path, when):
    text = rule(when=when)
    started = time.perf_counter()
    with pytest.raises(RuleSyntaxError) as e:
        parse_text(text, "deep.rule")
    assert str(e.value).startswith("deep.rule:4:") and "嵌套过深" in str(e.value)
    with pytest.raises(RuleLoadError) as e:
        load(tmp_path, text)
    assert_clean(e.value, tmp_path / "x.rule", 4)
    assert time.perf_counter() - started < 2


def test_nesting_within_the_limit_still_loads(tmp_path):
    depth = MAX_NESTING - 2
    rs, _ = load(tmp_path, rule(when="(" * depth + '"本地"' + ")" * depth))
    assert rs.rules[0].id == "FC-T-1"


def test_parentheses_inside_strings_regexes_and_comments_do_not_count():
    text = "# " + "(" * 100 + "\n" + rule(when='"' + "(" * 100 + '" or /\\(' + "\\(" * 40 + "/", message='"((("')
    f = parse_text(text, "t.rule")
    assert f.rules[0].message == "((("


def test_regex_groups_nested_too_deep_are_refused():
    with pytest.raises(RuleSyntaxError) as e:
        parse_text(rule(when="/" + "(" * 200 + "a" + ")" * 200 + "/"), "t.rule")
    assert "括号嵌套过深" in str(e.value)
    with pytest.raises(RuleSyntaxError) as e:
        parse_text(rule(when="/a{99999999999999999999}/"), "t.rule")
    assert "重复次数过大" in str(e.value)


def test_long_lines_show_a_window_around_the_caret(tmp_path):
    text = rule(when='"本地" and ' + '"甲" and ' * 2000 + "\\q")
    with pytest.raises(RuleLoadError) as e:
        load(tmp_path, text)
    assert len(str(e.value)) < 600 and "…" in str(e.value)


def test_a_file_that_is_not_utf8_names_the_place(tmp_path):
    p = tmp_path / "gbk.rule"
    p.write_bytes(rule(message='"本地企业"').encode("gb18030"))
    with pytest.raises(RuleLoadError) as e:
        compile_rules([p])
    assert_clean(e.value, p, 1, 14)     # the first byte of 标题
    assert "UTF-8" in str(e.value)


def test_unreadable_file_is_a_rule_load_error(tmp_path):
    with pytest.raises(RuleLoadError) as e:
        compile_rules([tmp_path / "missing.rule"])
    assert "无法读取规则文件" in str(e.value)


def test_compile_errors_carry_a_caret(tmp_path):
    with pytest.raises(RuleLoadError) as e:
        load(tmp_path, rule(when="未定义词组"))
    assert_clean(e.value, tmp_path / "x.rule", 4)


# ---- catastrophic regexes -----------------------------------------------------------------------------------------

EVIL = [r"(本地\w+)+有限公司", r"(a|a)*b", r"(\d|\d\d)*!", r"(x+x+)+y", r"([^，]*X)*Y", r"\d+\d+\d+元"]
SAFE = [r"本[县区]", r"(A|B)[^。]{0,9}(C|D)", r"违规(为|向)[^，。；]{0,20}(核发|办理)", r"\d+万元", r"(本|本地)+X",
        r"[\d一二三四五六七八九十两]+个?年(内|以内)[^，。；]{0,4}不得"]


def test_static_check_flags_the_classic_shapes():
    from engine.regex_guard import risks

    for p in EVIL:
        assert risks(p), p
    for p in SAFE[:4]:
        assert not risks(p), p


def test_trial_refuses_the_slow_and_passes_the_fast():
    from engine.regex_guard import slow_patterns

    started = time.perf_counter()
    slow = slow_patterns(EVIL[:2] + SAFE, budget=0.3)
    assert set(slow) == set(EVIL[:2])
    assert "超过" in slow[EVIL[0]] and "嵌套量词" in slow[EVIL[0]]
    assert time.perf_counter() - started < 8


def test_a_slow_rule_regex_is_a_load_error_naming_the_rule(tmp_path, monkeypatch):
    from engine import regex_guard
    from engine.rulebook import compile_paths

    monkeypatch.setattr(regex_guard, "TRIAL_BUDGET", 0.3)
    p = tmp_path / "slow.rule"
    p.write_text('terms 坏 = /(本地\\w+)+有限公司/ | "甲"\n' + rule(when="坏"), encoding="utf-8")
    with pytest.raises(RuleLoadError) as e:
        compile_paths([p])
    msg = str(e.value)
    assert f"FC-T-1（{p}:2）" in msg and "词组“坏”" in msg and "灾难性回溯" in msg


def test_every_bundled_rule_regex_passes_the_guard():
    from dsl.loader import rule_files
    from engine.regex_guard import slow_patterns
    from engine.rulebook import rule_regexes

    rs = compile_rules(rule_files())
    assert slow_patterns(list(rule_regexes(rs))) == {}


def test_a_slow_regex_in_a_document_fact_group_is_a_load_error(tmp_path, monkeypatch):
    """The groups engine/context.py reads pass the same guard as the rules' regexes."""
    from engine import regex_guard
    from engine.rulebook import compile_paths

    monkeypatch.setattr(regex_guard, "TRIAL_BUDGET", 0.3)
    p = tmp_path / "doc.rule"
    p.write_text('terms 例外声明 for doc.exception = /(例外\\w+)+规定/\n' + rule(when='"甲"'), encoding="utf-8")
    with pytest.raises(RuleLoadError) as e:
        compile_paths([p])
    msg = str(e.value)
    assert f"文件事实 doc.exception（{p}:1）" in msg and "词组“例外声明”" in msg and "灾难性回溯" in msg
