"""Where policylint keeps its caches (compiled rules, precompiled regexes), and how it writes them safely."""
from __future__ import annotations

import os

try:
    import _pickle as pickle   # the C module: `pickle` itself compiles regexes at import
except ImportError:  # pragma: no cover
    import pickle
from pathlib import Path


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
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            pickle.dump(obj, fh, protocol=5)
        os.replace(tmp, path)
        return True
    except Exception:
        tmp.unlink(missing_ok=True)
        return False


def load_pickle(path: Path):
    """The cached object, or None when it is missing or unreadable (a broken cache is rebuilt, never trusted)."""
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)
    except Exception:
        return None
