"""Regexes compiled once, when the rules are compiled, and rebuilt in microseconds at check time.

`re.compile` of the rule packs' regexes costs more than checking a whole draft (Chinese character classes are
slow to optimise). The compiler stores what CPython's `re._compiler.compile` hands to `_sre.compile` — the
opcode list and group tables — and a check rebuilds the pattern object from it. The stored form is tied to the
exact interpreter (`signature()`); on any other, or on any error, the regex is simply compiled again.
"""
from __future__ import annotations

import re
import sys
from array import array

try:
    import _sre
    from re import _compiler, _parser
except ImportError:   # pragma: no cover - not CPython
    _sre = None


def signature() -> tuple:
    return (sys.implementation.name, sys.version_info[:3], getattr(_sre, "MAGIC", None))


def precompile(pattern: str, flags: int = 0):
    """The arguments of _sre.compile for a pattern (what re._compiler.compile computes), or None."""
    if _sre is None:
        return None
    try:
        p = _parser.parse(pattern, flags)
        code = _compiler._code(p, flags)
        groupindex = p.state.groupdict
        indexgroup = [None] * p.state.groups
        for k, i in groupindex.items():
            indexgroup[i] = k
        # packed: small and fast to unpickle (the opcodes are int subclasses that do not pickle anyway)
        return (int(flags | p.state.flags), array("I", code).tobytes(), p.state.groups - 1, dict(groupindex),
                tuple(indexgroup))
    except Exception:
        return None


def rebuild(pattern: str, args, sig) -> re.Pattern:
    if args is not None and sig == signature():
        try:
            flags, code, groups, groupindex, indexgroup = args
            return _sre.compile(pattern, flags, array("I", code).tolist(), groups, groupindex, indexgroup)
        except Exception:
            pass
    return re.compile(pattern, args[0] if args else 0)


def pack(codes: dict[str, tuple | None]) -> tuple[dict[str, tuple], bytes]:
    """{pattern: precompile()} as ({pattern: (flags, offset, length, crc32, groups, groupindex, indexgroup)}, one
    bytes blob of every opcode list): the rules' cache keeps the blob after its pickle, mapped and never read
    whole (engine.cachefiles) — a check uses a third of the rules' regexes."""
    import zlib

    index, parts, offset = {}, [], 0
    for pattern, args in codes.items():
        if args is None:
            continue
        flags, code, groups, groupindex, indexgroup = args
        index[pattern] = (flags, offset, len(code), zlib.crc32(code), groups, groupindex, indexgroup)
        parts.append(code)
        offset += len(code)
    return index, b"".join(parts)


def rebuild_packed(pattern: str, entry, blob, sig) -> re.Pattern:
    """rebuild() from a pack() entry; a piece of the blob that does not match its crc32 is compiled afresh."""
    if entry is not None and blob is not None:
        import zlib

        flags, offset, length, crc, groups, groupindex, indexgroup = entry
        code = bytes(blob[offset:offset + length])
        if len(code) == length and zlib.crc32(code) == crc:
            return rebuild(pattern, (flags, code, groups, groupindex, indexgroup), sig)
    return rebuild(pattern, None, sig)


# ---- the same for the engine's own regexes (segmentation, document context) ------------------------------

_static: dict | None = None
_dirty = False


def _static_file():
    import zlib

    from .cachefiles import cache_dir
    return cache_dir() / f"regex-{zlib.crc32(repr(signature()).encode()):08x}.pickle"


def cached(pattern: str, flags: int = 0) -> re.Pattern:
    """re.compile(pattern, flags), served from a per-interpreter cache file after the first run."""
    global _static, _dirty
    if _static is None:
        from .cachefiles import load_pickle
        _static = load_pickle(_static_file()) or {}
    args = _static.get((pattern, flags))
    if args is None:
        args = precompile(pattern, flags)
        if args is None:
            return re.compile(pattern, flags)
        if not _dirty:
            import atexit
            atexit.register(save)
        _static[(pattern, flags)] = args
        _dirty = True
    return rebuild(pattern, args, signature())


def save() -> None:
    global _dirty
    if _dirty and _static is not None:
        from .cachefiles import save_pickle
        _dirty = not save_pickle(_static_file(), _static)


# `re`'s module functions, served from the cache: for modules on the check path that write re.match(pattern, …)
def match(pattern: str, string: str, flags: int = 0):
    return cached(pattern, flags).match(string)


def fullmatch(pattern: str, string: str, flags: int = 0):
    return cached(pattern, flags).fullmatch(string)


def search(pattern: str, string: str, flags: int = 0):
    return cached(pattern, flags).search(string)


def sub(pattern: str, repl, string: str, count: int = 0, flags: int = 0):
    return cached(pattern, flags).sub(repl, string, count)


def finditer(pattern: str, string: str, flags: int = 0):
    return cached(pattern, flags).finditer(string)
