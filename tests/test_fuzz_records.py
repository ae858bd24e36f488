"""Fuzzing the table readers (issue 10, item 5): mutated CSV and XLSX bytes give rows or one clean UserError, never
another exception; no row ever holds text that is not what its bytes say (no mojibake, no lone surrogates, no cell over
the bound); and where the bytes are plain UTF-8 or plain GB18030 the reader agrees with the csv module on the decoded
text (an oracle, not just "it did not crash").

Fixed profile (derandomize, set example counts, no database) so CI sees the same inputs; POLICYLINT_FUZZ_EXAMPLES sets
a longer run for release checks (README)."""
import csv
import io
import os
import random
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import UserError
from engine.records import tables
from engine.records.tables import BadRow, grid_rows

EXAMPLES = int(os.environ.get("POLICYLINT_FUZZ_EXAMPLES", "0")) or None
PROFILE = dict(derandomize=True, database=None, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture])

CHINESE = list("本地外企业须设立分公司指定唯一供应商排斥经营者财政奖励备案审批前置核查全部区县，。；、（）“”《》")
ALPHABET = CHINESE + list("abcXYZ0123456789 ,\"\n\r\t=+-@'") + ["€", "𠀀", "é", "ȫ", "\u3000"]

SEED_ROWS = [["案例编号", "受理日期", "问题描述", "涉及单位"],
             ["F-1", "2026-08-01", "要求外地企业在本地设立分公司", "青禾市商务局"],
             ["F-2", "2026/8/2", "指定唯一供应商，\n排斥外地经营者", "临溪县\"教育局\""],
             ["F-3", "2026年8月3日", "=HYPERLINK(\"http://x\")", "@财政局"]]


def csv_bytes(rows, enc="utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(enc)


SEEDS = [csv_bytes(SEED_ROWS), csv_bytes(SEED_ROWS, "gb18030"), b"\xef\xbb\xbf" + csv_bytes(SEED_ROWS),
         b"\xff\xfe" + csv_bytes(SEED_ROWS, "utf-16-le"),
         csv_bytes(SEED_ROWS[:2]) + csv_bytes(SEED_ROWS[2:], "gbk")]
BYTE_TOKENS = [b'"', b",", b"\r", b"\n", b"\r\n", b"\t", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x80",
               b"\xc0", b"\xe4\xb8", b"\xd6", b"\x81\x30", b"\x81\x30\x81", "全".encode("gbk"), "本地".encode("gbk"),
               "本地".encode("utf-8"), b'"' * 3, b"=cmd|' /C calc'!A0", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]


@st.composite
def mutated_csv(draw):
    data = bytearray(draw(st.sampled_from(SEEDS)))
    rnd = random.Random(draw(st.integers(0, 2 ** 32)))
    for _ in range(draw(st.integers(0, 4))):
        i = rnd.randint(0, len(data))
        kind = draw(st.sampled_from(["token", "bytes", "delete", "flip", "dup"]))
        if kind == "token":
            data[i:i] = draw(st.sampled_from(BYTE_TOKENS))
        elif kind == "bytes":
            data[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[i:i + rnd.randint(1, 20)]
        elif kind == "flip" and i < len(data):
            data[i] ^= 1 << rnd.randint(0, 7)
        elif kind == "dup":
            j = min(len(data), i + rnd.randint(1, 60))
            data[j:j] = data[i:j] * rnd.randint(1, 20)
    return bytes(data)


def shifted_ascii(text: str) -> int:
    """Commas, line ends, quotes and tabs of UTF-16 text read one byte off."""
    return sum(1 for ch in text if ch in "\u2c00\u0a00\u0d00\u2200\u0900")


def check_rows(rows):
    numbers = [n for n, _ in rows]
    assert numbers == list(range(1, len(rows) + 1))
    for _, cells in rows:
        if isinstance(cells, BadRow):
            assert cells.reason and not cells.reason.isascii()   # a reason, in Chinese
            continue
        assert isinstance(cells, list)
        for c in cells:
            assert c is None or isinstance(c, (str, int, float)) or hasattr(c, "year")
            if isinstance(c, str):
                c.encode("utf-8")                                 # no lone surrogate: storable, printable
                assert len(c) <= tables.MAX_FIELD_CHARS


def read(path):
    try:
        rows = list(grid_rows(path))
    except UserError as e:
        assert str(e) and "Traceback" not in str(e)
        return None
    check_rows(rows)
    return rows


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz_tables")


@settings(max_examples=EXAMPLES or 1500, **PROFILE)
@given(mutated_csv())
def test_mutated_csv_gives_rows_or_a_clean_error(workdir, data):
    path = workdir / "m.csv"
    path.write_bytes(data)
    rows = read(path)
    assert rows is not None   # a CSV is never refused whole: a bad row is a BadRow
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):   # UTF-16 one byte off is refused, not read as nonsense
        for _, cells in rows:
            if isinstance(cells, list):
                assert shifted_ascii("".join(cells)) < 2, cells
    # the oracle: bytes that are wholly UTF-8 read exactly as the csv module reads the decoded text
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return
        delim = "\t" if text[:4096].split("\n", 1)[0].count("\t") > text[:4096].split("\n", 1)[0].count(",") else ","
        expect = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
        got = [c for _, c in rows]
        if all(isinstance(c, list) for c in got) and (data.startswith(b"\xef\xbb\xbf") or
                                                      any(ord(ch) >= 0x800 for ch in text)):
            assert got == expect


cell_text = st.text(alphabet=st.sampled_from(ALPHABET), max_size=30)


@settings(max_examples=EXAMPLES or 400, **PROFILE)
@given(st.lists(st.lists(cell_text, min_size=1, max_size=5), min_size=1, max_size=12),
       st.lists(st.sampled_from(["utf-8", "gb18030"]), min_size=12, max_size=12))
def test_rows_in_mixed_encodings_read_back_exactly(workdir, rows, encs):
    """Each row written in its own encoding reads back as written, unless it is ambiguous (see decode_bytes)."""
    out = bytearray(csv_bytes([["编号", "问题描述"]]))
    for r, enc in zip(rows, encs):
        out += csv_bytes([r], enc)
    path = workdir / "mixed.csv"
    path.write_bytes(bytes(out))
    got = read(path)
    assert got is not None and len(got) >= 1
    parsed = list(csv.reader(io.StringIO(csv_bytes([["编号", "问题描述"]] + rows).decode(), newline="")))
    assert len(got) == len(parsed)
    for (_, cells), want, r, enc in zip(got[1:], parsed[1:], rows, encs):
        raw = csv_bytes([r], enc)
        try:   # bytes valid in both encodings are ambiguous: read as the file leans (see decode_bytes)
            raw.decode("gb18030" if enc == "utf-8" else "utf-8")
            ambiguous = not raw.isascii()
        except UnicodeDecodeError:
            ambiguous = False
        if not ambiguous:
            assert cells == want


# ---- xlsx ---------------------------------------------------------------------------------------------------------

def seed_xlsx(workdir):
    from openpyxl import Workbook

    wb = Workbook()
    for r in SEED_ROWS:
        wb.active.append(r)
    wb.active.append(["F-4", 46236, 3.5, None])
    p = workdir / "seed.xlsx"
    wb.save(p)
    return p


@pytest.fixture(scope="module")
def xlsx_seed(workdir):
    p = seed_xlsx(workdir)
    with zipfile.ZipFile(p) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    return p.read_bytes(), parts


XML_TOKENS = [b"<", b">", b"</row>", b"<row r=\"999999999999\">", b'<c r="XFD1" t="s"><v>99999</v></c>', b"&", b"&#0;",
              b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>", b"&b;",
              b'<dimension ref="A1:XFD1048576"/>', b't="s"', b't="n"', b't="d"', b't="b"', b'<v>-1</v>', b"<v>1e999</v>",
              b'<c r="A0">', b'r="AAAAAAA1"', b'<sheet name="x" sheetId="9" r:id="rId99"/>', b"\xff", b"\x00"]


@st.composite
def mutated_xlsx(draw, seed):
    raw, parts = seed
    rnd = random.Random(draw(st.integers(0, 2 ** 32)))
    if draw(st.booleans()):   # damage the archive itself
        data = bytearray(raw)
        for _ in range(draw(st.integers(1, 4))):
            i = rnd.randint(0, len(data) - 1)
            kind = draw(st.sampled_from(["flip", "cut", "bytes"]))
            if kind == "flip":
                data[i] ^= 1 << rnd.randint(0, 7)
            elif kind == "cut":
                del data[i:]
                break
            else:
                data[i:i] = draw(st.binary(min_size=1, max_size=8))
        return bytes(data)
    # or the XML inside a well-formed archive: reaches the workbook, sheet and shared-string parsers
    names = sorted(parts)
    name = draw(st.sampled_from([n for n in names if n.endswith(".xml") or n.endswith(".rels")]))
    xml = bytearray(parts[name])
    for _ in range(draw(st.integers(1, 4))):
        i = rnd.randint(0, len(xml))
        kind = draw(st.sampled_from(["token", "delete", "dup"]))
        if kind == "token":
            xml[i:i] = draw(st.sampled_from(XML_TOKENS))
        elif kind == "delete":
            del xml[i:i + rnd.randint(1, 40)]
        else:
            j = min(len(xml), i + rnd.randint(1, 80))
            xml[j:j] = xml[i:j] * rnd.randint(1, 30)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n in names:
            z.writestr(n, bytes(xml) if n == name else parts[n])
    return out.getvalue()


@pytest.mark.parametrize("round_", range(1))
def test_mutated_xlsx_gives_rows_or_a_clean_error(workdir, xlsx_seed, round_):
    @settings(max_examples=EXAMPLES or 400, **PROFILE)
    @given(mutated_xlsx(xlsx_seed))
    def run(data):
        path = workdir / "m.xlsx"
        path.write_bytes(data)
        read(path)

    run()


def test_the_seed_xlsx_reads(xlsx_seed, workdir):
    path = workdir / "s.xlsx"
    path.write_bytes(xlsx_seed[0])
    rows = read(path)
    want = [list(r) for r in SEED_ROWS]
    want[3][2] = None   # openpyxl wrote "=HYPERLINK(…)" as a formula; a formula without a cached value reads as empty
    assert [c for _, c in rows] == want + [["F-4", 46236, 3.5]]
