"""One document, four formats: the case reports are built once as a list of blocks, then written as .docx (GB/T 9704
official style through reports.official_docx), .md, .html or .xlsx (the ledger, see reports.case_ledger).

Blocks: ("title", text) ("subtitle", text) ("addressee", text) ("heading", text, level) ("para", text)
("table", headers, rows, widths_mm) ("image", png, caption) ("signature", issuer, date) ("note", text) ("pagebreak",) ("attachment", "附件")
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import UserError

FORMATS = (".docx", ".xlsx", ".md", ".html")


@dataclass
class Doc:
    blocks: list[tuple] = field(default_factory=list)
    cases: list = field(default_factory=list)           # the CaseRecords behind it: the ledger's rows
    sheets: dict[str, tuple[list, list]] = field(default_factory=dict)   # extra ledger sheets: name -> (headers, rows)
    name: str = "案例"

    def add(self, *block) -> "Doc":
        self.blocks.append(tuple(block))
        return self

    def title(self, t): return self.add("title", t)
    def subtitle(self, t): return self.add("subtitle", t)
    def addressee(self, t): return self.add("addressee", t)
    def heading(self, t, level=1): return self.add("heading", t, level)
    def para(self, t): return self.add("para", t)
    def note(self, t): return self.add("note", t)
    def table(self, headers, rows, widths=None): return self.add("table", headers, rows, widths)
    def image(self, png, caption): return self.add("image", png, caption)
    def signature(self, issuer, date): return self.add("signature", issuer, date)
    def pagebreak(self): return self.add("pagebreak")


def write(doc: Doc, path) -> Path:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"无法识别的输出格式“{suffix or '（无后缀）'}”：-o 的文件名后缀决定格式，可用 .docx、.xlsx、.md、.html")
    if path.parent and not path.parent.exists():
        raise UserError(f"输出目录 {path.parent} 不存在")
    try:
        if suffix == ".docx":
            return to_docx(doc, path)
        if suffix == ".xlsx":
            from reports.case_ledger import write_ledger
            title = next((b[1] for b in doc.blocks if b[0] == "title"), doc.name)
            return write_ledger(doc.cases, path, extra=doc.sheets, title=title)
        text = to_markdown(doc, path) if suffix == ".md" else to_html(doc)
        path.write_text(text, encoding="utf-8")
        return path
    except OSError as e:
        raise UserError(f"无法写入 {path}：{e.strerror or e}") from None


# ---- .docx ------------------------------------------------------------------------------------------------------

def to_docx(doc: Doc, path: Path) -> Path:
    import io

    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Mm

    from reports import official_docx as od

    d = od.new_document()
    for b in doc.blocks:
        kind = b[0]
        if kind == "title":
            od.add_title(d, b[1])
        elif kind == "subtitle":
            od.add_paragraph(d, b[1], indent=False, align="center")
        elif kind == "addressee":
            od.add_paragraph(d, b[1], indent=False)
        elif kind == "attachment":
            od.add_paragraph(d, b[1], indent=False, font=od.FONT_HEI)
        elif kind == "heading":
            od.add_heading(d, b[1], b[2])
        elif kind == "para":
            od.add_paragraph(d, b[1])
        elif kind == "note":
            od.add_paragraph(d, b[1], indent=False, size=od.SIZE["小四"])
        elif kind == "table":
            od.add_table(d, b[1], [[_cell(v) for v in row] for row in b[2]], widths_mm=b[3])
        elif kind == "image":
            p = d.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            # the body's fixed 28 pt line pitch would clip the picture to one line: single spacing here
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            p.paragraph_format.first_line_indent = 0
            p.paragraph_format.keep_with_next = True
            p.add_run().add_picture(io.BytesIO(b[1]), width=Mm(150))
            od.add_paragraph(d, b[2], indent=False, align="center", size=od.SIZE["小四"])
        elif kind == "signature":
            od.add_signature(d, b[1], b[2])
        elif kind == "pagebreak":
            od.add_page_break(d)
    d.core_properties.title = next((b[1] for b in doc.blocks if b[0] == "title"), doc.name)
    return od.save(d, path)


def _cell(v) -> str:
    return "" if v is None else str(v)


# ---- .md ----------------------------------------------------------------------------------------------------------

def _md_cell(v) -> str:
    return _cell(v).replace("|", "\\|").replace("\n", "<br>")


def to_markdown(doc: Doc, path: Path) -> str:
    """Images go next to the .md file, in <stem>_图表/, linked relatively."""
    out: list[str] = []
    n_img = 0
    for b in doc.blocks:
        kind = b[0]
        if kind == "title":
            out.append(f"# {b[1]}\n")
        elif kind == "subtitle":
            out.append(f"<p align=\"center\">{b[1]}</p>\n")
        elif kind in ("addressee", "para"):
            out.append(f"{b[1]}\n")
        elif kind == "attachment":
            out.append(f"**{b[1]}**\n")
        elif kind == "heading":
            out.append(f"{'#' * (b[2] + 1)} {b[1]}\n")
        elif kind == "note":
            out.append(f"> {b[1]}\n")
        elif kind == "table":
            headers, rows = b[1], b[2]
            out.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
            out.append("|" + "---|" * len(headers))
            out.extend("| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows)
            out.append("")
        elif kind == "image":
            n_img += 1
            folder = path.parent / f"{path.stem}_图表"
            folder.mkdir(exist_ok=True)
            img = folder / f"图{n_img}.png"
            img.write_bytes(b[1])
            out.append(f"![{b[2]}]({folder.name}/{img.name})\n\n*{b[2]}*\n")
        elif kind == "signature":
            out.append(f"<p align=\"right\">{b[1]}<br>{b[2]}</p>\n")
        elif kind == "pagebreak":
            out.append("---\n")
    return "\n".join(out)


# ---- .html --------------------------------------------------------------------------------------------------------

_CSS = """
body { font-family: "仿宋_GB2312", "FangSong", "STFangsong", "Noto Serif CJK SC", serif; font-size: 16pt;
       line-height: 28pt; max-width: 156mm; margin: 2em auto; padding: 0 1em; color: #000; }
h1 { font-family: "方正小标宋简体", "STZhongsong", "Noto Serif CJK SC", serif; font-size: 22pt; font-weight: normal;
     text-align: center; line-height: 35pt; margin: 0 0 28pt; }
h2 { font-family: "黑体", "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 16pt; font-weight: normal; margin: 0;
     text-indent: 2em; }
h3 { font-family: "楷体_GB2312", "KaiTi", "STKaiti", serif; font-size: 16pt; font-weight: normal; margin: 0;
     text-indent: 2em; }
h4 { font-size: 16pt; margin: 0; text-indent: 2em; }
p { margin: 0; text-indent: 2em; text-align: justify; }
p.flush, p.center, p.right { text-indent: 0; }
p.center { text-align: center; }
p.right { text-align: right; padding-right: 4em; }
p.note { font-size: 12pt; line-height: 20pt; text-indent: 0; color: #333; }
table { border-collapse: collapse; width: 100%; font-size: 12pt; line-height: 18pt; margin: 8pt 0 14pt; }
th, td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: top; }
th { font-weight: bold; text-align: center; }
figure { margin: 10pt 0; text-align: center; }
figure img { max-width: 100%; }
figcaption { font-size: 12pt; }
hr { border: 0; border-top: 1px dashed #999; margin: 20pt 0; }
"""


def to_html(doc: Doc) -> str:
    e = html.escape
    title = next((b[1] for b in doc.blocks if b[0] == "title"), doc.name)
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">', f"<title>{e(title)}</title>",
           f"<style>{_CSS}</style></head><body>"]
    for b in doc.blocks:
        kind = b[0]
        if kind == "title":
            out.append(f"<h1>{e(b[1])}</h1>")
        elif kind == "subtitle":
            out.append(f'<p class="center">{e(b[1])}</p>')
        elif kind == "addressee":
            out.append(f'<p class="flush">{e(b[1])}</p>')
        elif kind == "attachment":
            out.append(f'<p class="flush" style="font-family: 黑体, SimHei, sans-serif">{e(b[1])}</p>')
        elif kind == "heading":
            lvl = min(b[2] + 1, 4)
            out.append(f"<h{lvl}>{e(b[1])}</h{lvl}>")
        elif kind == "para":
            out.append(f"<p>{e(b[1])}</p>")
        elif kind == "note":
            out.append(f'<p class="note">{e(b[1])}</p>')
        elif kind == "table":
            out.append("<table><thead><tr>" + "".join(f"<th>{e(_cell(h))}</th>" for h in b[1]) + "</tr></thead><tbody>")
            out.extend("<tr>" + "".join(f"<td>{e(_cell(v)).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>"
                       for row in b[2])
            out.append("</tbody></table>")
        elif kind == "image":
            data = base64.b64encode(b[1]).decode("ascii")
            out.append(f'<figure><img alt="{e(b[2])}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{e(b[2])}</figcaption></figure>")
        elif kind == "signature":
            out.append(f'<p class="right">{e(b[1])}</p><p class="right">{e(b[2])}</p>')
        elif kind == "pagebreak":
            out.append("<hr>")
    out.append("</body></html>")
    return "\n".join(out)
