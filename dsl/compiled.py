"""What the compiler produces and the engine runs: plain picklable data, cheap to import.

Kept apart from dsl/compiler.py (which needs the pydantic AST and Lark) so that a cached ruleset loads without
importing either: `policylint check` on one draft has a start-up budget of a few times bare Python.
"""
from __future__ import annotations

from dsl.record import field, record

# The document facts engine/context.py works out for every draft; text rules read them as doc.kind, doc.economic,
# doc.exception, and a term group marked `for doc.FACT` holds words the engine reads to work one out.
DOC_FACTS = ("kind", "economic", "exception", "precedent")

# ---- compiled forms ----------------------------------------------------------------------

# An operand key names what the scanner looks for: "G:本地" (a group), "L:分公司" (a literal), "R:本[市县]" (a regex).
# Atom forms (tuples, hashable):
#   ("present", key)  ("order", a, b, within|None)  ("near", a, b, n)
#   ("cmp", field, op, value)  ("member", field, (values))  ("has", field, mode, (values))
#   ("contains", field, key)  ("exists", field)
# Expressions: ("atom", index, positive) | ("and", (exprs)) | ("or", (exprs)) | ("true",)


@record
class CompiledRule:
    id: str
    title: str
    family: str
    severity: str
    scope: str
    on: str
    expr: tuple                     # NNF of `when and not unless`
    when_atoms: tuple[int, ...]     # positive atoms of `when`, to show matched words
    unless_text: str                # the unless condition as written, for explanations
    when_text: str
    bases: list  # of dsl.lawtext.Provision
    message: str
    suggest: str
    confirm: str
    examples: list[tuple[str, bool, int]]   # (text, violating, line)
    sets: dict
    tags: list[str]
    source: str                     # file:line

    @property
    def basis_text(self) -> str:
        return "；".join(b.citation for b in self.bases)

    @property
    def unit(self) -> str:
        """The kind of fact this rule is evaluated over: a text scope or a record kind."""
        return self.scope if self.on == "text" else self.on


@record
class ContextGroup:
    """A term group the engine reads: its terms in the order written (group references expanded in place), each
    ("L", literal) or ("R", regex), so that one regex made of them finds what the words were written to find first."""
    name: str
    fact: str                       # kind | economic | exception
    terms: list                     # [("L", "本协议"), ("R", "甲方.{0,200}乙方"), …]
    source: str                     # file:line

    @property
    def literals(self) -> list[str]:
        return [t for k, t in self.terms if k == "L"]

    @property
    def pattern(self) -> str:
        """One regex for the whole group: the terms as alternatives, in the order written."""
        import re
        return "|".join(re.escape(t) if k == "L" else f"(?:{t})" for k, t in self.terms)


@record
class RuleSet:
    rules: list[CompiledRule]
    atoms: list[tuple]
    groups: dict[str, tuple[list[str], list[str]]]          # group -> (literals, regexes) after expansion
    literal_keys: dict[str, list[str]] = field(default_factory=dict)   # literal text -> operand keys it serves
    regex_keys: dict[str, str] = field(default_factory=dict)           # operand key -> regex pattern
    regex_anchors: dict[str, tuple] = field(default_factory=dict)      # regex key -> literals one of which it needs
    regex_code: dict[str, tuple] = field(default_factory=dict)         # pattern -> engine.regex_cache.pack() entry
    regex_blob: object = None      # the opcodes regex_code points into: bytes, or the cache file's mapped tail
    regex_signature: tuple = ()                                        # the interpreter regex_code was made by
    value_keys: list = field(default_factory=list)                     # automaton value id -> operand keys
    durable_json: dict = field(default_factory=dict)                   # partition -> durable's ruleset JSON
    plans: dict = field(default_factory=dict)                          # engine indexes made once (see plan())
    partitions: list[tuple[str, str, list[int]]] = field(default_factory=list)  # (name, unit, rule indexes)
    unused_groups: list[str] = field(default_factory=list)   # term groups nothing uses (the loader warns)
    # Groups marked `for doc.FACT` (rules/lexicon/document.rule), kept in the cache because engine/context.py reads
    # them on every check: name -> ContextGroup, in the order the rule files define them.
    context_groups: dict = field(default_factory=dict)
    fingerprint: str = ""
    automaton: object = None        # pyahocorasick.Automaton over every literal, built by engine.rulebook.build_indexes()

    # Needed only while compiling (the automaton, the regex plan and the explanations are made from them):
    # left out of the cache file, which every `policylint check` reads.
    COMPILE_ONLY = ("literal_keys", "groups", "regex_anchors", "regex_keys", "value_keys")

    def for_cache(self):
        import copy

        slim = copy.copy(self)
        for name in self.COMPILE_ONLY:
            setattr(slim, name, type(getattr(self, name))())
        slim.regex_blob = None   # written after the pickle and read lazily (engine.cachefiles, tail=)
        return slim

    def __getstate__(self):
        state = dict(self.__dict__)
        if state.get("regex_blob") is not None:
            state["regex_blob"] = bytes(state["regex_blob"])   # a mapped cache file travels as bytes (Dask)
        return state

    def by_id(self) -> dict[str, CompiledRule]:
        return {r.id: r for r in self.rules}

    def units(self) -> set[str]:
        return {r.unit for r in self.rules}


def plan(rs, name: str, build):
    """An index the engine derives from the rules (which rules a word can open, which atoms a scope needs…),
    built once: when the rules are compiled it is stored with them in the cache, so a check does not redo it."""
    plans = rs.__dict__.setdefault("plans", {})
    got = plans.get(name)
    if got is None:
        got = plans[name] = build(rs)
    return got


def overlapping(pattern: str) -> str:
    """The pattern as it runs: inside a look-ahead, so a match is found at every start position. Plain
    finditer would let a long match swallow a later, closer one (本市企业采购本地生产: a match from 本市
    hides 本地生产), and `before`/`near` would then fail. Patterns with back-references run as written."""
    if re_backref(pattern):
        return pattern
    return f"(?=({pattern}))"


def re_backref(pattern: str) -> bool:
    import re
    return bool(re.search(r"\\[1-9]|\(\?P=", pattern))


def key_label(key: str) -> str:
    kind, _, name = key.partition(":")
    return {"G": name, "L": f"“{name}”", "R": f"/{name}/"}[kind]


def _positive_atoms(e: tuple) -> set[int]:
    if e[0] == "atom":
        return {e[1]} if e[2] else set()
    return set().union(*(_positive_atoms(a) for a in e[1])) if e[0] in ("and", "or") else set()


def all_atoms(e: tuple) -> set[int]:
    if e[0] == "atom":
        return {e[1]}
    return set().union(*(all_atoms(a) for a in e[1])) if e[0] in ("and", "or") else set()


def atom_keys(form: tuple) -> tuple[str, ...]:
    kind = form[0]
    if kind == "present":
        return (form[1],)
    if kind in ("order", "near"):
        return (form[1], form[2])
    if kind == "contains":
        return (form[2],)
    return ()


def eval_expr(e: tuple, truth) -> bool:
    """Evaluate an NNF expression; `truth(i)` says whether atom i holds."""
    kind = e[0]
    if kind == "atom":
        return truth(e[1]) == e[2]
    if kind == "and":
        return all(eval_expr(a, truth) for a in e[1])
    if kind == "or":
        return any(eval_expr(a, truth) for a in e[1])
    return True


def describe(e: tuple, atoms: list[tuple]) -> str:
    """A condition in words, for explanations."""
    kind = e[0]
    if kind == "atom":
        s = describe_atom(atoms[e[1]])
        return s if e[2] else f"非（{s}）"
    if kind in ("and", "or"):
        joiner = " 且 " if kind == "and" else " 或 "
        return joiner.join(describe(a, atoms) if a[0] == "atom" else f"（{describe(a, atoms)}）" for a in e[1])
    return "恒真"


def describe_atom(form: tuple) -> str:
    kind = form[0]
    if kind == "present":
        return key_label(form[1])
    if kind == "order":
        within = f"（{form[3]}字内）" if form[3] is not None else ""
        return f"{key_label(form[1])} 在 {key_label(form[2])} 之前{within}"
    if kind == "near":
        return f"{key_label(form[1])} 与 {key_label(form[2])} 相距不超过{form[3]}字"
    if kind == "cmp":
        return f"{form[1]} {form[2]} {form[3]!r}"
    if kind == "member":
        return f"{form[1]} 属于 {list(form[2])}"
    if kind == "has":
        return f"{form[1]} 含有{'任一' if form[2] == 'any' else '全部'} {list(form[3])}"
    if kind == "contains":
        return f"{form[1]} 含 {key_label(form[2])}"
    if kind == "exists":
        return f"{form[1]} 已填写"
    return str(form)


