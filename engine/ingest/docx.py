"""Text of a .docx in reading order: body paragraphs and table cells, with Word's automatic numbering
(numbering.xml: 第%1条, （%1）, %1. …, set on the paragraph or inherited from its style) written out as text.

Read within the bounds of `limits.Limits`: every part through `archive.SafeZip` (sizes, ratio, encryption and
compression method checked before inflating), document.xml as a stream of parse events (memory grows with the
text, not with the XML), tables walked with an explicit stack (time linear in the file, whatever the nesting,
and the nesting itself bounded). Any failure becomes one line naming what is wrong (archive.Boundary).
"""
from __future__ import annotations

import io
import re

from .archive import Boundary, PackageError, SafeZip, iterparse, parse_xml
from .limits import Limits, current, over

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
P, TBL, TR, TC, T = W + "p", W + "tbl", W + "tr", W + "tc", W + "t"
TAB, BR, CR = W + "tab", W + "br", W + "cr"
INT_RE = re.compile(r"[+-]?\d{1,9}")
LEVEL_REF = re.compile(r"%(\d)")

CN_FORMATS = {"chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "ideographTraditional",
              "japaneseCounting", "taiwaneseCountingThousand"}


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = []
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                 (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        q, n = divmod(n, v)
        out.append(s * q)
    return "".join(out)


def _chinese(n: int) -> str:
    from dsl.lawtext import cn_numeral

    if not 0 <= n < 10 ** 8:
        return str(n)
    try:
        return cn_numeral(n)
    except Exception:     # a numeral helper that does not cover n: the digits still number the paragraph
        return str(n)


def format_number(n: int, fmt: str) -> str:
    """Total over the integers: a format that cannot show n falls back to its digits."""
    if fmt in CN_FORMATS:
        return _chinese(n)
    if fmt == "upperLetter":
        return chr(ord("A") + (n - 1) % 26) if n > 0 else str(n)
    if fmt == "lowerLetter":
        return chr(ord("a") + (n - 1) % 26) if n > 0 else str(n)
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese"):
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in str(n))
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


def _val(el) -> str | None:
    return None if el is None else el.get(W + "val")


def _int(value: str | None, default: int, what: str, where: str) -> int:
    """A w:val that the schema says is an integer; anything else is a damaged part, said so."""
    if value is None or value == "":
        return default
    if not INT_RE.fullmatch(value.strip()):
        shown = value if len(value) <= 20 else value[:20] + "…"
        raise PackageError(f"{where}（{what} 的值“{shown}”不是整数）")
    return int(value)


class Numbering:
    def __init__(self):
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}   # abstractId -> ilvl -> (fmt, text, start)
        self.num_to_abs: dict[str, str] = {}
        self.overrides: dict[str, dict[int, int]] = {}
        self.style_num: dict[str, tuple[str, int]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.loaders: dict = {}          # part -> how to read it, called once when first needed

    def need(self, part: str) -> None:
        load = self.loaders.pop(part, None)
        if load is not None:
            load()

    def load_numbering(self, root) -> None:
        bad = "编号定义损坏"
        for ab in root.iter(W + "abstractNum"):
            lv = {}
            for lvl in ab.iter(W + "lvl"):
                ilvl = _int(lvl.get(W + "ilvl"), 0, "w:ilvl", bad)
                fmt = _val(lvl.find(W + "numFmt")) or "decimal"
                text = _val(lvl.find(W + "lvlText")) or ""
                start = _int(_val(lvl.find(W + "start")), 1, "w:start", bad)
                lv[ilvl] = (fmt, text, start)
            self.levels[ab.get(W + "abstractNumId")] = lv
        for num in root.iter(W + "num"):
            nid = num.get(W + "numId")
            self.num_to_abs[nid] = _val(num.find(W + "abstractNumId"))
            for ov in num.iter(W + "lvlOverride"):
                so = ov.find(W + "startOverride")
                if so is not None:
                    ilvl = _int(ov.get(W + "ilvl"), 0, "w:ilvl", bad)
                    self.overrides.setdefault(nid, {})[ilvl] = _int(_val(so), 1, "w:startOverride", bad)

    def load_styles(self, data: bytes, limits: Limits) -> None:
        """Only the styles that carry numbering are kept (Word's styles.xml is large)."""
        for event, st in iterparse(io.BytesIO(data), limits, events=("end",)):
            if st.tag != W + "style":
                continue
            npr = st.find(f"{W}pPr/{W}numPr")
            if npr is not None:
                nid = _val(npr.find(W + "numId"))
                if nid:
                    ilvl = _int(_val(npr.find(W + "ilvl")), 0, "w:ilvl", "样式定义损坏")
                    self.style_num[st.get(W + "styleId")] = (nid, ilvl)
            st.clear()

    def label(self, num_id: str, ilvl: int) -> str:
        abs_id = self.num_to_abs.get(num_id)
        levels = self.levels.get(abs_id or "", {})
        if not levels or num_id == "0":
            return ""
        counters = self.counters.setdefault(abs_id, {})
        start = self.overrides.get(num_id, {}).get(ilvl, levels.get(ilvl, ("", "", 1))[2])
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        fmt, text, _ = levels.get(ilvl, ("decimal", f"%{ilvl + 1}.", 1))

        def sub(m):
            lv = int(m.group(1)) - 1
            n = counters.get(lv, levels.get(lv, ("", "", 1))[2])
            return format_number(n, levels.get(lv, ("decimal",))[0])
        return LEVEL_REF.sub(sub, text)


def _para_text(p) -> str:
    """The runs of a paragraph, text boxes included, the fallback copy of alternate content left out."""
    out = []
    todo = [p]
    while todo:
        el = todo.pop()
        tag = el.tag
        if tag == T:
            out.append(el.text or "")
        elif tag == TAB:
            out.append("\t")
        elif tag in (BR, CR):
            out.append(_SOFT_BREAK)
        elif tag == MC_FALLBACK:
            continue
        todo.extend(reversed(el))
    text = "".join(out)
    return _soft_breaks(text) if _SOFT_BREAK in text else text


# A soft line break (Shift+Enter, w:br) inside a paragraph is layout: a title broken before “的通知”, a long
# requirement broken to fit a table cell. It ends a line of the text only where it ends a sentence or starts a
# numbered item; elsewhere the two halves are one sentence and are joined, as engine/ingest/unwrap.py joins the hard
# wraps of plain text (a requirement split over two lines would otherwise be read as two harmless halves).
_SOFT_BREAK = "\ue000"


def _soft_breaks(text: str) -> str:
    from .layout import NUMBERING_RE   # only for paragraphs that hold a soft break
    from .unwrap import ENDS_SENTENCE, joiner

    parts = text.split(_SOFT_BREAK)
    out = [parts[0]]
    for prev, nxt in zip(parts, parts[1:]):
        before = prev.rstrip()
        if not before or not nxt.strip() or ENDS_SENTENCE.search(before) or NUMBERING_RE.match(nxt):
            out.append("\n")
        else:
            out.append(joiner(before, nxt.lstrip()))
        out.append(nxt)
    return "".join(out)


def _paragraph(p, numbering: Numbering) -> str:
    text = _para_text(p)
    ppr = p.find(W + "pPr")
    label = ""
    if ppr is not None:
        npr = ppr.find(W + "numPr")
        if npr is not None and npr.find(W + "numId") is not None:
            ilvl = _int(_val(npr.find(W + "ilvl")), 0, "段落编号级别 w:ilvl", "正文内容损坏")
            numbering.need("numbering")
            label = numbering.label(_val(npr.find(W + "numId")), ilvl)
        else:
            style = _val(ppr.find(W + "pStyle"))
            if style:
                numbering.need("styles")
            if style in numbering.style_num:
                numbering.need("numbering")
                nid, ilvl = numbering.style_num[style]
                label = numbering.label(nid, ilvl)
    if label and text.strip():
        sep = "" if label.endswith(("、", "）", ")", "．")) else ("　" if label.endswith(("条", "章", "节")) else "")
        text = label + sep + text.lstrip()
    return text


def _body_text(body, numbering: Numbering, limits: Limits) -> str:
    """One pass over document.xml's parse events. A finished paragraph goes to the innermost open cell (or the
    top level); a finished cell joins its row; a finished row becomes one line, tab-separated, in the cell that
    holds its table (or the top level). Finished elements are dropped from the tree at once."""
    top: list[str] = []
    sinks: list[list[str]] = [top]      # the top level, then one list per open cell
    rows: list[list[str]] = []          # open rows: their finished cells
    stack = []                          # open elements
    p_depth = tbl_depth = chars = 0
    for event, el in iterparse(body, limits):
        tag = el.tag
        if event == "start":
            stack.append(el)
            if tag == P:
                p_depth += 1
            elif tag == TBL:
                tbl_depth += 1
                if tbl_depth > limits.max_table_depth:
                    raise PackageError(f"表格嵌套过深（超过 {limits.max_table_depth} 层；{over(limits, 'max_table_depth')}）")
            elif p_depth == 0:
                if tag == TR:
                    rows.append([])
                elif tag == TC:
                    sinks.append([])
            continue
        stack.pop()
        if tag == P:
            p_depth -= 1
            if p_depth:
                continue          # a paragraph in a text box: part of the paragraph that holds it
            text = _paragraph(el, numbering)
            chars += len(text) + 1
            if chars > limits.max_chars:
                raise PackageError(f"文字过多（超过 {limits.max_chars:,} 字；{over(limits, 'max_chars')}）")
            sinks[-1].append(text)
        elif tag == TBL:
            tbl_depth -= 1
        elif p_depth == 0 and tag == TC:
            cell = sinks.pop()
            if rows:
                rows[-1].append("".join(x.strip() for x in cell))
        elif p_depth == 0 and tag == TR:
            sinks[-1].append("\t".join(rows.pop()))
        if p_depth == 0 and stack:
            stack[-1].remove(el)
    return "\n".join(top)


def docx_text(data: bytes, name: str, limits: Limits | None = None) -> str:
    limits = limits or current()
    with Boundary(name) as b:
        z = SafeZip(data, limits, ".docx")
        main = z.find("word/document.xml")
        if main is None:
            raise PackageError("不是有效的 .docx（缺少 word/document.xml）")
        z.check(main)
        numbering = Numbering()

        # numbering and styles are read the first time a paragraph needs them (they are large in Word's
        # templates, and a draft without automatic numbering never reads them)
        def load_numbering():
            part = z.find("word/numbering.xml")
            if part:
                b.part = "word/numbering.xml"
                numbering.load_numbering(parse_xml(z.read(part), b.part, limits))
            b.part = "word/document.xml"

        def load_styles():
            part = z.find("word/styles.xml")
            if part:
                b.part = "word/styles.xml"
                styles = z.read(part)
                if b"numPr" in styles:
                    numbering.load_styles(styles, limits)
            b.part = "word/document.xml"

        numbering.loaders = {"numbering": load_numbering, "styles": load_styles}
        b.part = "word/document.xml"
        with z.stream(main) as body:     # parsed as it is inflated: memory follows the text, not the XML
            return _body_text(body, numbering, limits)
