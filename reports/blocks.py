"""One document, three formats: a report is built once as a list of blocks, then drawn as .docx (GB/T 9704 official
style through reports.official_docx), Markdown or HTML, so the formats never disagree.  Used by the case notices and
circulations (reports.case_doc adds the .xlsx ledger) and by the fair competition review form (reports.review_form).

Blocks (build them with the Doc methods, which fill every field):
    ("title", text)                      ("subtitle", text)   a centred line under the title
    ("lead", text)                       a 楷体 line set close under the title (the review form's basis line)
    ("addressee", text)                  ("attachment", text)   the 附件 mark before an annex, in 黑体
    ("heading", text, level)             ("para", text, bold)   ("note", text)
    ("table", headers|None, rows, widths_mm|None, merge_columns, split_rows, gap)
        headers None: a two-column 项目/内容 table; merge_columns: runs of equal values become one cell;
        split_rows: a long row may break across pages; gap: a small blank line after it in .docx
    ("image", png_bytes, caption)        ("signature", issuer, date)   ("pagebreak",)
    ("check", text, hint)                an empty tick box; hint marks the option the screening points to
    ("lines", n)                         n blank lines to write on     ("sign", [label, ...])   signature labels
    ("masthead", mark, number)           版头: the issuing organ's mark in red, the 发文字号, the red separator (first)
    ("imprint", cc, printer, printed)    版记: 抄送, 印发机关 and 印发日期 between rules (last)
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import UserError

AUTHOR = "policylint"
RULE = "＿"   # the full-width underscore forms use for lines to fill in


@dataclass
class Doc:
    blocks: list[tuple] = field(default_factory=list)
    name: str = "文档"
    label: str = ""       # the name outside the body (docx core title, HTML <title>); default: the first title
    css: str = ""         # HTML stylesheet; default OFFICIAL_CSS

    def add(self, *block) -> "Doc":
        self.blocks.append(tuple(block))
        return self

    def title(self, t): return self.add("title", t)
    def subtitle(self, t): return self.add("subtitle", t)
    def lead(self, t): return self.add("lead", t)
    def addressee(self, t): return self.add("addressee", t)
    def attachment(self, t="附件"): return self.add("attachment", t)
    def heading(self, t, level=1): return self.add("heading", t, level)
    def para(self, t, bold=False): return self.add("para", t, bold)
    def note(self, t): return self.add("note", t)
    def image(self, png, caption): return self.add("image", png, caption)
    def signature(self, issuer, date): return self.add("signature", issuer, date)
    def pagebreak(self): return self.add("pagebreak")
    def check(self, t, hint=False): return self.add("check", t, hint)
    def lines(self, n): return self.add("lines", n)
    def sign(self, *labels): return self.add("sign", list(labels))
    def masthead(self, mark, number=""): return self.add("masthead", mark, number)
    def imprint(self, cc, printer, printed): return self.add("imprint", cc, printer, printed)

    def table(self, headers, rows, widths=None, merge=(), split=False, gap=False):
        return self.add("table", headers, rows, widths, tuple(merge), split, gap)

    def caption(self) -> str:
        return self.label or next((b[1] for b in self.blocks if b[0] == "title"), self.name)


def write(doc: Doc, path) -> Path:
    """Draw the document in the format the suffix names (.docx, .md, .html/.htm); bad paths become a UserError."""
    from reports.official_docx import write_error

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        return to_docx(doc, path)
    if suffix not in (".md", ".html", ".htm"):
        raise ValueError(f"no renderer for {suffix!r}")   # callers check the suffix with their own message
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_markdown(doc, path) if suffix == ".md" else to_html(doc), encoding="utf-8")
    except OSError as exc:
        raise UserError(write_error(path, exc)) from None
    return path


def _printed(date_text: str) -> str:
    return date_text.removesuffix("印发") + "印发"


def _cell(v) -> str:
    return "" if v is None else str(v)


def _sign_line(labels, esc=lambda s: s) -> str:
    return "　　　　".join(esc(x) + (RULE * 7 if x.endswith("：") else "") for x in labels)


# ---- .docx ------------------------------------------------------------------------------------------------------

def to_docx(doc: Doc, path) -> Path:
    import io

    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Mm

    from reports import official_docx as od

    d = od.new_document()
    d.core_properties.title = doc.caption()
    d.core_properties.author = AUTHOR
    lines = {"subtitle": dict(indent=False, align="center"), "addressee": dict(indent=False),   # one-line blocks
             "attachment": dict(indent=False, font=od.FONT_HEI), "note": dict(indent=False, size=od.SIZE["小四"])}
    for b in doc.blocks:
        kind = b[0]
        if kind in lines:
            od.add_paragraph(d, b[1], **lines[kind])
        elif kind == "title":
            od.add_title(d, b[1])
        elif kind == "lead":
            p = od.add_paragraph(d, b[1], indent=False, align="center", size=od.SIZE["四号"], font=od.FONT_KAI)
            p.paragraph_format.space_after = od.Pt(12)
            d.paragraphs[-2].paragraph_format.space_after = od.Pt(0)   # close under the title
        elif kind == "heading":
            od.add_heading(d, b[1], b[2])
        elif kind == "para":
            od.add_paragraph(d, b[1], bold=b[2])
        elif kind == "table":
            od.add_table(d, b[1], b[2], widths_mm=b[3], merge_columns=b[4], split_rows=b[5])
            if b[6]:
                od.add_paragraph(d, "", indent=False).paragraph_format.line_spacing = od.Pt(8)
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
        elif kind == "check":
            p = od.add_paragraph(d, "", indent=True)
            od.add_text(p, "□ ")
            od.add_text(p, b[1])
            if b[2]:
                od.add_text(p, "（初筛倾向）", size=od.SIZE["小四"])
        elif kind == "lines":
            for _ in range(b[1]):
                od.add_paragraph(d, RULE * 27, indent=False)
        elif kind == "masthead":
            od.add_masthead(d, b[1], b[2])
        elif kind == "imprint":
            od.add_imprint(d, b[1], b[2], b[3])
        elif kind == "sign":
            p = od.add_paragraph(d, _sign_line(b[1]), indent=False)
            p.paragraph_format.left_indent = od.Pt(od.SIZE["三号"] * 4)
    return od.save(d, path)


# ---- .md ----------------------------------------------------------------------------------------------------------

def _md_cell(v) -> str:
    return _cell(v).replace("|", "\\|").replace("\n", "<br>")


# the blocks that are one line of text, in Markdown and in HTML ({} is the text, escaped for HTML)
MD_LINES = {"title": "# {}", "subtitle": '<p align="center">{}</p>', "lead": "{}", "addressee": "{}",
            "attachment": "**{}**", "note": "> {}"}
HTML_LINES = {"title": "<h1>{}</h1>", "subtitle": '<p class="center">{}</p>', "lead": '<p class="subtitle">{}</p>',
              "addressee": '<p class="flush">{}</p>', "note": '<p class="note">{}</p>',
              "attachment": '<p class="flush" style="font-family: 黑体, SimHei, sans-serif">{}</p>'}


def to_markdown(doc: Doc, path: Path | None = None) -> str:
    """Images go next to the .md file (path), in <stem>_图表/, linked relatively."""
    out: list[str] = []
    n_img = 0
    prev = ""
    for b in doc.blocks:
        kind = b[0]
        if prev == "check" and kind != "check":
            out.append("")   # a list ends with a blank line
        prev = kind
        if kind in MD_LINES:
            out.append(MD_LINES[kind].format(b[1]) + "\n")
        elif kind == "para":
            out.append((f"**{b[1]}**" if b[2] else b[1]) + "\n")
        elif kind == "heading":
            out.append(f"{'#' * (b[2] + 1)} {b[1]}\n")
        elif kind == "table":
            headers = b[1] if b[1] is not None else ["项目", "内容"]
            out.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
            out.append("|" + "---|" * len(headers))
            out.extend("| " + " | ".join(_md_cell(v) for v in row) + " |" for row in b[2])
            out.append("")
        elif kind == "image":
            if path is None:
                raise ValueError("a Markdown document with images needs the path it is written to")
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
        elif kind == "check":
            out.append(f"- [ ] {b[1]}" + ("（初筛倾向）" if b[2] else ""))
        elif kind == "lines":
            out.append("\n" + "\n\n".join(RULE * 27 for _ in range(b[1])) + "\n")
        elif kind == "sign":
            out.append(_sign_line(b[1]) + "\n")
        elif kind == "masthead":
            out.append(f'<p align="center"><font color="red" size="6">{b[1]}</font></p>\n')
            out.append(f'<p align="center">{b[2]}</p>\n\n---\n')
        elif kind == "imprint":
            out.append("\n---\n")
            if b[1]:
                out.append(f"抄送：{b[1].rstrip('。')}。\n")
            out.append(f"{b[2]}　　{_printed(b[3])}\n\n---\n")
    return "\n".join(out).rstrip("\n") + "\n"


# ---- .html --------------------------------------------------------------------------------------------------------

OFFICIAL_CSS = """
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
.masthead { border-bottom: 2px solid #f00; padding-bottom: 4mm; margin-bottom: 28pt; }
.masthead p { text-indent: 0; text-align: center; }
.masthead .organ { color: #f00; font-family: "方正小标宋简体", "STZhongsong", "Noto Serif CJK SC", serif;
                   font-size: 36pt; line-height: 48pt; margin-bottom: 56pt; }
.imprint { margin-top: 56pt; border-top: 1.5px solid #000; border-bottom: 1.5px solid #000; font-size: 14pt; }
.imprint p { text-indent: 0; padding: 0 1em; }
.imprint .cc { border-bottom: 1px solid #000; }
.imprint .printer { display: flex; justify-content: space-between; }
"""


def _html_table(b) -> list[str]:
    e = html.escape
    _, headers, rows, widths, merge = b[:5]

    def cell(v) -> str:
        return e(_cell(v)).replace("\n", "<br>")

    out = ['<table border="1" cellspacing="0" cellpadding="4">']   # the attributes are for Word/WPS opening the file
    if headers is None:   # 项目/内容 pairs
        out.extend(f'<tr><td class="k" width="22%">{cell(row[0])}</td><td>{cell(row[1])}</td></tr>' for row in rows)
        out.append("</table>")
        return out
    total = sum(widths) if widths else 0
    ws = [f' width="{round(100 * w / total)}%"' for w in widths] if total else [""] * len(headers)
    out.append("<thead><tr>" + "".join(f"<th{w}>{e(_cell(h))}</th>" for h, w in zip(headers, ws))
               + "</tr></thead><tbody>")
    for i, row in enumerate(rows):
        tds = []
        for c, v in enumerate(row):
            if c in merge:
                if i and rows[i - 1][c] == v:
                    continue   # covered by the rowspan above
                span = next((k for k in range(i + 1, len(rows)) if rows[k][c] != v), len(rows)) - i
                if span > 1:
                    tds.append(f'<td rowspan="{span}">{cell(v)}</td>')
                    continue
            tds.append(f"<td>{cell(v)}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    return out


def to_html(doc: Doc) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">', f"<title>{e(doc.caption())}</title>",
           f"<style>{doc.css or OFFICIAL_CSS}</style></head><body>"]
    for b in doc.blocks:
        kind = b[0]
        if kind in HTML_LINES:
            out.append(HTML_LINES[kind].format(e(b[1])))
        elif kind == "heading":
            lvl = min(b[2] + 1, 4)
            out.append(f"<h{lvl}>{e(b[1])}</h{lvl}>")
        elif kind == "para":
            out.append(f"<p><strong>{e(b[1])}</strong></p>" if b[2] else f"<p>{e(b[1])}</p>")
        elif kind == "table":
            out.extend(_html_table(b))
        elif kind == "image":
            data = base64.b64encode(b[1]).decode("ascii")
            out.append(f'<figure><img alt="{e(b[2])}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{e(b[2])}</figcaption></figure>")
        elif kind == "signature":
            out.append(f'<p class="right">{e(b[1])}</p><p class="right">{e(b[2])}</p>')
        elif kind == "pagebreak":
            out.append("<hr>")
        elif kind == "check":
            hint = "<small>（初筛倾向）</small>" if b[2] else ""
            out.append(f'<p class="check">□ {e(b[1])}{hint}</p>')
        elif kind == "lines":
            out.extend(f'<p class="lines">{RULE * 27}</p>' for _ in range(b[1]))
        elif kind == "sign":
            out.append(f'<p class="sign">{_sign_line(b[1], e)}</p>')
        elif kind == "masthead":
            out.append(f'<div class="masthead"><p class="organ">{e(b[1])}</p><p class="docno">{e(b[2])}</p></div>')
        elif kind == "imprint":
            cc = f'<p class="cc">抄送：{e(b[1].rstrip("。"))}。</p>' if b[1] else ""
            out.append(f'<div class="imprint">{cc}<p class="printer"><span>{e(b[2])}</span>'
                       f'<span>{e(_printed(b[3]))}</span></p></div>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
