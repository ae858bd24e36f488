"""Batch checks on Dask distributed, against a real scheduler and two real workers started here (`dask scheduler`
and `dask worker` subprocesses on localhost), and on a LocalCluster (`--dask local:2`): the same output as a local
run, results in input order, a worker that dies costs only its document."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, policylint_cmd

TESTS = Path(__file__).resolve().parent
POISON = "poison"


def die_on_poison(findings):
    """A `prepare` that kills the worker process holding a document named *poison* (what a crash in durable's C
    core looks like to Dask); other documents pass through."""
    if any(POISON in Path(f.file).name for f in findings):
        os._exit(3)
    return findings


def _dask_exe() -> str:
    return str(Path(sys.executable).with_name("dask"))


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """tcp address of a scheduler with two single-thread workers (subprocesses), stopped at the end."""
    from distributed import Client

    d = tmp_path_factory.mktemp("dask")
    sched_file = d / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)]),
           "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"}
    procs = [subprocess.Popen([_dask_exe(), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched_file)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(300):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen([_dask_exe(), "worker", address, "--nworkers", "1", "--nthreads", "1",
                                           "--no-dashboard", "--local-directory", str(d)],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")
def drafts(tmp_path_factory, pack_rules):
    from test_bench import make_draft

    d = tmp_path_factory.mktemp("drafts")
    for i in range(10):
        (d / f"草案{i:02d}.txt").write_text(make_draft(pack_rules, 2500, 300 + i), encoding="utf-8")
    return d


def _run(*args, cwd=None):
    return subprocess.run(policylint_cmd() + list(args), capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.mark.parametrize("fmt", ["jsonl", "text"])
def test_check_on_a_scheduler_gives_the_local_output(scheduler, drafts, fmt):
    local = _run("check", str(drafts), "--format", fmt, "--no-config")
    remote = _run("check", str(drafts), "--format", fmt, "--no-config", "--dask", scheduler)
    assert local.returncode == 1 and remote.returncode == 1, remote.stderr
    assert remote.stdout == local.stdout and local.stdout.strip()
    if fmt == "jsonl":
        files = [json.loads(x)["file"] for x in remote.stdout.splitlines()]
        assert files == sorted(files)               # input order, whatever the order the workers finished in


def test_local_cluster_gives_the_local_output_and_failed_inputs_exit_2(drafts, tmp_path):
    d = tmp_path / "mixed"
    d.mkdir()
    for p in sorted(drafts.iterdir())[:4]:
        (d / p.name).write_bytes(p.read_bytes())
    (d / "坏文件.docx").write_bytes(b"PK\x03\x04 not really a docx")
    local = _run("check", str(d), "--format", "jsonl", "--no-config")
    dist = _run("check", str(d), "--format", "jsonl", "--no-config", "--dask", "local:2")
    assert local.returncode == dist.returncode == 2
    assert dist.stdout == local.stdout and dist.stdout.strip()
    assert "坏文件.docx" in dist.stderr and "Traceback" not in dist.stderr


def test_a_worker_that_dies_costs_only_its_document(scheduler, drafts, pack_rules, tmp_path):
    from distributed import Client

    from engine.distributed import run_tasks

    paths = [str(p) for p in sorted(drafts.iterdir())]
    poison = tmp_path / f"{POISON}.txt"
    poison.write_text(Path(paths[0]).read_text(encoding="utf-8"), encoding="utf-8")
    paths.insert(3, str(poison))
    with Client(scheduler, timeout="30s") as c:
        results = list(run_tasks(c, paths, pack_rules, prepare=die_on_poison, window=4))
        c.wait_for_workers(2, timeout=60)   # the nannies brought the workers back
    assert [r[0] for r in results] == list(range(len(paths)))
    assert results[3][1] is None and "工作进程异常退出" in results[3][2]
    ok = [r for i, r in enumerate(results) if i != 3]
    assert all(r[2] is None and r[1] for r in ok), [r[2] for r in ok]
    from engine.batch import check_many
    expect = check_many([p for i, p in enumerate(paths) if i != 3], pack_rules, jobs=1)
    assert [[f.to_dict() for f in r[1]] for r in ok] == [[f.to_dict() for f in r[1]] for r in expect]


def test_cases_scan_on_a_scheduler_gives_the_local_result(scheduler, tmp_path):
    from cases import sample

    src = tmp_path / "s.csv"
    sample.write(src, sample.generate(rows=6000, seed=8))
    outs = []
    for name, extra in (("a", []), ("b", ["--dask", scheduler])):
        db = str(tmp_path / f"{name}.db")
        assert _run("cases", "import", str(src), "--db", db, cwd=tmp_path).returncode == 0
        r = _run("cases", "scan", "--db", db, "--as-of", "2026-10-01", *extra, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        listing = _run("cases", "list", "--db", db, "--format", "jsonl", cwd=tmp_path).stdout
        outs.append((r.stdout, [{k: v for k, v in json.loads(x).items() if k not in ("created_at", "updated_at")}
                                for x in listing.splitlines()]))
    assert outs[0] == outs[1] and "分类：" in outs[0][0]


def test_bad_dask_address_is_one_chinese_line(drafts):
    for spec, words in (("nonsense", "无法识别"), ("tcp://127.0.0.1:1", "无法连接 Dask 调度器"), ("local:0", "1 到 256")):
        r = _run("check", str(drafts), "--dask", spec, "--no-config")
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, (spec, r.stderr)
