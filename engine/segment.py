"""Segment Chinese legal text into the units rules are scoped to: 章/节/条/款/项/目 and sentences.

Every unit keeps its character span in the document text, so findings point at line and column, and a path
such as 第三条第二款第（二）项 that a reviewer can find in the draft.
"""
from __future__ import annotations

import bisect
import re
from dsl.record import field, record

from .ingest.unwrap import add_map, despace, line_starts
from .regex_cache import cached

CN_NUM = "零〇一二两三四五六七八九十百千"
CHAPTER_RE = cached(rf"^\s*第[{CN_NUM}\d]+章")
SECTION_RE = cached(rf"^\s*第[{CN_NUM}\d]+节")
ARTICLE_RE = cached(rf"^\s*(第[{CN_NUM}\d]+条)(?:[\s　]|$)", re.M)
ITEM_RE = cached(rf"^\s*([（(][{CN_NUM}]+[)）])")
HEADING_RE = cached(rf"^\s*([{CN_NUM}]+)、", re.M)                 # 一、 section headings in plans and notices
SUBITEM_RE = cached(r"^\s*(\d+[.．、](?!\d)|[（(]\d+[)）]|[①-⑳])")
ANNEX_RE = cached(r"^\s*(附件|附表|附录)\s*\d*")
SENTENCE_END = cached(r"[。！？!?；;]+[”’」』）)]*|\n")


@record
class Unit:
    scope: str          # sentence | clause | article | document
    index: int
    start: int
    end: int
    path: str


@record
class Document:
    name: str
    text: str
    title: str = ""
    line_starts: list[int] = field(default_factory=list)
    clauses: list[Unit] = field(default_factory=list)
    articles: list[Unit] = field(default_factory=list)
    sentences: list[Unit] = field(default_factory=list)
    meta: dict = field(default_factory=dict)   # from ingestion, e.g. {"format": "docx", "line_word": "段"}

    def units(self, scope: str) -> list[Unit]:
        if scope == "sentence":
            return self.sentences
        if scope == "clause":
            return self.clauses
        if scope == "article":
            return self.articles
        return [Unit("document", 0, 0, len(self.text), "全文")]

    def line_col(self, offset: int) -> tuple[int, int]:
        """Line and column in the file as the drafter sees it, through the cleaning steps that joined hard wraps or
        dropped stray spaces (engine/ingest/unwrap.py)."""
        starts = self.line_starts
        for step in (self.meta.get("text_maps", ()) if self.meta else ()):   # newest cleaning step first
            offset += bisect.bisect_right(step["removed"], offset)
            starts = step["lines"]
        i = bisect.bisect_right(starts, offset) - 1
        return i + 1, offset - starts[i] + 1

    def unit_text(self, u: Unit) -> str:
        return self.text[u.start:u.end]

    def path_at(self, offset: int) -> str:
        i = bisect.bisect_right([c.start for c in self.clauses], offset) - 1
        return self.clauses[i].path if i >= 0 else ""


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\r　\ufeff":
        start += 1
    while end > start and text[end - 1] in " \t\r　\n":
        end -= 1
    return start, end


def segment(name: str, text: str, meta: dict | None = None) -> Document:
    meta = {} if meta is None else meta
    text, line_map = despace(text)
    add_map(meta, line_map)
    doc = Document(name=name, text=text, meta=meta)
    doc.line_starts = line_starts(text)
    has_articles = any(ARTICLE_RE.match(text, s) for s in doc.line_starts)
    has_headings = not has_articles and any(HEADING_RE.match(text, s) for s in doc.line_starts)

    article = ""      # 第三条
    para_no = 0       # 款 within the article
    item = ""         # （二）
    heading = ""      # 一、
    art_start = None
    art_path = ""
    in_annex = ""
    item_path = ""

    def close_article(end: int) -> None:
        if art_start is not None:
            s, e = _strip_span(text, art_start, end)
            if e > s:
                doc.articles.append(Unit("article", len(doc.articles), s, e, art_path))

    for ln, ls in enumerate(doc.line_starts):
        le = doc.line_starts[ln + 1] - 1 if ln + 1 < len(doc.line_starts) else len(text)
        s, e = _strip_span(text, ls, le)
        if e <= s:
            continue
        line = text[s:e]
        if not doc.title and not CHAPTER_RE.match(line) and not ARTICLE_RE.match(line) and len(line) <= 60 \
                and "。" not in line:
            doc.title = line.strip()
        annex = ANNEX_RE.match(line)
        if annex:   # attachments after the last article belong to no article
            close_article(ls)
            article, item, para_no, heading = "", "", 0, ""
            art_start, art_path = s, annex.group(1)
            has_articles = has_headings = False
            doc.clauses.append(Unit("clause", len(doc.clauses), s, e, annex.group(1)))
            in_annex = annex.group(1)
            continue
        if CHAPTER_RE.match(line) or SECTION_RE.match(line):
            close_article(ls)
            art_start, article, item, para_no = None, "", "", 0
            doc.clauses.append(Unit("clause", len(doc.clauses), s, e, line.split()[0][:12]))
            continue
        m = ARTICLE_RE.match(line)
        if m:
            close_article(ls)
            article, para_no, item = m.group(1), 1, ""
            art_start, art_path = s, article
            path = article
        elif has_articles:
            im = ITEM_RE.match(line)
            if im and article:
                item = im.group(1).replace("(", "（").replace(")", "）")
                path = item_path = f"{article}第{para_no}款第{item}项" if para_no > 1 else f"{article}第{item}项"
            elif SUBITEM_RE.match(line) and article:
                sub = SUBITEM_RE.match(line).group(1).strip()
                path = f"{item_path}{sub.rstrip('.．、')}目" if item else f"{article}{sub}"
            elif article:
                para_no += 1
                item = ""
                path = f"{article}第{para_no}款"
            else:
                path = f"第{ln + 1}行"
        else:
            hm = HEADING_RE.match(line)
            if has_headings and hm:
                close_article(ls)
                heading = hm.group(1) + "、"
                art_start, art_path = s, heading
                path = heading
            else:
                im = ITEM_RE.match(line) or SUBITEM_RE.match(line)
                label = im.group(1) if im else f"第{ln + 1}行"
                path = f"{heading}{label}" if heading and im else label
                if in_annex:
                    path = f"{in_annex}{label}"
                if (not has_headings and not in_annex) or art_start is None:
                    close_article(ls)
                    art_start, art_path = s, path
        doc.clauses.append(Unit("clause", len(doc.clauses), s, e, path))
        # sentences within the paragraph
        pos = s
        for sm in SENTENCE_END.finditer(text, s, e):
            ss, se = _strip_span(text, pos, sm.end())
            if se > ss:
                doc.sentences.append(Unit("sentence", len(doc.sentences), ss, se, path))
            pos = sm.end()
        ss, se = _strip_span(text, pos, e)
        if se > ss:
            doc.sentences.append(Unit("sentence", len(doc.sentences), ss, se, path))
    close_article(len(text))
    return doc
