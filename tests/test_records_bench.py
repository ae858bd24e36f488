"""Benchmarks (pytest-benchmark) of the table reader against the csv module reading the same file decoded whole:
what deciding the encoding row by row costs. 100,000 case rows, in UTF-8 and in GB18030. None asserts a time; compare
the pairs in the benchmark table (`pytest tests/test_records_bench.py`)."""
import csv
import io

import pytest

from engine.records.tables import csv_rows

ROWS = 100_000


@pytest.fixture(scope="module", params=["utf-8", "gb18030"])
def table(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("bench_tables") / f"cases_{request.param}.csv"
    body = "".join(f"R-{i},2026-08-01,要求外地企业在本地设立分公司并缴纳保证金{i},青禾市商务局\r\n" for i in range(ROWS))
    path.write_bytes(("case_id,received_date,description,unit\r\n" + body).encode(request.param))
    return path


def test_bench_baseline_csv_module_whole_file(benchmark, table):
    def baseline():
        data = table.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        return sum(1 for _ in csv.reader(io.StringIO(text, newline="")))

    assert benchmark.pedantic(baseline, rounds=3, iterations=1) == ROWS + 1


def test_bench_table_reader_row_by_row(benchmark, table):
    assert benchmark.pedantic(lambda: sum(1 for _ in csv_rows(table)), rounds=3, iterations=1) == ROWS + 1
