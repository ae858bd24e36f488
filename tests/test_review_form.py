"""The 公平竞争审查表: built from a draft, written as .docx / .md / .html, read back and checked."""
from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from engine.cli import main

RULES = '''
terms 表本地 = "本市" | "本地"
terms 表分支 = "分公司" | "分支机构"
terms 表强制 = "须" | "必须" | "应当"
terms 表采购 = "采购"
terms 表优先 = "优先"

rule FORM-BRANCH "要求外地经营者在本地设立分支机构" {
  family   fair_competition
  basis    "公平竞争审查条例" art 9 item 2
  severity error
  when     表本地 near(20) 表分支 and 表强制
  message  "强制外地经营者在本地设立分支机构"
  suggest  "删除设立分支机构的要求，以与注册地无关的履约能力条件代替"
  violates "外地企业参与本市项目投标的，须在本市设立分公司。"
  passes   "全面清理要求外地企业在本地设立分支机构的规定。"
}

rule FORM-PROCURE "政府采购优先本地经营者" {
  family   fair_competition
  basis    "公平竞争审查条例实施办法" art 15 item 1
  severity warning
  when     表采购 and 表优先 and 表本地
  message  "在政府采购中优先本地经营者"
  suggest  "删除优先采购本地产品的表述，平等对待各地经营者"
  violates "采购应当优先采购本地企业产品。"
  passes   "采购应当公平对待各类经营者。"
}
'''

DRAFT = """某某市人民政府关于印发《某某市促进新能源汽车产业发展若干措施》的通知
第一条 为促进本市新能源汽车产业发展，制定本措施。
第二条 本市公交车辆采购应当优先采购本地企业生产的新能源汽车。
第三条 外地企业参与本市充电设施项目投标的，须在本市设立分公司。
第四条 为实现节约能源、保护环境的社会公共利益，本措施第二条适用《公平竞争审查条例》第十二条规定的例外情形。
第五条 本措施自2025年5月1日起施行，有效期至2027年12月31日。
"""

ARTICLE_9_2 = "排斥、限制、强制或者变相强制外地经营者在本地投资经营或者设立分支机构"   # rules/law: 条例第九条第（二）项
MEASURES_15_1 = "禁止外地经营者参与本地政府采购、招标投标活动"                           # 办法第十五条第（一）项


@pytest.fixture(scope="module")
def rs(tmp_path_factory):
    from engine.rulebook import compile_paths

    from dsl.loader import RULES_DIR

    p = tmp_path_factory.mktemp("rules") / "form.rule"
    p.write_text(RULES, encoding="utf-8")
    return compile_paths([p, RULES_DIR / "fair_competition" / "art25.rule"])   # with the declaration rule


@pytest.fixture
def use_rules(rs, monkeypatch):
    """The CLI loads the default rule pack; point it at the test pack so the form's content is known."""
    import engine.check

    monkeypatch.setattr(engine.check, "default_rules", lambda: rs)
    return rs


@pytest.fixture
def draft_file(tmp_path):
    p = tmp_path / "草案.txt"
    p.write_text(DRAFT, encoding="utf-8")
    return p


def all_text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def test_docx_form(use_rules, draft_file, tmp_path):
    out = tmp_path / "审查表.docx"
    assert main(["review", str(draft_file), "-o", str(out), "--engine", "python"]) == 0
    doc = Document(str(out))

    # 版头 (GB/T 9704 §7.2): the organ's mark in red, the 文号 over the red separator line
    mark = doc.paragraphs[0]
    assert mark.text == "某某市人民政府" and str(mark.runs[0].font.color.rgb) == "FF0000"
    assert doc.paragraphs[3].text == f"〔{dt.date.today().year}〕　号"
    sep = doc.paragraphs[3]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert sep.get(qn("w:color")) == "FF0000"
    # 版记 (§7.4) last: 印发机关 and 印发日期 over the closing rule
    last = doc.paragraphs[-1]
    assert last.text.startswith("某某市人民政府办公室\t") and last.text.endswith("日印发")
    assert last._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")) is not None

    # title in the GB/T title font, A4 and GB/T margins, page number field in the footer
    title = doc.paragraphs[5]
    assert title.text == "公平竞争审查表"
    assert title.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == \
        [37, 35, 28, 26]
    assert doc.settings.odd_and_even_pages_header_footer          # odd numbers right, even numbers left
    for footer in (sec.footer, sec.even_page_footer):
        xml = footer._element.xml
        assert "PAGE" in xml and "— " in xml and " —" in xml
    normal = doc.styles["Normal"].element.rPr
    assert normal.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert doc.core_properties.title.startswith("公平竞争审查表：")

    # 基本情况: title, issuer, scope and kind with reasons
    info = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows}
    assert "某某市促进新能源汽车产业发展若干措施" in info["政策措施名称"]
    assert info["起草单位（发文机关）"] == "某某市人民政府"
    assert info["送审文件"] == draft_file.name                      # the file's name, never the server's path
    assert info["审查范围"].startswith("涉及经营者经济活动") and "判断依据" in info["审查范围"]
    assert info["文件类型"].startswith("政策性文件") and "判断依据" in info["文件类型"]

    # the checklist: every item of 条例第八至十一条, with 涉及 and the clause where a finding maps
    checklist = doc.tables[1]
    assert [c.text for c in checklist.rows[0].cells] == ["类别", "审查标准", "初筛结果", "涉及条款"]
    rows = [[c.text for c in r.cells] for r in checklist.rows[1:]]
    assert len(rows) == 5 + 6 + 4 + 4
    by_std = {r[1].split("　")[0]: r for r in rows}
    assert by_std["第九条第（二）项"][2] == "涉及" and "第三条" in by_std["第九条第（二）项"][3]
    assert by_std["第九条第（三）项"][2] == "涉及" and "第二条" in by_std["第九条第（三）项"][3]   # 办法第十五条 → 条例第九条第（三）项
    assert by_std["第十条第（一）项"][2:] == ["不涉及", "—"]
    assert ARTICLE_9_2 in by_std["第九条第（二）项"][1]
    assert {r[0] for r in rows} == {"一、限制市场准入和退出", "二、限制商品、要素自由流动", "三、影响生产经营成本",
                                    "四、影响生产经营行为"}

    # every finding: quoted clause, the article with its text, the reason and a rewrite
    text = all_text(doc)
    assert "“第三条 外地企业参与本市充电设施项目投标的，须在本市设立分公司。”" in text
    assert f"《公平竞争审查条例》第九条第（二）项：{ARTICLE_9_2}" in text
    assert f"《公平竞争审查条例实施办法》第十五条第（一）项：{MEASURES_15_1}" in text
    assert "以与注册地无关的履约能力条件代替" in text
    assert "强制外地经营者在本地设立分支机构" in text

    # the exception: declared at 第四条 for 第二条, the alternative element missing
    assert "FC-EXC-INCOMPLETE" in text
    assert "没有对公平竞争影响更小的替代方案：未说明" in text
    assert "合理的实施期限或者终止条件：已说明（第五条“有效期”）" in text
    cards = [{r.cells[0].text: r.cells[1].text for r in t.rows} for t in doc.tables
             if t.rows[0].cells[0].text == "条款位置"]
    assert len(cards) == 3
    rows = next(c for c in cards if c["规则"].startswith("FORM-PROCURE"))
    assert rows["命中词语"] == "“本市”、“采购”、“优先”、“本地”"
    assert "第四条声明第二条适用" in rows["例外声明"] and "未说明：没有对公平竞争影响更小的替代方案" in rows["例外声明"]
    branch = next(c for c in cards if c["规则"].startswith("FORM-BRANCH"))
    assert "例外声明" not in branch                      # 第三条 is not covered by the declaration

    # the conclusion is left to the reviewer: unticked boxes and blanks to sign
    boxes = [p.text for p in doc.paragraphs if p.text.startswith("□")]
    assert len(boxes) == 5 and not any(p.text.startswith("■") for p in doc.paragraphs)
    assert any(p.text.startswith("审查人（签字）：") for p in doc.paragraphs)
    assert any("审查日期" in p.text for p in doc.paragraphs)


def test_markdown_and_html_agree(use_rules, draft_file, tmp_path):
    md, page = tmp_path / "表.md", tmp_path / "表.html"
    assert main(["review", str(draft_file), "-o", str(md), "--engine", "python"]) == 0
    assert main(["review", str(draft_file), "-o", str(page), "--engine", "python"]) == 0
    m = md.read_text(encoding="utf-8")
    assert m.startswith('<p align="center"><font color="red" size="6">某某市人民政府</font></p>')   # 版头
    assert "\n# 公平竞争审查表\n" in m and m.rstrip().endswith("日印发\n\n---")                   # 版记 last
    assert f"第九条第（二）项　{ARTICLE_9_2} | 涉及 |" in m
    assert f"《公平竞争审查条例》第九条第（二）项：{ARTICLE_9_2}" in m
    assert m.count("- [ ] ") == 5

    h = page.read_text(encoding="utf-8")

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack, self.text, self.cells = [], [], 0

        def handle_starttag(self, tag, attrs):
            if tag not in ("br", "meta"):
                self.stack.append(tag)
            self.cells += tag == "td"

        def handle_endtag(self, tag):
            assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>"
            self.stack.pop()

        def handle_data(self, data):
            self.text.append(data)

    c = Collect()
    c.feed(h)
    body = "".join(c.text)
    assert not c.stack
    assert "公平竞争审查表" in body and f"{ARTICLE_9_2}" in body
    assert "“第三条 外地企业参与本市充电设施项目投标的，须在本市设立分公司。”" in body
    assert 'rowspan="5"' in h and 'rowspan="6"' in h        # the four categories merged over their items
    assert body.count("□ ") == 5


def test_clean_draft_says_so(use_rules, tmp_path):
    p = tmp_path / "干净.txt"
    p.write_text("某某市促进消费若干措施\n第一条 各类经营者平等参与促销活动。\n", encoding="utf-8")
    out = tmp_path / "干净.md"
    assert main(["review", str(p), "-o", str(out), "--engine", "python"]) == 0
    m = out.read_text(encoding="utf-8")
    assert "初筛未发现" in m and "涉及 |" not in m.replace("不涉及 |", "")
    assert "草案未声明适用《公平竞争审查条例》第十二条规定的例外情形" in m


def test_docx_draft_input(use_rules, tmp_path):
    src = Document()
    for line in DRAFT.strip().splitlines():
        src.add_paragraph(line)
    p = tmp_path / "草案.docx"
    src.save(str(p))
    out = tmp_path / "表.docx"
    assert main(["review", str(p), "-o", str(out), "--engine", "python"]) == 0
    assert "FORM-BRANCH" in all_text(Document(str(out)))


@pytest.mark.parametrize("args,words", [
    (["review", "/nonexistent/草案.txt", "-o", "x.docx"], "找不到草案文件"),
    (["review", "{draft}", "-o", "{tmp}/表.pdf"], "不支持的审查表格式"),
    (["review", "{empty}", "-o", "{tmp}/表.docx"], "空"),
    (["review", "{tmp}", "-o", "{tmp}/表.docx"], "是目录"),
])
def test_bad_input_exits_2_with_one_chinese_line(use_rules, draft_file, tmp_path, capsys, args, words):
    empty = tmp_path / "空.txt"
    empty.write_text("  \n", encoding="utf-8")
    args = [a.format(draft=draft_file, tmp=tmp_path, empty=empty) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0] and "Traceback" not in err[0]


def test_unwritable_output_is_one_chinese_line(use_rules, draft_file, tmp_path, capsys):
    blocker = tmp_path / "文件"
    blocker.write_text("x", encoding="utf-8")
    for out in (blocker / "表.docx", blocker / "表.md"):
        assert main(["review", str(draft_file), "-o", str(out), "--engine", "python"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"policylint：无法写入文件 {out}：路径中有一段不是目录"]


def test_stdin_draft(use_rules, monkeypatch, capsys):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DRAFT.encode("utf-8")), encoding="utf-8"))
    assert main(["review", "-", "--engine", "python"]) == 0
    out = capsys.readouterr().out
    assert "\n# 公平竞争审查表\n" in out and "| 送审文件 | 标准输入 |" in out and "FORM-BRANCH" in out
