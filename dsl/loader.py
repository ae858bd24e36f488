"""Load every rule file under rules/, compile it, and cache the compiled form.

Parsing ~300 rules with Lark and validating them with pydantic costs far more than checking one draft, so the
compiled RuleSet is pickled under the user's cache directory, keyed by the size and mtime of every rule file,
law file and compiler source. Any change to those rebuilds it.
"""
from __future__ import annotations

import zlib
import os
from pathlib import Path

from engine.cachefiles import cache_dir, load_pickle, save_pickle
from engine.errors import EngineError, RuleLoadError

PKG_ROOT = Path(__file__).resolve().parent.parent
# POLICYLINT_RULES points at another rules directory (its own law/ beside its packs), e.g. a local pack
RULES_DIR = Path(os.environ.get("POLICYLINT_RULES") or PKG_ROOT / "rules")
LAW_DIR = RULES_DIR / "law"
CACHE_VERSION = "1"

_memo: dict[str, object] = {}


def rule_files(rules_dir: Path | None = None) -> list[Path]:
    return sorted(Path(rules_dir or RULES_DIR).rglob("*.rule"))


def _fingerprint(paths: list[Path]) -> str:
    dsl_dir = Path(__file__).resolve().parent
    stamp = [CACHE_VERSION]
    engine_dir = dsl_dir.parent / "engine"   # regex_cache.precompile also shapes the compiled form
    for p in (paths + sorted(LAW_DIR.glob("*.yaml")) + sorted(dsl_dir.glob("*.py")) + [dsl_dir / "grammar.lark"]
              + [engine_dir / "regex_cache.py", engine_dir / "durable_eval.py"]):
        st = p.stat()
        stamp.append(f"{p}|{st.st_size}|{st.st_mtime_ns}")
    data = "\n".join(stamp).encode()
    # two checksums over the paths, sizes and mtimes: a cache key, not a security boundary
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(stamp):04x}"


def compile_paths(paths: list[Path]):
    """Parse and compile without the cache (tests, `rules test`)."""
    from .compiler import CompileError, build_automaton, compile_files
    from .lawtext import load_lawbook
    from .parser import RuleSyntaxError, parse_file

    try:
        files = [parse_file(p) for p in paths]
    except RuleSyntaxError as e:
        raise RuleLoadError(str(e)) from None
    except UnicodeDecodeError as e:
        raise RuleLoadError(f"规则文件不是 UTF-8 编码：{e}") from None
    try:
        rs = compile_files(files, load_lawbook(str(LAW_DIR)))
    except CompileError as e:
        raise RuleLoadError(f"{e}") from None
    try:
        rs.automaton = build_automaton(rs)
    except EngineError as e:   # durable's static limits, checked when the rules are compiled
        raise RuleLoadError(str(e)) from None
    return rs


def load_rules(paths: list[Path] | None = None, use_cache: bool = True):
    """The compiled RuleSet of all rule files (or of `paths`)."""
    paths = [Path(p) for p in paths] if paths else rule_files()
    if not paths:
        raise RuleLoadError(f"没有找到规则文件（{RULES_DIR}/**/*.rule）")
    fp = _fingerprint(paths)
    if fp in _memo:
        return _memo[fp]
    cache_file = cache_dir() / f"rules-{fp}.pickle"
    rs = load_pickle(cache_file) if use_cache else None
    if rs is not None:
        _memo[fp] = rs
        return rs
    rs = compile_paths(paths)
    rs.fingerprint = fp
    if use_cache and save_pickle(cache_file, rs.for_cache()):
        for old in sorted(cache_file.parent.glob("rules-*.pickle"), key=lambda f: f.stat().st_mtime)[:-4]:
            old.unlink(missing_ok=True)   # keep the few newest; every rule edit makes a new one
    _memo[fp] = rs
    return rs
