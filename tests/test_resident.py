"""`policylint resident`: commands a client hands over give the same output and exit code as run alone; a client
the resident process must not serve (another rules cache) runs the command itself; a dead socket costs nothing."""
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SAMPLES, policylint_cmd

CLIENT = [sys.executable, "-c", "from engine.resident_client import main; main()"]


@pytest.fixture(scope="module")
def resident(tmp_path_factory):
    d = tmp_path_factory.mktemp("resident")
    os.chmod(d, 0o700)
    sock = d / "sock"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(policylint_cmd() + ["resident", "--socket", str(sock)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not sock.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert sock.exists(), proc.stderr.read() if proc.poll() is not None else "not ready"
    yield sock
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert not sock.exists()          # removed on the way out
    assert "已就绪" in err and "未能处理" not in err, err


def run(cmd, env_extra=None, cwd=None, stdin=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(env_extra or {}))
    return subprocess.run(cmd, capture_output=True, env=env, cwd=cwd, input=stdin)


CASES = [
    ["check", "--no-config", str(SAMPLES / "sample_draft.docx")],
    ["check", "--no-config", "--no-precedents", "--format", "jsonl", str(SAMPLES / "sample_draft.docx"),
     str(SAMPLES / "work_plan.docx")],
    ["check", "--no-config", "--format", "json", str(SAMPLES / "work_plan_gbk.txt")],
    ["check", "--no-config", "--select", "FC", str(SAMPLES / "sample_draft.docx")],
    ["check", "--no-config", str(SAMPLES / "filing_list.yaml")],           # refused: exit 2, message on stderr
    ["check", "--no-such-option"],
    ["rules", "list"],
]


@pytest.mark.parametrize("argv", CASES, ids=lambda a: " ".join(x.rsplit("/", 1)[-1] for x in a)[:60])
def test_same_output_and_exit_code_as_alone(resident, argv):
    alone = run(policylint_cmd() + argv)
    served = run(CLIENT + argv, {"POLICYLINT_RESIDENT": str(resident)})
    assert (served.returncode, served.stdout, served.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    # the console command forwards too
    again = run(policylint_cmd() + argv, {"POLICYLINT_RESIDENT": str(resident)})
    assert (again.returncode, again.stdout, again.stderr) == (alone.returncode, alone.stdout, alone.stderr)


def test_standard_input_and_working_directory_are_the_clients(resident, tmp_path, pack_rules):
    text = next(t for r in pack_rules.rules if r.on == "text" for t, v, _l in r.examples if v).encode("utf-8")
    (tmp_path / "policylint.toml").write_text('format = "jsonl"\n', encoding="utf-8")
    alone = run(policylint_cmd() + ["check", "-"], cwd=tmp_path, stdin=text)
    served = run(CLIENT + ["check", "-"], {"POLICYLINT_RESIDENT": str(resident)}, cwd=tmp_path, stdin=text)
    assert alone.returncode == 1 and alone.stdout.startswith(b"{")   # the config file in the directory was read
    assert (served.returncode, served.stdout, served.stderr) == (alone.returncode, alone.stdout, alone.stderr)


def cpu_of(cmd, env_extra) -> float:
    """CPU seconds of the process itself and the children it waited for (not the resident process's forks)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), **env_extra)
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _status, usage = os.wait4(p.pid, 0)
    return usage.ru_utime + usage.ru_stime


def test_commands_really_run_in_the_resident_process(resident, tmp_path):
    """The control: the client's own CPU time is a small part of the same command run alone (no rules loaded,
    no regexes rebuilt, no document read in the client), and with a socket nobody listens on it is not."""
    argv = ["check", "--no-config", str(SAMPLES / "sample_draft.docx")]
    served = min(cpu_of(CLIENT + argv, {"POLICYLINT_RESIDENT": str(resident)}) for _ in range(3))
    alone = min(cpu_of(CLIENT + argv, {"POLICYLINT_RESIDENT": str(tmp_path / "nobody.sock")}) for _ in range(3))
    assert served < alone / 2, (served, alone)


def test_a_client_with_another_cache_is_declined_and_runs_alone(resident, tmp_path):
    argv = ["check", "--no-config", "--no-precedents", str(SAMPLES / "work_plan_gbk.txt")]
    other = {"POLICYLINT_CACHE": str(tmp_path / "cache")}
    served = run(CLIENT + argv, {"POLICYLINT_RESIDENT": str(resident), **other})
    alone = run(policylint_cmd() + argv, other)
    assert (served.returncode, served.stdout, served.stderr) == (alone.returncode, alone.stdout, alone.stderr)
    assert (tmp_path / "cache").is_dir()   # compiled here, in the client's own cache: it ran in the client
