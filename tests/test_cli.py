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


def test_rules_test_command():
    """The command's contract only; every rule's examples are tests/test_rule_examples.py, one case per rule."""
    r = run("rules", "test", "FC-14-1-a")
    assert r.returncode == 0 and "规则 1 条" in r.stdout and " passed, 0 failed" in r.stdout, r.stdout[-3000:]
    r = run("rules", "test", "NO-SUCH-RULE")
    assert r.returncode == 2 and "没有这些规则" in r.stderr


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


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("policylint ") and r.stdout.split()[1][0].isdigit()


def test_failed_input_never_says_no_problems(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04garbage")
    r = run("check", str(bad))
    assert r.returncode == 2 and "未发现问题" not in r.stdout and "未能检查" in r.stdout
    good = tmp_path / "ok.txt"
    good.write_text("本办法自公布之日起施行。\n", encoding="utf-8")
    r = run("check", str(bad), str(good))
    assert r.returncode == 2 and "已检查的 1 个文件未发现问题" in r.stdout and "1 个文件无法检查" in r.stdout
    r = run("check", "-f", "json", str(bad), str(good))
    assert r.returncode == 2 and json.loads(r.stdout)["failures"][0]["file"] == str(bad)


def test_folder_lists_skipped_files_and_exits_2_on_an_unread_draft(tmp_path):
    (tmp_path / "a.txt").write_text(VIOLATION, encoding="utf-8")
    (tmp_path / "scan.png").write_bytes(b"\x89PNG")
    (tmp_path / "~$a.docx").write_bytes(b"x")
    r = run("check", "-f", "jsonl", str(tmp_path))
    assert r.returncode == 1 and jsonl(r.stdout)   # skipped pictures and temp files do not change the exit code
    assert "2 个文件未检查" in r.stderr and "scan.png：" in r.stderr and "临时文件" in r.stderr
    (tmp_path / "old.rtf").write_text("{\\rtf1 x}", encoding="utf-8")   # a draft policylint cannot read
    r = run("check", "-f", "jsonl", str(tmp_path))
    assert r.returncode == 2 and jsonl(r.stdout) and "old.rtf：RTF" in r.stderr
    r = run("check", "-f", "sarif", str(tmp_path))
    inv = json.loads(r.stdout)["runs"][0]["invocations"][0]
    assert not inv["executionSuccessful"]
    assert {n["level"] for n in inv["toolExecutionNotifications"]} == {"error", "note"}


EXCEPTION_DRAFT = ("第一条 为促进发展，制定本办法。\n第二条 外地企业参与本市充电设施项目投标的，须在本市设立分公司。\n"
                   "第三条 为实现节约能源、保护环境的社会公共利益，本措施第二条适用《公平竞争审查条例》第十二条规定的例外情形。\n")


@pytest.mark.parametrize("text", ["第一条 为促进发展，制定本办法。\n" + VIOLATION, EXCEPTION_DRAFT])
def test_start_end_and_columns_describe_the_same_span(tmp_path, text):
    p = tmp_path / "d.txt"
    p.write_text(text, encoding="utf-8")
    lines = text.splitlines(keepends=True)

    def offset(line, col):
        return sum(len(l) for l in lines[:line - 1]) + col - 1

    rows = jsonl(run("check", "-f", "jsonl", str(p)).stdout)
    assert rows
    for row in rows:
        assert offset(row["line"], row["column"]) == row["start"]
        assert offset(row["end_line"], row["end_column"]) == row["end"]
        assert text[row["start"]:row["end"]].startswith(row["matched"][0]["text"])
        assert text[row["text_start"]:row["text_end"]] == row["text"]
        assert row["text_start"] <= row["start"] < row["end"] <= row["text_end"]
    doc = json.loads(run("check", "-f", "sarif", str(p)).stdout)
    for res, row in zip(doc["runs"][0]["results"], rows):
        loc = res["locations"][0]["physicalLocation"]
        region, ctx = loc["region"], loc["contextRegion"]
        assert (region["charOffset"], region["charOffset"] + region["charLength"]) == (row["start"], row["end"])
        assert region["snippet"]["text"] == text[row["start"]:row["end"]]
        assert ctx["snippet"]["text"] == row["text"] and ctx["charOffset"] == row["text_start"]


def test_sarif_validates_against_the_2_1_0_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from conftest import ROOT
    schema = json.loads((ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    (tmp_path / "d.txt").write_text(VIOLATION, encoding="utf-8")
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04garbage")
    (tmp_path / "x.png").write_bytes(b"\x89PNG")
    for args in ([str(tmp_path)], [str(SAMPLES / "sample_draft.docx")], [str(SAMPLES / "work_plan.docx")]):
        doc = json.loads(run("check", "-f", "sarif", *args).stdout)
        jsonschema.validate(doc, schema, cls=jsonschema.Draft4Validator)
    broken = json.loads(run("check", "-f", "sarif", str(tmp_path / "d.txt")).stdout)
    broken["runs"][0]["results"][0]["level"] = "fatal"   # the validator does reject a bad log
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft4Validator)


def test_suppressions_report_unknown_rules_unused_items_and_empty_reasons(tmp_path):
    p = tmp_path / "d.txt"
    p.write_text(VIOLATION, encoding="utf-8")
    sup = tmp_path / "s.yaml"
    sup.write_text("- rule: FC-14-1-a\n  reason: 已经国务院批准（国函〔2025〕12号）\n"
                   "- rule: FC-14-1-z\n  reason: 已经国务院批准（国函〔2025〕12号）\n"
                   "- rule: FC-10-1\n  reason: 已经国务院批准（国函〔2025〕12号）\n", encoding="utf-8")
    r = run("check", "--suppress", str(sup), str(p))
    assert r.returncode == 1 and "略去 1 条" in r.stdout
    assert f"{sup}:3：规则编号“FC-14-1-z”不存在" in r.stderr
    assert f"{sup}:5：忽略 FC-10-1 的这一项在本次检查中没有忽略任何问题" in r.stderr
    assert "FC-14-1-a 的这一项" not in r.stderr
    for reason in ("x", "无", "ok", "。。。"):
        sup.write_text(f"- rule: FC-14-1-a\n  reason: \"{reason}\"\n", encoding="utf-8")
        r = run("check", "--suppress", str(sup), str(p))
        assert r.returncode == 2 and "理由过于简单" in r.stderr and "缺少理由" not in r.stderr, reason
        assert len(r.stderr.strip().splitlines()) == 1


def _in_a_terminal(args, cwd=None):
    """Run with stderr on a pseudo-terminal (stdout a pipe), as a user at a terminal would; returns (rc, stderr)."""
    import os
    import pty

    import tempfile

    master, slave = pty.openpty()
    out = tempfile.TemporaryFile()   # a file, not a pipe: a full pipe nobody reads would block the command
    proc = subprocess.Popen(policylint_cmd() + list(args), stdout=out, stderr=slave, stdin=subprocess.DEVNULL,
                            cwd=cwd, env={**os.environ, "COLUMNS": "100", "TERM": "xterm"})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    out.close()
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_on_a_terminal_only(tmp_path):
    for n in range(30):
        (tmp_path / f"d{n:02}.txt").write_text(VIOLATION, encoding="utf-8")
    rc, err = _in_a_terminal(["check", "-f", "jsonl", str(tmp_path)])
    assert rc == 1 and "检查草案" in err and "Traceback" not in err and "内部错误" not in err
    r = run("check", "-f", "jsonl", str(tmp_path))   # stderr a pipe: silent
    assert r.returncode == 1 and r.stderr == ""


def test_cases_scan_in_a_terminal(tmp_path):
    db = tmp_path / "c.db"
    csv = tmp_path / "c.csv"
    assert run("cases", "sample", "-o", str(csv)).returncode == 0
    rc, err = _in_a_terminal(["cases", "import", str(csv), "--db", str(db)])
    assert rc in (0, 1) and "导入案例" in err and "内部错误" not in err, err
    assert run("cases", "import", str(csv), "--db", str(db)).stderr.count("导入案例") == 0   # not a terminal: silent
    rc, err = _in_a_terminal(["cases", "scan", "--month", "2026-08", "--db", str(db)])
    assert "ModuleNotFoundError" not in err and "内部错误" not in err and rc in (0, 1), err
    assert "扫描案例" in err                                     # the bar was drawn (rich is a dependency)
