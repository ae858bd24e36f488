"""Old Word (.doc) and WPS (.wps) drafts: converted to .docx by LibreOffice headless, then read as a .docx.

The conversion runs `soffice --headless --convert-to docx` on a private copy of the file, in a temporary folder,
read with the Word 97 import filter (WPS 文字 writes its .wps in that binary format; without a fixed filter
LibreOffice would import a damaged file as plain text and "read" its bytes), with its own user profile (`-env:UserInstallation`, so it neither touches nor waits for an office session the user
has open, and two conversions can run at once), in its own process group, stopped after
`Limits.convert_timeout` seconds. The .docx it writes is read within the same bounds as any other .docx.

Where LibreOffice is not installed the message names the package to install. `POLICYLINT_SOFFICE` names the
program when it is not on PATH.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from engine.errors import UserError

from .limits import Limits, over

KINDS = {".doc": "旧版 Word 文档（.doc）", ".wps": "WPS 文字文档（.wps）"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def soffice_path() -> str | None:
    named = os.environ.get("POLICYLINT_SOFFICE")
    if named:
        return named if (os.path.isfile(named) and os.access(named, os.X_OK)) else shutil.which(named)
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_docx(p: Path, name: str, suffix: str, limits: Limits) -> bytes:
    """The bytes of the .docx LibreOffice makes of `p`; UserError with one line when it cannot."""
    kind = KINDS.get(suffix, "文档")
    program = soffice_path()
    if program is None:
        raise UserError(f"{name}：读取{kind}需要 LibreOffice，但本机没有找到 soffice 命令；请安装 libreoffice-writer"
                        "（如 apt-get install libreoffice-writer），或在 Word/WPS 中另存为 .docx 后再检查")
    with tempfile.TemporaryDirectory(prefix="policylint-convert-") as tmp:
        tmpdir = Path(tmp)
        source = tmpdir / f"input{suffix or '.doc'}"     # a plain name: LibreOffice and the shell see no odd characters
        try:
            shutil.copyfile(p, source)
        except OSError as e:
            raise UserError(f"{name}：无法读取（{e.strerror or type(e).__name__}）") from None
        outdir = tmpdir / "out"
        outdir.mkdir()
        profile = (tmpdir / "profile").as_uri()
        cmd = [program, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--nologo",
               "--norestore", "--nolockcheck", "--infilter=MS Word 97", "--convert-to", "docx:MS Word 2007 XML",
               "--outdir", str(outdir), str(source)]
        env = dict(os.environ, HOME=str(tmpdir), SAL_USE_VCLPLUGIN="svp")
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    cwd=tmpdir, env=env, start_new_session=True)
        except OSError as e:
            raise UserError(f"{name}：无法启动 LibreOffice（{program}：{e.strerror or type(e).__name__}）；"
                            "请检查 libreoffice-writer 是否安装完整") from None
        try:
            _, err = proc.communicate(timeout=limits.convert_timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise UserError(f"{name}：LibreOffice 转换{kind}超时（超过 {limits.convert_timeout} 秒，"
                            f"{over(limits, 'convert_timeout')}），文件可能已损坏或过大") from None
        finally:
            _kill(proc)
        out = outdir / "input.docx"
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            raise UserError(f"{name}：LibreOffice 无法转换此{kind}（文件可能已损坏、已加密，或不是 Word/WPS 文档），"
                            "请在 Word/WPS 中打开后另存为 .docx 再检查")
        if out.stat().st_size > limits.max_file_bytes:
            raise UserError(f"{name}：转换后的 .docx 过大（{over(limits, 'max_file_bytes')}）")
        return out.read_bytes()


def _kill(proc: subprocess.Popen) -> None:
    """Stop the conversion and anything it started (soffice forks oosplash → soffice.bin)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    else:
        try:      # the launcher has exited; its children, if any are left, are in the same group
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def office_text(p: Path, name: str, suffix: str, limits: Limits) -> str:
    from .docx import docx_text

    try:
        with p.open("rb") as f:
            head = f.read(8)
    except OSError as e:
        raise UserError(f"{name}：无法读取（{e.strerror or type(e).__name__}）") from None
    if suffix == ".doc" and head[:2] == b"PK":
        raise UserError(f"{name}：此文件其实是 .docx（扩展名为 .doc），请把扩展名改为 .docx 后再检查")
    if head[:5] == b"{\\rtf":
        raise UserError(f"{name}：此文件其实是 RTF 格式，请在 Word/WPS 中另存为 .docx 后再检查")
    if head != OLE_MAGIC:
        raise UserError(f"{name}：不是有效的{KINDS.get(suffix, 'Word 文档')}（文件头不符，可能已损坏），"
                        "请在 Word/WPS 中另存为 .docx 后再检查")
    data = convert_to_docx(p, name, suffix, limits)
    return docx_text(data, name, limits)
