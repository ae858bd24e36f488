"""Every format drafts arrive in (.docx, .pdf, .ofd, .doc, .wps, .html) gives the same text, the same findings at
the same 第X条/款/项 paths. The .pdf and .doc fixtures are made from the .docx by LibreOffice in the test run; the
.ofd fixtures are OFD packages written to GB/T 33190 by tests/fixtures/ingest/builders.py."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document as DocxDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from conftest import SAMPLES, policylint_cmd
from engine.check import check_path
from engine.errors import UserError
from engine.ingest import Limits, is_supported, read_document, skip_reason

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "ingest"))
from builders import OFD_NS, convert, ofd_bytes, soffice  # noqa: E402

needs_soffice = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed: "
                                   "the .pdf and .doc fixtures are converted from the .docx by it")


def _html_page(paragraphs: list[str]) -> bytes:
    """The draft as a government website publishes it: navigation, scripts, styles, a table for the schedule."""
    body = []
    rows = [p for p in paragraphs if "\t" in p]
    for p in paragraphs:
        if "\t" in p:
            if p is rows[0]:
                body.append("<table border='1'>" + "".join(
                    "<tr>" + "".join(f"<td><p>{c}</p></td>" for c in r.split("\t")) + "</tr>" for r in rows)
                    + "</table>")
            continue
        style = ' style="text-align:center"' if p is paragraphs[0] else ' style="text-indent:2em"'
        body.append(f"<p{style}>\n  {p}\n</p>")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>征求意见</title>"
            "<style>p{font-family:仿宋}</style><script>var x='第九条 不应出现';</script></head><body>"
            "<div class='nav'><script>document.write('菜单')</script></div>"
            "<div class='content'>" + "\n".join(body) + "</div><!-- 第十条 注释不读 --></body></html>").encode()


@pytest.fixture(scope="module")
def drafts(tmp_path_factory):
    """The sample draft in every format. LibreOffice leaves out a table that ends a document when it writes .doc,
    so the .docx gets the empty paragraph Word itself always puts after a final table."""
    d = tmp_path_factory.mktemp("drafts")
    doc = DocxDocument(str(SAMPLES / "sample_draft.docx"))
    doc.add_paragraph("")
    doc.save(d / "draft.docx")
    text, _ = read_document(str(d / "draft.docx"))
    paras = text.split("\n")
    tables = {i: p.split("\t") for i, p in enumerate(paras) if "\t" in p}
    (d / "draft.ofd").write_bytes(ofd_bytes(paras, header="示例县人民政府办公室文件", tables=tables, lines_per_page=9))
    (d / "draft.html").write_bytes(_html_page(paras))
    out = {"docx": d / "draft.docx", "ofd": d / "draft.ofd", "html": d / "draft.html"}
    if soffice():
        out["pdf"] = convert(d / "draft.docx", "pdf", d)
        out["doc"] = convert(d / "draft.docx", "doc", d)
        shutil.copyfile(out["doc"], d / "draft.wps")     # WPS 文字 saves its .wps in the same binary format
        out["wps"] = d / "draft.wps"
    return out


def _findings(path) -> list[tuple[str, str]]:
    return sorted((f.rule, f.path) for f in check_path(str(path)))


@pytest.mark.parametrize("fmt", ["ofd", "html", pytest.param("pdf", marks=needs_soffice),
                                 pytest.param("doc", marks=needs_soffice), pytest.param("wps", marks=needs_soffice)])
def test_same_findings_at_same_paths_in_every_format(drafts, fmt):
    expected = _findings(drafts["docx"])
    assert len(expected) >= 15 and ("FC-19-4-b", "第五条第（一）项") in expected
    assert _findings(drafts[fmt]) == expected


@pytest.mark.parametrize("fmt", ["ofd", "html", pytest.param("pdf", marks=needs_soffice),
                                 pytest.param("doc", marks=needs_soffice)])
def test_same_text_in_every_format(drafts, fmt):
    docx_text, _ = read_document(str(drafts["docx"]))
    text, meta = read_document(str(drafts[fmt]))
    assert meta["format"] == fmt
    assert text.rstrip("\n") == docx_text.rstrip("\n")


def test_folder_scan_reads_new_formats_and_says_why_others_are_skipped():
    for name in ("a.pdf", "a.ofd", "a.doc", "a.wps", "a.html", "a.htm", "A.PDF", "a.docx", "a.txt", "a.md"):
        assert is_supported(name) and skip_reason(name) is None, name
    for name, words in (("a.xlsx", "filing check"), ("a.zip", "解压"), ("a.png", "文字识别"), ("a.xyz", "不支持的文件类型")):
        assert not is_supported(name) and words in skip_reason(name)


# ---------------------------------------------------------------- PDF

def _long_draft(path: Path, articles: int = 14) -> list[str]:
    """A multi-page .docx with a running header and a footer page number (a PAGE field), paragraphs long enough to
    wrap over several lines and across pages."""
    doc = DocxDocument()
    section = doc.sections[0]
    section.header.paragraphs[0].text = "示例市人民政府规范性文件（征求意见稿）"
    footer = section.footer.paragraphs[0]
    run = footer.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    paras = ["示例市支持企业发展若干规定"]
    cn = "一二三四五六七八九十"
    for i in range(1, articles + 1):
        num = cn[i - 1] if i <= 10 else "十" + cn[i - 11]
        paras.append(f"第{num}条　" + "本市对符合条件的企业给予支持，相关部门应当依法公开办理条件、程序和时限，" * 4
                     + f"具体办法由市发展改革委会同有关部门另行制定（第{i}项）。")
        if i % 3 == 0:
            paras.append("（一）企业依法登记注册；")
            paras.append("（二）企业近三年内无严重违法失信记录，且未被列入经营异常名录。")
    for p in paras:
        doc.add_paragraph(p)
    doc.save(path)
    return paras


@needs_soffice
def test_pdf_paragraphs_rebuilt_and_page_furniture_dropped(tmp_path):
    paras = _long_draft(tmp_path / "long.docx")
    pdf = convert(tmp_path / "long.docx", "pdf", tmp_path)
    import pdfplumber

    with pdfplumber.open(pdf) as p:
        assert len(p.pages) >= 3                      # the fixture really spans pages, with header and footer
        assert "示例市人民政府规范性文件" in (p.pages[1].extract_text() or "")
    text, meta = read_document(str(pdf))
    assert meta["format"] == "pdf"
    assert text.split("\n") == paras                  # wrapped lines joined, header, footer, page numbers gone
    from engine.segment import segment

    doc = segment("long.pdf", text)
    assert [u.path for u in doc.articles][:3] == ["第一条", "第二条", "第三条"]
    assert "第三条第（二）项" in [u.path for u in doc.clauses]


def test_scanned_pdf_without_text_layer(tmp_path):
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(img).rectangle((50, 50, 550, 120), fill="black")
    img.save(tmp_path / "scan.pdf")
    with pytest.raises(UserError) as e:
        read_document(str(tmp_path / "scan.pdf"))
    assert str(e.value) == f"{tmp_path / 'scan.pdf'}：该 PDF 没有文字层（可能是扫描件），请先做文字识别（OCR）或提供 .docx"


@needs_soffice
def test_encrypted_pdf(tmp_path):
    src = tmp_path / "s.docx"
    shutil.copyfile(SAMPLES / "sample_draft.docx", src)
    options = json.dumps({"EncryptFile": {"type": "boolean", "value": "true"},
                          "DocumentOpenPassword": {"type": "string", "value": "secret"}})
    pdf = convert(src, "pdf", tmp_path, "writer_pdf_Export:" + options)
    with pytest.raises(UserError) as e:
        read_document(str(pdf))
    assert "PDF 已加密（需要密码才能打开）" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("data, words", [
    (b"%PDF-1.4\n", "PDF 文件已损坏"),
    (b"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF", "PDF"),
])
def test_damaged_pdf(tmp_path, data, words):
    p = tmp_path / "bad.pdf"
    p.write_bytes(data)
    with pytest.raises(UserError) as e:
        read_document(str(p))
    assert words in str(e.value) and "\n" not in str(e.value) and "内部错误" not in str(e.value)


def test_pdf_page_bound(tmp_path):
    from PIL import Image

    frames = [Image.new("RGB", (50, 50), "white") for _ in range(4)]
    frames[0].save(tmp_path / "four.pdf", save_all=True, append_images=frames[1:])
    with pytest.raises(UserError, match="页数过多（4 页，上限 3（可用环境变量 POLICYLINT_MAX_PAGES 调整）"):
        read_document(str(tmp_path / "four.pdf"), limits=Limits(max_pages=3))


# ---------------------------------------------------------------- OFD

def test_ofd_multi_page_with_header_page_numbers_and_repeat_shorthand(tmp_path):
    paras = ["示例市公平竞争审查工作办法", "第一条　为规范公平竞争审查工作，根据《公平竞争审查条例》，结合本市实际，制定本办法。"
             "本办法所称政策措施，是指涉及经营者经济活动的规章、规范性文件和其他政策性文件以及具体政策措施。"]
    for i, n in enumerate("二三四五六七八九", 2):
        paras.append(f"第{n}条　起草单位应当在政策措施提请审议或者印发前完成公平竞争审查，审查结论应当明确具体。"
                     f"未经审查的不得出台（第{i}条）。")
        paras.append("（一）不得限制经营者依法迁出；")
    p = tmp_path / "m.ofd"
    p.write_bytes(ofd_bytes(paras, header="示例市市场监督管理局文件", lines_per_page=8, compress=True))
    with zipfile.ZipFile(p) as z:
        pages = [n for n in z.namelist() if n.endswith("Content.xml")]
        assert len(pages) >= 4 and b'DeltaX="g ' in z.read(pages[0])
    text, meta = read_document(str(p))
    assert meta["format"] == "ofd"
    assert text.split("\n") == paras


def test_ofd_ctm_template_and_page_order(tmp_path):
    """A TextObject scaled by its CTM, a page template holding a running header, pages listed out of file order."""
    def page(n, body):
        scaled = ('<ofd:TextObject ID="900" Boundary="27 60 160 12" Size="2.8" CTM="2 0 0 2 0 0">'
                  '<ofd:TextCode X="0" Y="2.8" DeltaX="g 9 2.8">第二条　经营者平等。</ofd:TextCode></ofd:TextObject>')
        first = ('<ofd:TextObject ID="901" Boundary="27 40 160 12" Size="5.6">'
                 '<ofd:TextCode X="0" Y="5.6" DeltaX="g 14 5.6">第一条　本办法自发布之日起施行。</ofd:TextCode>'
                 '</ofd:TextObject>')
        return (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Template TemplateID="7"/>'
                f'<ofd:Content><ofd:Layer ID="5"><ofd:PageBlock ID="6">{scaled}</ofd:PageBlock>{first}</ofd:Layer>'
                f'</ofd:Content></ofd:Page>')
    tpl = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Content><ofd:Layer ID="8">'
           '<ofd:TextObject ID="9" Boundary="27 10 160 8" Size="4"><ofd:TextCode X="0" Y="4">示例市人民政府文件'
           '</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>').encode()
    data = ofd_bytes(["x"], page_numbers=False, page_xml=page, extra_parts={"Doc_0/Tpls/Tpl_0.xml": tpl})
    # declare the template in Document.xml
    import io

    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in src.namelist():
            part = src.read(n)
            if n == "Doc_0/Document.xml":
                part = part.replace(b"</ofd:CommonData>",
                                    b'<ofd:TemplatePage ID="7" BaseLoc="Tpls/Tpl_0.xml"/></ofd:CommonData>')
            z.writestr(n, part)
    p = tmp_path / "t.ofd"
    p.write_bytes(buf.getvalue())
    text, _ = read_document(str(p))
    assert text.split("\n") == ["示例市人民政府文件", "第一条　本办法自发布之日起施行。", "第二条　经营者平等。"]


@pytest.mark.parametrize("mutate, words", [
    (lambda f: f.pop("OFD.xml"), "缺少 OFD.xml"),
    (lambda f: f.update({"Doc_0/Pages/Page_0/Content.xml": b"<ofd:Page xmlns:ofd='x'><ofd:Content>"}), "OFD 内容损坏"),
    (lambda f: f.update({"Doc_0/Document.xml": f["Doc_0/Document.xml"].replace(
        b"Pages/Page_0/Content.xml", b"../../etc/passwd")}), "指向包外"),
    (lambda f: f.update({"Doc_0/Document.xml": f["Doc_0/Document.xml"].replace(
        b"Pages/Page_0/Content.xml", b"Pages/Page_9/Content.xml")}), "缺少 Doc_0/Pages/Page_9/Content.xml"),
    (lambda f: f.update({"OFD.xml": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                                    b"<ofd:OFD xmlns:ofd='x'><ofd:DocBody><ofd:DocRoot>&b;</ofd:DocRoot></ofd:DocBody>"
                                    b"</ofd:OFD>"}), "OFD"),
    (lambda f: f.update({"Doc_0/Pages/Page_0/Content.xml": f["Doc_0/Pages/Page_0/Content.xml"].replace(
        b'Y="5.6"', b'Y="abc"', 1)}), "不是数字"),
    (lambda f: f.update({"Doc_0/Pages/Page_0/Content.xml": f["Doc_0/Pages/Page_0/Content.xml"].replace(
        b'DeltaX="g', b'DeltaX="g -3', 1)}), "OFD 内容损坏"),
])
def test_damaged_ofd_one_line(tmp_path, mutate, words):
    import io

    data = ofd_bytes(["示例", "第一条　外地企业须在本市设立分公司。"])
    src = zipfile.ZipFile(io.BytesIO(data))
    files = {n: src.read(n) for n in src.namelist()}
    mutate(files)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, v in files.items():
            z.writestr(n, v)
    p = tmp_path / "bad.ofd"
    p.write_bytes(buf.getvalue())
    with pytest.raises(UserError) as e:
        read_document(str(p))
    msg = str(e.value)
    assert words in msg and "\n" not in msg and "内部错误" not in msg and "Traceback" not in msg


def test_ofd_without_text_is_a_scan(tmp_path):
    p = tmp_path / "scan.ofd"
    p.write_bytes(ofd_bytes([], page_numbers=False))
    with pytest.raises(UserError, match="没有文字层（可能是扫描件）"):
        read_document(str(p))


# ---------------------------------------------------------------- HTML

def test_html_blocks_lists_tables_and_scripts(tmp_path):
    page = """<html><head><title>标题不读</title><style>.a{}</style></head><body>
<h1>示例县若干措施</h1><script>alert('第九条')</script>
<p>第一条　外地企业须在本县
设立分公司。</p>
<div>第二条　本措施自印发之日起施行。<br>第三条　由县商务局负责解释。</div>
<ol><li>第一项内容；</li><li><p>第二项内容。</p></li></ol>
<ol start="5" type="a"><li>另一项</li></ol>
<table><tr><th>情形</th><th>奖励</th></tr><tr><td><p>年纳税额超过</p><p>1000万元</p></td><td>100 万元</td></tr></table>
<noscript>请启用脚本</noscript><p>&nbsp;</p></body></html>"""
    p = tmp_path / "d.html"
    p.write_bytes(page.encode("gb18030").replace(b"<head>", b"<head><meta charset=\"gb2312\">"))
    text, meta = read_document(str(p))
    assert meta["format"] == "html"
    assert text.split("\n") == ["示例县若干措施", "第一条　外地企业须在本县设立分公司。", "第二条　本措施自印发之日起施行。",
                                "第三条　由县商务局负责解释。", "1.第一项内容；", "2.第二项内容。", "e.另一项",
                                "情形\t奖励", "年纳税额超过1000万元\t100 万元"]


@needs_soffice
def test_html_written_by_libreoffice_keeps_list_numbers(drafts, tmp_path):
    html = convert(drafts["docx"], "html", tmp_path)
    text, _ = read_document(str(html))
    lines = text.split("\n")
    assert "情形\t奖励标准" in lines and "（一）企业当年缴纳税收地方留成部分超过500万元的，按地方留成部分的50%给予奖励；" in lines
    # LibreOffice writes Word's 第%1条 numbering as an <ol>: the reader shows the numbers a browser shows
    assert lines[2] == "1.为加快招商引资步伐，推动全县经济高质量发展，结合本县实际，制定本措施。"


def test_html_too_many_characters(tmp_path):
    p = tmp_path / "big.html"
    p.write_text("<p>" + "字" * 2000 + "</p>", encoding="utf-8")
    with pytest.raises(UserError, match="文字过多"):
        read_document(str(p), limits=Limits(max_chars=1000))


# ---------------------------------------------------------------- .doc / .wps through LibreOffice

def test_doc_without_libreoffice_names_the_package(tmp_path, monkeypatch):
    p = tmp_path / "old.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    monkeypatch.setenv("PATH", str(tmp_path))          # no soffice on PATH
    monkeypatch.delenv("POLICYLINT_SOFFICE", raising=False)
    with pytest.raises(UserError) as e:
        read_document(str(p))
    assert "需要 LibreOffice" in str(e.value) and "libreoffice-writer" in str(e.value)


@needs_soffice
def test_damaged_doc_is_one_line(tmp_path):
    p = tmp_path / "bad.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(3000))
    with pytest.raises(UserError) as e:
        read_document(str(p))
    assert "LibreOffice 无法转换" in str(e.value) and "另存为 .docx" in str(e.value)


@pytest.mark.parametrize("data, words", [(b"PK\x03\x04rest", "其实是 .docx"), (b"{\\rtf1 hello}", "RTF"),
                                         (b"plain words", "文件头不符")])
def test_doc_that_is_something_else(tmp_path, data, words):
    p = tmp_path / "x.doc"
    p.write_bytes(data)
    with pytest.raises(UserError, match=words):
        read_document(str(p))


def test_conversion_is_stopped_after_its_timeout(tmp_path, monkeypatch):
    """A converter that hangs (a real process that never finishes) is stopped after convert_timeout."""
    hang = tmp_path / "soffice"
    hang.write_text("#!/bin/sh\nsleep 600\n")
    hang.chmod(0o755)
    monkeypatch.setenv("POLICYLINT_SOFFICE", str(hang))
    p = tmp_path / "x.wps"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    with pytest.raises(UserError) as e:
        read_document(str(p), limits=Limits(convert_timeout=1))
    assert "超时（超过 1 秒" in str(e.value) and "POLICYLINT_CONVERT_TIMEOUT" in str(e.value)


# ---------------------------------------------------------------- the command line, as a user runs it

def test_cli_checks_ofd_and_refuses_a_scan(drafts, tmp_path):
    from PIL import Image

    Image.new("RGB", (60, 60), "white").save(tmp_path / "scan.pdf")
    r = subprocess.run(policylint_cmd() + ["check", str(drafts["ofd"]), "--format", "jsonl", "--no-precedents"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert ("FC-19-4-b", "第五条第（一）项") in {(x["rule"], x["path"]) for x in rows}
    r = subprocess.run(policylint_cmd() + ["check", str(tmp_path / "scan.pdf")], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2
    assert "没有文字层（可能是扫描件）" in r.stderr and "Traceback" not in r.stderr and "内部错误" not in r.stderr
