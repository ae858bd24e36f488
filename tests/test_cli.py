"""The command line as users and other tools meet it: the jsonl contract, exit codes, stdin, directories,
bad input as one Chinese line, SARIF, and the bundled samples."""
import json
import subprocess

import pytest

from conftest import SAMPLES, policylint_cmd

CONTRACT = {"file", "rule", "family", "severity", "basis", "line", "column", "start", "end", "text", "message",
            "suggestion"}
VIOLATION = "外地企业参与本县政府投资项目投标的，须在本县设立分公司或者子公司，否则不得参与投标。\n"


def run(*args, stdin=None):
    return subprocess.run(policylint_cmd() + list(args), capture_output=True, text=True, input=stdin, timeout=120)


def jsonl(out):
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def test_jsonl_contract_and_exit_1(tmp_path):
    p = tmp_path / "draft.txt"
    p.write_text(VIOLATION, encoding="utf-8")
    r = run("check", "--format", "jsonl", str(p))
    assert r.returncode == 1, r.stderr
    rows = jsonl(r.stdout)
    assert rows and all(CONTRACT <= set(row) for row in rows)
    row = rows[0]
    assert row["file"] == str(p) and row["line"] == 1 and row["column"] >= 1
    assert row["severity"] in ("error", "warning", "info") and "第" in row["basis"] and "条" in row["basis"]
    assert VIOLATION.strip() .startswith(row["text"][:10])


def test_stdin_and_clean_exit_0():
    r = run("check", "--format", "jsonl", "-", stdin="本办法自公布之日起施行。\n")
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""
    r = run("check", "--format", "jsonl", "-", stdin=VIOLATION)
    assert r.returncode == 1 and jsonl(r.stdout)[0]["file"] == "-"


def test_fail_on_threshold(tmp_path):
    p = tmp_path / "d.txt"
    p.write_text(VIOLATION, encoding="utf-8")
    worst = max(("info", "warning", "error").index(f["severity"]) for f in jsonl(run("check", "-f", "jsonl", str(p)).stdout))
    assert worst == 2
    assert run("check", "--fail-on", "error", str(p)).returncode == 1


def test_directories_are_walked(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text(VIOLATION, encoding="utf-8")
    (tmp_path / "sub" / "b.md").write_text(VIOLATION, encoding="utf-8")
    (tmp_path / "sub" / "ignore.png").write_bytes(b"\x89PNG")
    rows = jsonl(run("check", "-f", "jsonl", str(tmp_path)).stdout)
    assert {r["file"] for r in rows} == {str(tmp_path / "a.txt"), str(tmp_path / "sub" / "b.md")}


@pytest.mark.parametrize("name, data", [("broken.docx", b"PK\x03\x04garbage"), ("empty.txt", b""),
                                        ("old.doc", b"\xd0\xcf\x11\xe0")])
def test_broken_file_exits_2_with_one_line(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    r = run("check", str(p))
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(str(p))


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    (tmp_path / "good.txt").write_text(VIOLATION, encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"")
    r = run("check", "-f", "jsonl", str(tmp_path / "bad.txt"), str(tmp_path / "good.txt"))
    assert r.returncode == 2 and jsonl(r.stdout) and "文件为空" in r.stderr   # findings kept, exit says "not all read"


def test_usage_errors_exit_2():
    r = run("check")
    assert r.returncode == 2 and "缺少参数" in r.stderr and "Traceback" not in r.stderr
    r = run("check", "--format", "xml", "x.txt")
    assert r.returncode == 2
    assert run("nosuchcommand").returncode == 2


def test_sarif_output(tmp_path):
    p = tmp_path / "d.txt"
    p.write_text(VIOLATION, encoding="utf-8")
    doc = json.loads(run("check", "-f", "sarif", str(p)).stdout)
    assert doc["version"] == "2.1.0"
    run0 = doc["runs"][0]
    ids = {r["id"] for r in run0["tool"]["driver"]["rules"]}
    assert run0["results"] and {r["ruleId"] for r in run0["results"]} <= ids
    region = run0["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 1 and region["startColumn"] >= 1


def test_text_output_reads_like_a_compiler(tmp_path):
    p = tmp_path / "d.txt"
    p.write_text(VIOLATION, encoding="utf-8")
    out = run("check", str(p)).stdout
    first = out.splitlines()[0]
    assert first.startswith(f"{p}:1:") and ("错误[error]" in first or "警告[warning]" in first)
    assert "依据：《" in out and "建议：" in out and "【" in out and "共 " in out


def test_sample_draft_docx_findings():
    rows = jsonl(run("check", "-f", "jsonl", str(SAMPLES / "sample_draft.docx")).stdout)
    paths = {r["path"] for r in rows}
    assert "第三条" in paths           # 须在本县设立分公司
    assert "第五条第（一）项" in paths or "第五条第（二）项" in paths   # tax-linked rewards, 注册地迁入
    assert {r["family"] for r in rows} >= {"fair_competition"}


@pytest.mark.parametrize("name", ["work_plan.docx", "work_plan_gbk.txt"])
def test_lawful_work_plan_has_no_warning_or_error(name):
    r = run("check", "-f", "jsonl", str(SAMPLES / name))
    bad = [(f["rule"], f["text"]) for f in jsonl(r.stdout) if f["severity"] in ("warning", "error")]
    assert bad == [] and r.returncode == 0


def test_rules_commands():
    r = run("rules", "list")
    assert r.returncode == 0 and "共 " in r.stdout
    first_id = run("rules", "list", "--family", "fair_competition").stdout.split()[0]
    r = run("rules", "show", first_id)
    assert r.returncode == 0 and "依据：《" in r.stdout and "本项原文" in r.stdout and "例句" in r.stdout
    r = run("rules", "show", "NO-SUCH-RULE")
    assert r.returncode == 2 and "没有编号为" in r.stderr


def test_rules_test_runs_every_example():
    r = run("rules", "test")
    assert r.returncode == 0, r.stdout[-3000:]
    assert " passed, 0 failed" in r.stdout


def test_suppressions_need_a_reason(tmp_path):
    p = tmp_path / "d.txt"
    p.write_text(VIOLATION, encoding="utf-8")
    rules = {f["rule"] for f in jsonl(run("check", "-f", "jsonl", str(p)).stdout)}
    sup = tmp_path / "s.yaml"
    sup.write_text("".join(f"- rule: {r}\n  reason: 已经国务院批准，见国函〔2025〕12号\n  file: d.txt\n" for r in rules),
                   encoding="utf-8")
    r = run("check", "--suppress", str(sup), str(p))
    assert r.returncode == 0 and "略去" in r.stdout and "国务院批准" in r.stdout
    sup.write_text("- rule: FC-14-1\n  file: d.txt\n", encoding="utf-8")
    r = run("check", "--suppress", str(sup), str(p))
    assert r.returncode == 2 and "缺少理由" in r.stderr
