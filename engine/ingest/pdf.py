"""Drafts as PDF: the text layer read by pdfplumber (pdfminer.six), paragraphs and numbering rebuilt from the
layout of the characters (layout.py: wrapped lines joined, page headers, footers and page numbers dropped).

A PDF with no text layer (a scan) is told so, with what to do; an encrypted PDF that needs a password, a damaged
one, or one whose fonts carry no mapping to characters each gets one line. The page count is bounded before any
page is read, the characters while reading.
"""
from __future__ import annotations

import io

from engine.errors import UserError

from .archive import Boundary, PackageError
from .layout import Char, Page, paragraphs
from .limits import Limits, over

SCANNED = "该 PDF 没有文字层（可能是扫描件），请先做文字识别（OCR）或提供 .docx"


def _open(data: bytes):
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as e:
        inner = e.args[0] if e.args else None
        if isinstance(inner, PDFPasswordIncorrect) or "password" in str(inner).lower():
            raise PackageError("PDF 已加密（需要密码才能打开），请提供未加密的版本") from None
        if isinstance(inner, PDFEncryptionError):
            raise PackageError(f"PDF 已加密，且加密方式不受支持（{inner}），请提供未加密的版本") from None
        raise PackageError(f"PDF 文件已损坏，无法打开（{type(inner).__name__ if inner else '格式错误'}）") from None


def pdf_text(data: bytes, name: str, limits: Limits) -> str:
    with Boundary(name) as b:
        b.part = "PDF"
        pdf = _open(data)
        try:
            count = len(pdf.pages)
            if count > limits.max_pages:
                raise PackageError(f"页数过多（{count:,} 页，{over(limits, 'max_pages')}）")
            if count == 0:
                raise PackageError("PDF 中没有页面")
            pages: list[Page] = []
            total = cid = 0
            for number, page in enumerate(pdf.pages, 1):
                b.part = f"PDF 第 {number} 页"
                chars = []
                for c in page.chars:        # doubled glyphs (fake bold) are read once by layout._line
                    text = c.get("text") or ""
                    if not text or text.isspace() and text != "\u3000":
                        continue
                    if text.startswith("(cid:"):
                        cid += 1
                        continue
                    chars.append(Char(text, float(c["x0"]), float(c["x1"]), float(c["top"]), float(c["bottom"]),
                                      float(c.get("size") or (c["bottom"] - c["top"]) or 1.0)))
                total += len(chars)
                if total > limits.max_chars:
                    raise PackageError(f"文字过多（超过 {limits.max_chars:,} 字；{over(limits, 'max_chars')}）")
                from .layout import lines_from_chars

                pages.append(Page(float(page.width), float(page.height), lines_from_chars(chars)))
                page.close()
        finally:
            pdf.close()
        if total == 0:
            if cid:
                raise PackageError("PDF 的文字层无法转换为文字（字体缺少字符编码映射），请提供 .docx，或先做文字识别（OCR）")
            raise PackageError(SCANNED)
        return "\n".join(paragraphs(pages))
