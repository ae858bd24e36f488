"""Uploaded files: size and type checked, read through the bounded readers (engine.ingest) from a private temporary
folder under a generated name, so nothing of the upload's own name reaches the file system. The name is kept
only as a label (the finding's `file`, as `policylint check NAME` would print it)."""
from __future__ import annotations

import re
import shutil
import tempfile
import threading
from pathlib import Path, PurePosixPath

from engine.errors import UserError

from .app import WebError

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# the rules engine keeps one long-lived durable-rules host per process (research/durable_rules.md): the server's
# threads take turns on it rather than entering it at once
CHECK_LOCK = threading.Lock()


def display_name(filename: str | None) -> str:
    """The upload's base name as a label: no folders, no control characters, at most 120 characters."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    name = CONTROL.sub("", name).strip()
    if len(name) > 120:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[:100] + dot + suffix[:10]) if dot else name[:120]
    return name or "未命名文件"


def suffix_of(name: str, allowed) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in allowed:
        raise WebError(415, f"不支持的文件类型“{suffix or '无扩展名'}”：请上传 {'、'.join(sorted(allowed))} 文件")
    return suffix


async def read_upload(upload, max_bytes: int) -> bytes:
    """The whole file, in memory, refused with 413 over `max_bytes` (the request body is bounded before this)."""
    if upload is None or not getattr(upload, "filename", None):
        raise WebError(400, "请选择要上传的文件")
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise WebError(413, f"上传的文件过大：不能超过 {max_bytes / 1024 / 1024:g} MB")
    if not data.strip():
        raise WebError(400, "上传的文件是空的")
    return data


class PrivateFile:
    """`with PrivateFile(data, ".docx") as path:` — the bytes in a new folder only this user can read, under a
    generated name; the folder is removed afterwards."""

    def __init__(self, data: bytes, suffix: str, stem: str = "upload"):
        self.data, self.suffix, self.stem = data, suffix, stem

    def __enter__(self) -> Path:
        self.dir = Path(tempfile.mkdtemp(prefix="policylint-web-"))   # mode 0700
        path = self.dir / f"{self.stem}{self.suffix}"
        path.write_bytes(self.data)
        path.chmod(0o600)
        return path

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def read_draft(data: bytes, name: str) -> tuple[str, dict]:
    """(text, meta) of an uploaded draft, or WebError 400/415 with one Chinese line naming the upload."""
    from engine import ingest

    suffix = suffix_of(name, ingest.SUPPORTED_SUFFIXES)
    with PrivateFile(data, suffix, "draft") as path:
        try:
            text, meta = ingest.read_document(str(path))
        except UserError as e:
            raise WebError(400, str(e).replace(str(path), name).replace(path.name, name)) from None
    if not text.strip():
        raise WebError(400, f"{name}：草案没有可读的文字内容")
    return text, meta


def check_draft(data: bytes, name: str):
    """(document, findings) exactly as `policylint check NAME` finds them."""
    from engine.check import check_document, default_rules
    from engine.segment import segment

    text, meta = read_draft(data, name)
    doc = segment(name, text, meta)
    with CHECK_LOCK:
        return doc, check_document(doc, default_rules())
