"""Reports from the sample register: every kind (case notice, monthly, quarterly) in every format, read back."""
import datetime as dt
import re

import pytest

from cases import importer, sample, scan, store
from cases.model import FIELD_CN
from engine.cli import main

AS_OF = "2026-10-10"
KINDS = {
    "case": lambda db, cid: ["report", "case", cid],
    "monthly": lambda db, cid: ["report", "monthly", "--month", "2026-08"],
    "quarterly": lambda db, cid: ["report", "quarterly", "--quarter", "2026Q3"],
}


@pytest.fixture(scope="module")
def register(tmp_path_factory, module_db_target):
    d = tmp_path_factory.mktemp("reports")
    src = d / "sample.csv"
    sample.write(src, sample.generate(), encoding="gb18030")
    db = module_db_target(d)
    conn = store.connect(db)
    importer.import_file(src, conn, rejects_path=d / "拒收.csv")   # a server register would write to the cwd
    scan.scan(conn, None, None, "全部", as_of=dt.date(2026, 10, 10))
    # a verified, rectified case with a document: the richest notice
    cid = conn.execute("SELECT case_id FROM cases WHERE verify_status = '属实' AND rectify_status = '已整改' "
                       "AND document != '' ORDER BY case_id LIMIT 1").fetchone()[0]
    conn.close()
    out = {}
    for kind, args in KINDS.items():
        for fmt in ("docx", "xlsx", "md", "html"):
            path = d / f"{kind}.{fmt}"
            assert main(args(db, cid) + ["--db", str(db), "-o", str(path), "--date", AS_OF]) == 0
            out[kind, fmt] = path
    return {"db": db, "case": cid, "files": out, "dir": d}


def _docx_text(path):
    """The document, its body paragraphs after the 版头 (checked here: mark, 文号), and its table cells."""
    from docx import Document

    d = Document(str(path))
    paras = [p.text for p in d.paragraphs]
    assert paras[0].endswith("文件") and re.fullmatch(r".*〔20\d\d〕.*号", paras[3]), paras[:5]
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return d, paras[5:], cells


def _cases_in(db, start, end):
    conn = store.connect(db)
    try:
        return store.records(conn, start, end)
    finally:
        conn.close()


def test_every_kind_in_every_format_exists(register):
    for (kind, fmt), path in register["files"].items():
        assert path.exists() and path.stat().st_size > 500, (kind, fmt)


def test_quarterly_docx_reads_back(register):
    d, paras, cells = _docx_text(register["files"]["quarterly", "docx"])
    assert paras[0] == "关于2026年第三季度违背市场准入负面清单典型案例的通报"
    for h in ("一、总体情况", "二、典型案例", "三、整改进展", "四、工作要求"):
        assert h in paras
    assert "发改体改〔2021〕1670号" in paras[2]
    cases = _cases_in(register["db"], dt.date(2026, 7, 1), dt.date(2026, 10, 1))
    previous = _cases_in(register["db"], dt.date(2026, 4, 1), dt.date(2026, 7, 1))
    overall = next(p for p in paras if p.startswith("2026年第三季度共归集"))
    assert f"案例{len(cases)}件" in overall and f"（{len(previous)}件）" in overall
    assert len(d.inline_shapes) == 4                         # category, region, channel, rectification charts
    assert any(p.startswith("（一）") and len(p) > 10 for p in paras)   # at least one typical case
    assert "青禾市发展和改革委员会" in paras and "2026年10月10日" in paras
    # the region table adds up to the number of cases of the quarter
    region_table = next(t for t in d.tables if t.rows[0].cells[0].text == "地区")
    assert sum(int(r.cells[1].text) for r in region_table.rows[1:]) == len(cases)
    assert sum(int(r.cells[2].text) for r in region_table.rows[1:]) == len(previous)
    # GB/T 9704 page: A4, margins 37/35/28/26 mm
    sec = d.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm), round(sec.top_margin.mm)) == (210, 297, 37)


def test_case_notice_has_the_elements_of_a_published_notice(register):
    d, paras, cells = _docx_text(register["files"]["case", "docx"])
    conn = store.connect(register["db"])
    rec = store.get(conn, register["case"])
    conn.close()
    text = "\n".join(paras)
    assert rec.unit[-3:] in paras[0] and paras[0].startswith("关于") and paras[0].endswith("的通报")   # names the body
    assert f"（案例编号：{rec.case_id}）" == paras[1]
    for h in ("一、基本案情", "二、案例来源", "三、核查情况", "四、整改情况", "五、工作要求"):
        assert h in paras
    assert rec.document in text                                     # the document in 书名号
    assert "发改体改〔2021〕1670号第一部分" in text                  # how it is characterised, and on what basis
    assert "已完成整改" in text and rec.rectify_measures.rstrip("。") in text
    assert f"{rec.received_date.year}年{rec.received_date.month}月{rec.received_date.day}日" in text


def test_monthly_docx_reads_back(register):
    d, paras, cells = _docx_text(register["files"]["monthly", "docx"])
    assert paras[0] == "关于2026年8月违背市场准入负面清单案例核查情况的通报"
    aug = _cases_in(register["db"], dt.date(2026, 8, 1), dt.date(2026, 9, 1))
    assert any(p.startswith(f"2026年8月共受理违背市场准入负面清单案例线索{len(aug)}件") for p in paras)
    assert "二、核查情况（一案一核查）" in paras and "四、需关注事项" in paras
    assert len(d.inline_shapes) == 1


@pytest.mark.parametrize("kind,start,end", [("quarterly", dt.date(2026, 7, 1), dt.date(2026, 10, 1)),
                                            ("monthly", dt.date(2026, 8, 1), dt.date(2026, 9, 1)),
                                            ("case", None, None)])
def test_xlsx_ledger_reads_back(register, kind, start, end):
    from openpyxl import load_workbook

    wb = load_workbook(register["files"][kind, "xlsx"])
    ws = wb["案例台账"]
    header = [c.value for c in ws[1]]
    assert set(FIELD_CN.values()) <= set(header)                   # every field
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.column_dimensions["F"].width >= 40                   # 问题描述 is wide
    ids = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    if kind == "case":
        assert ids == [register["case"]]
        assert "案例要素" in wb.sheetnames
    else:
        assert ids == [c.case_id for c in _cases_in(register["db"], start, end)]
        assert {"分类别", "分地区", "分渠道", "涉及单位"} <= set(wb.sheetnames)
        col = header.index("受理日期")
        assert all(start <= r[col].date() < end for r in ws.iter_rows(min_row=2, values_only=True))


def test_html_embeds_charts_and_md_links_them(register):
    html = register["files"]["quarterly", "html"].read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") == 4 and "<h1>关于2026年第三季度" in html
    md = register["files"]["quarterly", "md"].read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(links) == 4
    assert all((register["dir"] / link).is_file() for link in links)
    assert "| 地区 | 本季度 | 上季度 |" in md


def test_bad_output_suffix_and_unknown_case(register, capsys):
    db = str(register["db"])
    assert main(["report", "quarterly", "--quarter", "2026Q3", "--db", db, "-o", "x.pdf"]) == 2
    assert "后缀" in capsys.readouterr().err
    assert main(["report", "case", "NOPE", "--db", db, "-o", str(register["dir"] / "n.md")]) == 2
    assert "没有编号" in capsys.readouterr().err
    assert main(["report", "quarterly", "--quarter", "2026Q5", "--db", db, "-o", "x.md"]) == 2


def test_charts_without_a_cjk_font_still_draw(monkeypatch, capsys):
    from reports import case_charts

    case_charts.cjk_font.cache_clear()
    monkeypatch.setattr(case_charts, "PREFERRED_FAMILIES", [])
    monkeypatch.setattr(case_charts, "CANDIDATE_FILES", [])
    monkeypatch.setattr(case_charts, "_fc_list", lambda: [])
    monkeypatch.delenv("POLICYLINT_CJK_FONT", raising=False)
    try:
        png = case_charts.bar(["临溪县"], {"本季度": [3]}, "分地区")
        assert png.startswith(b"\x89PNG")
        assert "未找到中文字体" in capsys.readouterr().err
    finally:
        case_charts.cjk_font.cache_clear()


def test_cjk_font_is_found_when_installed():
    from reports import case_charts

    case_charts.cjk_font.cache_clear()
    font = case_charts.cjk_font()
    if font is None:
        pytest.skip("this machine has no CJK font (install fonts-noto-cjk)")
    assert any(k in font for k in ("CJK", "Hei", "Han", "WenQuanYi", "PingFang", "Sim", "Droid"))


def test_typical_cases_are_verified_and_diverse(register):
    from reports.case_circulation import typical_cases

    cases = _cases_in(register["db"], dt.date(2026, 7, 1), dt.date(2026, 10, 1))
    chosen = typical_cases(cases)
    assert 0 < len(chosen) <= 6
    assert all(c.verify_status in ("属实", "部分属实") for c in chosen)
    assert len({c.category for c in chosen}) == len(chosen)         # one per category when there are enough
    assert typical_cases(list(reversed(cases))) == chosen            # deterministic


def test_quarterly_docx_opens_in_libreoffice(register, tmp_path):
    """The .docx must open in LibreOffice (what many offices use) and lay out as pages."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    profile = f"-env:UserInstallation=file://{tmp_path}/lo-profile"   # never share a profile with another run
    subprocess.run([soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(register["files"]["quarterly", "docx"])], capture_output=True, timeout=180, check=False)
    pdf = tmp_path / "quarterly.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert pages >= 4          # statistics, four charts, typical cases and the case list do not fit in less
