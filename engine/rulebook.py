"""The rules as the engine runs them: the compiled RuleSet (dsl/) plus the engine's own indexes — the
Aho-Corasick automaton over every literal, precompiled regexes, unit gates, the features plan and durable's
ruleset JSON — built once and cached.

Parsing ~300 rules with Lark and validating them with pydantic costs far more than checking one draft, so the
result is cached under the user's cache directory (engine.cachefiles), keyed by a hash of the content of every
file that shapes it. A cache file that fails to load or verify is rebuilt, never trusted.
"""
from __future__ import annotations

from pathlib import Path

from dsl.compiled import RuleSet, overlapping
from dsl.loader import RULES_DIR, compile_rules, rule_files, source_files

from .cachefiles import cache_dir, load_pickle, save_pickle
from .errors import EngineError, RuleLoadError

CACHE_VERSION = "4"
ENGINE_DIR = Path(__file__).resolve().parent

_memo: dict[str, RuleSet] = {}
_seen: dict[tuple, str] = {}    # rule files -> their fingerprint when last looked at
_fresh: dict[tuple, str] = {}   # the same, taken as still true in a resident command's fork (assume_unchanged)


ENGINE_FILES = ("regex_cache.py", "regex_guard.py", "durable_eval.py", "rulebook.py", "check.py", "features.py")


def fingerprint(paths: list[Path]) -> str:
    """sha256 over the content of the rules, the law, the compiler and the engine code the indexes depend on;
    an unchanged set of files is not read and hashed again on every check (engine.cachefiles.file_digest)."""
    from .cachefiles import file_digest

    return file_digest(source_files(paths) + [ENGINE_DIR / n for n in ENGINE_FILES], CACHE_VERSION, "fingerprints.txt")


def compile_paths(paths: list[Path]) -> RuleSet:
    """Parse, compile and index without the cache (tests, `rules test`)."""
    rs = compile_rules([Path(p) for p in paths])
    check_regexes(rs)
    try:
        rs.automaton = build_indexes(rs)
    except EngineError as e:   # durable's static limits, checked when the rules are compiled
        raise RuleLoadError(str(e)) from None
    return rs


def load_rules(paths: list[Path] | None = None, use_cache: bool = True) -> RuleSet:
    """The indexed RuleSet of all rule files (or of `paths`)."""
    paths = [Path(p) for p in paths] if paths else rule_files()
    if not paths:
        raise RuleLoadError(f"没有找到规则文件（{RULES_DIR}/**/*.rule）")
    fp = _seen[tuple(paths)] = _fresh.get(tuple(paths)) or fingerprint(paths)
    if fp in _memo:
        return _memo[fp]
    cache_file = cache_dir() / f"rules-{fp}.pickle"
    got = load_pickle(cache_file, tail=True) if use_cache else None
    if got and isinstance(got[0], RuleSet) and got[0].fingerprint == fp:
        rs = got[0]
        rs.regex_blob = got[1]
        _memo[fp] = rs
        return rs
    rs = compile_paths(paths)
    rs.fingerprint = fp
    if use_cache and save_pickle(cache_file, rs.for_cache(), tail=rs.regex_blob):
        for old in sorted(cache_file.parent.glob("rules-*.pickle"), key=lambda f: f.stat().st_mtime)[:-4]:
            old.unlink(missing_ok=True)   # keep the few newest; every rule edit makes a new one
    _memo[fp] = rs
    return rs


def assume_unchanged() -> None:
    """In a fork of `policylint resident`, which looked at the rule files just before forking: the rule sets it
    loaded are taken as they are, without looking at every file's stat again."""
    _fresh.update(_seen)


def rule_regexes(rs: RuleSet) -> dict[str, list[tuple[str, str]]]:
    """{pattern: [(who uses it: a rule or a document fact, with its source; where the regex sits: "" or the group's
    name)]} for every regex a rule uses, and every regex of the groups engine/context.py reads."""
    from dsl.compiled import all_atoms, atom_keys

    out: dict[str, list[tuple[str, str]]] = {}
    for r in rs.rules:
        for i in sorted(all_atoms(r.expr)):
            for key in atom_keys(rs.atoms[i]):
                if key.startswith("R:"):
                    out.setdefault(key[2:], []).append((f"规则 {r.id}（{r.source}）", ""))
                elif key.startswith("G:") and key[2:] in rs.groups:
                    for pattern in rs.groups[key[2:]][1]:
                        out.setdefault(pattern, []).append((f"规则 {r.id}（{r.source}）", key[2:]))
    for g in rs.context_groups.values():
        for kind, pattern in g.terms:
            if kind == "R":
                out.setdefault(pattern, []).append((f"文件事实 doc.{g.fact}（{g.source}）", g.name))
    return out


def check_regexes(rs: RuleSet) -> None:
    """Refuse a rule regex that backtracks catastrophically (engine.regex_guard): a static look, then a timed trial
    run of what it flags, when the rules are indexed — never while a draft is being checked."""
    from . import regex_guard

    used = rule_regexes(rs)
    slow = regex_guard.slow_patterns(list(used))
    if not slow:
        return
    lines = []
    for pattern, reason in slow.items():
        users = list(dict.fromkeys(used[pattern]))
        where = "、".join(who + (f"（词组“{group}”）" if group else "") for who, group in users[:5])
        more = f" 等 {len(users)} 处" if len(users) > 5 else ""
        lines.append(f"{where}{more}的正则表达式 /{pattern}/ 会灾难性回溯：{reason}")
    raise RuleLoadError("；".join(lines) + "。请改用有上限的重复（如 [^，。；]{0,20}），避免重复套重复，"
                        "或拆成词组再用 near / before 组合")


def build_indexes(rs: RuleSet):
    """The Aho-Corasick automaton over every literal, the precompiled regexes (engine.regex_cache) and the
    engine's plans (engine.features, engine.check), all cached with the rules."""
    import ahocorasick

    from . import regex_cache

    from .durable_eval import definitions

    rs.regex_code, rs.regex_blob = regex_cache.pack(
        {p: regex_cache.precompile(overlapping(p)) for p in sorted(set(rs.regex_keys.values()))})
    rs.durable_json = definitions(rs)   # also checks durable's static limits at load time (P10)
    from .check import _bases, _examples, _gates, _shown_keys
    from .features import _build_scan_plan, _plan, _regex_plan, automaton_entries, unit_plan
    _plan(rs), _regex_plan(rs)
    if rs.rules:
        _examples(rs, rs.rules[0])
    _shown_keys(rs), _bases(rs)
    rs.regex_signature = regex_cache.signature()

    a = ahocorasick.Automaton()
    entries = automaton_entries(rs)
    # literals that serve the same keys share one value id: the scan appends once per hit, then extends per key
    value_ids: dict[tuple, int] = {}
    for lit, keys in entries.items():
        vid = value_ids.setdefault(tuple(keys), len(value_ids))
        a.add_word(lit, (len(lit), vid))
    rs.value_keys = list(value_ids)
    if len(a):
        a.make_automaton()
    rs.plans["scan"] = _build_scan_plan(rs)
    for scope in _plan(rs)["scope_keys"]:
        unit_plan(rs, scope)
    _gates(rs)
    del rs.plans["regex"]   # made into the automaton and the scan plan: a check never reads it
    return a
