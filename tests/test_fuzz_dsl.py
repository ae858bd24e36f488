"""Fuzzing the rule language (issue 10, item 5): a mutated rule file either compiles to a RuleSet or is refused with a
RuleLoadError that names file:line:col — never any other exception.

The mutations are the ones that crashed the loader before (unknown escapes, article 1000, deep nesting, `not` a
thousand times, catastrophic regexes) plus random edits of a real, self-contained rule file. The profile is fixed
(derandomize, a set number of examples, no example database) so that CI runs the same inputs every time; for a longer
release run set POLICYLINT_FUZZ_EXAMPLES (README).
"""
import os
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl.compiled import RuleSet
from dsl.errors import RuleLoadError
from dsl.loader import compile_rules
from dsl.parser import parse_text

SEED = '''terms 本地   = "本地" | "本市" | "本区" | "本县" | "当地" | "辖区内"
terms 分支   = "分支机构" | "分公司" | "子公司" | "独立法人"
terms 强制   = "须" | "必须" | "应当" | "方可" | "否则"
terms 纠偏   = "清理" | "废止" | "纠正" | "不得要求" | "禁止要求"
terms 注册   = /在(本地|本市)(注册|登记)/ | 本地

rule FC-9-2 "要求外地经营者在本地设立分支机构" {
  family   fair_competition
  basis    "公平竞争审查条例" art 9 item 2
  severity error
  scope    sentence
  when     本地 near(20) 分支 and 强制 or (注册 before "投标" within 30)
  unless   纠偏 before 分支
  message  "强制或者变相强制外地经营者在本地设立分支机构"
  suggest  "删除设立分支机构或本地注册的要求，以与注册地无关的履约能力条件代替"
  violates "外地企业参与本市项目投标的，须在本市设立分公司。"
  passes   "全面清理要求外地企业在本地设立分支机构的规定。"
}

rule FIL-PRE-CHECK "备案前现场核查或专家评审" {
  family   filing
  basis    "公平竞争审查条例实施办法" art 9 item 3
  severity error
  on       filing_item
  when     办理环节 has any("现场核查", "实地核查", "专家评审") and not 结果形式 == "告知性备案" and 办理天数 > 5
  message  "备案前设置现场核查、专家评审，属于具有行政审批性质的前置备案程序"
  suggest  "改为材料齐全即予备案，核查放在事中事后监管"
  tags     approval, pre_check
}
'''

# what crashed the loader in issue 10, and the grammar's own punctuation and keywords
TOKENS = ['"', "\\", "\\q", "\\u12", "\\ud800", "\\udc00", "\\x41", "\\u4e2d", "(", ")", "{", "}", "[", "]", "/", "|",
          "=", "==", "!=", ",", "near(", "near(99999999999)", "within 0", "within 4294967296", " before ", " after ",
          " and ", " or ", " not ", "not " * 300, "(" * 1000, ")" * 1000, "(" * 40 + '"本地"' + ")" * 40,
          " art 1000", " art 0", " item 99999", " part 1", " para 2", "/(a+)+$/", "/(a|a)*b/", "/[/", "/(?P<x>/",
          "/\\/", "/(?=a)/", "/a{99999}/", "/.*.*.*=.*/", "9" * 40, "1e309", "-0.5", "true", "false",
          "\n", "\t", "\r", "\x00", "\ufeff", "\u3000", "“", "”", "：", "本地", "terms", "rule ", "family ",
          "basis ", "scope document", "severity info", "on case_record", "has all(", "contains ", " exists",
          " in [", "set category = ", "table \"x.csv\" column \"名称\"", "#", "doc.kind == ", "FC-1-1",
          "rule FC-9-2 \"重复\" { }", "terms 本地 = 本地", "terms 环 = 环"]


@st.composite
def mutated(draw):
    text = SEED
    rnd = random.Random(draw(st.integers(0, 2 ** 32)))   # positions uniform over the text (drawn integers favour 0)
    for _ in range(draw(st.integers(1, 3))):
        n = len(text)
        kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "char"]))
        i = rnd.randint(0, n)
        j = min(n, i + draw(st.integers(0, 80)))
        if kind == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif kind == "delete":
            text = text[:i] + text[j:]
        elif kind == "replace":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[j:]
        elif kind == "duplicate":
            text = text[:j] + text[i:j] * draw(st.integers(1, 50)) + text[j:]
        else:
            text = text[:i] + draw(st.text(min_size=1, max_size=3)) + text[i:]
    return text


EXAMPLES = int(os.environ.get("POLICYLINT_FUZZ_EXAMPLES", "0")) or None
PROFILE = dict(derandomize=True, database=None, deadline=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
WHERE = re.compile(r"^(?P<file>[^\n]*?\.rule):(?P<line>\d+):(?P<col>\d+):")


def assert_located(err: RuleLoadError, name: str, text: str):
    msg = str(err)
    m = WHERE.match(msg)
    assert m, f"no file:line:col in: {msg[:300]!r}"
    assert m["file"].endswith(name), msg[:300]
    assert 1 <= int(m["line"]) <= text.count("\n") + text.count("\r") + 2, msg[:300]
    assert "Traceback" not in msg


def test_seed_compiles(tmp_path):
    p = tmp_path / "seed.rule"
    p.write_text(SEED, encoding="utf-8")
    rs = compile_rules([p])
    assert isinstance(rs, RuleSet) and [r.id for r in rs.rules] == ["FC-9-2", "FIL-PRE-CHECK"]


@settings(max_examples=EXAMPLES or 5000, **PROFILE)
@given(mutated())
def test_mutated_rule_text_parses_or_fails_with_a_location(text):
    try:
        parse_text(text, "fuzz.rule")
    except RuleLoadError as e:
        assert_located(e, "fuzz.rule", text)


@pytest.fixture(scope="module")
def rule_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz_rules")


@settings(max_examples=EXAMPLES or 1200, **PROFILE)
@given(mutated())
def test_mutated_rule_file_compiles_or_fails_with_a_location(rule_dir, text):
    p = rule_dir / "fuzz.rule"
    p.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    try:
        rs = compile_rules([p])
    except RuleLoadError as e:
        assert_located(e, "fuzz.rule", text)
    else:
        assert isinstance(rs, RuleSet)


@settings(max_examples=EXAMPLES or 500, **PROFILE)
@given(st.binary(max_size=600), st.integers(0, len(SEED.encode())))
def test_bytes_that_are_not_utf8_are_a_located_error(rule_dir, junk, at):
    raw = SEED.encode("utf-8")
    p = rule_dir / "bytes.rule"
    p.write_bytes(raw[:at] + junk + raw[at:])
    try:
        compile_rules([p])
    except RuleLoadError as e:
        assert str(e).startswith(str(p)) or WHERE.match(str(e)), str(e)[:300]
