"""`policylint rules coverage`: every item of the fair-competition review standards must have a rule."""
from __future__ import annotations

import json
import subprocess

import pytest

from conftest import ROOT, policylint_cmd
from dsl.coverage import MEASURES, REGULATION, coverage_rows, standard_items
from dsl.lawtext import load_lawbook

ONE_RULE = '''
terms 保证金词 = "保证金"
rule T-24 "要求缴纳保证金" {
  family   fair_competition
  basis    "公平竞争审查条例实施办法" art 24
  basis    "公平竞争审查条例" art 10 item 4
  severity warning
  when     保证金词 and "缴纳"
  message  "要求经营者缴纳保证金"
  suggest  "删除保证金要求"
  violates "入园企业须缴纳诚信保证金。"
  passes   "不收取任何费用。"
  passes   "退还全部押金。"
}
'''


def test_rows_come_from_the_law_text():
    rows = standard_items(load_lawbook())
    regulation = [r for r in rows if r[0] == REGULATION]
    measures = [r for r in rows if r[0] == MEASURES]
    # 条例第八至十一条：5 + 6 + 4 + 4 项
    assert len(regulation) == 19
    # 实施办法第九至二十三条共 66 项（见 reference），第二十四条无项，算一行
    assert len([r for r in measures if r[1] <= 23]) == 66
    assert (MEASURES, 24, None) in measures
    assert {r[1] for r in measures} == set(range(9, 25))


def test_every_standard_item_has_a_rule(pack_rules):
    rows = coverage_rows(pack_rules, load_lawbook())
    missing = [r["citation"] for r in rows if not r["rules"]]
    assert not missing, "这些审查标准项没有规则：" + "、".join(missing)


def test_every_implementing_rule_has_examples_both_ways(pack_rules):
    for row in coverage_rows(pack_rules, load_lawbook()):
        if row["rules"]:
            assert row["violating_examples"] >= 1 and row["lawful_examples"] >= 1, row["citation"]


def test_rows_count_rules_and_examples_of_a_small_ruleset(tmp_path):
    from engine.rulebook import compile_paths

    f = tmp_path / "one.rule"
    f.write_text(ONE_RULE, encoding="utf-8")
    rows = coverage_rows(compile_paths([f]), load_lawbook())
    by_key = {(r["instrument"], r["article"], r["item"]): r for r in rows}
    art24 = by_key[(MEASURES, 24, None)]
    assert art24["rules"] == ["T-24"]
    assert (art24["violating_examples"], art24["lawful_examples"]) == (1, 2)
    assert art24["citation"] == "《公平竞争审查条例实施办法》第二十四条"
    assert by_key[(REGULATION, 10, 4)]["rules"] == ["T-24"]
    # an article-level basis does not cover the items of other articles, nor an item basis the whole article
    assert by_key[(REGULATION, 10, 1)]["rules"] == []
    assert by_key[(MEASURES, 18, 1)]["rules"] == []
    assert sum(1 for r in rows if r["rules"]) == 2


def test_handler_exits_1_when_an_item_has_no_rule(tmp_path, monkeypatch, capsys):
    import argparse

    import engine.cli.rules as cov
    from engine.rulebook import compile_paths

    f = tmp_path / "one.rule"
    f.write_text(ONE_RULE, encoding="utf-8")
    small = compile_paths([f])
    monkeypatch.setattr("engine.rulebook.load_rules", lambda *a, **k: small)
    assert cov.cmd_coverage(argparse.Namespace(format="text", uncovered=False)) == 1
    out = capsys.readouterr().out
    assert "法规" in out and "条款" in out and "实现规则" in out
    assert "没有规则 84 项" in out
    assert cov.cmd_coverage(argparse.Namespace(format="json", uncovered=True)) == 1
    missing = json.loads(capsys.readouterr().out)
    assert len(missing) == 84 and all(not r["rules"] for r in missing)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_output(fmt):
    proc = subprocess.run(policylint_cmd() + ["rules", "coverage", "--format", fmt],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    if fmt == "json":
        rows = json.loads(proc.stdout)
        assert len(rows) == 86
        assert set(rows[0]) >= {"instrument", "article", "item", "citation", "rules",
                                "violating_examples", "lawful_examples"}
        assert proc.returncode == (1 if any(not r["rules"] for r in rows) else 0)
    else:
        assert proc.stdout.splitlines()[0].startswith("法规")
        assert "审查标准共 86 项" in proc.stdout
