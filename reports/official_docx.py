"""Official-document (GB/T 9704) layout helpers over python-docx, shared by every .docx report.

Usage:

    from reports import official_docx as od
    doc = od.new_document()                   # A4, margins 37/35/28/26 mm, 仿宋 三号, fixed 28 pt, page numbers
    od.add_title(doc, "公平竞争审查表")        # 方正小标宋简体 二号, centred
    od.add_heading(doc, "一、基本情况", 1)     # level 1 黑体, 2 楷体, 3 仿宋 bold
    od.add_paragraph(doc, "正文……")           # first-line indent of two characters
    od.add_table(doc, ["项目", "内容"], [["文件名称", "……"]])
    od.add_signature(doc, "某某市市场监督管理局", "2025年5月6日")
    od.add_masthead(doc, "某某市市场监督管理局文件", "某市监〔2025〕12号")   # 版头: first, before the title
    od.add_imprint(doc, "市公平竞争审查联席会议成员单位", "某某市市场监督管理局办公室", "2025年5月6日")   # 版记: last
    od.save(doc, "out.docx")                   # raises engine.errors.UserError (one Chinese line) on failure
    od.write_error(path, oserror)              # that Chinese line, for writers of other formats

Fonts: Word cannot list fallbacks in a run, so every run names the GB/T font (e.g. 仿宋_GB2312) for East Asian
text, and the document's font table gives each one an `altName` (仿宋) that Word and LibreOffice use when the
GB/T font is not installed.  Latin letters and digits use Times New Roman, page numbers 宋体, as GB/T 9704 says.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

__all__ = ["new_document", "add_title", "add_heading", "add_paragraph", "add_text", "add_table",
           "add_signature", "add_page_break", "set_run_font", "save", "write_error", "add_masthead", "add_imprint",
           "FONT_TITLE", "FONT_BODY", "FONT_HEI", "FONT_KAI", "FONT_PAGE", "SIZE"]

# GB/T font -> the font Word/LibreOffice should use when it is missing (fontTable altName).
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEI = "黑体"
FONT_KAI = "楷体_GB2312"
FONT_PAGE = "宋体"
FONT_LATIN = "Times New Roman"
FALLBACKS = {FONT_TITLE: "华文中宋", FONT_BODY: "仿宋", FONT_KAI: "楷体", FONT_HEI: "SimHei", FONT_PAGE: "SimSun",
             "华文中宋": "宋体", "仿宋": "FangSong", "楷体": "KaiTi"}

# Chinese type sizes in points.
SIZE = {"初号": 42, "小初": 36, "一号": 26, "小一": 24, "二号": 22, "小二": 18, "三号": 16, "小三": 15,
        "四号": 14, "小四": 12, "五号": 10.5, "小五": 9}

LINE_PITCH = Pt(28)          # fixed line spacing of the body (GB/T 9704: 22 lines a page)
BODY_SIZE = Pt(SIZE["三号"])
TABLE_SIZE = Pt(SIZE["小四"])


def set_run_font(run, east_asia: str = FONT_BODY, size: float | None = None, bold: bool | None = None,
                 latin: str = FONT_LATIN) -> None:
    """Name the East Asian font in rPr/rFonts (python-docx's font.name only sets the Latin ones)."""
    run.font.name = latin
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")   # quotes and dashes (“” —) take the Chinese font
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold


def _format(paragraph, *, align=None, first_indent_chars: float = 0, line: Pt | None = LINE_PITCH,
            before: float = 0, after: float = 0, size: Pt = BODY_SIZE) -> None:
    pf = paragraph.paragraph_format
    if align is not None:
        pf.alignment = align
    if line is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = line
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    pf.first_line_indent = Pt(size.pt * first_indent_chars) if first_indent_chars else None
    pf.widow_control = False


def _font_table_altnames(doc) -> None:
    """Declare each GB/T font with a GB2312 charset and an altName, so a missing font degrades to its kin."""
    part = next((p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    root = parse_xml(part.blob)
    present = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name, alt in FALLBACKS.items():
        if name in present:
            continue
        font = parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
            f'<w:family w:val="{"modern" if name in (FONT_BODY, FONT_HEI, "仿宋") else "roman"}"/>'
            f'<w:pitch w:val="fixed"/></w:font>')
        root.append(font)
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _defaults(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT_LATIN
    normal.font.size = BODY_SIZE
    rpr = normal.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    rfonts.set(qn("w:eastAsia"), FONT_BODY)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    _format(normal, line=LINE_PITCH)
    # document defaults too, so table cells and footers never fall back to the template's Japanese theme font
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        drfonts = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr") + "/" + qn("w:rFonts"))
        if drfonts is not None:
            for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                drfonts.attrib.pop(qn(attr), None)
            drfonts.set(qn("w:ascii"), FONT_LATIN)
            drfonts.set(qn("w:hAnsi"), FONT_LATIN)
            drfonts.set(qn("w:eastAsia"), FONT_BODY)


def _page_number(footer, align) -> None:
    """“— 1 —” in 宋体 四号, outside edge, one character in from the margin (GB/T 9704 §7.5)."""
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    p.text = ""
    _format(p, align=align, line=None, size=Pt(SIZE["四号"]))
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        p.paragraph_format.right_indent = Pt(SIZE["四号"])
    else:
        p.paragraph_format.left_indent = Pt(SIZE["四号"])

    def run(text: str = ""):
        r = p.add_run(text)
        set_run_font(r, FONT_PAGE, SIZE["四号"], latin=FONT_PAGE)
        return r

    run("— ")
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        r = run()
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        r._element.append(el)
    run(" —")


def new_document():
    """An empty A4 document set up as GB/T 9704 asks; returns a python-docx Document."""
    doc = Document()
    _defaults(doc)
    _font_table_altnames(doc)
    sec = doc.sections[0]
    sec.start_type = WD_SECTION.NEW_PAGE
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)
    sec.left_margin, sec.right_margin = Mm(28), Mm(26)
    sec.footer_distance = Mm(22)    # the number line sits about 7 mm below the type area
    sec.header_distance = Mm(15)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(sec.footer, WD_ALIGN_PARAGRAPH.RIGHT)           # odd pages: right
    _page_number(sec.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)  # even pages: left
    doc.core_properties.language = "zh-CN"
    return doc


def add_title(doc, text: str):
    """The document title: 方正小标宋简体 二号, centred, one blank line after."""
    p = doc.add_paragraph()
    _format(p, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(35), after=SIZE["三号"] * 1.75, size=Pt(SIZE["二号"]))
    set_run_font(p.add_run(text), FONT_TITLE, SIZE["二号"])
    return p


def add_heading(doc, text: str, level: int = 1):
    """Headings as GB/T 9704 numbers them: 一、 黑体; （一） 楷体_GB2312; 1. 仿宋 bold. Not Word heading styles,
    whose theme fonts would override ours."""
    font, bold = {1: (FONT_HEI, False), 2: (FONT_KAI, False)}.get(level, (FONT_BODY, True))
    p = doc.add_paragraph()
    _format(p, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_indent_chars=2)
    p.paragraph_format.keep_with_next = True
    set_run_font(p.add_run(text), font, SIZE["三号"], bold=bold)
    return p


def add_paragraph(doc, text: str = "", bold: bool = False, indent: bool = True, align: str | None = None,
                  size: float = SIZE["三号"], font: str = FONT_BODY):
    """A body paragraph (仿宋_GB2312 三号, fixed 28 pt). align: None/'justify', 'center', 'right', 'left'."""
    p = doc.add_paragraph()
    al = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT,
          "left": WD_ALIGN_PARAGRAPH.LEFT}.get(align or "", WD_ALIGN_PARAGRAPH.JUSTIFY)
    _format(p, align=al, first_indent_chars=2 if indent else 0, size=Pt(size))
    if text:
        add_text(p, text, bold=bold, size=size, font=font)
    return p


def add_text(paragraph, text: str, bold: bool = False, size: float | None = None, font: str = FONT_BODY):
    """Append a run to a paragraph (for mixed bold/plain lines). Returns the run."""
    r = paragraph.add_run(text)
    set_run_font(r, font, size if size is not None else SIZE["三号"], bold=bold or None)
    return r


def _cell_text(cell, text: str, bold: bool, size: float, align) -> None:
    cell.text = ""
    lines = str(text).split("\n") if text is not None else [""]
    for i, line in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        _format(p, align=align, line=None, size=Pt(size))
        if line:
            set_run_font(p.add_run(line), FONT_BODY, size, bold=bold or None)


def _borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = parse_xml(
        f'<w:tblBorders {nsdecls("w")}>'
        + "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                  for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        + "</w:tblBorders>")
    old = tbl_pr.find(qn("w:tblBorders"))
    if old is not None:
        tbl_pr.remove(old)
    tbl_pr.append(borders)


def add_table(doc, headers: list[str] | None, rows: list[list], widths_mm: list[float] | None = None,
              size: float = SIZE["小四"], merge_columns: tuple[int, ...] = (), split_rows: bool = False):
    """A bordered table (仿宋 小四, single spacing); headers bold and centred, repeated on every page; a row is
    never split across pages.  A cell's "\\n" starts a new paragraph in the cell.  widths_mm: optional column
    widths (sum ≤ 156 mm).  merge_columns: columns whose runs of equal values become one vertically merged cell.
    split_rows: let a long row continue on the next page (else a row that does not fit moves whole)."""
    ncols = len(headers) if headers else max((len(r) for r in rows), default=1)
    table = doc.add_table(rows=0, cols=ncols)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table)
    if headers:
        cells = table.add_row().cells
        for c, h in zip(cells, headers):
            _cell_text(c, h, True, size, WD_ALIGN_PARAGRAPH.CENTER)
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:tblHeader"))
    first = len(table.rows)
    for row in rows:
        cells = table.add_row().cells
        for c, v in zip(cells, list(row) + [""] * (ncols - len(row))):
            _cell_text(c, "" if v is None else v, False, size, WD_ALIGN_PARAGRAPH.LEFT)
    for tr in table.rows if not split_rows else table.rows[:1]:
        tr._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for col in merge_columns:
        i = 0
        while i < len(rows):
            j = i
            while j + 1 < len(rows) and rows[j + 1][col] == rows[i][col]:
                j += 1
            if j > i:
                for k in range(i + 1, j + 1):
                    table.cell(first + k, col).text = ""
                top = table.cell(first + i, col)
                merged = top.merge(table.cell(first + j, col))
                for extra in merged.paragraphs[1:]:
                    if not extra.text:
                        extra._element.getparent().remove(extra._element)
            i = j + 1
    if widths_mm:
        table.autofit = False
        for col, w in zip(table.columns, widths_mm):   # tblGrid: what LibreOffice reads
            col.width = Mm(w)
        for row in table.rows:                         # tcW: what Word reads
            for c, w in zip(row.cells, widths_mm):
                c.width = Mm(w)
    return table


def add_signature(doc, issuer: str, date_text: str):
    """发文机关署名 and 成文日期, right-aligned, four characters in from the right margin."""
    add_paragraph(doc, "")
    out = []
    for text in (issuer, date_text):
        p = add_paragraph(doc, text, indent=False, align="right")
        p.paragraph_format.right_indent = Pt(SIZE["三号"] * 4)
        out.append(p)
    return out


RED = "FF0000"


def _border(paragraph, side: str, size_eighths: int, color: str = "000000", space_pt: int = 0) -> None:
    """A rule above or below a paragraph (w:pBdr), `size_eighths` in eighths of a point, as wide as the type area."""
    ppr = paragraph._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size_eighths))
    el.set(qn("w:space"), str(space_pt))
    el.set(qn("w:color"), color)
    bdr.append(el)


def add_masthead(doc, mark: str, number: str = ""):
    """版头 (GB/T 9704 §7.2): the issuing organ's mark (发文机关标志) centred in red 方正小标宋, the 发文字号 centred
    two lines below it in 仿宋 三号, and the red separator line (红色分隔线) 4 mm under the number, as wide as the
    type area. Call it before the title. Returns (mark paragraph, number paragraph)."""
    size = SIZE["小初"] if len(mark) <= 12 else SIZE["一号"] if len(mark) <= 16 else SIZE["二号"]
    p = doc.add_paragraph()
    _format(p, align=WD_ALIGN_PARAGRAPH.CENTER, line=None, size=Pt(size))
    run = p.add_run(mark)
    set_run_font(run, FONT_TITLE, size)
    run.font.color.rgb = RGBColor.from_string(RED)
    for _ in range(2):                                 # the number sits two lines below the mark
        add_paragraph(doc, "", indent=False)
    num = add_paragraph(doc, number, indent=False, align="center")
    _border(num, "bottom", 12, RED, space_pt=11)        # 1.5 pt red, ≈4 mm below the number
    add_paragraph(doc, "", indent=False)               # the title starts two lines below the separator
    return p, num


def add_imprint(doc, cc: str, printer: str, printed: str):
    """版记 (GB/T 9704 §7.4): 抄送机关 and 印发机关和印发日期 in 仿宋 四号, one character in from each side, between a
    thick first and last rule with a thin rule between them. Call it last. Returns the paragraphs."""
    size = SIZE["四号"]
    add_paragraph(doc, "", indent=False)
    out = []
    if cc:
        p = add_paragraph(doc, "", indent=False, size=size)
        p.paragraph_format.left_indent = Pt(size)
        p.paragraph_format.right_indent = Pt(size)
        p.paragraph_format.first_line_indent = None
        add_text(p, "抄送：", size=size)
        add_text(p, cc.rstrip("。") + "。", size=size)
        _border(p, "top", 8, space_pt=2)     # 首条分隔线: thick (1 pt ≈ 0.35 mm)
        _border(p, "bottom", 4, space_pt=2)  # 中间分隔线: thin (0.5 pt ≈ 0.25 mm)
        out.append(p)
    q = add_paragraph(doc, "", indent=False, size=size)
    q.paragraph_format.left_indent = Pt(size)
    q.paragraph_format.right_indent = Pt(size)
    q.paragraph_format.tab_stops.add_tab_stop(Mm(156) - Pt(size), WD_TAB_ALIGNMENT.RIGHT)   # at the right indent
    add_text(q, printer, size=size)
    add_text(q, "\t" + printed.removesuffix("印发") + "印发", size=size)
    if not cc:
        _border(q, "top", 8, space_pt=2)
    _border(q, "bottom", 8, space_pt=2)      # 末条分隔线: thick
    out.append(q)
    return out


def add_page_break(doc) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def write_error(path, exc: OSError) -> str:
    """One Chinese line for a file that cannot be written (also used by the other report writers)."""
    import errno

    why = {errno.ENOENT: "所在目录不存在或无法创建", errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
           errno.EROFS: "所在位置只读", errno.EISDIR: "这是一个目录", errno.ENOSPC: "磁盘空间不足",
           errno.ENOTDIR: "路径中有一段不是目录", errno.EEXIST: "路径中有一段不是目录"}.get(exc.errno, exc.strerror or str(exc))
    return f"无法写入文件 {path}：{why}"


def save(doc, path) -> Path:
    """Write the .docx; a path that cannot be written becomes a UserError with one Chinese line."""
    from engine.errors import UserError

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        doc.save(str(path))
    except OSError as exc:
        raise UserError(write_error(path, exc)) from None
    return path
