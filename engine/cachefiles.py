"""Where policylint keeps its caches (compiled rules, precompiled regexes), and how it writes them safely.

A cache file is a pickle, and loading a pickle runs code: so a cache is trusted only when this user wrote it.
Files are written owner-only (directory 0700, file 0600) with a sha256 of the payload in front; one that is owned
by someone else, writable by group or others, or whose digest does not match is ignored and rebuilt.

A file may carry a tail of plain bytes before the pickle (the rules' regex opcodes, ~9 MB): it is mapped, not
read, and not covered by the digest — whoever reads a piece of it checks that piece (engine.regex_cache keeps a
crc32 per regex and compiles the pattern afresh on a mismatch). A check then reads and hashes only the pickle.
"""
from __future__ import annotations

import hashlib
import os
import stat

try:
    import _pickle as pickle   # the C module: `pickle` itself compiles regexes at import
except ImportError:  # pragma: no cover
    import pickle
from pathlib import Path

MAGIC = b"PLC1"          # MAGIC, sha256(pickle), pickle
MAGIC_TAIL = b"PLC2"     # MAGIC_TAIL, sha256(pickle), tail length (8 bytes, little-endian), tail, pickle


def cache_dir() -> Path:
    """$POLICYLINT_CACHE, else $XDG_CACHE_HOME/policylint, else ~/.cache/policylint."""
    base = os.environ.get("POLICYLINT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "policylint")
    return Path(base)


def save_pickle(path: Path, obj, tail: bytes | None = None) -> bool:
    """Write atomically (another policylint may be reading it). A cache that cannot be written only costs
    speed, so every failure is swallowed and reported as False."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        payload = pickle.dumps(obj, protocol=5)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            if tail is None:
                fh.write(MAGIC + hashlib.sha256(payload).digest() + payload)
            else:
                fh.write(MAGIC_TAIL + hashlib.sha256(payload).digest() + len(tail).to_bytes(8, "little"))
                fh.write(tail)
                fh.write(payload)
        os.replace(tmp, path)
        return True
    except Exception:
        tmp.unlink(missing_ok=True)
        return False


def trusted(path: Path) -> bool:
    """Owned by this user and writable by no one else (the file and its directory)."""
    try:
        for p in (path, path.parent):
            st = p.stat()
            if (hasattr(os, "getuid") and st.st_uid != os.getuid()) or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return False
        return True
    except OSError:
        return False


def load_pickle(path: Path, tail: bool = False):
    """The cached object, or None when it is missing, untrusted, altered or unreadable (then it is rebuilt).
    With tail=True: (object, the file's tail as a read-only buffer, b"" when it has none), or None."""
    if not trusted(path):
        return None
    import gc

    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
            if head == MAGIC_TAIL:
                import mmap

                mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                view = memoryview(mapped)
                n = int.from_bytes(view[36:44], "little")
                buf, payload = view[44:44 + n], view[44 + n:]
                digest = bytes(view[4:36])
            elif head == MAGIC:
                data = fh.read()
                buf, payload, digest = b"", memoryview(data)[32:], data[:32]
            else:
                return None
        if hashlib.sha256(payload).digest() != digest:
            return None
        # a cache holds ~10^6 small objects: the cycle collector would otherwise run dozens of times while they
        # are made, and none of them is garbage
        enabled = gc.isenabled()
        gc.disable()
        try:
            obj = pickle.loads(payload)
        finally:
            if enabled:
                gc.enable()
        return (obj, buf) if tail else obj
    except Exception:
        return None


# ---- a digest of source files, remembered under their stat ----------------------------------------------------

def file_digest(files, seed: str, memo_name: str) -> str:
    """sha256 (32 hex digits) over the names and contents of `files`, after `seed`. Remembered in the cache
    directory under the files' stat (size, modification and change times, inode), like make or git's index: an
    unchanged set of files is not read and hashed again on every check. The memo keeps one entry per set of files
    (told apart by the first path), the last eight sets."""
    try:
        stats = "\n".join(f"{p}\t{st.st_size}\t{st.st_mtime_ns}\t{st.st_ctime_ns}\t{st.st_ino}"
                          for p, st in ((p, p.stat()) for p in files))
    except OSError:
        stats = None
    memo = cache_dir() / memo_name
    known = _read_memo(memo) if stats else {}
    if stats and known.get(stats):
        return known[stats]
    h = hashlib.sha256(seed.encode())
    for p in files:
        h.update(str(p.name).encode() + b"\0")
        h.update(p.read_bytes())
    digest = h.hexdigest()[:32]
    if stats:
        known = {k: v for k, v in known.items() if not k.startswith(stats.split("\t", 1)[0])}
        known[stats] = digest
        _write_memo(memo, known)
    return digest


def _read_memo(path) -> dict[str, str]:
    """{stat lines: digest}; empty when missing, untrusted or unreadable."""
    if not trusted(path):
        return {}
    try:
        out = {}
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            fp, _, stats = block.partition("\n")
            if len(fp) == 32 and stats:
                out[stats] = fp
        return out
    except (OSError, UnicodeDecodeError):
        return {}


def _write_memo(path, known: dict[str, str]) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("\n\n".join(f"{fp}\n{stats}" for stats, fp in list(known.items())[-8:]))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
