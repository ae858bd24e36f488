"""Drafts published as web pages (.html, .htm): lxml's HTML parser, one paragraph per block element.

Scripts, styles, comments and the <head> are left out. <p>, headings, <div>, <li>, <br>, <tr> and the like end a
paragraph; the cells of a table row are joined by tabs, as the .docx reader writes them (paragraphs inside a cell are
joined). Items of an ordered list carry the number a browser shows (1. 2. …, or a. i. by their type). Whitespace is collapsed
the way a browser does (a line break in the source between two Chinese characters disappears), but the ideographic
space (U+3000, as in 第一条　) is kept. The tree is walked with an explicit stack, so deep nesting costs no
recursion; the parser itself bounds the depth.
"""
from __future__ import annotations

import re

from engine.errors import UserError

from .limits import Limits, over

BLOCK = {"p", "div", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr",
         "thead", "tbody", "tfoot", "caption", "section", "article", "header", "footer", "aside", "nav", "main",
         "blockquote", "pre", "address", "figure", "figcaption", "form", "fieldset", "hr", "center", "body"}
SKIP = {"script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "object", "svg",
        "math", "select", "option", "button", "textarea"}
CELL = {"td", "th"}
BREAK, TAB, MARK = "\x00B", "\x00T", "\x00M"   # markers in the text stream (lxml drops NUL from the input)
CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
SPACE_RE = re.compile(r"[ \t\n\r\f\v]+")
CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
CJK_GAP_RE = re.compile(rf"(?<=[{CJK}]) (?=[{CJK}])")


def _decode(data: bytes, name: str) -> str:
    from . import decode_text

    m = CHARSET_RE.search(data[:4096])
    if m:
        enc = m.group(1).decode("ascii").lower()
        if enc in ("gb2312", "gbk", "gb_2312-80", "x-gbk"):
            enc = "gb18030"
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            pass      # a wrong or unknown declaration: decide from the bytes
    return decode_text(data, name)


def _start(el, default=1):
    raw = (el.get("start") if el.tag == "ol" else el.get("value")) if isinstance(el.tag, str) else None
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def _marker(n: int, kind: str) -> str:
    """What a browser shows before an item of an ordered list."""
    if kind in ("a", "A") and n > 0:
        letter = chr(ord("a") + (n - 1) % 26)
        return (letter.upper() if kind == "A" else letter) + "."
    if kind in ("i", "I"):
        from .docx import _roman

        roman = _roman(n)
        return (roman if kind == "I" else roman.lower()) + "."
    return f"{n}."


def html_text(data: bytes, name: str, limits: Limits) -> str:
    import lxml.etree
    import lxml.html

    text = XML_DECL_RE.sub("", _decode(data, name), count=1)
    if not text.strip():
        raise UserError(f"{name}：文件为空")
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True,
                                  default_doctype=False)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as e:
        raise UserError(f"{name}：网页内容无法解析（{type(e).__name__}）") from None
    body = root.find("body")
    if body is None:
        body = root
    pieces: list[str] = []
    count = 0
    cells = 0                            # open table cells: a block inside a cell does not end the row's line
    lists: list[list] = []               # open <ol>/<ul>: [kind, next number]
    todo: list = [(body, False)]
    while todo:
        el, closing = todo.pop()
        if isinstance(el, str):          # the tail text after an element
            pieces.append(el)
            count += len(el)
            if count > limits.max_chars:
                raise UserError(f"{name}：文字过多（超过 {limits.max_chars:,} 字；{over(limits, 'max_chars')}）")
            continue
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if closing:
            if tag in CELL:
                cells -= 1
                pieces.append(TAB)
            elif tag in ("ol", "ul"):
                lists.pop()
                if not cells:
                    pieces.append(BREAK)
            elif tag in BLOCK and (not cells or tag == "tr"):
                pieces.append(BREAK)
            continue
        if tag in SKIP or not tag:
            if el.tail:
                todo.append((el.tail, False))
            continue
        if tag == "br":
            pieces.append(" " if cells else BREAK)
            if el.tail:
                todo.append((el.tail, False))
            continue
        if tag in CELL:
            cells += 1
        elif tag in ("ol", "ul"):
            lists.append([tag, _start(el)])
        if tag in BLOCK and (not cells or tag == "tr"):
            pieces.append(BREAK)
        if tag == "li":
            if not cells:
                pieces.append(BREAK)
            if lists and lists[-1][0] == "ol":
                value = _start(el, None)
                if value is not None:
                    lists[-1][1] = value
                pieces.append(MARK + _marker(lists[-1][1], (el.getparent().get("type") if el.getparent() is not None
                                                     else None) or "1"))
                lists[-1][1] += 1
        if el.tail:
            todo.append((el.tail, False))
        todo.append((el, True))
        if el.text:
            pieces.append(el.text)
            count += len(el.text)
            if count > limits.max_chars:
                raise UserError(f"{name}：文字过多（超过 {limits.max_chars:,} 字；{over(limits, 'max_chars')}）")
        for child in reversed(el):
            todo.append((child, False))
    lines = []
    carry = ""                           # a list item's number whose text sits in the next block (<li><p>…)
    for block in "".join(pieces).split(BREAK):
        cells = [CJK_GAP_RE.sub("", SPACE_RE.sub(" ", c)).strip(" ") for c in block.split(TAB)]
        while cells and not cells[-1]:
            cells.pop()
        line = "\t".join(cells).replace("\xa0", " ")
        if line.startswith(MARK) and not line.replace(MARK, "").strip(" .0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"):
            carry = line.replace(MARK, "")
            continue
        line = line.replace(MARK, "")
        if line.strip():
            lines.append(carry + line if carry else line)
            carry = ""
    return "\n".join(lines)
