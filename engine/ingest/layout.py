"""Paragraphs from positioned characters (the text layer of a PDF, the TextCode of an OFD page).

Coordinates: x grows to the right, y grows downwards, any unit (points for PDF, millimetres for OFD); every
threshold is relative to the font size, so the unit does not matter.

1. Characters become lines: sorted by their vertical centre, a character joins the current line while its centre is
   within half a font size of the line's; within a line they are ordered by x. A gap wider than 0.6 of a character (0.2 between Latin letters) becomes
   a space (an ideographic space between Chinese characters, as after 第一条), a gap wider than two characters and
   a bit a tab (table cells, as the .docx reader writes them).
2. Page furniture is dropped: in the top and bottom margins of a page, page numbers (“— 3 —”, “- 3 -”, “第 3 页”,
   “3/10”, “3”) and lines that repeat on at least half of the pages (running headers and footers).
3. Lines become paragraphs: a line starts a new paragraph when it begins with a numbering (第X章/节/条, （一）, 一、,
   1., （1）, ①, 附件), when it is indented from the body's left edge (the two-character first-line indent of
   Chinese documents, a centred title), when the line before it stopped more than a character short of the right edge, or
   when it lies further below the line before it than the pitch of wrapped lines (paragraph spacing). Otherwise it continues the paragraph
   (a wrapped line) and is joined without a break (with a space between two Latin letters or digits).

Linear in the number of characters, apart from sorting.
"""
from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass, field

CN_NUM = "零〇一二两三四五六七八九十百千"
NUMBERING_RE = re.compile(
    rf"^\s*(?:第[{CN_NUM}\d]+[章节条](?:[\s　]|$)|[（(][{CN_NUM}\d]+[)）]|[{CN_NUM}]+、|\d+[.．、](?!\d)|[①-⑳]"
    r"|附件|附表|附录)")
PAGE_NUMBER_RE = re.compile(r"^[\s\-—–－−_·•]*(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[/／]\s*\d{1,4}|\s*共\s*\d{1,4}\s*页)?"
                            r"[\s\-—–－−_·•]*$")
FURNITURE_BAND = 0.12        # top and bottom share of the page where headers, footers and page numbers live


@dataclass
class Box:
    """Text with its box on the page: one glyph (Char) or one line of them (Line)."""
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


Char = Line = Box


@dataclass
class Page:
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


def _cjk(ch: str) -> bool:
    return ch > "\u2e7f" and unicodedata.east_asian_width(ch) in ("W", "F")


def lines_from_chars(chars: list[Char]) -> list[Line]:
    chars = [c for c in chars if c.text and c.text not in "\r\n\x00"]
    if not chars:
        return []
    chars.sort(key=lambda c: ((c.top + c.bottom) / 2, c.x0))
    groups: list[list[Char]] = []
    centre = None
    for c in chars:
        cy = (c.top + c.bottom) / 2
        if groups and abs(cy - centre) <= 0.5 * max(c.size, groups[-1][0].size):
            groups[-1].append(c)
        else:
            groups.append([c])
            centre = cy
    return [_line(sorted(g, key=lambda c: c.x0)) for g in groups]


def _line(chars: list[Char]) -> Line:
    out = []
    prev = None
    for c in chars:
        if prev is not None and c.text == prev.text and abs(c.x0 - prev.x0) < 0.15 * max(c.size, 1e-6):
            continue       # the same glyph printed twice, a little offset (fake bold): read once
        if prev is not None:
            gap = c.x0 - prev.x1
            size = max(min(c.size, prev.size), 1e-6)
            if gap > 2.2 * size:
                out.append("\t")
            elif not (prev.text.isspace() or c.text.isspace()):
                cjk = _cjk(prev.text[-1]) or _cjk(c.text[0])
                if gap > (0.6 if cjk else 0.2) * size:     # Latin words: the space glyph is often not in the layer
                    out.append("\u3000" if cjk else " ")
        out.append(c.text)
        prev = c
    size = statistics.median(c.size for c in chars)
    return Line("".join(out).replace("\u3000\t", "\t").strip(), min(c.x0 for c in chars),
                max(c.x1 for c in chars), min(c.top for c in chars), max(c.bottom for c in chars), size)


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_furniture(pages: list[Page]) -> None:
    """Page numbers and running headers/footers, from the first and last lines of each page in its margins."""
    def margin_lines(page: Page):
        if not page.lines:
            return []
        out = []
        first, last = page.lines[0], page.lines[-1]
        if first.bottom <= page.height * FURNITURE_BAND or len(page.lines) == 1:
            out.append(first)
        if last is not first and last.top >= page.height * (1 - FURNITURE_BAND):
            out.append(last)
        # a footer of two lines (page number under a running footer)
        if len(page.lines) > 2 and page.lines[-2].top >= page.height * (1 - FURNITURE_BAND):
            out.append(page.lines[-2])
        if len(page.lines) > 2 and page.lines[1].bottom <= page.height * FURNITURE_BAND:
            out.append(page.lines[1])
        return out

    counts: dict[str, int] = {}
    for page in pages:
        for key in {_furniture_key(ln.text) for ln in margin_lines(page)}:
            counts[key] = counts.get(key, 0) + 1
    repeated = {k for k, n in counts.items() if len(pages) >= 2 and n >= max(2, len(pages) / 2)}
    for page in pages:
        drop = {id(ln) for ln in margin_lines(page)
                if PAGE_NUMBER_RE.match(ln.text) or _furniture_key(ln.text) in repeated}
        page.lines = [ln for ln in page.lines if id(ln) not in drop]


def _glue(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


def paragraphs(pages: list[Page]) -> list[str]:
    for page in pages:
        page.lines.sort(key=lambda ln: (ln.top, ln.x0))
    drop_furniture(pages)
    lines = [ln for page in pages for ln in page.lines]
    if not lines:
        return []
    size = statistics.median(ln.size for ln in lines) or 1.0
    # the body's left edge: the most common start among lines of some length; the right edge: where full lines end
    starts: dict[int, int] = {}
    for ln in lines:
        if len(ln.text) >= 8:
            key = round(ln.x0 / (size / 4))
            starts[key] = starts.get(key, 0) + 1
    left = (max(starts, key=lambda k: (starts[k], -k)) * size / 4) if starts else min(ln.x0 for ln in lines)
    ends = sorted(ln.x1 for ln in lines)
    right = ends[int(0.9 * (len(ends) - 1))]
    pitches = [b.top - a.top for page in pages for a, b in zip(page.lines, page.lines[1:]) if b.top > a.top]
    # the pitch of lines within a paragraph: the narrow end of the spacings (the wide end is between paragraphs)
    pitch = sorted(pitches)[len(pitches) // 5] if pitches else size * 1.5

    out: list[str] = []
    for page_no, page in enumerate(pages):
        prev = None
        for ln in page.lines:
            text = ln.text
            new = (not out or NUMBERING_RE.match(text) is not None
                   or ln.x0 > left + 0.9 * size
                   or "\t" in text)
            if not new and prev is not None:
                new = (prev.x1 < right - 1.25 * size or ln.top - prev.top > 1.3 * pitch or "\t" in prev.text)
            elif not new and prev is None:
                # the first line of a page continues the last paragraph of the page before when that one ran full
                last = pages[page_no - 1].lines[-1] if page_no and pages[page_no - 1].lines else None
                new = last is None or last.x1 < right - 1.25 * size or "\t" in last.text
            if new:
                out.append(text)
            else:
                out[-1] = _glue(out[-1], text)
            prev = ln
    return out
