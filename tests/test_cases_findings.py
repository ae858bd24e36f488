"""Findings of `check` / `filing check` become cases: one per document (or filing item) and rule, never twice."""
import json

from cases import store
from cases.register import case_id_for, register_findings
from engine.cli import main
from engine.finding import Finding


def _f(file="草案.docx", rule="NL-LOCAL-REG", record=None, severity="error", path="第三条", text="须在本市注册。"):
    return Finding(file=file, rule=rule, title="要求在本地注册", family="negative_list", severity=severity,
                   basis="《公平竞争审查条例》第九条第（二）项", message="要求外地经营者在本地注册",
                   suggestion="删除注册地要求", line=3, path=path, text=text, record=record)


def test_one_case_per_document_and_rule_and_no_duplicates(db_target):
    db = db_target("f")
    findings = [_f(), _f(path="第五条", text="应当在本市设立分公司。"), _f(rule="FC-9-3"),
                _f(file="备案.yaml", rule="FIL-PRE-CHECK", record="道路运输备案"),
                _f(file="备案.yaml", rule="FIL-PRE-CHECK", record="药品备案"),
                _f(rule="HINT", severity="info")]
    assert register_findings(findings, db, region="青禾市临溪县", unit="临溪县商务局") == (4, 0)
    assert register_findings(findings, db) == (0, 4)
    conn = store.connect(db)
    rec = store.get(conn, case_id_for("草案.docx", "NL-LOCAL-REG", None))
    assert rec.channel == "文件审查" and rec.region == "青禾市临溪县" and rec.unit == "临溪县商务局"
    assert "第三条：须在本市注册。" in rec.clause and "第五条：应当在本市设立分公司。" in rec.clause
    assert rec.basis == "《公平竞争审查条例》第九条第（二）项" and "（共 2 处）" in rec.description
    item = store.get(conn, case_id_for("备案.yaml", "FIL-PRE-CHECK", "道路运输备案"))
    assert item.document == "备案.yaml（道路运输备案）"
    assert conn.execute("SELECT COUNT(*) FROM cases").fetchone()[0] == 4
    conn.close()


def test_case_id_is_stable():
    assert case_id_for("a/b.docx", "R-1", None) == case_id_for("a/./b.docx", "R-1", None)
    assert case_id_for("a/b.docx", "R-1", None) != case_id_for("a/b.docx", "R-1", "x")
    assert case_id_for("a/b.docx", "R-1", None) != case_id_for("a/b.docx", "R-2", None)


def test_cli_add_reads_check_jsonl(tmp_path, capsys, db_target):
    path = tmp_path / "findings.jsonl"
    path.write_text("\n".join(json.dumps(_f(rule=r).to_dict(), ensure_ascii=False) for r in ("R-1", "R-2", "R-1"))
                    + "\n", encoding="utf-8")
    db = db_target("a")
    assert main(["cases", "add", str(path), "--db", db, "--region", "青禾市石门县", "--date", "2026-08-08"]) == 0
    assert "新增 2 件，已存在 0 件" in capsys.readouterr().out
    assert main(["cases", "add", str(path), "--db", db]) == 0
    assert "新增 0 件，已存在 2 件" in capsys.readouterr().out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"x": 1}\n', encoding="utf-8")
    assert main(["cases", "add", str(bad), "--db", db]) == 2
    assert "不是检查结果" in capsys.readouterr().err
