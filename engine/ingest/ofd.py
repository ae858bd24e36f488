"""Drafts as OFD (GB/T 33190-2016, the national format for official electronic documents).

An OFD file is a zip package: OFD.xml names each document's root (DocBody/DocRoot → Doc_0/Document.xml); the
document lists its pages in order (Pages/Page/@BaseLoc → Pages/Page_0/Content.xml) and its page templates
(CommonData/TemplatePage); a page's Content holds Layers of TextObjects (and PageBlocks of them), each with a
Boundary ("x y w h", millimetres, y downwards), a Size, an optional CTM and TextCode runs: X, Y (the baseline,
relative to the Boundary), DeltaX/DeltaY (the advances between glyphs, with the "g N d" repeat shorthand).

Each character is placed on the page and the page's lines and paragraphs are rebuilt from the positions
(layout.py): ordered by Y then X, wrapped lines joined, running headers, footers and page numbers dropped.

Parts are read through archive.SafeZip (every bound checked before inflating) and parsed by lxml without DTDs,
entities or network access; the walk over a page is iterative.
"""
from __future__ import annotations

import math
import posixpath

from .archive import Boundary, PackageError, SafeZip
from .layout import Char, Page, lines_from_chars, paragraphs
from .limits import Limits, over

A4 = (210.0, 297.0)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el, name: str) -> list:
    return [c for c in el if _local(c.tag) == name]


def _child(el, name: str):
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _descendants(el, name: str):
    """Iteratively, in document order."""
    todo = [el]
    while todo:
        cur = todo.pop()
        if _local(cur.tag) == name:
            yield cur
            continue          # a TextObject holds no TextObject
        todo.extend(reversed(cur))


def _numbers(text: str | None, what: str, count: int | None = None) -> list[float]:
    try:
        values = [float(v) for v in (text or "").split()]
    except ValueError:
        raise PackageError(f"OFD 内容损坏（{what} 的值“{(text or '')[:30]}”不是数字）") from None
    if any(not math.isfinite(v) for v in values):
        raise PackageError(f"OFD 内容损坏（{what} 的值不是有限的数字）")
    if count is not None and len(values) < count:
        raise PackageError(f"OFD 内容损坏（{what} 应有 {count} 个数值）")
    return values


def _deltas(text: str | None, what: str, limit: int) -> list[float]:
    """DeltaX/DeltaY: numbers, with "g N d" meaning N times d."""
    out: list[float] = []
    tokens = (text or "").split()
    i = 0
    while i < len(tokens):
        if tokens[i] == "g":
            if i + 2 >= len(tokens):
                raise PackageError(f"OFD 内容损坏（{what} 中的 g 缺少次数或数值）")
            n = _numbers(tokens[i + 1], what)[0]
            d = _numbers(tokens[i + 2], what)[0]
            if n < 0 or n != int(n):
                raise PackageError(f"OFD 内容损坏（{what} 中 g 的次数不是非负整数）")
            out.extend([d] * min(int(n), limit - len(out)))
            i += 3
        else:
            out.append(_numbers(tokens[i], what)[0])
            i += 1
        if len(out) >= limit:
            break
    return out


class _Package:
    def __init__(self, data: bytes, limits: Limits, boundary: Boundary):
        self.zip = SafeZip(data, limits, ".ofd")
        self.limits = limits
        self.b = boundary
        self.chars = 0

    def xml(self, path: str):
        import lxml.etree

        name = self.zip.find(path)
        if name is None:
            raise PackageError(f"不是有效的 OFD 文件（缺少 {path.lstrip('/')}）")
        self.b.part = name
        data = bytes(self.zip.read(name))     # lxml parses bytes, not bytearray
        parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                                      huge_tree=False, remove_comments=True, remove_pis=True)
        try:
            root = lxml.etree.fromstring(data, parser=parser)
        except lxml.etree.XMLSyntaxError as e:
            line = getattr(e, "lineno", None) or (e.position[0] if getattr(e, "position", None) else None)
            where = f" 第 {line} 行" if line else " "
            raise PackageError(f"OFD 内容损坏（{name}{where}无法解析）") from None
        if root is None:
            raise PackageError(f"OFD 内容损坏（{name} 是空的）")
        for el in root.iter():
            if isinstance(el, lxml.etree._Entity) or el.tag is lxml.etree.Entity:
                raise PackageError(f"OFD 内容异常（{name} 含有实体引用，可能是恶意构造的文件），已拒绝读取")
        return root


def _resolve(base_dir: str, loc: str) -> str:
    loc = (loc or "").strip().replace("\\", "/")
    if not loc:
        raise PackageError("OFD 内容损坏（页面或文档的位置为空）")
    path = loc.lstrip("/") if loc.startswith("/") else posixpath.join(base_dir, loc)
    path = posixpath.normpath(path)
    if path.startswith("../") or path == "..":
        raise PackageError(f"OFD 内容损坏（位置“{loc[:60]}”指向包外）")
    return path


def _box(el, what: str) -> tuple[float, float] | None:
    if el is None:
        return None
    box = _child(el, "PhysicalBox")
    if box is None or not (box.text or "").strip():
        return None
    x, y, w, h = _numbers(box.text, what, 4)[:4]
    return (w, h) if w > 0 and h > 0 else None


def _text_chars(obj, pkg: _Package) -> list[Char]:
    where = "TextObject"
    boundary = _numbers(obj.get("Boundary"), "TextObject 的 Boundary", 4) if obj.get("Boundary") else [0, 0, 0, 0]
    bx, by = boundary[0], boundary[1]
    size = _numbers(obj.get("Size") or "3.5", "TextObject 的 Size")[0] if (obj.get("Size") or "").strip() else 3.5
    if size <= 0:
        size = 3.5
    ctm = _numbers(obj.get("CTM"), "TextObject 的 CTM", 6)[:6] if (obj.get("CTM") or "").strip() else None
    scale = math.sqrt(abs(ctm[0] * ctm[3] - ctm[1] * ctm[2])) if ctm else 1.0
    out: list[Char] = []
    x = y = 0.0
    for code in _children(obj, "TextCode"):
        text = code.text or ""
        if code.get("X") is not None:
            x = _numbers(code.get("X"), "TextCode 的 X", 1)[0]
        if code.get("Y") is not None:
            y = _numbers(code.get("Y"), "TextCode 的 Y", 1)[0]
        pkg.chars += len(text)
        if pkg.chars > pkg.limits.max_chars:
            raise PackageError(f"文字过多（超过 {pkg.limits.max_chars:,} 字；{over(pkg.limits, 'max_chars')}）")
        dx = _deltas(code.get("DeltaX"), "TextCode 的 DeltaX", len(text))
        dy = _deltas(code.get("DeltaY"), "TextCode 的 DeltaY", len(text))
        cx, cy = x, y
        for i, ch in enumerate(text):
            advance = dx[i] if i < len(dx) else (size if ord(ch) > 0x2e7f else size * 0.5)
            width = advance if i < len(dx) and 0 < advance < 2 * size else (size if ord(ch) > 0x2e7f else size * 0.5)
            if ch.strip() or ch == "\u3000":
                x0, x1, top, bottom = cx, cx + width, cy - 0.86 * size, cy + 0.14 * size
                if ctm:
                    a, b, c, d, e, f = ctm
                    x0, top = a * x0 + c * top + e, b * x0 + d * top + f
                    x1, bottom = a * x1 + c * bottom + e, b * x1 + d * bottom + f
                    x0, x1 = min(x0, x1), max(x0, x1)
                    top, bottom = min(top, bottom), max(top, bottom)
                out.append(Char(ch, bx + x0, bx + x1, by + top, by + bottom, size * scale))
            cx += advance
            if i < len(dy):
                cy += dy[i]
        x, y = cx, cy
    return out


def _page_chars(root, pkg: _Package) -> list[Char]:
    content = _child(root, "Content")
    chars: list[Char] = []
    if content is None:
        return chars
    for obj in _descendants(content, "TextObject"):
        if (obj.get("Visible") or "true").lower() == "false":
            continue
        chars.extend(_text_chars(obj, pkg))
    return chars


def ofd_text(data: bytes, name: str, limits: Limits) -> str:
    with Boundary(name) as b:
        pkg = _Package(data, limits, b)
        ofd = pkg.xml("OFD.xml")
        if _local(ofd.tag) != "OFD":
            raise PackageError("不是有效的 OFD 文件（OFD.xml 的根元素不是 OFD）")
        roots = [(_child(body, "DocRoot").text or "").strip() for body in _children(ofd, "DocBody")
                 if _child(body, "DocRoot") is not None]
        if not roots:
            raise PackageError("不是有效的 OFD 文件（OFD.xml 中没有 DocBody/DocRoot）")
        pages: list[Page] = []
        for root_loc in roots:
            doc_path = _resolve("", root_loc)
            doc = pkg.xml(doc_path)
            doc_dir = posixpath.dirname(doc_path)
            common = _child(doc, "CommonData")
            default = _box(_child(common, "PageArea"), "PageArea") if common is not None else None
            templates = {}
            if common is not None:
                for t in _children(common, "TemplatePage"):
                    if t.get("ID") and t.get("BaseLoc"):
                        templates[t.get("ID")] = _resolve(doc_dir, t.get("BaseLoc"))
            pages_el = _child(doc, "Pages")
            entries = _children(pages_el, "Page") if pages_el is not None else []
            if len(pages) + len(entries) > limits.max_pages:
                raise PackageError(f"页数过多（{len(pages) + len(entries):,} 页，{over(limits, 'max_pages')}）")
            for entry in entries:
                page_path = _resolve(doc_dir, entry.get("BaseLoc") or "")
                page = pkg.xml(page_path)
                size = _box(_child(page, "Area"), "Area") or default or A4
                chars = []
                for tref in _children(page, "Template"):
                    tpath = templates.get(tref.get("TemplateID") or "")
                    if tpath and pkg.zip.find(tpath):
                        chars.extend(_page_chars(pkg.xml(tpath), pkg))
                chars.extend(_page_chars(page, pkg))
                pages.append(Page(size[0], size[1], lines_from_chars(chars)))
        b.part = None
        if not pages:
            raise PackageError("OFD 文件中没有页面")
        if not any(p.lines for p in pages):
            raise PackageError("该 OFD 没有文字层（可能是扫描件），请先做文字识别（OCR）或提供 .docx")
        return "\n".join(paragraphs(pages))
