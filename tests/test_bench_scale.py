"""Whole-command benchmarks for the speed floors of issue 13, each side by side with its bare reference measured in
the same test (no timed asserts: the ratio is printed and kept in the benchmark's extra_info).

- `check DIR` on 200 drafts of 5,000 characters / one process reading the same files and running one compiled
  alternation of 400 rule terms (floor: 3×);
- `check` of one .docx (warm rules cache) / the start of the same interpreter (floor: 3×);
- one finding-dense text of 1 MB and of 10 MB: time and peak memory of the whole command, ratio to the bare scan of
  the same file (floors: 3 s and 300 MB; 30 s and 600 MB);
- 100,000 case records import + scan (floor: 10 s), ratio to the bare scan of the same CSV.

Every command runs as an installed copy runs: with its modules' bytecode cached. An environment that sets
PYTHONDONTWRITEBYTECODE (as this project's development machine does) would otherwise have policylint compile its
~60 modules from source on every run, a cost the bare references (which import nothing of ours) never pay; the
variable is dropped for the measured commands and each is run once before it is timed. The precedent tier is
measured on and off (`--no-precedents`). Each line ends with the machine's load average: compare runs made on an
idle machine.

    .venv/bin/python -m pytest tests/test_bench_scale.py -s
"""
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SAMPLES, policylint_cmd

BARE = """
import re, sys, pathlib
terms = [l for l in pathlib.Path(sys.argv[1]).read_text(encoding="utf-8").splitlines() if l]
rx = re.compile("|".join(map(re.escape, terms)))
hits = 0
for a in sys.argv[2:]:
    p = pathlib.Path(a)
    for f in (sorted(p.glob("*.txt")) if p.is_dir() else [p]):
        hits += sum(1 for _ in rx.finditer(f.read_text(encoding="utf-8-sig")))
print(hits)
"""


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}   # as installed: bytecode cached


CPU: dict[tuple, list[float]] = {}   # command -> CPU seconds of each run (the command and the workers it waited for)


def run_measured(cmd: list[str], env: dict | None = None, **kw) -> tuple[float, float, int]:
    """(wall seconds, peak resident MB of the child, exit code): os.wait4 gives the child's own rusage (its CPU time
    includes the worker processes it waited for), kept in CPU for the report."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env or ENV, **kw)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    CPU.setdefault(tuple(cmd), []).append(usage.ru_utime + usage.ru_stime)
    return wall, usage.ru_maxrss / 1024, p.returncode


def cpu(cmd: list[str]) -> float:
    return statistics.median(CPU[tuple(cmd)])


def median_of(cmd: list[str], rounds: int) -> float:
    run_measured(cmd)   # bytecode and file caches warm, as for the command it is compared with
    return statistics.median(run_measured(cmd)[0] for _ in range(rounds))


def warm(cmd: list[str]) -> None:
    """One run before timing: the rules cache and the bytecode of every module the command imports."""
    subprocess.run(cmd, capture_output=True, env=ENV)


@pytest.fixture(scope="module")
def bare(tmp_path_factory, pack_rules):
    """[python, bare-scan script, terms file]: append the paths to scan."""
    d = tmp_path_factory.mktemp("bare")
    terms = d / "terms.txt"
    terms.write_text("\n".join(sorted(pack_rules.automaton.keys(), key=len, reverse=True)[:400]), encoding="utf-8")
    script = d / "bare.py"
    script.write_text(BARE, encoding="utf-8")
    return [sys.executable, str(script), str(terms)]


@pytest.fixture(scope="module")
def folder_200(tmp_path_factory, pack_rules):
    from test_bench import make_draft

    d = tmp_path_factory.mktemp("drafts200")
    for i in range(200):
        (d / f"draft{i:03}.txt").write_text(make_draft(pack_rules, 5000, i), encoding="utf-8")
    return d


def _report(benchmark, label: str, ours: float, ref: float, floor: float, **extra) -> None:
    """`cpu`: (ours, reference) median CPU seconds — steadier than wall time when other work shares the machine."""
    ratio = ours / ref
    if "cpu" in extra:
        a, b = extra.pop("cpu")
        extra["cpu_s"] = f"{a:.3f}/{b:.3f} ({a / b:.1f}x)"
    load = round(os.getloadavg()[0], 1)
    benchmark.extra_info.update({"ratio": round(ratio, 2), "reference_s": round(ref, 4), "floor": floor,
                                 "load": load, **extra})
    print(f"\n{label}: policylint {ours:.3f} s, reference {ref:.3f} s, ratio {ratio:.1f} (floor {floor})"
          + "".join(f", {k} {v}" for k, v in extra.items()) + f", load {load}")


TIERS = pytest.mark.parametrize("tier", [[], ["--no-precedents"]], ids=["precedents", "no-precedents"])


@TIERS
def test_bench_check_200_drafts_vs_bare_scan(benchmark, folder_200, bare, tier):
    cmd = policylint_cmd() + ["check", "--format", "jsonl", "--no-config", *tier, str(folder_200)]
    warm(cmd)
    ref = median_of(bare + [str(folder_200)], 3)
    benchmark.pedantic(lambda: run_measured(cmd), rounds=3, iterations=1)
    _report(benchmark, f"check 200 drafts {' '.join(tier)}", benchmark.stats.stats.median, ref, 3,
            cpu=(cpu(cmd), cpu(bare + [str(folder_200)])))


@TIERS
def test_bench_one_docx_vs_interpreter_start(benchmark, tier):
    cmd = policylint_cmd() + ["check", "--no-config", *tier, str(SAMPLES / "sample_draft.docx")]
    warm(cmd)
    ref = median_of([sys.executable, "-c", "pass"], 9)
    benchmark.pedantic(lambda: run_measured(cmd), rounds=9, iterations=1)
    _report(benchmark, f"check one .docx {' '.join(tier)}", benchmark.stats.stats.median, ref, 3,
            cpu=(cpu(cmd), cpu([sys.executable, "-c", "pass"])))


@pytest.fixture(scope="module")
def resident(tmp_path_factory):
    """A `policylint resident` process for the resident-mode benchmark (measured apart from the plain command)."""
    import signal

    d = tmp_path_factory.mktemp("resident")
    os.chmod(d, 0o700)
    sock = d / "sock"
    proc = subprocess.Popen(policylint_cmd() + ["resident", "--socket", str(sock)], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not sock.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert sock.exists()
    yield sock
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


@TIERS
def test_bench_one_docx_resident_vs_interpreter_start(benchmark, resident, tier):
    """The same .docx check handed to `policylint resident` by its client (POLICYLINT_RESIDENT): the client's
    whole run, start-up included, against the start of the same interpreter. Not the plain command's number."""
    cmd = [sys.executable, "-c", "from engine.resident_client import main; main()",
           "check", "--no-config", *tier, str(SAMPLES / "sample_draft.docx")]
    env = dict(ENV, POLICYLINT_RESIDENT=str(resident))
    subprocess.run(cmd, capture_output=True, env=env)
    ref = median_of([sys.executable, "-c", "pass"], 9)
    benchmark.pedantic(lambda: run_measured(cmd, env=env), rounds=9, iterations=1)
    _report(benchmark, f"resident (CPU: the client only): check one .docx {' '.join(tier)}", benchmark.stats.stats.median, ref, 3,
            cpu=(cpu(cmd), cpu([sys.executable, "-c", "pass"])))


@pytest.mark.parametrize("megabytes, floor_s, floor_mb", [(1, 3, 300), (10, 30, 600)])
def test_bench_large_dense_text(benchmark, tmp_path, pack_rules, bare, megabytes, floor_s, floor_mb):
    """One text of `megabytes` MB, one sentence in about seven taken from the rules' examples (dense in findings)."""
    from test_bench import make_draft

    path = tmp_path / f"dense_{megabytes}mb.txt"
    path.write_text(make_draft(pack_rules, megabytes * 350_000, 5), encoding="utf-8")
    cmd = policylint_cmd() + ["check", "--format", "jsonl", "--no-config", str(path)]
    warm(policylint_cmd() + ["check", "--format", "jsonl", "--no-config", str(SAMPLES / "work_plan_gbk.txt")])
    ref = median_of(bare + [str(path)], 3)
    peaks = []

    def run():
        wall, peak, code = run_measured(cmd)
        assert code == 1
        peaks.append(peak)
    benchmark.pedantic(run, rounds=1 if megabytes > 1 else 3, iterations=1)
    _report(benchmark, f"check {path.stat().st_size / 1e6:.1f} MB dense text", benchmark.stats.stats.median, ref,
            floor_s, peak_mb=round(max(peaks)), floor_mb=floor_mb, cpu=(cpu(cmd), cpu(bare + [str(path)])))


def test_refused_at_once_over_the_size_limit(tmp_path):
    """50 MB of text is over the default limit (20 MB, POLICYLINT_MAX_TEXT_MB): refused from its size, before reading."""
    path = tmp_path / "huge.txt"
    line = ("第一条　外地企业须在本市设立分公司方可参加投标。" * 40 + "\n").encode("utf-8")
    with open(path, "wb") as f:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            f.write(line)
    r = subprocess.run(policylint_cmd() + ["check", str(path)], capture_output=True, text=True, timeout=120, env=ENV)
    assert r.returncode == 2 and "文件过大" in r.stderr and "POLICYLINT_MAX_TEXT_MB" in r.stderr, r.stderr
    assert "没有得出任何检查结果" in r.stdout   # the text report: nothing was checked


def test_bench_cases_100k_import_and_scan_vs_bare_scan(benchmark, tmp_path, bare):
    from cases import sample

    src = tmp_path / "cases_100k.csv"
    sample.write(src, sample.generate(rows=100_000, seed=7, start=dt.date(2026, 1, 1), end=dt.date(2026, 9, 30)))
    runs = iter(range(10))
    warm(policylint_cmd() + ["cases", "scan", "--db", str(tmp_path / "warm.db"), "--as-of", "2026-10-10"])
    ref = median_of(bare + [str(src)], 3)

    cmds: list = []

    def run_logged():
        db = tmp_path / f"r{next(runs)}.db"
        cmds[:] = [policylint_cmd() + ["cases", "import", str(src), "--db", str(db)],
                   policylint_cmd() + ["cases", "scan", "--db", str(db), "--as-of", "2026-10-10"]]
        a, b = (run_measured(c, cwd=tmp_path) for c in cmds)
        assert a[2] == 0 and b[2] == 0
        return a[0], b[0], CPU[tuple(cmds[0])][-1] + CPU[tuple(cmds[1])][-1]
    got = benchmark.pedantic(run_logged, rounds=1, iterations=1)
    _report(benchmark, "cases import + scan 100,000", benchmark.stats.stats.median, ref, "10 s",
            import_s=round(got[0], 2), scan_s=round(got[1], 2), cpu=(got[2], cpu(bare + [str(src)])))
