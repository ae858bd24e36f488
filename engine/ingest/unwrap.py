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

The joined text is what the rules read and what findings quote; line and column still point into the file: the
positions of the removed breaks travel with the document (`meta["unwrapped"]`, read by Document.line_col).
"""
from __future__ import annotations

import re

from .layout import NUMBERING_RE

MIN_WIDTH = 16              # narrower "wraps" are lists, verse or signatures, not a fixed line width
SHARE_OF_WIDTH = 0.8
_ENDS_SENTENCE = re.compile(r"[。！？；：!?;:…][”’」』）)\]】]*$")
_INDENT = (" ", "\u3000", "\t")
_LATIN = re.compile(r"[0-9A-Za-z]")


def unwrap(text: str) -> tuple[str, dict | None]:
    """(joined text, line map or None when nothing was joined). The map: `removed`, the joined-text offsets right
    after each removed line break, and `file_lines`, the offsets where the file's lines start (in the text with
    its breaks), so that a joined offset o is file offset o + (breaks removed at or before o)."""
    if "\n" not in text:
        return text, None
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
        wrapped = (len(body) >= long_enough and body == ln and "\t" not in ln and not _ENDS_SENTENCE.search(body)
                   and nxt.strip() and not nxt.startswith(_INDENT) and "\t" not in nxt
                   and not NUMBERING_RE.match(nxt))
        if not wrapped:
            out.append("\n")
            pos += 1
        elif _LATIN.match(body[-1]) and _LATIN.match(nxt[0]):
            out.append(" ")                     # "ISO\n9001" stays two words, and the offsets stay the file's
            pos += 1
        else:
            removed.append(pos)
    if not removed:                             # nothing joined, or only Latin wraps turned into spaces
        return "".join(out), None
    file_lines = [0]
    file_lines.extend(m.end() for m in re.finditer("\n", text))
    return "".join(out), {"removed": removed, "file_lines": file_lines}
