"""Zip packages (.docx, .ofd) and their XML parts read within bounds, and the one error boundary that turns any
failure while reading a package into one Chinese line.

Every bound in `limits.Limits` is checked from the central directory before a part is inflated (declared size,
compression ratio, encryption flag, compression method), and again on the bytes while inflating, since a
declared size can lie. XML is parsed by defusedxml (no DTD, no entities) with an element-depth bound.
"""
from __future__ import annotations

import contextlib
import io
import xml.etree.ElementTree as ET
import zipfile
import zlib

from engine.errors import UserError

from .limits import Limits, over, size_text

CHUNK = 1 << 16
RATIO_FLOOR = 1 << 20          # the ratio bound applies to parts that unpack to more than 1 MB


class PackageError(Exception):
    """A specific reason a package cannot be read; the boundary prefixes the file name."""


class SafeZip:
    def __init__(self, data: bytes, limits: Limits, kind: str):
        self.limits = limits
        self.kind = kind
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, KeyError, IndexError,
                OverflowError, UnicodeError) as e:   # the central directory itself is damaged
            raise PackageError(f"文件已损坏或不是有效的 {kind}（无法作为 zip 打开）") from e
        if len(infos) > limits.max_parts:
            raise PackageError(f"压缩包内文件过多（{len(infos):,} 个，{over(limits, 'max_parts')}）")
        self.infos = {}
        for info in infos:
            self.infos.setdefault(info.filename, info)
        self.total = 0

    def __contains__(self, name: str) -> bool:
        return name in self.infos

    def names(self) -> list[str]:
        return list(self.infos)

    def find(self, name: str) -> str | None:
        """The stored name for `name`, ignoring case and a leading slash (OFD paths are written both ways)."""
        name = name.lstrip("/")
        if name in self.infos:
            return name
        lower = name.lower()
        for n in self.infos:
            if n.lower() == lower:
                return n
        return None

    def check(self, name: str) -> zipfile.ZipInfo:
        """Everything that can be known before inflating: refuse the part now rather than after."""
        info = self.infos[name]
        lim = self.limits
        if info.flag_bits & 0x1:
            raise PackageError(f"文件已加密（{name} 受密码保护），请提供未加密的版本")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            method = {zipfile.ZIP_BZIP2: "BZIP2", zipfile.ZIP_LZMA: "LZMA", 9: "Deflate64"}.get(
                info.compress_type, f"编号 {info.compress_type}")
            raise PackageError(f"不支持的压缩方式（{name} 使用 {method} 压缩，只支持 Deflate 和不压缩）")
        if info.file_size > lim.max_part_bytes:
            raise PackageError(f"解压后过大（{name} 解压后 {size_text(info.file_size)}，{over(lim, 'max_part_bytes')}）")
        if info.file_size > RATIO_FLOOR and info.file_size > lim.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise PackageError(f"压缩比异常（{name} 压缩比 {ratio:,.0f}:1，可能是压缩炸弹；{over(lim, 'max_ratio')}）")
        if self.total + info.file_size > lim.max_total_bytes:
            raise PackageError(f"解压后过大（各部分合计超过 {size_text(lim.max_total_bytes)}；"
                               f"{over(lim, 'max_total_bytes')}）")
        return info

    def read(self, name: str) -> bytearray:
        info = self.check(name)
        lim = self.limits
        budget = min(lim.max_part_bytes, lim.max_total_bytes - self.total)
        out = bytearray()
        with self.zip.open(info) as f:      # zipfile stops at the declared size and checks the CRC there
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                out += chunk
                if len(out) > budget:
                    raise PackageError(f"解压后过大（{name} 实际解压超过 {size_text(budget)}，与声明的大小不符）")
        self.total += len(out)
        return out          # a bytearray: no second copy of a large part


    def stream(self, name: str) -> "_Bounded":
        """The part as a file to read from while it is inflated, refused at the same bounds as `read`."""
        info = self.check(name)
        budget = min(self.limits.max_part_bytes, self.limits.max_total_bytes - self.total)
        return _Bounded(self, self.zip.open(info), name, budget)


class _Bounded(io.RawIOBase):
    def __init__(self, owner: SafeZip, f, name: str, budget: int):
        self.owner, self.f, self.name, self.budget, self.count = owner, f, name, budget, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self.f.readinto(b)
        self.count += n
        if self.count > self.budget:
            raise PackageError(f"解压后过大（{self.name} 实际解压超过 {size_text(self.budget)}，与声明的大小不符）")
        return n

    def close(self) -> None:
        if not self.closed:
            self.owner.total += self.count
            self.f.close()
        super().close()


def parse_xml(data: bytes, part: str, limits: Limits) -> ET.Element:
    """A whole (small) XML part as a tree, with the depth bound; no DTD, no entities."""
    root = None
    for event, el in iterparse(io.BytesIO(data), limits, events=("start",)):
        if root is None:
            root = el
    if root is None:
        raise PackageError(f"{part} 是空的")
    return root


def iterparse(source, limits: Limits, events=("start", "end")):
    """defusedxml's iterparse (no DTD, no entities) with the element-depth bound; yields the events asked for."""
    from defusedxml.ElementTree import iterparse as _iterparse

    depth = 0
    want_start, want_end = "start" in events, "end" in events
    for event, el in _iterparse(source, events=("start", "end"), forbid_dtd=True):
        if event == "start":
            depth += 1
            if depth > limits.max_xml_depth:
                raise PackageError(f"XML 层级过深（超过 {limits.max_xml_depth:,} 层；{over(limits, 'max_xml_depth')}）")
            if want_start:
                yield event, el
        else:
            depth -= 1
            if want_end:
                yield event, el


# what a part is, for the message when it is damaged
PART_WORDS = {
    "word/numbering.xml": "编号定义损坏",
    "word/styles.xml": "样式定义损坏",
    "word/document.xml": "正文内容损坏",
}


def _xml_message(part: str | None, position: tuple[int, int] | None) -> str:
    what = PART_WORDS.get(part or "", "内容损坏")
    where = f"（{part} 第 {position[0]} 行第 {position[1] + 1} 列无法解析）" if part and position else \
        (f"（{part} 无法解析）" if part else "")
    return what + where


def describe(exc: BaseException, part: str | None) -> str:
    """Any failure while reading a package, as what is wrong (without the file name)."""
    from defusedxml import DefusedXmlException

    if isinstance(exc, PackageError):
        return str(exc)
    where = f"（{part}）" if part else ""
    if isinstance(exc, zlib.error):
        return f"压缩数据损坏{where}，文件可能下载或拷贝不完整"
    if isinstance(exc, zipfile.BadZipFile):
        text = str(exc)
        if "CRC" in text:
            return f"压缩数据损坏{where}：校验值不符，文件可能下载或拷贝不完整"
        return f"压缩数据损坏{where}（{text}）" if part else "文件已损坏（无法作为 zip 打开）"
    if isinstance(exc, EOFError):
        return f"压缩数据损坏{where}：数据不完整，文件可能被截断"
    if isinstance(exc, NotImplementedError):
        return f"不支持的压缩方式{where}"
    if isinstance(exc, RuntimeError) and "encrypt" in str(exc).lower():
        return f"文件已加密{where}，请提供未加密的版本"
    if isinstance(exc, DefusedXmlException):
        return f"{PART_WORDS.get(part or '', '内容异常')}{where}：含有文档类型定义或实体声明（可能是恶意构造的文件），已拒绝读取"
    if isinstance(exc, ET.ParseError):
        return _xml_message(part, getattr(exc, "position", None))
    if isinstance(exc, RecursionError):
        return f"内容嵌套过深{where}，无法读取"
    if isinstance(exc, MemoryError):
        return f"内容过大{where}，内存不足以读取"
    if isinstance(exc, (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)):
        return f"{PART_WORDS.get(part or '', '内容损坏')}{where}（{type(exc).__name__}）"
    return f"文件已损坏{where}，无法读取（{type(exc).__name__}）"


class Boundary:
    """`with Boundary(name) as b: b.part = "word/numbering.xml"; …` — every failure inside becomes one UserError
    line "name：what is wrong" naming the part being read."""

    def __init__(self, name: str):
        self.name = name
        self.part: str | None = None

    def __enter__(self):
        return self

    def __exit__(self, etype, exc, tb):
        if exc is None or isinstance(exc, UserError) or not isinstance(exc, Exception):
            return False     # success, an already clear message, or KeyboardInterrupt/SystemExit
        raise UserError(f"{self.name}：{describe(exc, self.part)}") from None


@contextlib.contextmanager
def reading(boundary: Boundary, part: str):
    previous, boundary.part = boundary.part, part
    yield
    boundary.part = previous
