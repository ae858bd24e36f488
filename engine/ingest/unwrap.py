"""Hard-wrapped plain text: lines broken at a fixed width inside a sentence are joined again.

A draft copied out of a PDF, an e-mail or another system often arrives as .txt with a line break every 30–40
characters ("须经区教育局审核\n同意后方可营业。"). The segmenter reads a line break as the end of a clause and the
scanner never matches across one, so a wrapped requirement would be read as two harmless halves. The .pdf and .ofd
readers rebuild paragraphs from the page layout (engine/ingest/layout.py); plain text has no layout, so the same
decision is made from the lines alone. A line break is a wrap when

- the line before it does not end a sentence (。！？；： and their closing quotes or brackets),
- that line is nearly as long as the document's long lines (at least 0.8 of the 90th-percentile length, and at least
  16 characters: a short line is a heading, a signature or the last line of a paragraph), and
- the next line starts neither a new paragraph (indent, blank line) nor a numbered unit (第X条, （一）, 一、, 1.) nor
  a table row (a tab).

Stray spaces inside a Chinese sentence ("须在本 地注册", "注册资本 1000 万元") come from PDF text layers with
justified lines and from copying; a space between two Chinese characters, or between a Chinese character and a
number, is not a word boundary in Chinese, so `despace` drops it (a space between two Latin words or numbers,
"ISO 9001", stays, as does the space after a line's own number: 第X条, （一）, 1.).

The cleaned text is what the rules read and what findings quote; line and column still point into the file: each
step's removed positions travel with the document (`meta["text_maps"]`, newest step first, read by
Document.line_col).
"""
from __future__ import annotations

import re

MIN_WIDTH = 16              # narrower "wraps" are lists, verse or signatures, not a fixed line width
SHARE_OF_WIDTH = 0.8
ENDS_SENTENCE = re.compile(r"[。！？；：!?;:…][”’」』）)\]】]*$")
_INDENT = (" ", "\u3000", "\t")
_LATIN = re.compile(r"[0-9A-Za-z]")


def joiner(before: str, after: str) -> str:
    """What replaces a line break inside a sentence: a space between two Latin letters or digits, else nothing."""
    return " " if before and after and _LATIN.match(before[-1]) and _LATIN.match(after[0]) else ""


def unwrap(text: str) -> tuple[str, dict | None]:
    """(joined text, line map or None when nothing was joined). The map: `removed`, the joined-text offsets right
    after each removed line break, and `lines`, the offsets where the lines of the text before the step start, so
    that a joined offset o is offset o + (breaks removed at or before o) in that text."""
    if "\n" not in text:
        return text, None
    from .layout import NUMBERING_RE   # plain-text files only: the check of a .docx does not import layout

    lines = text.split("\n")
    lengths = sorted(len(ln.rstrip()) for ln in lines if ln.strip())
    if len(lengths) < 2:
        return text, None
    width = lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]
    if width < MIN_WIDTH:
        return text, None
    long_enough = max(MIN_WIDTH, SHARE_OF_WIDTH * width)
    out: list[str] = []
    removed: list[int] = []
    pos = 0                                     # length of the joined text so far
    for i, ln in enumerate(lines):
        out.append(ln)
        pos += len(ln)
        if i == len(lines) - 1:
            break
        nxt = lines[i + 1]
        body = ln.rstrip()
        wrapped = (len(body) >= long_enough and body == ln and "\t" not in ln and not ENDS_SENTENCE.search(body)
                   and nxt.strip() and not nxt.startswith(_INDENT) and "\t" not in nxt
                   and not NUMBERING_RE.match(nxt))
        sep = "\n" if not wrapped else joiner(body, nxt)
        if sep:                                 # a kept break, or "ISO\n9001" as two words: the offsets stay the file's
            out.append(sep)
            pos += 1
        else:
            removed.append(pos)
    if not removed:                             # nothing joined, or only Latin wraps turned into spaces
        return "".join(out), None
    return "".join(out), {"removed": removed, "lines": line_starts(text)}


_CJK = "\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’…—"
# a run of spaces with a Chinese character (or Chinese punctuation) on one side and a character on the other
_STRAY = re.compile(rf"(?<=[{_CJK}])[ \u00a0]+(?=[^\s])|(?<=[^\s])[ \u00a0]+(?=[{_CJK}])|(?<=\d)[ \u00a0]+(?=[%‰])")
# a line's own number (第三条, （一）, 一、, 1.): the space after it sets the number off and stays
_HEAD = re.compile(r"\s*(?:第[零〇一二两三四五六七八九十百千\d]+[条章节]|[（(][零〇一二两三四五六七八九十\d]+[)）]|[零〇一二两三四五六七八九十]+、"
                   r"|\d+[.．、]|[①-⑳])$")


# full-width digits, Latin letters and ％ (“１天”, “ＩＳＯ９００１”) read as their ASCII forms, as the rules write them;
# one character for one, so no offset moves (full-width punctuation，；： is Chinese punctuation and stays)
_HALF = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)}
_HALF[0xFF05] = ord("%")


def despace(text: str) -> tuple[str, dict | None]:
    """(text without stray spaces, map or None when none was dropped), the map as `unwrap` gives it; full-width
    digits and letters become ASCII on the way."""
    text = text.translate(_HALF)
    if " " not in text and "\u00a0" not in text:
        return text, None
    out: list[str] = []
    removed: list[int] = []
    pos = last = 0                              # length of the output so far; end of the last match in text
    for m in _STRAY.finditer(text):
        s, e = m.span()
        line_start = text.rfind("\n", 0, s) + 1
        if _HEAD.match(text, line_start, s):
            continue
        out.append(text[last:s])
        pos += s - last
        removed.extend([pos] * (e - s))
        last = e
    if not removed:
        return text, None
    out.append(text[last:])
    return "".join(out), {"removed": removed, "lines": line_starts(text)}


def line_starts(text: str) -> list[int]:
    """The offsets where the text's lines start."""
    return [0] + [m.end() for m in re.finditer("\n", text)]


def add_map(meta: dict, line_map: dict | None) -> None:
    """Record one cleaning step in meta (newest first), for Document.line_col."""
    if line_map:
        meta["text_maps"] = [line_map] + meta.get("text_maps", [])
