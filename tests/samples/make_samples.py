"""Regenerate the bundled sample drafts: `python tests/samples/make_samples.py`.

- sample_draft.docx: a fictional county's investment-promotion measures with typical fair-competition problems,
  articles numbered by Word's automatic numbering (第%1条) and items typed by hand, plus a table;
- work_plan.docx: a lawful government work plan that uses the same vocabulary (本地, 优先, 奖励, 备案) lawfully;
- work_plan_gbk.txt: the work plan as GBK text, as older systems export it.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt

HERE = Path(__file__).resolve().parent

DRAFT_TITLE = "示例县促进招商引资高质量发展若干措施（征求意见稿）"
DRAFT_ARTICLES = [
    "为加快招商引资步伐，推动全县经济高质量发展，结合本县实际，制定本措施。",
    "本措施适用于在本县新注册登记、依法纳税的工业企业和服务业企业。",
    "外地企业参与本县政府投资项目投标的，须在本县设立分公司或者子公司，否则不得参与投标。",
    "政府集中采购所需货物和服务时，同等条件下优先采购本县企业生产的产品。",
    ["对新引进的企业给予以下奖励：",
     "（一）企业当年缴纳税收地方留成部分超过500万元的，按地方留成部分的50%给予奖励；",
     "（二）对注册地迁入本县的上市公司，采取“一事一议”方式给予奖励；",
     "（三）本县商砼企业产品优先用于全县政府投资工程。"],
    "全县新建住宅小区的智能门禁系统统一使用县城投公司指定的产品。",
    "保温材料生产企业进入本县建筑市场，须经县住建局组织专家评审通过后方可办理备案。",
    "本措施由县商务局负责解释，自印发之日起施行，有效期三年。",
]

PLAN_TITLE = "示例市2026年优化营商环境工作方案"
PLAN_PARAS = [
    "一、总体要求",
    "坚持“两个毫不动摇”，平等对待各类经营主体，全面落实市场准入负面清单制度，确保“一单尽列、单外无单”。",
    "二、重点任务",
    "（一）清理妨碍统一市场和公平竞争的规定。全面清理要求外地企业在本地设立分支机构、在本地缴纳税收社保等规定，"
    "对违规设置的各类备选库、名录库、资格库一律予以清理。",
    "（二）规范行政备案。严格执行行政备案事项清单，申请材料齐全、符合法定形式的，当场予以备案，不得以备案名义变相设立许可。",
    "（三）规范招标投标和政府采购。不得限定投标人所在地、所有制形式和组织形式，不得将在本地注册设立作为投标条件，"
    "依法保障各类经营主体平等参与。",
    "（四）落实惠企政策。按照公开、公平的原则兑现奖励和补贴政策，申报条件、评审标准向社会公开，各类经营主体均可申报。",
    "三、保障措施",
    "各部门要加强协同，市市场监管局牵头开展公平竞争审查抽查，发现问题及时督促整改。",
]


def add_article_numbering(doc: Document) -> int:
    """A numbering definition whose level 0 reads 第一条, 第二条 … (Word's chineseCounting), like real drafts."""
    numbering = doc.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:multiLevelType w:val="singleLevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
        '<w:lvlText w:val="第%1条"/><w:lvlJc w:val="left"/></w:lvl></w:abstractNum>')
    numbering.insert(0, abstract)
    num = parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    numbering.append(num)
    return 90


def numbered_paragraph(doc: Document, text: str, num_id: int):
    p = doc.add_paragraph(text)
    ppr = p._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return p


def body_style(doc: Document) -> None:
    style = doc.styles["Normal"]
    style.font.size = Pt(16)
    style.font.name = "FangSong"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋_GB2312")


def make_draft(path: Path) -> None:
    doc = Document()
    body_style(doc)
    doc.add_paragraph(DRAFT_TITLE)
    doc.add_paragraph("示例县人民政府办公室")
    num_id = add_article_numbering(doc)
    for art in DRAFT_ARTICLES:
        if isinstance(art, list):
            numbered_paragraph(doc, art[0], num_id)
            for item in art[1:]:
                doc.add_paragraph(item)
        else:
            numbered_paragraph(doc, art, num_id)
    doc.add_paragraph("附表：奖励标准")
    table = doc.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("情形", "奖励标准"), ("年纳税额超过1000万元", "给予一次性奖励100万元"),
                                ("新设立区域总部", "给予开办补助50万元")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    doc.save(path)


def make_plan(path: Path) -> None:
    doc = Document()
    body_style(doc)
    doc.add_paragraph(PLAN_TITLE)
    for para in PLAN_PARAS:
        doc.add_paragraph(para)
    doc.save(path)


def main() -> None:
    make_draft(HERE / "sample_draft.docx")
    make_plan(HERE / "work_plan.docx")
    (HERE / "work_plan_gbk.txt").write_bytes(("\n".join([PLAN_TITLE] + PLAN_PARAS) + "\n").encode("gbk"))


if __name__ == "__main__":
    main()
