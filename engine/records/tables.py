"""The one reader of tables that people make in Excel or WPS: CSV (UTF-8, GB18030/GBK, UTF-16), XLSX, and text
with one record per line (JSONL). Filing lists, negative-list editions and case records all read through here.

What it promises:

- **Encoding decided row by row.** Spreadsheets get pasted together: an ASCII header, UTF-8 rows and one row saved on a
  Chinese Windows machine in GBK. Each row's bytes are tried as UTF-8 first, then as GB18030 (a superset of GBK and
  GB2312); a row that is neither is a `BadRow` with its reason, never text stored as mojibake. A row that is UTF-8
  with a few damaged bytes is refused as damaged UTF-8 rather than read as GB18030 nonsense. A file that starts with a
  UTF-16 byte-order mark is decoded as UTF-16; its rows with invalid UTF-16 are `BadRow`s.
  (This works on the bytes: in UTF-8 and GB18030 no byte of a multi-byte character is a comma, a tab, a quote, CR or
  LF, so the CSV structure can be parsed before any row is decoded.)
- **Bounds, documented and checked before the work:** a table file of at most `MAX_TABLE_BYTES`; one cell of at most
  `MAX_FIELD_CHARS` characters (a longer cell makes its row a `BadRow`; the rest of the file is read — the csv
  module's own limit of 131,072 characters no longer aborts a file); at most `MAX_ROWS` rows; in an .xlsx at most
  `MAX_XLSX_PARTS` parts and `MAX_XLSX_UNPACKED` bytes once unpacked (checked from the archive's directory, before
  anything is inflated), and only the first `MAX_COLUMNS` columns are read.
- **Clean failures.** A file that cannot be read at all is one `UserError` in Chinese; whatever a damaged .xlsx makes
  openpyxl, zipfile, zlib or the XML parser raise becomes that one line.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import warnings
from pathlib import Path
from typing import Iterator, Union

from engine.errors import UserError

MAX_TABLE_BYTES = 256 * 1024 * 1024       # one CSV / JSONL / XLSX file on disk
MAX_FIELD_CHARS = 1_048_576               # one cell (Excel itself stops at 32,767)
MAX_ROWS = 1_048_576                      # Excel's own row limit
MAX_COLUMNS = 512
MAX_XLSX_PARTS = 10_000
MAX_XLSX_UNPACKED = 256 * 1024 * 1024     # all parts of one .xlsx, unpacked

GRID_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
_UTF16_MARK = "\udfff"   # a lone surrogate: valid UTF-16 never decodes to one, so it marks the bytes that failed


def _mark_bad(err: UnicodeDecodeError):
    return _UTF16_MARK, err.end


codecs.register_error("policylint-mark", _mark_bad)


class BadRow:
    """A row that cannot be read (undecodable bytes, an oversized cell, a line that is not JSON): its reason."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __str__(self) -> str:
        return self.reason

    def __repr__(self) -> str:
        return f"BadRow({self.reason!r})"


Row = tuple[int, Union[list, BadRow]]


def column_letter(index: int) -> str:
    """0-based column index -> Excel's letters (A, B, …, AA)."""
    s, n = "", index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def excel_safe(value):
    """A cell for a file a person opens in Excel or WPS: text that begins with = + - @, a tab or a carriage return
    gets a leading apostrophe, so that it is shown as text and never run as a formula (OWASP, CSV injection)."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


# ---- decoding ---------------------------------------------------------------------------------------------------

_CJK = re.compile("[\u3000-\u9fff\uff00-\uffef]")
_NOT_CHINESE = re.compile("[^\x00-\x7f\u3000-\u9fff\uff00-\uffef\u2010-\u203b]")
_PRIVATE = re.compile("[\ue000-\uf8ff]")
_WIDE = re.compile("[\u0800-\U0010ffff]")


def decode_bytes(raw: bytes, prefer_utf8=lambda: False) -> str | BadRow:
    """One row's (or one line's) bytes: UTF-8, else GB18030; a BadRow saying why when it is neither."""
    out = _decode(raw, prefer_utf8)
    return out if isinstance(out, BadRow) else out[0]


def _decode(raw: bytes, prefer_utf8) -> tuple[str, str] | BadRow:
    """(text, codec), or a BadRow.

    A few GBK characters also happen to be valid UTF-8 (“全” is C8 AB, which UTF-8 reads as “ȫ”). So bytes that are
    valid UTF-8 but hold only two-byte UTF-8 characters (Latin, Greek, Cyrillic: no Chinese) while GB18030 reads them
    as Chinese are ambiguous; they are read as the rest of the file is (`prefer_utf8`, asked only then)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if text.isascii() or _WIDE.search(text) or prefer_utf8():
            return text, "utf-8"
        try:
            gb = raw.decode("gb18030")
        except UnicodeDecodeError:
            return text, "utf-8"
        return (text, "utf-8") if _NOT_CHINESE.search(gb) else (gb, "gb18030")
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is None or _PRIVATE.search(text):
        loose = raw.decode("utf-8", errors="replace")
        damaged = loose.count("\ufffd") - raw.count(b"\xef\xbf\xbd")
        cjk = len(_CJK.findall(loose))
        if cjk >= 4 and cjk >= 3 * damaged:
            return BadRow(f"UTF-8 编码损坏（{damaged} 处字节无法解码），未导入以免存入乱码：请检查该行或重新导出文件")
        if text is None:
            return BadRow("既不是 UTF-8 也不是 GB18030/GBK 编码，无法解码：请在 Excel 中另存为“CSV UTF-8”后重新导入")
        return BadRow("按 GB18030/GBK 解码后含有自定义区字符，可能是乱码：请在 Excel 中另存为“CSV UTF-8”后重新导入")
    return text, "gb18030"


class _FileLeaning:
    """Which encoding the unambiguous lines of a file are in: computed once, and only if an ambiguous row needs it."""

    def __init__(self, data: bytes, bom: bool):
        self.data, self.bom, self.answer = data, bom, None

    def __call__(self) -> bool:
        if self.answer is None:
            if self.bom:
                self.answer = True
            else:
                utf8 = gb = 0
                for line in self.data.split(b"\n"):
                    if line.isascii():
                        continue
                    try:
                        text = line.decode("utf-8")
                    except UnicodeDecodeError:
                        try:
                            line.decode("gb18030")
                            gb += 1
                        except UnicodeDecodeError:
                            pass
                        continue
                    utf8 += any(ord(ch) >= 0x800 for ch in text)
                self.answer = utf8 > gb
        return self.answer


def _utf16_codec(data: bytes) -> str | None:
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return None


def decode_text(data: bytes, name: str) -> str:
    """A whole structured document (YAML, JSON): UTF-8 (with or without BOM), UTF-16/32 with a BOM, or GB18030."""
    codec = _utf16_codec(data)
    if codec:
        try:
            return data.decode(codec)
        except UnicodeDecodeError as e:
            raise UserError(f"{name}：文件以 {codec.upper()} 字节顺序标记开头，但第 {e.start} 字节起的内容不是有效的 "
                            f"{codec.upper()}，文件可能已损坏") from None
    bom = data.startswith(codecs.BOM_UTF8)
    text = decode_bytes(data[3:] if bom else data, lambda: bom)
    if isinstance(text, BadRow):
        raise UserError(f"{name}：{text.reason}")
    return text


def read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_TABLE_BYTES:
            raise UserError(f"{path.name}：文件有 {size / 2**20:.0f} MB，超过表格文件上限 "
                            f"{MAX_TABLE_BYTES // 2**20} MB，请拆分后分批导入")
        return path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"文件不存在：{path}") from None
    except IsADirectoryError:
        raise UserError(f"{path} 是目录，不是表格文件") from None
    except OSError as e:
        raise UserError(f"无法读取 {path}：{e.strerror}") from None


# ---- CSV ----------------------------------------------------------------------------------------------------------

def _oversized(cells: list) -> BadRow | None:
    try:
        if sum(map(len, cells)) <= MAX_FIELD_CHARS:
            return None
    except TypeError:   # numbers, dates and empty cells of an .xlsx
        pass
    for i, c in enumerate(cells):
        if isinstance(c, str) and len(c) > MAX_FIELD_CHARS:
            return BadRow(f"第 {column_letter(i)} 列有 {len(c):,} 个字符，超过单元格上限 {MAX_FIELD_CHARS:,} 个字符")
    return None


_SHIFTED = frozenset("\u2c00\u0a00\u0d00\u2200\u0900")   # , LF CR " TAB read one byte off; no real text has them


def _misaligned(cells: list[str]) -> bool:
    """UTF-16 read one byte off (a byte lost or added): the delimiters turn into U+2C00, U+0A00, U+0D00 … and
    private-use characters appear."""
    text = "".join(cells)
    return sum(1 for ch in text if ch in _SHIFTED) >= 2 or bool(_PRIVATE.search(text))


def _delimiter(first_line: str) -> str:
    return "\t" if first_line.count("\t") > first_line.count(",") else ","


def csv_rows(path: Path, data: bytes | None = None) -> Iterator[Row]:
    """(row number as Excel counts it, cells) for every row, or (row number, BadRow)."""
    if data is None:
        data = read_bytes(path)
    codec = _utf16_codec(data)
    if codec:
        text = data.decode(codec, errors="policylint-mark")
        per_row = False
    else:
        bom = data.startswith(codecs.BOM_UTF8)
        if bom:
            data = data[3:]
        leaning = _FileLeaning(data, bom)
        text = _whole_utf8(data, bom)
        per_row = text is None
        if per_row:
            text = data.decode("latin-1")   # one char per byte: the CSV structure is parsed on the bytes
    if csv.field_size_limit() < MAX_TABLE_BYTES + 1:
        csv.field_size_limit(MAX_TABLE_BYTES + 1)   # never trips: MAX_FIELD_CHARS is checked per row below
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text[:4096].split("\n", 1)[0]))
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:   # pragma: no cover - with strict=False and no field limit the csv module never does
            raise UserError(f"{path.name} 第 {number + 1} 行：CSV 格式错误（{e}）") from None
        number += 1
        if number > MAX_ROWS:
            raise UserError(f"{path.name}：超过 {MAX_ROWS:,} 行，请拆分后分批导入")
        if per_row:
            cells = _decode_cells(cells, leaning)
            if isinstance(cells, BadRow):
                yield number, cells
                continue
        elif not codec:
            pass
        elif any(_UTF16_MARK in c for c in cells):
            yield number, BadRow(f"含有无效的 {codec.upper()} 字节，无法解码，文件可能已损坏")
            continue
        elif _misaligned(cells):
            yield number, BadRow(f"{codec.upper()} 字节错位（文件中少了或多了一个字节），解码结果是乱码，未导入")
            continue
        yield number, _oversized(cells) or cells


def _whole_utf8(data: bytes, bom: bool) -> str | None:
    """The file decoded at once when that is what row-by-row decoding would give: all of it valid UTF-8, and either
    a BOM or some character of three bytes or more (so that no row is read as GB18030; see decode_bytes)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if bom or text.isascii() or _WIDE.search(text) else None


def _decode_cells(cells: list[str], leaning) -> list[str] | BadRow:
    """The cells of one row (as latin-1 text, one char per byte) decoded in the one encoding the row's bytes are in."""
    raw = [c.encode("latin-1") for c in cells]
    verdict = _decode(b"\x1f".join(raw), leaning)   # no byte of a multi-byte character is an ASCII control
    if isinstance(verdict, BadRow):
        return verdict
    text, codec = verdict
    if text.isascii():
        return cells
    parts = text.split("\x1f")
    if len(parts) == len(cells):
        return parts
    return [b.decode(codec) for b in raw]   # a cell held a U+001F itself; the joined row decoded, so each cell does


# ---- XLSX ---------------------------------------------------------------------------------------------------------

def _xlsx_failure(name: str, e: BaseException) -> UserError:
    import zipfile
    import zlib

    for _ in range(8):   # openpyxl wraps what went wrong ("Unable to read workbook"): classify the cause
        inner = e.__cause__ or e.__context__
        if inner is None:
            break
        e = inner
    text = str(e)
    if isinstance(e, SyntaxError) or "invalid XML" in text:   # ElementTree's ParseError, lxml's XMLSyntaxError
        why = "表格内容（XML）损坏"
    elif isinstance(e, zipfile.BadZipFile):
        damaged = "CRC" in text or "Bad magic" in text or "Truncated" in text
        why = "压缩数据损坏" if damaged else "不是有效的 .xlsx 文件（不是完整的 ZIP 压缩包：可能没有下载完整，或已损坏）"
    elif isinstance(e, zlib.error) or isinstance(e, EOFError):
        why = "压缩数据损坏"
    elif isinstance(e, NotImplementedError) or "compression method" in text:
        why = "使用了不支持的压缩方式"
    elif isinstance(e, RuntimeError) and "encrypted" in text:
        why = "文件已加密，请取消密码后另存为 .xlsx"
    elif type(e).__name__ in ("EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden"):
        why = "表格内容含有 XML 实体或文档类型定义，出于安全考虑不予读取（Excel 保存的文件不会有）"
    elif isinstance(e, KeyError):
        why = "缺少工作表或必需的部件"
    elif type(e).__name__ in ("ParseError", "XMLSyntaxError", "ExpatError") or "xml" in type(e).__module__.lower():
        why = "表格内容（XML）损坏"
    else:
        why = "文件已损坏或不是 Excel 工作簿，无法识别其中的表格"
    return UserError(f"无法读取 {name}：{why}")


def _check_archive(path: Path) -> None:
    import zipfile

    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UserError(f"无法读取 {path.name}：文件已加密或是旧版 .xls 格式，请在 Excel 中取消密码后另存为 .xlsx")
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_XLSX_PARTS:
            raise UserError(f"无法读取 {path.name}：含有 {len(infos):,} 个部件，超过上限 {MAX_XLSX_PARTS:,}")
        total = sum(i.file_size for i in infos)
        if total > MAX_XLSX_UNPACKED:
            raise UserError(f"无法读取 {path.name}：解压后有 {total / 2**20:,.1f} MB，超过上限 "
                            f"{MAX_XLSX_UNPACKED // 2**20} MB")
        for i in infos:
            if i.flag_bits & 0x1:
                raise UserError(f"无法读取 {path.name}：文件已加密，请取消密码后另存为 .xlsx")
            if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise UserError(f"无法读取 {path.name}：部件 {i.filename[:60]} 使用了不支持的压缩方式")


def xlsx_rows(path: Path) -> Iterator[Row]:
    """(row number, cells) of the active sheet (the first one when none is marked active)."""
    try:
        size = path.stat().st_size
    except OSError as e:
        raise UserError(f"无法读取 {path}：{e.strerror}") from None
    if size > MAX_TABLE_BYTES:
        raise UserError(f"{path.name}：文件有 {size / 2**20:.0f} MB，超过表格文件上限 {MAX_TABLE_BYTES // 2**20} MB")
    wb = None
    try:
        _check_archive(path)
        from openpyxl import load_workbook

        with warnings.catch_warnings():   # openpyxl warns (in English) about what it skips in a damaged file
            warnings.simplefilter("ignore")
            wb = load_workbook(path, read_only=True, data_only=True)
        ws = wb.active
        if ws is None or not hasattr(ws, "iter_rows"):
            ws = next((s for s in wb.worksheets if hasattr(s, "iter_rows")), None)
        if ws is None:
            raise UserError(f"无法读取 {path.name}：工作簿中没有工作表")
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()   # a forged dimension must not make every row 16,384 cells wide
        number = 0
        it = ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        while True:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cells = next(it, None)
            if cells is None:
                break
            number += 1
            if number > MAX_ROWS:
                raise UserError(f"{path.name}：超过 {MAX_ROWS:,} 行，请拆分后分批导入")
            cells = list(cells)
            while cells and cells[-1] is None:
                cells.pop()
            yield number, _oversized(cells) or cells
    except UserError:
        raise
    except GeneratorExit:
        raise
    except OSError as e:   # the file itself: permissions, a device error
        raise UserError(f"无法读取 {path}：{e.strerror or e}") from None
    except (Exception, RecursionError) as e:   # a damaged workbook: whatever the libraries raise, one clear line
        raise _xlsx_failure(path.name, e) from None
    finally:
        if wb is not None:
            try:
                wb.close()
            except Exception:
                pass


# ---- the entry points -----------------------------------------------------------------------------------------------

def grid_rows(path: str | Path) -> Iterator[Row]:
    """Rows of a CSV/TSV/TXT or XLSX table; the suffix decides the format."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return xlsx_rows(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return csv_rows(path)
    if suffix in (".xls", ".et"):
        raise UserError(f"{path.name}：不支持旧版 {suffix} 格式，请在 Excel/WPS 中另存为 .xlsx 或 CSV")
    raise UserError(f"{path.name}：无法识别的表格类型（支持 .csv、.xlsx）")


def text_lines(path: str | Path) -> Iterator[tuple[int, str | BadRow]]:
    """Lines of a one-record-per-line file (JSONL), each decoded on its own like a CSV row."""
    path = Path(path)
    data = read_bytes(path)
    codec = _utf16_codec(data)
    if codec:
        text = data.decode(codec, errors="policylint-mark")
        for number, line in enumerate(text.splitlines(), start=1):
            if _UTF16_MARK in line:
                yield number, BadRow(f"含有无效的 {codec.upper()} 字节，无法解码，文件可能已损坏")
            else:
                yield number, line
        return
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[3:]
    leaning = _FileLeaning(data, bom)
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if number > MAX_ROWS:
            raise UserError(f"{path.name}：超过 {MAX_ROWS:,} 行，请拆分后分批导入")
        line = decode_bytes(raw.rstrip(b"\r"), leaning)
        if isinstance(line, str) and len(line) > MAX_FIELD_CHARS:
            line = BadRow(f"该行有 {len(line):,} 个字符，超过上限 {MAX_FIELD_CHARS:,} 个字符")
        yield number, line
