"""policylint campaign: the clean-up ledger (keep / revise / repeal per document) and the changes since the ledger
of an earlier run; the same ledger through Dask."""
import subprocess

import pytest
from openpyxl import load_workbook

from conftest import policylint_cmd
from engine.finding import Finding
from reports import campaign


def _f(rule, severity="error", path="第三条", family="fair_competition"):
    return Finding(file="a.txt", rule=rule, title=rule, family=family, severity=severity, basis="b", message="m",
                   suggestion="s", line=3, path=path)


def test_suggestion_rules():
    assert campaign.row_for("a", campaign.summarize([])).suggestion == "保留"
    assert campaign.row_for("a", campaign.summarize([_f("R", "info")])).suggestion == "保留"
    assert campaign.row_for("a", campaign.summarize([_f("R", "warning")])).suggestion == "修订"
    assert campaign.row_for("a", campaign.summarize([_f("R"), _f("R", path="第四条")])).suggestion == "修订"
    many = [_f("R", path=f"第{n}条第一款") for n in "一二三四五"]
    assert campaign.row_for("a", campaign.summarize(many)).suggestion == "废止"
    rules = [_f(f"R{i}") for i in range(4)]
    row = campaign.row_for("a", campaign.summarize(rules))
    assert row.suggestion == "废止" and row.rules == ["R0", "R1", "R2", "R3"] and row.articles == ["第三条"]
    assert campaign.row_for("a", None, "文件为空").suggestion == "未能检查"


def test_diff_kinds():
    old = [campaign.LedgerRow("a", "修订", "", rules=["R1"]), campaign.LedgerRow("b", "保留", ""),
           campaign.LedgerRow("gone", "修订", "", rules=["R2"])]
    new = [campaign.LedgerRow("a", "修订", "", rules=["R1", "R3"]), campaign.LedgerRow("b", "修订", "", rules=["R4"]),
           campaign.LedgerRow("c", "保留", "")]
    got = {(c.file, c.kind, c.before, c.after, tuple(c.added_rules), tuple(c.removed_rules))
           for c in campaign.diff(old, new)}
    assert got == {("a", "问题变化", "修订", "修订", ("R3",), ()), ("b", "建议改变", "保留", "修订", ("R4",), ()),
                   ("c", "新增文件", "", "保留", (), ()), ("gone", "不再列入", "修订", "", (), ("R2",))}


@pytest.fixture
def folder(tmp_path, pack_rules):
    from test_bench import make_draft

    d = tmp_path / "清理"
    (d / "教育局").mkdir(parents=True)
    for i in range(4):
        (d / "教育局" / f"文件{i}.txt").write_text(make_draft(pack_rules, 2500, 70 + i), encoding="utf-8")
    (d / "平静.txt").write_text("本办法自印发之日起施行。各部门按照职责分工做好相关工作。\n", encoding="utf-8")
    return d


def _run(*args):
    return subprocess.run(policylint_cmd() + list(args), capture_output=True, text=True, timeout=600)


def _sheet(path, name):
    wb = load_workbook(path, read_only=True)
    rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
    wb.close()
    return rows


def test_ledger_then_changes_after_the_documents_change(folder, tmp_path):
    first = tmp_path / "第一轮.xlsx"
    r = _run("campaign", str(folder), "-o", str(first))
    assert r.returncode == 1, r.stderr
    assert "共 5 件" in r.stdout and "建议保留 1 件" in r.stdout
    rows = _sheet(first, "清理台账")
    assert rows[0] == campaign.HEADER
    by_file = {x[1]: x for x in rows[1:]}
    assert set(by_file) == {"平静.txt"} | {f"教育局/文件{i}.txt" for i in range(4)}
    assert by_file["平静.txt"][2] == "保留" and by_file["平静.txt"][4] == 0
    assert all(by_file[f"教育局/文件{i}.txt"][2] in ("修订", "废止") for i in range(4))
    # the same ledger checked in Dask workers
    dist = tmp_path / "dask.xlsx"
    assert _run("campaign", str(folder), "-o", str(dist), "--dask", "local:2").returncode == 1
    assert _sheet(dist, "清理台账") == rows
    # a document revised (its problems removed), one repealed (deleted), one new: the second run lists them
    (folder / "教育局" / "文件0.txt").write_text("本办法自印发之日起施行。\n", encoding="utf-8")
    (folder / "教育局" / "文件1.txt").unlink()
    (folder / "新文件.txt").write_text((folder / "教育局" / "文件2.txt").read_text(encoding="utf-8"), encoding="utf-8")
    second = tmp_path / "第二轮.xlsx"
    r = _run("campaign", str(folder), "-o", str(second), "--previous", str(first))
    assert r.returncode == 1, r.stderr
    changes = {x[0]: x[1:4] for x in _sheet(second, "变化")[1:]}
    assert changes["教育局/文件0.txt"] == ["建议改变", by_file["教育局/文件0.txt"][2], "保留"]
    assert changes["教育局/文件1.txt"][0] == "不再列入"
    assert changes["新文件.txt"][0] == "新增文件"
    assert "教育局/文件3.txt" not in changes
    assert "建议改变 1 件" in r.stdout


def test_bad_inputs_are_one_chinese_line(folder, tmp_path):
    (folder / "坏.docx").write_bytes(b"PK\x03\x04 broken")
    out = tmp_path / "t.xlsx"
    r = _run("campaign", str(folder), "-o", str(out))
    assert r.returncode == 2 and "坏.docx" in r.stderr and "Traceback" not in r.stderr
    assert any(x[1] == "坏.docx" and x[2] == "未能检查" for x in _sheet(out, "清理台账"))
    for args, words in ((["-o", str(tmp_path / "t.csv")], ".xlsx"),
                        (["-o", str(out), "--previous", str(tmp_path / "none.xlsx")], "不存在"),
                        (["-o", str(out), "--previous", str(folder / "平静.txt")], ".xlsx"),
                        (["-o", str(tmp_path / "no" / "t.xlsx")], "目录不存在")):
        r = _run("campaign", str(folder), *args)
        assert r.returncode == 2 and words in r.stderr and "内部错误" not in r.stderr, (args, r.stderr)
        assert len(r.stderr.strip().splitlines()) >= 1 and "Traceback" not in r.stderr
