"""Configuration from policylint.toml or [tool.policylint], found upward from the working directory; flags win;
every mistake in the file is one Chinese line with file:line."""
import json
import subprocess

import pytest

from conftest import policylint_cmd
from engine import config
from engine.errors import UserError

VIOLATION = "外地企业参与本县政府投资项目投标的，须在本县设立分公司或者子公司，否则不得参与投标。\n"


def run(*args, cwd):
    return subprocess.run(policylint_cmd() + list(args), capture_output=True, text=True, timeout=120, cwd=cwd)


def rules_of(out):
    return {json.loads(l)["rule"] for l in out.splitlines() if l.strip()}


@pytest.fixture
def project(tmp_path):
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "d.txt").write_text(VIOLATION, encoding="utf-8")
    return tmp_path


def test_found_upward_policylint_toml_first(project):
    sub = project / "a" / "b"
    sub.mkdir(parents=True)
    assert config.find(sub) is None or config.find(sub).parent != project
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert config.find(sub) is None or config.find(sub).parent != project   # no [tool.policylint]: not ours
    (project / "pyproject.toml").write_text("[tool.policylint]\nfail-on = 'error'\n", encoding="utf-8")
    assert config.find(sub) == project / "pyproject.toml"
    assert config.load(start=sub).fail_on == "error"
    (project / "policylint.toml").write_text("fail-on = 'info'\n", encoding="utf-8")
    assert config.find(sub) == project / "policylint.toml" and config.load(start=sub).fail_on == "info"


def test_select_ignore_and_prefixes():
    keep = config.rule_selector(["FC-14"], ["FC-14-2"])
    assert keep("FC-14-1-a") and keep("FC-14") and not keep("FC-14-2") and not keep("FC-140") and not keep("NL-9-4-e")
    assert config.rule_selector(["fair_competition"], [])("FC-9-2", "fair_competition")
    assert not config.rule_selector([], ["NL"])("NL-9-4-e", "negative_list")
    assert config.unknown_patterns(["FC-14", "FC-99-9"], [("FC-14-1-a", "")]) == ["FC-99-9"]


@pytest.mark.parametrize("text, line, words", [
    ("fail-on = 'error'\nformat = 'xml'\n", 2, "format 应为 text、json、jsonl 或 sarif"),
    ("select = ['FC']\nmin-severity = 3\n", 2, "min-severity 应为 error、warning 或 info"),
    ("select = 'FC'\nfail_on = 'warning'\nwhatever = 1\n", 3, "未知的配置项“whatever”"),
    ("select = [\"FC\"\n", 1, "不是合法的 TOML"),
    ("fail-on = error\n", 1, "不是合法的 TOML"),
    ("ignore = [1, 2]\n", 1, "ignore 应为规则编号或前缀的列表"),
    ("suppressions = 'missing.yaml'\n", 1, "找不到忽略文件"),
])
def test_bad_config_names_file_line_and_what(tmp_path, text, line, words):
    p = tmp_path / "policylint.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as e:
        config.load(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:{line}") and words in msg, msg


def test_pyproject_section_line_numbers(tmp_path):
    p = tmp_path / "pyproject.toml"
    p.write_text("[project]\nname = 'x'\nformat = 1\n\n[tool.policylint]\nselect = ['FC']\nformat = 'yaml'\n",
                 encoding="utf-8")
    with pytest.raises(UserError) as e:
        config.load(p)
    assert str(e.value).startswith(f"{p}:7：") and "format" in str(e.value)


def test_command_line_uses_the_config_and_flags_win(project):
    all_rules = rules_of(run("check", "-f", "jsonl", "--no-config", "drafts", cwd=project).stdout)
    assert {"FC-14-1-a", "NL-9-4-e"} <= all_rules
    (project / "pyproject.toml").write_text(
        "[tool.policylint]\nselect = ['FC-14']\nignore = ['FC-14-2']\nformat = 'jsonl'\n", encoding="utf-8")
    r = run("check", "drafts", cwd=project)          # format comes from the file: jsonl
    got = rules_of(r.stdout)
    assert r.returncode == 1 and got and all(x.startswith("FC-14") for x in got) and "FC-14-2" not in got
    r = run("check", "--select", "NL", "--ignore", "", "drafts", cwd=project)   # the flags replace select/ignore
    assert rules_of(r.stdout) == {x for x in all_rules if x.startswith("NL-")}
    r = run("check", "-f", "text", "drafts", cwd=project)
    assert r.stdout.startswith("drafts/d.txt:1:")


def test_config_fail_on_and_min_severity(project):
    (project / "policylint.toml").write_text("fail-on = 'error'\nmin-severity = 'error'\n", encoding="utf-8")
    r = run("check", "-f", "jsonl", "drafts", cwd=project)
    rows = [json.loads(l) for l in r.stdout.splitlines()]
    assert r.returncode == 1 and rows and {x["severity"] for x in rows} == {"error"}
    r = run("check", "-f", "jsonl", "--select", "FC-14-1-a", "--fail-on", "error", "drafts", cwd=project)
    assert r.returncode == 1


def test_config_errors_on_the_command_line(project):
    (project / "policylint.toml").write_text("select = ['FC-14', 'FC-999']\n", encoding="utf-8")
    r = run("check", "drafts", cwd=project)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "policylint.toml:1" in r.stderr and "FC-999" in r.stderr and "不是任何规则的编号或前缀" in r.stderr
    (project / "policylint.toml").write_text("fail-on = 'sometimes'\n", encoding="utf-8")
    r = run("check", "drafts", cwd=project)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "fail-on 应为" in r.stderr
    r = run("check", "--select", "XX-1", "--no-config", "drafts", cwd=project)
    assert r.returncode == 2 and "--select" in r.stderr and "XX-1" in r.stderr


def test_config_suppressions_file_is_relative_to_the_config(project):
    rules = rules_of(run("check", "-f", "jsonl", "--no-config", "drafts", cwd=project).stdout)
    (project / "conf").mkdir()
    (project / "conf" / "sup.yaml").write_text(
        "".join(f"- rule: {r}\n  reason: 经合法性审查确认该条款已删除\n" for r in sorted(rules)), encoding="utf-8")
    (project / "policylint.toml").write_text("suppressions = 'conf/sup.yaml'\n", encoding="utf-8")
    r = run("check", "d.txt", cwd=project / "drafts")   # found upward, resolved against the file's folder
    assert r.returncode == 0 and "略去" in r.stdout, r.stderr
