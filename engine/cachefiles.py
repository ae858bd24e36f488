"""Where policylint keeps its caches (compiled rules, precompiled regexes), and how it writes them safely.

A cache file is a pickle, and loading a pickle runs code: so a cache is trusted only when this user wrote it.
Files are written owner-only (directory 0700, file 0600) with a sha256 of the payload in front; one that is owned
by someone else, writable by group or others, or whose digest does not match is ignored and rebuilt.
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

MAGIC = b"PLC1"


def cache_dir() -> Path:
    """$POLICYLINT_CACHE, else $XDG_CACHE_HOME/policylint, else ~/.cache/policylint."""
    base = os.environ.get("POLICYLINT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "policylint")
    return Path(base)


def save_pickle(path: Path, obj) -> bool:
    """Write atomically (another policylint may be reading it). A cache that cannot be written only costs
    speed, so every failure is swallowed and reported as False."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        payload = pickle.dumps(obj, protocol=5)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + hashlib.sha256(payload).digest() + payload)
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


def load_pickle(path: Path):
    """The cached object, or None when it is missing, untrusted, altered or unreadable (then it is rebuilt)."""
    if not trusted(path):
        return None
    try:
        data = path.read_bytes()
        head, digest, payload = data[:4], data[4:36], data[36:]
        if head != MAGIC or hashlib.sha256(payload).digest() != digest:
            return None
        return pickle.loads(payload)
    except Exception:
        return None
