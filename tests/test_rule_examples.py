"""Every rule's embedded examples (`violates` / `passes` in rules/**/*.rule), one pytest case per rule:

    pytest tests/test_rule_examples.py -k FC-14-1-a

The ids are collected when this file is imported, from the compiled rules, so a new rule gets its test with no edit
here. Each example goes through the whole checker with both evaluators (durable-rules and the plain-Python oracle,
engine/oracle.py), which must agree on every rule they find; the rule must fire on each `violates` sentence and stay
quiet on each `passes` sentence. A failure prints the sentence, what was expected, and per sentence which words were
found, which `when` condition did not hold and which `unless` entry fired (reports.rule_docs.explain_example).
"""
from pathlib import Path

import pytest

from engine.check import check_text
from engine.errors import RuleLoadError
from engine.rulebook import compile_paths, load_rules
from reports.rule_docs import explain_example

try:
    RULES, LOAD_ERROR = load_rules(), ""
except RuleLoadError as e:           # one clear failure below instead of a collection error
    RULES, LOAD_ERROR = None, str(e)
RULE_IDS = [r.id for r in RULES.rules if r.examples] if RULES else []


def example_problems(rs, rule) -> list[str]:
    """What is wrong with one rule's examples, one readable paragraph each ([] when every example holds)."""
    problems = []
    for text, violating, line in rule.examples:
        durable = check_text(text, "<example>", rs, "durable", precedents=False)
        oracle = check_text(text, "<example>", rs, "python", precedents=False)
        d, o = {f.rule for f in durable}, {f.rule for f in oracle}
        if d != o:
            problems.append(f"{rule.id} 例句 {rule.source.rsplit(':', 1)[0]}:{line}：两个求值引擎结果不同\n"
                            f"  例句：{text}\n  只有 durable 查出：{'、'.join(sorted(d - o)) or '无'}；"
                            f"只有 Python 求值器查出：{'、'.join(sorted(o - d)) or '无'}")
        if (rule.id in d) != violating:
            problems.append(explain_example(rs, rule, text, violating, line, d, durable))
    return problems


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule(rule_id):
    rule = RULES.by_id()[rule_id]
    problems = example_problems(RULES, rule)
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def test_rules_load():
    if LOAD_ERROR:
        pytest.fail(f"规则加载失败，各规则的例句无法测试：{LOAD_ERROR}", pytrace=False)


def test_every_text_rule_is_collected():
    assert RULES is not None, LOAD_ERROR
    text_rules = {r.id for r in RULES.rules if r.on == "text"}
    assert text_rules and text_rules <= set(RULE_IDS)


BROKEN = """
terms 本地 = "本市" | "本县"
terms 分支 = "分公司" | "子公司"
terms 强制 = "须" | "必须"
terms 纠偏 = "不得要求" | "清理"

rule TST-1-a "要求外地经营者在本地设立分支机构" {
  family   fair_competition
  basis    "公平竞争审查条例" art 9 item 2
  severity error
  scope    sentence
  when     本地 near(20) 分支 and 强制
  unless   纠偏 or "鼓励"
  message  "强制外地经营者在本地设立分支机构"
  suggest  "删除设立分支机构的要求"
  violates "外地企业须在本市设立分公司。"
  violates "不得要求外地企业，但须在本市设立分公司。"
  violates "外地企业应在本市设立办事处。"
  passes   "鼓励外地企业在本市设立分公司。"
  passes   "参与投标的企业必须在本县设立子公司。"
}
"""


def test_a_wrong_example_names_its_rule_sentence_and_condition(tmp_path):
    """The failure text is what a rule author reads: it must say which sentence, what was expected and why."""
    path = tmp_path / "broken.rule"
    path.write_text(BROKEN, encoding="utf-8")
    rs = compile_paths([path])
    problems = example_problems(rs, rs.by_id()["TST-1-a"])
    assert len(problems) == 3, "\n\n".join(problems)
    fired, missed, wrong_pass = problems
    # a violating sentence held back by an unless entry: the entry is named
    assert "不得要求外地企业，但须在本市设立分公司。" in fired and "应当命中" in fired and "实际：未命中" in fired
    assert "排除情形 1 成立，故不命中：纠偏" in fired and "纠偏：“不得要求”" in fired
    # a violating sentence whose when does not hold: the missing condition and the found words are named
    assert "外地企业应在本市设立办事处。" in missed and "when 不成立" in missed
    assert "不成立的：本地 与 分支 相距不超过20字（没有分支的词）；强制（没有强制的词）" in missed and "本地：“本市”" in missed
    assert f"{path}:" in missed
    # a lawful sentence that fires: the checker's own explanation, and that no unless entry held
    assert "参与投标的企业必须在本县设立子公司。" in wrong_pass and "不应命中" in wrong_pass
    assert "排除情形一个也没有成立" in wrong_pass and "检查器的说明：" in wrong_pass


def test_failure_output_in_pytest(tmp_path):
    """Run pytest itself on a rule pack with one wrong example: the failing case is named after the rule and its
    report carries the sentence (what a newcomer sees in CI)."""
    import subprocess
    import sys

    path = tmp_path / "broken.rule"
    path.write_text(BROKEN, encoding="utf-8")
    test = tmp_path / "test_broken.py"
    test.write_text(
        "import sys, pytest\n"
        f"sys.path[:0] = [{str(Path(__file__).resolve().parent.parent)!r}, {str(Path(__file__).resolve().parent)!r}]\n"
        "from engine.rulebook import compile_paths\n"
        "from test_rule_examples import example_problems\n"
        f"RS = compile_paths([{str(path)!r}])\n"
        "@pytest.mark.parametrize('rule_id', [r.id for r in RS.rules])\n"
        "def test_rule(rule_id):\n"
        "    problems = example_problems(RS, RS.by_id()[rule_id])\n"
        "    if problems:\n"
        "        pytest.fail('\\n\\n'.join(problems), pytrace=False)\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark",
                        str(test)], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 1, r.stdout[-3000:] + r.stderr[-2000:]
    assert "test_rule[TST-1-a]" in r.stdout
    assert "参与投标的企业必须在本县设立子公司。" in r.stdout and "Traceback" not in r.stdout
