"""Fuzzing the case import end to end (issue 10, items 3 and 5): generated case files — ids repeated, blank, too long
or formula-like, dates good and bad, descriptions with quotes, commas and line breaks, rows in UTF-8 or GB18030, rows
of bytes that are neither — imported into a real SQLite register in a temporary directory.

Checked against a model computed here, not by the importer: every row accounted for (read = new + updated + unchanged
+ rejected), the rejected rows are exactly the bad ones, the register holds exactly the last good row of every id,
a second import changes nothing, and the rejects file (always written) has no cell Excel would run as a formula."""
import csv
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import importer, store
from cases.normalize import clean_text

EXAMPLES = int(os.environ.get("POLICYLINT_FUZZ_EXAMPLES", "0")) or None
PROFILE = dict(derandomize=True, database=None, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture])

IDS = ["C-1", "C-2", "C-3", "C-4", "", " C-1 ", "=cmd|' /C calc'!A0", "+86-1", "@SUM(A1)", "-1", "X" * 65, "案-甲"]
DATES = {"2026-08-01": True, "2026/8/2": True, "2026年8月3日": True, "20260804": True, "2026.8.5": True,
         "2026-02-30": False, "2026-13-01": False, "八月一日": False, "": False, "1989-12-31": False,
         "=NOW()": False}
TEXT = st.text(alphabet=st.sampled_from(list("本地外企业须设立分公司指定唯一供应商，。“”=+-@ ,\"\n\t") + ["€", "𠀀"]),
               max_size=25)


@st.composite
def case_file(draw):
    n = draw(st.integers(1, 15))
    rows = []
    for _ in range(n):
        if draw(st.integers(0, 9)) == 0:
            rows.append(("junk", None))
            continue
        row = [draw(st.sampled_from(IDS)), draw(st.sampled_from(sorted(DATES))), draw(TEXT), draw(TEXT)]
        rows.append((draw(st.sampled_from(["utf-8", "gb18030"])), row))
    return rows


def encode(rows) -> bytes:
    out = bytearray("案例编号,受理日期,问题描述,涉及单位\r\n".encode("utf-8"))
    for enc, row in rows:
        if enc == "junk":
            out += b"J-9,2026-08-01,\xff\xfe\x80\x81,\xc0\r\n"
            continue
        buf = io.StringIO()
        csv.writer(buf).writerow(row)
        raw = buf.getvalue().encode(enc)
        if enc == "gb18030" and not raw.isascii():
            try:
                raw.decode("utf-8")        # also valid UTF-8: ambiguous, write it as UTF-8 (see tables.decode_bytes)
                raw = buf.getvalue().encode("utf-8")
            except UnicodeDecodeError:
                pass
        out += raw
    return bytes(out)


def model(rows):
    """(row number, verdict) for every non-blank row, and {id: (description, unit)} after the good rows of each id."""
    verdicts, last = [], {}
    for number, (enc, row) in enumerate(rows, start=2):
        if enc == "junk":
            verdicts.append((number, False))
            continue
        cid, date, desc, unit = (clean_text(c) for c in row)
        if not (cid or date or desc or unit):
            continue   # a blank row: skipped, not read
        ok = bool(cid) and len(cid) <= 64 and DATES[date] and bool(desc)
        verdicts.append((number, ok))
        if ok:   # an empty cell in a later row leaves the field as it was (import fills, never blanks)
            last[cid] = (desc, unit or last.get(cid, ("", ""))[1])
    return verdicts, last


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz_import")


@settings(max_examples=EXAMPLES or 150, **PROFILE)
@given(case_file())
def test_generated_case_files_import_exactly(workdir, rows):
    folder = Path(tempfile.mkdtemp(dir=workdir))
    path = folder / "案例台账.csv"
    path.write_bytes(encode(rows))
    verdicts, last = model(rows)
    conn = store.connect(folder / "cases.db")
    try:
        res = importer.import_file(path, conn)
        assert res.read == len(verdicts) and res.balanced()
        assert sorted(r.row for r in res.rejects) == [n for n, ok in verdicts if not ok]
        assert res.new == len(last)
        stored = {r["case_id"]: (r["description"], r["unit"]) for r in conn.execute("SELECT * FROM cases")}
        assert stored == last
        if res.rejects:
            back = list(csv.reader(io.StringIO(open(res.rejects_file, encoding="utf-8-sig").read(), newline="")))
            assert len(back) == 1 + len(res.rejects)
            for cell in (c for r in back[1:] for c in r):
                assert not cell or cell[0] not in "=+-@\t\r", cell
        else:
            assert not res.rejects_file
        # a second import of the same file changes nothing
        before = [tuple(r) for r in conn.execute("SELECT * FROM cases ORDER BY case_id")]
        again = importer.import_file(path, conn)
        assert (again.new, again.updated, again.rejected) == (0, 0, res.rejected) and again.balanced()
        assert [tuple(r) for r in conn.execute("SELECT * FROM cases ORDER BY case_id")] == before
    finally:
        conn.close()
