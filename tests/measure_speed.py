"""Measure the two speed floors of the first issue, as whole commands (not collected by pytest):

1. `policylint check DIR` on 200 generated drafts of 5,000 characters, against one Python process that reads
   the same files and runs a single compiled alternation of 400 rule terms over them;
2. `policylint check sample_draft.docx` against a bare `python -c pass`.

    .venv/bin/python tests/measure_speed.py [--runs 5]
    .venv/bin/python tests/measure_speed.py --dask-scaling [--docs 400]   # 1, 2 and 4 Dask workers (LocalCluster)

Medians of several runs; the rules cache is warmed first (a rule edit makes the next run recompile once).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

BASELINE = """
import re, sys, pathlib
terms = [l for l in pathlib.Path(sys.argv[1]).read_text(encoding="utf-8").splitlines() if l]
rx = re.compile("|".join(map(re.escape, terms)))
hits = 0
for p in sorted(pathlib.Path(sys.argv[2]).glob("*.txt")):
    hits += sum(1 for _ in rx.finditer(p.read_text(encoding="utf-8")))
print(hits)
"""


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}   # as installed: bytecode cached


def timed(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)   # warm
    xs = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        xs.append(time.perf_counter() - t)
    return statistics.median(xs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dask-scaling", action="store_true", help="time 1, 2 and 4 Dask workers instead")
    ap.add_argument("--docs", type=int, default=400)
    args = ap.parse_args()
    if args.dask_scaling:
        return dask_scaling(args.docs)
    from engine.rulebook import load_rules
    from test_bench import make_draft

    rs = load_rules()
    exe = Path(sys.executable)
    policylint = str(exe.with_name("policylint"))
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "drafts"
        d.mkdir()
        for i in range(200):
            (d / f"draft{i:03}.txt").write_text(make_draft(rs, 5000, i), encoding="utf-8")
        terms = Path(tmp) / "terms.txt"
        terms.write_text("\n".join(sorted(rs.automaton.keys(), key=len, reverse=True)[:400]), encoding="utf-8")
        base = Path(tmp) / "baseline.py"
        base.write_text(BASELINE, encoding="utf-8")
        subprocess.run([policylint, "check", str(d)], stdout=subprocess.DEVNULL)   # warm the rules cache
        t_check = timed([policylint, "check", "--format", "jsonl", str(d)], args.runs)
        t_check_np = timed([policylint, "check", "--no-precedents", "--format", "jsonl", str(d)], args.runs)
        t_base = timed([str(exe), str(base), str(terms), str(d)], args.runs)
    sample = str(HERE / "samples" / "sample_draft.docx")
    t_one = timed([policylint, "check", sample], args.runs * 3)
    t_pass = timed([str(exe), "-c", "pass"], args.runs * 3)
    from engine import features
    print(f"scan core: {'compiled' if not features.__file__.endswith('.py') else 'pure Python'} "
          f"({Path(features.__file__).name}; `python setup.py build_ext --inplace` builds it)")
    print(f"200 drafts × 5,000 chars: policylint {t_check:.2f} s, baseline regex process {t_base:.2f} s, "
          f"ratio {t_check / t_base:.1f} (floor 3)")
    print(f"  the same with --no-precedents: {t_check_np:.2f} s, ratio {t_check_np / t_base:.1f}")
    print(f"one .docx draft: policylint {t_one * 1000:.0f} ms, python -c pass {t_pass * 1000:.0f} ms, "
          f"ratio {t_one / t_pass:.1f} (floor 3)")


def dask_scaling(docs: int) -> None:
    """Documents per second on a LocalCluster of 1, 2 and 4 workers (cluster already started: the batch only),
    and the CPU seconds per document of one in-process check, the figure the README's scaling section uses."""
    from distributed import Client, LocalCluster

    from engine.batch import check_serial
    from engine.distributed import run_tasks
    from engine.rulebook import load_rules
    from test_bench import make_draft

    rs = load_rules()
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(docs):
            p = Path(tmp) / f"d{i:04}.txt"
            p.write_text(make_draft(rs, 5000, i), encoding="utf-8")
            paths.append(str(p))
        list(check_serial(paths[:5], rs))
        c0 = time.process_time()
        list(check_serial(paths[:100], rs))
        per_doc = (time.process_time() - c0) / 100
        print(f"one process: {per_doc * 1000:.1f} ms CPU per 5,000-character document ({os.cpu_count()} cores here)")
        for n in (1, 2, 4):
            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0") as cl, \
                    Client(cl) as c:
                list(run_tasks(c, paths[:2 * n], rs))            # warm: rules on every worker
                t = time.perf_counter()
                results = list(run_tasks(c, paths, rs, window=8 * n))
                wall = time.perf_counter() - t
            assert all(e is None for _, _, e in results)
            print(f"{n} worker(s): {docs} documents in {wall:.2f} s = {docs / wall:.1f} documents/s")


if __name__ == "__main__":
    main()
