"""Text of a .docx in reading order: body paragraphs and table cells, with Word's automatic numbering
(numbering.xml: 第%1条, （%1）, %1. …, set on the paragraph or inherited from its style) written out as text.
"""
from __future__ import annotations

import io
import re
import zipfile
import xml.etree.ElementTree as ET

from dsl.lawtext import cn_numeral

from engine import regex_cache as recache
from engine.errors import UserError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _roman(n: int) -> str:
    out = ""
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                 (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out, n = out + s, n - v
    return out


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographTraditional",
               "japaneseCounting", "taiwaneseCountingThousand"):
        return cn_numeral(n)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26)
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


class Numbering:
    def __init__(self, numbering_xml: bytes | None, styles_xml: bytes | None):
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}   # abstractId -> ilvl -> (fmt, text, start)
        self.num_to_abs: dict[str, str] = {}
        self.overrides: dict[str, dict[int, int]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        if numbering_xml:
            root = ET.fromstring(numbering_xml)
            for ab in root.iter(W + "abstractNum"):
                lv = {}
                for lvl in ab.iter(W + "lvl"):
                    ilvl = int(lvl.get(W + "ilvl", "0"))
                    fmt = _val(lvl.find(W + "numFmt")) or "decimal"
                    text = _val(lvl.find(W + "lvlText")) or ""
                    start = int(_val(lvl.find(W + "start")) or 1)
                    lv[ilvl] = (fmt, text, start)
                self.levels[ab.get(W + "abstractNumId")] = lv
            for num in root.iter(W + "num"):
                nid = num.get(W + "numId")
                self.num_to_abs[nid] = _val(num.find(W + "abstractNumId"))
                for ov in num.iter(W + "lvlOverride"):
                    so = ov.find(W + "startOverride")
                    if so is not None:
                        self.overrides.setdefault(nid, {})[int(ov.get(W + "ilvl", "0"))] = int(_val(so) or 1)
        if styles_xml:
            for st in ET.fromstring(styles_xml).iter(W + "style"):
                npr = st.find(f"{W}pPr/{W}numPr")
                if npr is not None:
                    nid = _val(npr.find(W + "numId"))
                    if nid:
                        self.style_num[st.get(W + "styleId")] = (nid, int(_val(npr.find(W + "ilvl")) or 0))

    def label(self, num_id: str, ilvl: int) -> str:
        abs_id = self.num_to_abs.get(num_id)
        levels = self.levels.get(abs_id or "", {})
        if not levels or num_id == "0":
            return ""
        key = abs_id
        counters = self.counters.setdefault(key, {})
        start = self.overrides.get(num_id, {}).get(ilvl, levels.get(ilvl, ("", "", 1))[2])
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        fmt, text, _ = levels.get(ilvl, ("decimal", f"%{ilvl + 1}.", 1))

        def sub(m):
            lv = int(m.group(1)) - 1
            n = counters.get(lv, levels.get(lv, ("", "", 1))[2])
            return format_number(n, levels.get(lv, ("decimal",))[0])
        return recache.sub(r"%(\d)", sub, text)


STYLE_RE = re.compile(rb"<w:style\b[^>]*>.*?</w:style>", re.S)


def _numbered_styles(styles_xml: bytes) -> bytes | None:
    """Only the styles that carry numbering, as a small XML document (Word's styles.xml is large)."""
    if b"numPr" not in styles_xml:
        return None
    head = styles_xml[: styles_xml.find(b">", styles_xml.find(b"<w:styles")) + 1]
    parts = [m.group(0) for m in STYLE_RE.finditer(styles_xml) if b"numPr" in m.group(0)]
    return head + b"".join(parts) + b"</w:styles>"


def _val(el) -> str | None:
    return None if el is None else el.get(W + "val")


def _para_text(p) -> str:
    out = []
    for el in p.iter():
        tag = el.tag
        if tag == W + "t":
            out.append(el.text or "")
        elif tag == W + "tab":
            out.append("\t")
        elif tag in (W + "br", W + "cr"):
            out.append("\n")
    return "".join(out)


def docx_text(data: bytes, name: str) -> str:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        body_xml = z.read("word/document.xml")
    except zipfile.BadZipFile:
        raise UserError(f"{name}：文件已损坏或不是有效的 .docx（无法作为 zip 打开）") from None
    except KeyError:
        raise UserError(f"{name}：不是有效的 .docx（缺少 word/document.xml）") from None
    names = set(z.namelist())
    # numbering and styles are parsed only when the body can use them (they are large in Word's templates)
    uses_numbering = b"numPr" in body_xml or b"pStyle" in body_xml
    numbering = Numbering(z.read("word/numbering.xml") if uses_numbering and "word/numbering.xml" in names else None,
                          _numbered_styles(z.read("word/styles.xml"))
                          if uses_numbering and b"pStyle" in body_xml and "word/styles.xml" in names else None)
    try:
        root = ET.fromstring(body_xml)
    except ET.ParseError as e:
        raise UserError(f"{name}：.docx 内容已损坏（document.xml 第 {e.position[0]} 行无法解析）") from None
    body = root.find(W + "body")
    lines: list[str] = []
    if body is not None:
        _walk(body, numbering, lines)
    return "\n".join(lines)


def _walk(container, numbering: Numbering, lines: list[str]) -> None:
    for el in container:
        if el.tag == W + "p":
            text = _para_text(el)
            ppr = el.find(W + "pPr")
            label = ""
            if ppr is not None:
                npr = ppr.find(W + "numPr")
                if npr is not None and npr.find(W + "numId") is not None:
                    label = numbering.label(_val(npr.find(W + "numId")), int(_val(npr.find(W + "ilvl")) or 0))
                else:
                    style = _val(ppr.find(W + "pStyle"))
                    if style in numbering.style_num:
                        nid, ilvl = numbering.style_num[style]
                        label = numbering.label(nid, ilvl)
            if label and text.strip():
                sep = "" if label.endswith(("、", "）", ")", "．")) else ("　" if label.endswith(("条", "章", "节")) else "")
                text = label + sep + text.lstrip()
            lines.append(text)
        elif el.tag == W + "tbl":
            for row in el.iter(W + "tr"):
                cells = []
                for cell in row.findall(W + "tc"):
                    cell_lines: list[str] = []
                    _walk(cell, numbering, cell_lines)
                    cells.append("".join(x.strip() for x in cell_lines))
                lines.append("\t".join(cells))
        elif el.tag in (W + "sdt", W + "customXml"):
            content = el.find(W + "sdtContent")
            _walk(content if content is not None else el, numbering, lines)
