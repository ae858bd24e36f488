"""Benchmarks of the case register at the sizes the issue names: 100,000 records imported and scanned, and a
quarterly circulation over 30,000 cases. One round each (they are long), so the whole test run stays short."""
import datetime as dt

import pytest

from cases import importer, sample, scan, store


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """100,000 sample rows (generated once, outside the timed part)."""
    path = tmp_path_factory.mktemp("bench") / "cases_100k.csv"
    sample.write(path, sample.generate(rows=100_000, seed=7, start=dt.date(2026, 1, 1), end=dt.date(2026, 9, 30)))
    return path


def test_bench_import_and_scan_100k(benchmark, big_csv, tmp_path):
    """Import of a 100,000-row CSV (validation, one transaction, executemany) followed by the scan of all of them
    with the case rules (features precomputed in Python, rules evaluated by the engine). Target: ≤ 60 s."""
    runs = iter(range(10))

    def run():
        db = tmp_path / f"bench{next(runs)}.db"
        conn = store.connect(db)
        try:
            res = importer.import_file(big_csv, conn)
            out = scan.scan(conn, None, None, "全部", as_of=dt.date(2026, 10, 10))
        finally:
            conn.close()
        return res, out

    res, out = benchmark.pedantic(run, rounds=1, iterations=1)
    assert res.balanced() and res.new + res.updated >= 99_990
    assert out.records == res.new and sum(out.by_category.values()) == out.records


@pytest.fixture(scope="module")
def register_30k(tmp_path_factory):
    """A register with 30,000 cases in 2026Q3 and 10,000 in 2026Q2, scanned."""
    d = tmp_path_factory.mktemp("bench30k")
    conn = store.connect(d / "q.db")
    for n, (seed, start, end) in enumerate([(21, dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
                                            (22, dt.date(2026, 4, 1), dt.date(2026, 6, 30))]):
        rows = sample.generate(rows=30_000 if n == 0 else 10_000, seed=seed, start=start, end=end, dirty=False)
        for r in rows:
            r["案例编号"] = f"B{n}-{r['案例编号']}"
        path = d / f"q{n}.csv"
        sample.write(path, rows)
        importer.import_file(path, conn)
    scan.scan(conn, None, None, "全部", as_of=dt.date(2026, 10, 10))
    conn.close()
    return d / "q.db"


def test_bench_quarterly_report_30k(benchmark, register_30k, tmp_path):
    """The quarterly circulation over 30,000 cases: loading the quarter and the previous one from SQLite,
    statistics, typical cases, four charts, and writing both the .docx (official style) and the .xlsx ledger."""
    from reports.case_circulation import build_quarterly
    from reports.case_doc import write

    def run():
        conn = store.connect(register_30k)
        try:
            cases = store.records(conn, dt.date(2026, 7, 1), dt.date(2026, 10, 1))
            previous = store.records(conn, dt.date(2026, 4, 1), dt.date(2026, 7, 1))
        finally:
            conn.close()
        doc = build_quarterly(cases, previous, "2026Q3", date=dt.date(2026, 10, 10))
        write(doc, tmp_path / "q.docx")
        write(doc, tmp_path / "q.xlsx")
        return len(cases)

    assert benchmark.pedantic(run, rounds=1, iterations=1) == 30_000
    assert (tmp_path / "q.docx").stat().st_size > 10_000 and (tmp_path / "q.xlsx").stat().st_size > 100_000
