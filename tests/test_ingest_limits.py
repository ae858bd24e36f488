"""Nothing a user feeds the readers brings them down (issue 10 §1): each class of damaged or hostile input gives
one Chinese line naming what is wrong, within the bounds of engine.ingest.limits, and mutated .docx/.ofd/.pdf
bytes give either text or that one line (hypothesis). The crashing inputs of the issue are built here as the seed
corpus; the files are made in the test run."""
import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SAMPLES, policylint_cmd
from engine.errors import UserError
from engine.ingest import Limits, decode_text, read_document
from engine.ingest.docx import docx_text
from engine.ingest.limits import configure, current
from engine.ingest.ofd import ofd_text
from engine.ingest.pdf import pdf_text

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "ingest"))
from builders import (W_NS, deflate_repeated, docx_package, document_xml, nested_tables_docx, ofd_bytes,  # noqa: E402
                      para, raw_zip, zip_bomb_docx)

MB = 1024 * 1024
NUMBERED = para("前言")
NUMPR = ('<w:p><w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="1"/></w:numPr></w:pPr>'
         '<w:r><w:t>外地企业须在本市设立分公司。</w:t></w:r></w:p>')


def numbering_xml(start="1", ilvl="0", fmt="chineseCounting") -> bytes:
    return (f'<?xml version="1.0"?><w:numbering xmlns:w="{W_NS}"><w:abstractNum w:abstractNumId="0">'
            f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="第%1条"/>'
            f'</w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>').encode()


def numbered_docx(start="1", ilvl="0", para_ilvl="0", numbering: bytes | None = None, styles: bytes | None = None):
    extra = {"word/numbering.xml": numbering if numbering is not None else numbering_xml(start, ilvl)}
    if styles is not None:
        extra["word/styles.xml"] = styles
    body = NUMBERED + NUMPR.format(ilvl=para_ilvl) + '<w:p><w:pPr><w:pStyle w:val="X"/></w:pPr></w:p>'
    return docx_package(document_xml(body), extra)


def _entry(name, data, method=8, flags=0, crc=None, declared=None, raw=None):
    stored = raw if raw is not None else (zlib.compress(data)[2:-4] if method == 8 else data)
    return (name, stored, method, zlib.crc32(data) if crc is None else crc,
            len(data) if declared is None else declared, flags)


DOC = document_xml(para("第一条　外地企业须在本市设立分公司。"))


def _bad_crc_numbering() -> bytes:
    body = document_xml(NUMPR.format(ilvl="0"))
    return raw_zip([_entry("word/document.xml", body), _entry("word/numbering.xml", numbering_xml(), crc=1234)])


# (file name, bytes, words the one line must contain) — every class of issue 10 §1
CLASSES = [
    ("deflate.docx", raw_zip([_entry("word/document.xml", DOC, raw=b"\xff\xfe garbage deflate" * 10)]), "压缩数据损坏"),
    ("encrypted.docx", raw_zip([_entry("word/document.xml", DOC, flags=1)]), "已加密"),
    ("bzip2.docx", raw_zip([_entry("word/document.xml", DOC, method=12, raw=b"BZh91AY&SY")]), "不支持的压缩方式"),
    ("lzma.docx", raw_zip([_entry("word/document.xml", DOC, method=14, raw=b"\x00" * 20)]), "不支持的压缩方式"),
    ("method99.docx", raw_zip([_entry("word/document.xml", DOC, method=99, raw=b"\x00" * 20)]), "不支持的压缩方式"),
    ("crc.docx", _bad_crc_numbering(), "压缩数据损坏"),
    ("numbering-parse.docx", numbered_docx(numbering=b"<w:numbering><w:abstractNum"), "编号定义损坏"),
    ("styles-parse.docx", numbered_docx(styles=b"<w:styles xmlns:w='x'><w:style><w:pPr><w:numPr>"), "样式定义损坏"),
    ("ilvl.docx", numbered_docx(ilvl="abc"), "编号定义损坏"),
    ("start.docx", numbered_docx(start="一"), "编号定义损坏"),
    ("para-ilvl.docx", numbered_docx(para_ilvl="x"), "不是整数"),
    ("deep-xml.docx", docx_package(document_xml("<w:sdt>" * 5000 + para("深") + "</w:sdt>" * 5000)), "XML 层级过深"),
    ("deep-tables.docx", nested_tables_docx(40), "表格嵌套过深"),
    ("entities.docx", docx_package(b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
                                   b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                                   b'<w:document xmlns:w="' + W_NS.encode() + b'"><w:body><w:p><w:r><w:t>&b;</w:t>'
                                   b'</w:r></w:p></w:body></w:document>'), "文档类型定义或实体声明"),
    ("bomb.docx", zip_bomb_docx(300), "解压后过大"),
    ("lying-bomb.docx", zip_bomb_docx(300, lie=True), "压缩数据损坏"),
    ("truncated.docx", docx_package(DOC)[:-30], "已损坏"),
    ("not-zip.docx", b"PK\x03\x04" + b"\x00" * 100, "已损坏"),
    ("utf16.txt", b"\xff\xfe" + "第一条".encode("utf-16-le") + b"\x00\xd8\x41\x00", "UTF-16"),
    ("utf16-odd.txt", b"\xff\xfe" + "第一条".encode("utf-16-le") + b"\x41", "字节数为奇数"),
]


@pytest.mark.parametrize("name, data, words", CLASSES, ids=[c[0] for c in CLASSES])
def test_each_input_class_is_one_clear_line(tmp_path, name, data, words):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(UserError) as e:
        read_document(str(p))
    msg = str(e.value)
    assert msg.startswith(f"{p}：") and words in msg, msg
    assert "\n" not in msg and "内部错误" not in msg and "Traceback" not in msg


def test_numbering_start_1000_and_huge_numbers_still_number(tmp_path):
    for start, label in (("1000", "第一千条"), ("99999999", "第"), ("-5", "第"), ("123456789", "第123456789条")):
        p = tmp_path / f"n{start}.docx"
        p.write_bytes(numbered_docx(start=start))
        text, _ = read_document(str(p))
        line = text.splitlines()[1]
        assert line.startswith(label) and line.endswith("外地企业须在本市设立分公司。"), line


def test_nested_tables_24_levels_read(tmp_path):
    p = tmp_path / "n24.docx"
    p.write_bytes(nested_tables_docx(24))
    text, _ = read_document(str(p))
    assert "第24层" in text and text.startswith("第一条　嵌套表格。")


def test_bounds_checked_before_inflating(tmp_path):
    """The honest bomb is refused from its central directory: nothing is inflated (the message gives the
    declared size); the one whose headers lie is inflated no further than the size they declare."""
    p = tmp_path / "bomb.docx"
    p.write_bytes(zip_bomb_docx(300))
    with pytest.raises(UserError, match=r"word/document.xml 解压后 \d+ MB，上限 32 MB（可用环境变量 POLICYLINT_MAX_PART_MB"):
        read_document(str(p))
    with pytest.raises(UserError, match="压缩比异常"):
        read_document(str(p), limits=Limits(max_part_bytes=1024 * MB, max_total_bytes=1024 * MB))
    q = tmp_path / "lying.docx"      # zipfile inflates no more than the declared 1 KB, then the CRC disagrees
    q.write_bytes(zip_bomb_docx(40, lie=True))
    with pytest.raises(UserError, match="压缩数据损坏（word/document.xml）：校验值不符"):
        read_document(str(q), limits=Limits(max_part_bytes=2 * MB))


def test_parts_total_and_characters_bounds(tmp_path):
    many = docx_package(DOC, {f"word/media/{i}.xml": b"<x/>" for i in range(30)})
    p = tmp_path / "many.docx"
    p.write_bytes(many)
    with pytest.raises(UserError, match="压缩包内文件过多（32 个，上限 20"):
        read_document(str(p), limits=Limits(max_parts=20))
    long = docx_package(document_xml(para("字" * 5000) * 3))
    p.write_bytes(long)
    with pytest.raises(UserError, match="文字过多（超过 10,000 字"):
        read_document(str(p), limits=Limits(max_chars=10_000))
    assert read_document(str(p))[0].count("字") == 15000


def test_limits_from_environment_and_configure(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYLINT_MAX_TEXT_MB", "0.001")
    monkeypatch.setenv("POLICYLINT_MAX_PARTS", "not a number")
    lim = current()
    assert lim.max_text_bytes == 1048 and lim.max_parts == Limits().max_parts
    p = tmp_path / "d.txt"
    p.write_text("第一条　" + "字" * 400, encoding="utf-8")
    with pytest.raises(UserError, match=r"文件过大（1 KB，上限 1 KB（可用环境变量 POLICYLINT_MAX_TEXT_MB 调整）"):
        read_document(str(p))
    monkeypatch.delenv("POLICYLINT_MAX_TEXT_MB")
    assert read_document(str(p))[0].startswith("第一条")
    try:
        configure(Limits(max_text_bytes=100))
        with pytest.raises(UserError, match="文件过大"):
            read_document(str(p))
    finally:
        configure(None)
    assert read_document(str(p))[0].startswith("第一条")


def test_encodings_kept():
    text = "第一条　外地企业须在本市设立分公司。"
    for data in (text.encode("gbk"), text.encode("gb18030"), text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode(),
                 b"\xff\xfe" + text.encode("utf-16-le"), b"\xfe\xff" + text.encode("utf-16-be")):
        assert decode_text(data, "x") == text


# ---------------------------------------------------------------- time and memory, in a child process

def _measure(path: Path, env: dict | None = None) -> dict:
    code = textwrap.dedent(f"""
        import json, resource, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from engine.errors import UserError
        from engine.ingest import read_document
        t = time.perf_counter()
        try:
            text, _ = read_document({str(path)!r}); out = {{"chars": len(text)}}
        except UserError as e:
            out = {{"error": str(e)}}
        out["seconds"] = time.perf_counter() - t
        out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        try:   # Linux keeps ru_maxrss across exec (it would show pytest's own peak); VmHWM is this image's
            hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")]
            out["peak_mb"] = int(hwm[0].split()[1]) / 1024 if hwm else out["peak_mb"]
        except OSError:
            pass
        print(json.dumps(out, ensure_ascii=False))
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, **(env or {})})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_hostile_inputs_stay_under_300_mb(tmp_path):
    """Issue 10's classes that used to take gigabytes: each ends under 300 MB peak (the interpreter and
    the readers' imports included)."""
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(zip_bomb_docx(1100))
    lying = tmp_path / "lying.docx"
    lying.write_bytes(zip_bomb_docx(1100, lie=True))
    tables = tmp_path / "tables24.docx"
    tables.write_bytes(nested_tables_docx(24))
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        line = ("第一条　外地企业须在本市设立分公司。" * 20 + "\n").encode("utf-8")
        for _ in range(50 * MB // len(line) + 1):
            f.write(line)
    results = {p.name: _measure(p) for p in (bomb, lying, tables, big)}
    print(json.dumps(results, ensure_ascii=False, indent=1))
    assert "解压后过大" in results["bomb.docx"]["error"]
    assert "校验值不符" in results["lying.docx"]["error"]
    assert results["tables24.docx"]["chars"] > 100
    assert "文件过大（50 MB，上限 20 MB" in results["big.txt"]["error"]
    for name, r in results.items():
        assert r["peak_mb"] < 300, (name, r)


def test_cli_refuses_a_bomb_with_exit_2(tmp_path):
    p = tmp_path / "bomb.docx"
    p.write_bytes(zip_bomb_docx(300))
    r = subprocess.run(policylint_cmd() + ["check", str(p)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert "解压后过大" in r.stderr and "内部错误" not in r.stderr and "Traceback" not in r.stderr
    assert "未发现问题" not in r.stdout


# ---------------------------------------------------------------- fuzzing

SEED_DOCX = (SAMPLES / "sample_draft.docx").read_bytes()
SEED_OFD = ofd_bytes(["示例县若干措施", "第一条　外地企业须在本县设立分公司。", "第二条　本措施自印发之日起施行。" * 3],
                     header="示例县人民政府文件", lines_per_page=3)


def _seed_pdf() -> bytes:
    """A small PDF with a real text layer, written by matplotlib (no LibreOffice needed for the fuzz seed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    fig.text(0.1, 0.8, "Article 1. Enterprises shall")
    fig.text(0.1, 0.6, "register locally. 2. Page")
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    return buf.getvalue()


SEED_PDF = _seed_pdf()
FUZZ_LIMITS = Limits(max_part_bytes=4 * MB, max_total_bytes=8 * MB, max_chars=200_000, max_pages=20)


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]], cut: int | None) -> bytes:
    b = bytearray(data)
    for pos, length, new in edits:
        pos %= max(len(b), 1)
        b[pos:pos + length] = new
    if cut is not None:
        b = b[: cut % (len(b) + 1)]
    return bytes(b)


edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 8), st.binary(max_size=8)), max_size=6)
cuts = st.one_of(st.none(), st.integers(0, 1 << 20))


def _one_line(read, data: bytes, name: str):
    try:
        text = read(data, name, FUZZ_LIMITS)
    except UserError as e:
        msg = str(e)
        assert msg.startswith(name + "：") and "\n" not in msg and "内部错误" not in msg, msg
        assert any("\u4e00" <= ch <= "\u9fff" for ch in msg[len(name) + 1:]), msg
        return
    assert isinstance(text, str)


# POLICYLINT_FUZZ_EXAMPLES=20000 for a release check (random seeds); the default is a fixed, quick run
EXAMPLES = int(os.environ.get("POLICYLINT_FUZZ_EXAMPLES", "0") or 0)
FUZZ = settings(max_examples=EXAMPLES or 120, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=not EXAMPLES)


@FUZZ
@given(edits, cuts)
def test_fuzz_docx_bytes(e, cut):
    _one_line(docx_text, _mutate(SEED_DOCX, e, cut), "f.docx")


def _docx_parts() -> dict[str, bytes]:
    z = zipfile.ZipFile(io.BytesIO(SEED_DOCX))
    return {n: z.read(n) for n in z.namelist()}


PARTS = _docx_parts()


@FUZZ
@given(st.sampled_from(["word/document.xml", "word/numbering.xml", "word/styles.xml"]), edits)
def test_fuzz_docx_xml_parts(part, e):
    """Mutations inside the XML (stored, so the zip stays valid): numbering, styles and the body."""
    files = dict(PARTS)
    files[part] = _mutate(files[part], e, None)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for n, v in files.items():
            z.writestr(n, v)
    _one_line(docx_text, buf.getvalue(), "f.docx")


@FUZZ
@given(edits, cuts)
def test_fuzz_ofd_bytes(e, cut):
    _one_line(ofd_text, _mutate(SEED_OFD, e, cut), "f.ofd")


OFD_PARTS = {n: zipfile.ZipFile(io.BytesIO(SEED_OFD)).read(n) for n in zipfile.ZipFile(io.BytesIO(SEED_OFD)).namelist()}


@FUZZ
@given(st.sampled_from(sorted(OFD_PARTS)), edits)
def test_fuzz_ofd_xml_parts(part, e):
    files = dict(OFD_PARTS)
    files[part] = _mutate(files[part], e, None)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for n, v in files.items():
            z.writestr(n, v)
    _one_line(ofd_text, buf.getvalue(), "f.ofd")


@settings(max_examples=EXAMPLES or 80, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=not EXAMPLES)
@given(edits, cuts)
def test_fuzz_pdf_bytes(e, cut):
    _one_line(pdf_text, _mutate(SEED_PDF, e, cut), "f.pdf")


def test_fuzz_seeds_read():
    assert "第一条" in docx_text(SEED_DOCX, "s.docx", FUZZ_LIMITS)
    assert ofd_text(SEED_OFD, "s.ofd", FUZZ_LIMITS).startswith("示例县若干措施")
    assert "Article 1" in pdf_text(SEED_PDF, "s.pdf", FUZZ_LIMITS)


SEED_HTML = ("<html><head><meta charset='utf-8'><script>x()</script></head><body><h1>示例县若干措施</h1>"
             "<p>第一条　外地企业须在本县设立分公司。</p><ol><li><p>第一项</p></li></ol>"
             "<table><tr><td>情形</td><td>奖励</td></tr></table></body></html>").encode()


@FUZZ
@given(edits, cuts)
def test_fuzz_html_bytes(e, cut):
    from engine.ingest.html import html_text

    _one_line(html_text, _mutate(SEED_HTML, e, cut), "f.html")
