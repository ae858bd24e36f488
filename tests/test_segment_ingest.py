"""Reading drafts (encodings, .docx with automatic numbering and tables) and cutting them into legal units."""
import codecs
import zipfile

import pytest
from docx import Document as DocxDocument

from conftest import SAMPLES
from engine.errors import UserError
from engine.ingest import read_document
from engine.segment import segment

LEGAL = """示例市促进产业发展办法
第一章　总则
第一条　为了促进产业发展，制定本办法。
第二条　本办法适用于本市行政区域。
符合条件的企业，可以申请奖励。
（一）在本市注册；
（二）依法纳税。
1. 年营业收入不低于1000万元；
（1）研发投入不低于3%。
第二章　奖励
第三条　奖励资金按年度拨付。本条第二句！第三句？
"""


def test_paths_for_every_numbering_style():
    doc = segment("x.txt", LEGAL)
    paths = [(u.path, doc.unit_text(u)[:6]) for u in doc.clauses]
    assert ("第一条", "第一条　为了") in paths
    assert ("第二条第2款", "符合条件的企") in paths
    assert ("第二条第2款第（一）项", "（一）在本市") in paths
    assert ("第二条第2款第（二）项", "（二）依法纳") in paths
    assert ("第二条第2款第（二）项1目", "1. 年营业") in paths
    assert ("第二条第2款第（二）项（1）目", "（1）研发投") in paths
    assert doc.title == "示例市促进产业发展办法"
    assert [u.path for u in doc.articles] == ["第一条", "第二条", "第三条"]
    art2 = doc.unit_text(doc.articles[1])
    assert art2.startswith("第二条") and art2.endswith("不低于3%。")


def test_sentences_offsets_and_line_columns():
    doc = segment("x.txt", LEGAL)
    last = [doc.unit_text(u) for u in doc.sentences[-3:]]
    assert last == ["奖励资金按年度拨付。", "本条第二句！", "第三句？"] or last[-1] == "第三句？"
    s = doc.sentences[-1]
    assert doc.text[s.start:s.end] == doc.unit_text(s)
    line, col = doc.line_col(doc.text.index("研发"))
    assert (line, col) == (9, 4)


def test_plan_with_chinese_headings():
    text = "工作方案\n一、总体要求\n坚持公平竞争。\n二、重点任务\n（一）清理规定。\n（二）规范备案。\n"
    doc = segment("p.txt", text)
    assert [u.path for u in doc.clauses] == ["第1行", "一、", "第3行", "二、", "二、（一）", "二、（二）"]
    assert [u.path for u in doc.articles] == ["第1行", "一、", "二、"]


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gbk", b""),
                                           ("gb18030", b""), ("utf-16", b"")])
def test_text_encodings(tmp_path, encoding, bom):
    text = "第一条　外地企业须在本市设立分公司。𠀀" if encoding in ("gb18030", "utf-8", "utf-16") else \
        "第一条　外地企业须在本市设立分公司。"
    p = tmp_path / "d.txt"
    p.write_bytes(bom + text.encode(encoding))
    got, meta = read_document(str(p))
    assert got == text and meta["format"] == "text"


def test_gbk_sample_reads():
    text, _ = read_document(str(SAMPLES / "work_plan_gbk.txt"))
    assert text.startswith("示例市2026年优化营商环境工作方案")


def test_docx_automatic_numbering_and_tables():
    text, meta = read_document(str(SAMPLES / "sample_draft.docx"))
    assert meta["format"] == "docx"
    lines = text.splitlines()
    assert lines[2].startswith("第一条　为加快招商引资") and lines[9].startswith("第八条") is False
    assert any(l.startswith("第八条　本措施由县商务局负责解释") for l in lines)
    assert "年纳税额超过1000万元\t给予一次性奖励100万元" in lines
    doc = segment("d.docx", text)
    assert "第五条第（二）项" in [u.path for u in doc.clauses]


def test_docx_style_numbering(tmp_path):
    """List Number style carries its numbering in styles.xml, not on the paragraph."""
    d = DocxDocument()
    d.add_paragraph("目录")
    d.add_paragraph("第一项内容。", style="List Number")
    d.add_paragraph("第二项内容。", style="List Number")
    p = tmp_path / "n.docx"
    d.save(p)
    text, _ = read_document(str(p))
    assert text.splitlines()[1:] == ["1.第一项内容。", "2.第二项内容。"]


@pytest.mark.parametrize("name, data, words", [
    ("empty.txt", b"", "文件为空"),
    ("blank.txt", b"   \n\n", "文件为空"),
    ("bin.txt", b"\x00\x01\x02abc", "二进制文件"),
    ("bad.docx", b"PK\x03\x04 not really a zip", "已损坏"),
    ("old.doc", b"\xd0\xcf\x11\xe0", "另存为 .docx"),
    ("scan.pdf", b"%PDF-1.4", "PDF"),
    ("data.xyz", b"abc", "不支持的文件类型"),
])
def test_bad_inputs_give_one_chinese_line(tmp_path, name, data, words):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(UserError) as e:
        read_document(str(p))
    assert words in str(e.value) and "\n" not in str(e.value)


def test_docx_without_document_xml(tmp_path):
    p = tmp_path / "x.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(UserError, match="缺少 word/document.xml"):
        read_document(str(p))


def test_missing_file():
    with pytest.raises(UserError, match="文件不存在"):
        read_document("/nonexistent/draft.docx")
