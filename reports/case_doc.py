"""The case reports as documents: a reports.blocks Doc that also carries the cases behind it, so the same report can
be written as .docx, .md, .html (reports.blocks) or as the .xlsx ledger (reports.case_ledger)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import UserError
from reports import blocks

FORMATS = (".docx", ".xlsx", ".md", ".html")


@dataclass
class CaseDoc(blocks.Doc):
    cases: list = field(default_factory=list)           # the CaseRecords behind it: the ledger's rows
    sheets: dict[str, tuple[list, list]] = field(default_factory=dict)   # extra ledger sheets: name -> (headers, rows)
    name: str = "案例"


def check_format(path) -> Path:
    """The -o path if its suffix names a format we write (checked before any work is done); else one Chinese line."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"无法识别的输出格式“{suffix or '（无后缀）'}”：-o 的文件名后缀决定格式，可用 .docx、.xlsx、.md、.html")
    return path


def write(doc: CaseDoc, path) -> Path:
    path = check_format(path)
    if path.parent and not path.parent.exists():
        raise UserError(f"输出目录 {path.parent} 不存在")
    if path.suffix.lower() != ".xlsx":
        return blocks.write(doc, path)
    from reports.case_ledger import write_ledger

    try:
        return write_ledger(doc.cases, path, extra=doc.sheets, title=doc.caption())
    except OSError as e:
        raise UserError(f"无法写入 {path}：{e.strerror or e}") from None
