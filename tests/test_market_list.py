"""The market-access negative list as data: bundled editions, import with validation, lookup, the check post-step,
the `list` commands, and the negative_list text rules' embedded examples."""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from engine.records import market_list as ml
from engine.errors import UserError
from engine.finding import Finding
from engine.market_access import annotate

ROOT = Path(__file__).resolve().parent.parent
CLI = [str(ROOT / ".venv" / "bin" / "policylint")]
ENGINE = "python"


def write_table(path: Path, forbid: int, permit: int, *, dup_code: bool = False,
                measures_per_item: int = 2) -> Path:
    """A table shaped like the published list: section rows, one row per measure, merged cells left blank."""
    rows = [["序号", "禁止或许可事项", "事项编码", "禁止或许可准入措施描述", "主管部门", "地方性许可事项"], ["一、禁止准入类"]]
    for i in range(1, forbid + 1):
        rows.append([i, f"禁止事项{i}", f"1000{i:02d}", f"禁止措施{i}-1", "部门甲", ""])
        rows += [["", "", "", f"禁止措施{i}-{k}", "", ""] for k in range(2, measures_per_item + 1)]
    rows.append(["二、许可准入类"])
    for i in range(1, permit + 1):
        code = "200001" if dup_code and i == permit else f"2{i:05d}"
        name = f"未获得许可，不得从事甲{i}号特定业务"
        rows.append([forbid + i, name, code, f"许可措施{i}", "部门乙", ""])
    if path.suffix == ".xlsx":
        from openpyxl import Workbook
        wb = Workbook()
        ws = wb.active
        ws.append(["市场准入负面清单（测试表）"])
        for r in rows:
            ws.append(r)
        for row in range(1, ws.max_row):   # merge 序号/事项/编码/部门 over an item's measure rows, as published
            if ws.cell(row, 2).value and str(ws.cell(row, 2).value).startswith("禁止事项") and measures_per_item > 1:
                for col in (1, 2, 3, 5):
                    ws.cell(row + 1, col).value = None
                    ws.merge_cells(start_row=row, start_column=col, end_row=row + measures_per_item - 1, end_column=col)
        wb.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return path


# ---- bundled editions ------------------------------------------------------------------------------------------

def test_bundled_editions_validate_and_say_they_are_incomplete():
    model = ml.edition_model()
    for p in sorted(ml.EDITIONS_DIR.glob("*.yaml")):
        model.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
    eds = ml.editions("/nonexistent-policylint-data")
    assert set(eds) >= {"2022", "2025"}
    assert eds["2025"].stated["禁止"] == 6 and eds["2025"].stated["许可"] == 100 and eds["2025"].stated["总数"] == 106
    assert eds["2022"].stated["禁止"] == 6 and eds["2022"].stated["许可"] == 111 and eds["2022"].stated["总数"] == 117
    for ed in eds.values():
        assert not ed.complete
        assert "不完整" in ed.completeness_note() and ed.number in ed.completeness_note()


def test_bundled_items_are_only_those_verified_in_the_reference():
    ref = (ROOT.parent / "shared" / "reference" / "negative_list.md")
    text = ref.read_text(encoding="utf-8") if ref.exists() else ""
    for ed in ml.editions("/nonexistent-policylint-data").values():
        for item in ed.items:
            if text:
                assert item["事项名称"] in text
                if item.get("事项编码"):
                    assert item["事项编码"] in text
            for cand in ("不符合主体功能区建设要求的各类开发活动", "禁止违规开展新闻传媒相关业务"):
                assert item["事项名称"] != cand   # [待核] candidates are not shipped


def test_edition_in_force_by_date():
    d = "/nonexistent-policylint-data"
    assert ml.edition_in_force(dt.date(2023, 6, 1), d).edition == "2022"
    assert ml.edition_in_force(dt.date(2025, 4, 23), d).edition == "2022"
    assert ml.edition_in_force(dt.date(2025, 4, 24), d).edition == "2025"
    assert ml.edition_in_force(None, d, "2022").edition == "2022"
    with pytest.raises(UserError, match="早于"):
        ml.edition_in_force(dt.date(2020, 1, 1), d)
    with pytest.raises(UserError, match="没有 2019 年版"):
        ml.edition_in_force(None, d, "2019")


def test_draft_date_is_the_last_full_date():
    assert ml.draft_date("根据2022年3月1日的会议……\n\n某某市人民政府\n2025年6月3日") == dt.date(2025, 6, 3)
    assert ml.draft_date("2023-11-30 印发") == dt.date(2023, 11, 30)
    assert ml.draft_date("没有日期") is None
    body = "依据2018年12月25日印发的通知制定。" + "正文。" * 200
    assert ml.draft_date(body) is None                    # a date in the body belongs to another document


# ---- import --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_import_matching_table_is_stored_and_used(tmp_path, suffix):
    table = write_table(tmp_path / f"list{suffix}", 6, 100)
    target, counts = ml.import_table(table, "2025", str(tmp_path / "data"))
    assert counts == {"总数": 106, "禁止": 6, "许可": 100, "措施": 6 * 2 + 100}
    stored = json.loads(target.read_text(encoding="utf-8"))
    assert stored["edition"] == "2025" and len(stored["items"]) == 106
    assert stored["items"][0]["措施描述"] == ["禁止措施1-1", "禁止措施1-2"]   # merged-cell rows grouped into one item
    ed = ml.edition_in_force(dt.date(2025, 6, 1), str(tmp_path / "data"))
    assert ed.complete and "导入" in ed.source and "不完整" not in ed.completeness_note()


@pytest.mark.parametrize("forbid,permit,edition,expected", [
    (6, 101, "2025", ["许可准入类应为 100 项，表中为 101 项", "事项总数应为 106 项"]),
    (5, 100, "2025", ["禁止准入类应为 6 项，表中为 5 项"]),
    (6, 100, "2022", ["许可准入类应为 111 项，表中为 100 项", "事项总数应为 117 项"]),
])
def test_import_with_wrong_counts_is_refused_saying_what_is_off(tmp_path, forbid, permit, edition, expected):
    table = write_table(tmp_path / "list.csv", forbid, permit)
    with pytest.raises(UserError) as e:
        ml.import_table(table, edition, str(tmp_path / "data"))
    for words in expected:
        assert words in str(e.value)
    assert "未导入" in str(e.value)
    assert not (tmp_path / "data" / "negative_list" / f"{edition}.json").exists()


def test_import_refuses_duplicate_codes_and_unknown_edition(tmp_path):
    table = write_table(tmp_path / "dup.csv", 6, 100, dup_code=True)
    with pytest.raises(UserError, match="事项编码 200001 重复"):
        ml.import_table(table, "2025", str(tmp_path / "data"))
    with pytest.raises(UserError, match="不认识的清单版本"):
        ml.import_table(table, "2030", str(tmp_path / "data"))


def test_import_refuses_unknown_category(tmp_path):
    p = tmp_path / "cat.csv"
    rows = [["序号", "类别", "事项名称", "事项编码", "措施描述"]]
    rows += [[i, "禁止准入类", f"禁止事项{i}", f"1000{i:02d}", "措施"] for i in range(1, 7)]
    rows += [[6 + i, "许可准入类", f"许可事项{i}", f"2{i:05d}", "措施"] for i in range(1, 100)]
    rows += [[106, "限期整改类", "某事项", "299999", "措施"]]
    with p.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(UserError, match="类别“限期整改类”无法识别"):
        ml.import_table(p, "2025", str(tmp_path / "data"))


def test_import_without_header_or_file(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("甲,乙\n1,2\n", encoding="utf-8")
    with pytest.raises(UserError, match="找不到表头"):
        ml.import_table(p, "2025", str(tmp_path))
    with pytest.raises(UserError, match="找不到文件"):
        ml.import_table(tmp_path / "none.csv", "2025", str(tmp_path))


# ---- lookup --------------------------------------------------------------------------------------------------

def test_lookup_names_item_code_category_department():
    ed = ml.edition_in_force(dt.date(2025, 6, 1), "/nonexistent-policylint-data")
    lines, hit = ml.lookup_report("新设中医医疗机构", ed)
    assert hit and "许可准入类" in lines[1] and "卫生健康部门" in lines[1] and "编码未取得" in lines[1]
    assert "不完整" in lines[-1]
    old = ml.edition_in_force(dt.date(2023, 1, 1), "/nonexistent-policylint-data")
    lines, hit = ml.lookup_report("经营范围：财富管理咨询", old)
    assert hit and "100004" in "\n".join(lines) and "禁止准入类" in "\n".join(lines)


def test_lookup_outside_list_is_open_to_all_and_provisional_when_incomplete(tmp_path):
    ed = ml.edition_in_force(dt.date(2025, 6, 1), "/nonexistent-policylint-data")
    lines, hit = ml.lookup_report("餐饮服务", ed)
    assert not hit and "各类经营主体皆可依法平等进入" in lines[0] and "临时性" in lines[1]
    ml.import_table(write_table(tmp_path / "t.csv", 6, 100), "2025", str(tmp_path))
    full = ml.edition_in_force(dt.date(2025, 6, 1), str(tmp_path))
    lines, hit = ml.lookup_report("餐饮服务", full)
    assert not hit and not any("临时性" in x for x in lines)
    lines, hit = ml.lookup_report("开展甲7号特定业务", full)
    assert hit and "200007" in lines[1]


# ---- post-step -----------------------------------------------------------------------------------------------

def nl_finding(rule="NL-LIST-1", severity="info", text="从事甲7号特定业务的，须先取得许可证。") -> Finding:
    return Finding(file="f", rule=rule, title="t", family="negative_list", severity=severity, basis="b",
                   message="m", suggestion="s", text=text)


def test_post_step_names_the_edition_and_says_incomplete():
    fs = [nl_finding(), Finding(file="f", rule="FC-1", title="t", family="fair_competition", severity="error",
                                basis="b", message="m", suggestion="s")]
    annotate(fs, "某某市人民政府\n2023年5月6日", data_dir="/nonexistent-policylint-data")
    assert any("2022年版" in n and "不完整" in n for n in fs[0].notes)
    assert any("临时性" in n for n in fs[0].notes) and fs[0].severity == "info"
    assert fs[1].notes == []
    fs = [nl_finding(rule="NL-9-4-d", severity="error")]
    annotate(fs, "", as_of=dt.date(2025, 6, 1), data_dir="/nonexistent-policylint-data")
    assert any("2025年版" in n for n in fs[0].notes) and fs[0].severity == "error"


def permit_rules():
    """The rules tagged 清单核对 in their rule file (no rule id is written in Python)."""
    from engine.check import default_rules
    from engine.market_access import PERMIT_TAG

    ids = {r.id for r in default_rules().rules if PERMIT_TAG in r.tags}
    assert {"NL-LIST-1", "NL-9-2-b"} <= ids
    return ids


def test_post_step_with_complete_list_flags_permit_outside_the_list(tmp_path):
    ml.import_table(write_table(tmp_path / "t.csv", 6, 100), "2025", str(tmp_path))
    covered, outside = nl_finding(), nl_finding(text="从事宠物美容经营的，须先取得区农业农村局核发的经营许可证。")
    annotate([covered, outside], "2025年7月1日", data_dir=str(tmp_path), permit_rules=permit_rules())
    assert covered.severity == "info" and any("200007" in n for n in covered.notes)
    assert outside.severity == "warning" and any("未列入该活动" in n for n in outside.notes)
    assert any("2025年版" in n and "106 项" in n for n in outside.notes)


# ---- CLI -------------------------------------------------------------------------------------------------------

def run(*args, data=None):
    env = dict(os.environ, POLICYLINT_DATA=str(data or "/nonexistent-policylint-data"))
    return subprocess.run(CLI + list(args), capture_output=True, text=True, env=env, cwd=ROOT)


def test_cli_import_refuses_mismatch_with_a_chinese_line(tmp_path):
    bad = write_table(tmp_path / "bad.csv", 6, 99)
    r = run("list", "import", str(bad), "--edition", "2025", data=tmp_path / "d")
    assert r.returncode == 2 and "许可准入类应为 100 项，表中为 99 项" in r.stderr and "Traceback" not in r.stderr
    good = write_table(tmp_path / "good.xlsx", 6, 100)
    r = run("list", "import", str(good), "--edition", "2025", "--data-dir", str(tmp_path / "d2"))
    assert r.returncode == 0 and "共 106 项" in r.stdout
    assert (tmp_path / "d2" / "negative_list" / "2025.json").exists()
    r = run("list", "editions", data=tmp_path / "d2")
    assert "完整" in r.stdout and "不完整（1/117 项）" in r.stdout


def test_cli_lookup_text_and_json():
    r = run("list", "lookup", "医疗机构设置审批")
    assert r.returncode == 0 and "许可准入类" in r.stdout and "不完整" in r.stdout
    r = run("list", "lookup", "软件开发", "--format", "json", "--as-of", "2025-05-01")
    d = json.loads(r.stdout)
    assert d["outside_list"] and d["provisional"] and d["edition"] == "2025" and d["items_stated"] == 106
    r = run("list", "lookup", "软件开发", "--as-of", "2025/5/1")
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr


# ---- negative_list text rules: embedded examples ------------------------------------------------------------

def test_negative_list_rule_examples():
    from engine.rulebook import load_rules
    from engine.check import check_text

    rs = load_rules()
    rules = [r for r in rs.rules if r.family == "negative_list" and r.on == "text"]
    assert len(rules) >= 12
    for r in rules:
        kinds = [v for _, v, _ in r.examples]
        assert kinds.count(True) >= 3 and kinds.count(False) >= 3, r.id
        for text, violating, _ in r.examples:
            hit = any(f.rule == r.id for f in check_text(text, rs=rs, engine=ENGINE))
            assert hit == violating, f"{r.source}: {r.id} {'违规' if violating else '合规'}例句：{text}"


def test_negative_list_rules_cite_resolvable_bases():
    from engine.rulebook import load_rules

    for r in load_rules().rules:
        if r.family == "negative_list":
            assert r.bases and all(b.text or b.article_text for b in r.bases), r.id
