"""Compile rule ASTs into what the engine runs, and refuse rules that are wrong.

The output is plain picklable data (no pydantic), so that a cached ruleset loads in milliseconds:
- every text condition becomes an *atom* with an index; the scanner (engine/features.py) decides atoms in Python;
- every rule's `when … unless …` becomes one negation-normal-form expression over atoms;
- the same expression is turned into durable-rules' JSON form (engine/durable_eval.py) and evaluated by the plain
  Python oracle (engine/oracle.py).
"""
from __future__ import annotations

import itertools
import re

from . import ast
from .compiled import (DOC_FACTS, CompiledRule, ContextGroup, RuleSet, overlapping, atom_keys, _positive_atoms, all_atoms, describe,
                       eval_expr)
from .lawtext import LawBook

TEXT_KINDS = ("text",)
# Structured facts: filing items and requests, case records, and the exception declarations the engine finds in a
# draft (engine/exceptions.py: one record per declaration, its fields the elements of 条例第十二条)
RECORD_KINDS = ("filing_item", "filing_request", "case_record", "exception_declaration")
FAMILIES = ("fair_competition", "negative_list", "filing", "case")
MAX_RULES_PER_RULESET = 150       # durable P10: below 256 rules per condition and 512 siblings (research: 100-150)
MAX_PARTITION_ATOMS = 1000        # keeps each ruleset's JSON modest; a fact's size is checked when it is built


INTERP = re.compile(r"(?<!\\)\{([^{}]*)\}")
MAX_TABLE_TERMS = 50_000


def read_table(t: ast.Table) -> list[str]:
    """The non-empty values of one CSV column (UTF-8), the file resolved beside the rule file that names it."""
    import csv
    from pathlib import Path

    path = (Path(t.pos.file).parent / t.file)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise CompileError(t.pos, f"词表文件 {t.file} 无法读取：{e}") from None
    cols = rows[0].keys() if rows else []
    for c in (t.column, t.skip):
        if c and c not in cols:
            raise CompileError(t.pos, f"词表文件 {t.file} 没有“{c}”列（现有：{'、'.join(cols)}）")
    out = [r[t.column].strip() for r in rows if r[t.column] and r[t.column].strip() and not (t.skip and r[t.skip])]
    if not out:
        raise CompileError(t.pos, f"词表文件 {t.file} 的“{t.column}”列没有任何词")
    if len(out) > MAX_TABLE_TERMS:
        raise CompileError(t.pos, f"词表文件 {t.file} 超过 {MAX_TABLE_TERMS} 个词")
    return out


def trie_regex(words: list[str]) -> str:
    """One regex for many literals (the gazetteer in a regex), shaped as a trie so that matching tries each
    character once instead of every word in turn; longer words are tried before their prefixes."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body
    return "(?:" + emit(trie) + ")"


class CompileError(Exception):
    def __init__(self, pos: ast.Pos | None, what: str):
        self.pos, self.what = pos, what
        where = f"{pos.file}:{pos.line}:{pos.column}: " if pos else ""
        super().__init__(f"{where}{what}")


# ---- compiler ----------------------------------------------------------------------------

def operand_key(op) -> str:
    if isinstance(op, ast.Alt):
        return "G:" + alt_name(op)
    if isinstance(op, ast.GroupRef):
        return "G:" + op.name
    if isinstance(op, ast.Literal_):
        return "L:" + op.text
    return "R:" + op.pattern


def alt_name(op) -> str:
    return "（" + "｜".join(t.name if isinstance(t, ast.GroupRef) else (f"“{t.text}”" if isinstance(t, ast.Literal_)
                                                                        else f"/{t.pattern}/") for t in op.terms) + "）"


class _Compiler:
    def __init__(self, files: list[ast.RuleFile], lawbook: LawBook):
        self.files = files
        self.lawbook = lawbook
        self.group_defs: dict[str, ast.TermsDef] = {}
        self.groups: dict[str, tuple[list[str], list[str]]] = {}
        self.atoms: list[tuple] = []
        self.atom_index: dict[tuple, int] = {}
        self.regex_keys: dict[str, str] = {}
        self.referenced: set[str] = set()     # groups named inside other groups or inside a regex

    # term groups
    def collect_groups(self) -> None:
        for f in self.files:
            for t in f.terms:
                if t.name in self.group_defs:
                    other = self.group_defs[t.name].pos
                    raise CompileError(t.pos, f"词组“{t.name}”重复定义（已在 {other} 定义）")
                self.group_defs[t.name] = t
        for name in self.group_defs:
            self.expand(name, ())

    def expand(self, name: str, stack: tuple[str, ...]) -> tuple[list[str], list[str]]:
        if name in self.groups:
            return self.groups[name]
        if name in stack:
            d = self.group_defs[name]
            raise CompileError(d.pos, f"词组“{name}”循环引用自身：{' → '.join(stack + (name,))}")
        d = self.group_defs[name]
        lits, regs = [], []
        for term in d.terms:
            if isinstance(term, ast.Literal_):
                if not term.text:
                    raise CompileError(term.pos, f"词组“{name}”含有空字符串")
                lits.append(term.text)
            elif isinstance(term, ast.Regex):
                pattern = self.interpolate(term.pattern, term.pos, stack + (name,))
                self.check_regex(pattern, term.pos)
                regs.append(pattern)
            elif isinstance(term, ast.Table):
                lits += read_table(term)
            else:
                if term.name not in self.group_defs:
                    raise CompileError(term.pos, f"未定义的词组“{term.name}”（在词组“{name}”中引用）")
                self.referenced.add(term.name)
                sub_l, sub_r = self.expand(term.name, stack + (name,))
                lits += sub_l
                regs += sub_r
        self.groups[name] = (list(dict.fromkeys(lits)), list(dict.fromkeys(regs)))
        return self.groups[name]

    def ordered_terms(self, name: str) -> list[tuple[str, str]]:
        """A group's terms in the order written, group references expanded in place (already checked by expand)."""
        out: list[tuple[str, str]] = []
        for term in self.group_defs[name].terms:
            if isinstance(term, ast.Literal_):
                out.append(("L", term.text))
            elif isinstance(term, ast.Regex):
                out.append(("R", self.interpolate(term.pattern, term.pos)))
            elif isinstance(term, ast.Table):
                out += [("L", w) for w in read_table(term)]
            else:
                out += self.ordered_terms(term.name)
        return list(dict.fromkeys(out))

    def context_groups(self) -> dict[str, ContextGroup]:
        """The groups marked `for doc.FACT`: the engine reads them (engine/context.py), so they count as used."""
        out = {}
        for name, d in self.group_defs.items():
            if d.fact is None:
                continue
            if d.fact not in DOC_FACTS:
                raise CompileError(d.pos, f"词组“{name}”标明的文件事实 doc.{d.fact} 未知，应为："
                                          f"{'、'.join('doc.' + f for f in DOC_FACTS)}")
            out[name] = ContextGroup(name=name, fact=d.fact, terms=self.ordered_terms(name),
                                     source=f"{d.pos.file}:{d.pos.line}")
        return out

    def interpolate(self, pattern: str, pos: ast.Pos, stack: tuple[str, ...] = ()) -> str:
        """`{词组}` inside a regex stands for that concept's members, so that a regex written around a concept
        (say {本地}[^，。；]{0,4}注册) follows the lexicon instead of pasting its own copy of the words. A brace whose
        content is a number or a range ({0,6}) stays a quantifier; any other name must be a defined group."""
        def sub(m: re.Match) -> str:
            inner = m.group(1)
            if re.fullmatch(r"\d*(,\d*)?", inner):
                return m.group(0)
            if inner not in self.group_defs:
                raise CompileError(pos, f"正则表达式 /{pattern}/ 引用了未定义的词组“{{{inner}}}”")
            self.referenced.add(inner)
            lits, regs = self.expand(inner, stack)
            parts = ([trie_regex(lits)] if len(lits) > 64 else [re.escape(x) for x in sorted(lits, key=len, reverse=True)])
            parts += [f"(?:{r})" for r in regs]
            return "(?:" + "|".join(parts) + ")"
        return INTERP.sub(sub, pattern) if "{" in pattern else pattern

    @staticmethod
    def check_regex(pattern: str, pos: ast.Pos) -> None:
        try:
            rx = re.compile(pattern)
        except re.error as e:
            raise CompileError(pos, f"正则表达式 /{pattern}/ 无法编译：{e}") from None
        if rx.match(""):
            raise CompileError(pos, f"正则表达式 /{pattern}/ 可以匹配空字符串，会在每个位置命中")

    def use_operand(self, op) -> str:
        if isinstance(op, ast.Alt):   # an unnamed group: expand it like a named one
            name = alt_name(op)
            if name not in self.groups:
                self.group_defs[name] = ast.TermsDef(name=name, terms=op.terms, pos=op.pos)
                self.expand(name, ())
            op = ast.GroupRef(name=name, pos=op.pos)
        if isinstance(op, ast.Regex) and "{" in op.pattern:
            op = ast.Regex(pattern=self.interpolate(op.pattern, op.pos), pos=op.pos)
        key = operand_key(op)
        if isinstance(op, ast.GroupRef) and op.name not in self.groups:
            raise CompileError(op.pos, f"未定义的词组“{op.name}”")
        if isinstance(op, ast.Regex):
            self.check_regex(op.pattern, op.pos)
            self.regex_keys[key] = op.pattern
        if isinstance(op, ast.GroupRef):
            for i, pat in enumerate(self.groups[op.name][1]):
                self.regex_keys.setdefault(key + f"#{i}", pat)
        return key

    def atom(self, form: tuple) -> int:
        if form not in self.atom_index:
            self.atom_index[form] = len(self.atoms)
            self.atoms.append(form)
        return self.atom_index[form]

    # expressions -> NNF over atoms
    def expr(self, e, positive: bool, rule: ast.RuleDef) -> tuple:
        on_text = rule.on == "text"
        if isinstance(e, ast.Not):
            return self.expr(e.arg, not positive, rule)
        if isinstance(e, (ast.And, ast.Or)):
            is_and = isinstance(e, ast.And) == positive   # De Morgan
            args = tuple(self.expr(a, positive, rule) for a in e.args)
            return ("and" if is_and else "or", args)
        if isinstance(e, ast.Present):
            form = ("present", self.use_operand(e.operand))
        elif isinstance(e, ast.Order):
            form = ("order", self.use_operand(e.first), self.use_operand(e.second), e.within)
        elif isinstance(e, ast.Near):
            form = ("near", self.use_operand(e.first), self.use_operand(e.second), e.distance)
        else:
            field_name = e.field
            if on_text and not field_name.startswith("doc."):
                raise CompileError(e.pos, f"文本规则只能使用 doc.* 文档事实，不能使用字段“{field_name}”"
                                          f"（结构化事实请写 on {' / '.join(RECORD_KINDS)}）")
            if isinstance(e, ast.Compare):
                if e.op in ("<", "<=", ">", ">=") and not isinstance(e.value, (int, float)):
                    raise CompileError(e.pos, f"“{field_name} {e.op}”只能与数字比较")
                form = ("cmp", field_name, e.op, _plain_value(e.value))
            elif isinstance(e, ast.Member):
                form = ("member", field_name, tuple(_plain_value(v) for v in e.values))
            elif isinstance(e, ast.HasValues):
                form = ("has", field_name, e.mode, tuple(e.values))
            elif isinstance(e, ast.Contains):
                form = ("contains", field_name, self.use_operand(e.operand))
            elif isinstance(e, ast.Exists):
                form = ("exists", field_name)
            else:  # pragma: no cover
                raise CompileError(None, f"未知条件 {e!r}")
        return ("atom", self.atom(form), positive)

    def compile_rule(self, r: ast.RuleDef) -> CompiledRule:
        if r.on not in TEXT_KINDS + RECORD_KINDS:
            raise CompileError(r.pos, f"规则 {r.id}：on 只能是 text、{'、'.join(RECORD_KINDS)}，不是“{r.on}”")
        missing = [k for k, v in (("family", r.family), ("basis", r.basis), ("when", r.when),
                                  ("message", r.message), ("suggest", r.suggest)) if not v]
        if missing:
            raise CompileError(r.pos, f"规则 {r.id} 缺少：{'、'.join(missing)}")
        if r.family not in FAMILIES:
            raise CompileError(r.pos, f"规则 {r.id} 的 family“{r.family}”未知，应为：{'、'.join(FAMILIES)}")
        bases = []
        for b in r.basis:
            try:
                bases.append(self.lawbook.resolve(b.instrument, b.locators))
            except KeyError as e:
                raise CompileError(b.pos, f"规则 {r.id} 的法律依据无法核对：{e.args[0]}") from None
        if r.on == "text" and INTERP.search(r.message + r.suggest):
            raise CompileError(r.pos, f"规则 {r.id}：message、suggest 中的 {{字段}} 只能用于结构化事实的规则（on "
                                      f"{' / '.join(RECORD_KINDS)}），文本规则没有字段可填")
        if r.on == "text":
            kinds = {ex.violating for ex in r.examples}
            if kinds != {True, False}:
                raise CompileError(r.pos, f"规则 {r.id} 至少需要一个 violates 例句和一个 passes 例句")
        when = self.expr(r.when, True, r)
        when_atoms = tuple(sorted(_positive_atoms(when)))
        expr = when
        if r.unless is not None:
            expr = ("and", (when, self.expr(r.unless, False, r)))
        expr = _flatten(expr)
        if not _satisfiable(expr, self.atoms):
            raise CompileError(r.pos, f"规则 {r.id} 永远不会命中：when/unless 条件自相矛盾")
        if r.on == "text" and _satisfiable(expr, self.atoms, text_false=True):
            raise CompileError(r.pos, f"规则 {r.id} 的 when 条件不要求出现任何词语，会对每一句都命中")
        for i in _positive_atoms(expr):
            form = self.atoms[i]
            for key in atom_keys(form):
                if key.startswith("G:") and self.groups[key[2:]] == ([], []):
                    raise CompileError(r.pos, f"规则 {r.id} 需要的词组“{key[2:]}”是空的，永远不会命中")
        return CompiledRule(
            id=r.id, title=r.title, family=r.family, severity=r.severity, scope=r.scope, on=r.on,
            expr=expr, when_atoms=when_atoms, when_text=describe(when, self.atoms),
            unless_text=describe(self.expr(r.unless, True, r), self.atoms) if r.unless else "",
            bases=bases, message=r.message, suggest=r.suggest, confirm=r.confirm or "",
            examples=[(ex.text, ex.violating, ex.pos.line) for ex in r.examples],
            sets=dict(r.sets), tags=list(r.tags), source=f"{r.pos.file}:{r.pos.line}")

    def run(self) -> RuleSet:
        self.collect_groups()
        rules, seen = [], {}
        for f in self.files:
            for r in f.rules:
                if r.id in seen:
                    raise CompileError(r.pos, f"规则编号 {r.id} 重复（已在 {seen[r.id]} 定义）")
                seen[r.id] = f"{r.pos.file}:{r.pos.line}"
                rules.append(self.compile_rule(r))
        literal_keys: dict[str, list[str]] = {}
        used_keys = {k for form in self.atoms for k in atom_keys(form)}
        for key in sorted(used_keys):
            if key.startswith("L:"):
                literal_keys.setdefault(key[2:], []).append(key)
            elif key.startswith("G:"):
                for lit in self.groups[key[2:]][0]:
                    literal_keys.setdefault(lit, []).append(key)
        for rkey, pattern in list(self.regex_keys.items()):
            lits = regex_literals(pattern)
            if lits:
                base = rkey.split("#", 1)[0] if rkey.startswith("G:") else rkey
                if base in used_keys or rkey in used_keys:
                    for lit in lits:
                        literal_keys.setdefault(lit, [])
                        if base not in literal_keys[lit]:
                            literal_keys[lit].append(base)
                del self.regex_keys[rkey]
        rs = RuleSet(rules=rules, atoms=self.atoms, groups=self.groups, literal_keys=literal_keys,
                     regex_keys=self.regex_keys,
                     regex_anchors={k: a for k, p in self.regex_keys.items() if (a := regex_anchors(p))})
        rs.partitions = partition(rs)
        rs.context_groups = self.context_groups()
        named = {k[2:] for k in used_keys if k.startswith("G:")} | self.referenced | set(rs.context_groups)
        rs.unused_groups = [f"{d.pos.file}:{d.pos.line}: 词组“{n}”没有被任何规则或词组使用"
                            for n, d in self.group_defs.items() if n not in named and not n.startswith("（")]
        return rs


def _plain_value(v):
    # durable has no booleans in comparisons that we rely on: true/false travel as 1/0 on both engines
    return int(v) if isinstance(v, bool) else v


def _flatten(e: tuple) -> tuple:
    if e[0] in ("and", "or"):
        out = []
        for a in e[1]:
            a = _flatten(a)
            out.extend(a[1] if a[0] == e[0] else (a,))
        return (e[0], tuple(out))
    return e


TEXT_ATOMS = ("present", "order", "near")


def _satisfiable(expr: tuple, atoms: list[tuple], text_false: bool = False) -> bool:
    """Brute force over the atoms a rule uses (small), honouring that order/near imply presence.
    With text_false, every text atom is held false: can the rule match a unit without any words?"""
    used = sorted(all_atoms(expr))
    if text_false:
        fixed = {i: False for i in used if atoms[i][0] in TEXT_ATOMS}
        free = [i for i in used if i not in fixed]
        for values in itertools.product((False, True), repeat=min(len(free), 14)):
            truth = {**fixed, **dict(zip(free, values))}
            if eval_expr(expr, lambda i: truth.get(i, False)):
                return True
        return False
    if len(used) > 14:
        return True  # too many to enumerate; the examples in `rules test` still prove it can match
    present_of = {atoms[i][1]: i for i in used if atoms[i][0] == "present"}
    for values in itertools.product((False, True), repeat=len(used)):
        truth = dict(zip(used, values))
        consistent = True
        for i in used:
            form = atoms[i]
            if truth[i] and form[0] in ("order", "near"):
                if any(k in present_of and not truth[present_of[k]] for k in (form[1], form[2])):
                    consistent = False
                    break
        if consistent and eval_expr(expr, truth.__getitem__):
            return True
    return False


def partition(rs: RuleSet) -> list[tuple[str, str, list[int]]]:
    """Split rules into durable rulesets per unit kind, within durable's static limits (research P10)."""
    by_unit: dict[str, list[int]] = {}
    for i, r in enumerate(rs.rules):
        by_unit.setdefault(r.unit, []).append(i)
    parts = []
    for unit, idxs in sorted(by_unit.items()):
        chunk: list[int] = []
        chunk_atoms: set[int] = set()
        for i in idxs:
            atoms_i = all_atoms(rs.rules[i].expr)
            if chunk and (len(chunk) >= MAX_RULES_PER_RULESET or len(chunk_atoms | atoms_i) > MAX_PARTITION_ATOMS):
                parts.append((f"{unit}_{len(parts)}", unit, chunk))
                chunk, chunk_atoms = [], set()
            chunk.append(i)
            chunk_atoms |= atoms_i
        if chunk:
            parts.append((f"{unit}_{len(parts)}", unit, chunk))
    return parts


def compile_files(files: list[ast.RuleFile], lawbook: LawBook) -> RuleSet:
    return _Compiler(files, lawbook).run()


def regex_anchors(pattern: str) -> tuple[tuple[str, ...], ...] | None:
    """What a regex cannot match without: up to three sets of literals, one literal of each set must occur
    (e.g. (A|B)[^。]{0,9}(C|D) needs one of A, B and one of C, D). The Aho-Corasick pass looks for them, so a
    regex is compiled and run only on paragraphs that can match it: compiling a hundred regexes costs more than
    checking a whole draft."""
    from re import _constants as C, _parser as P

    def needs(items) -> list[tuple[str, ...]]:
        out, run = [], []
        for op, av in list(items) + [(None, None)]:
            if op is C.LITERAL:
                run.append(chr(av))
                continue
            if run:
                out.append(("".join(run),))
                run = []
            if op is C.SUBPATTERN:
                out += needs(av[-1])
            elif op is C.BRANCH:
                alts = [best(needs(b)) for b in av[1]]
                if all(alts):
                    out.append(tuple(x for alt in alts for x in alt))
            elif op is C.IN and av and all(o is C.LITERAL for o, _ in av):
                out.append(tuple(chr(v) for _, v in av))
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
                out += needs(av[2])
        return out

    def rank(req):
        return (min(map(len, req)), -len(req))

    def best(reqs):
        return max(reqs, key=rank) if reqs else None

    if "(?" in pattern and any(f in pattern for f in ("(?i", "(?x", "(?a")):
        return None   # flags change what a literal means; always run such a regex
    try:
        reqs = needs(P.parse(pattern))
    except Exception:
        return None
    reqs = sorted({tuple(sorted(set(r))) for r in reqs}, key=rank, reverse=True)
    # single characters (市, 县, 的) hit everywhere and only cost time: keep them only when nothing longer exists
    longer = [r for r in reqs if min(map(len, r)) >= 2]
    return tuple(longer[:3] or reqs[:1]) or None


def regex_literals(pattern: str, limit: int = 64) -> list[str] | None:
    """The strings a regex matches, when it is only literals and alternations (e.g. (应当|须|必须)).
    Such a regex is looked for by the Aho-Corasick pass like any literal, never run as a regex."""
    from re import _constants as C, _parser as P

    def strings(items) -> list[str] | None:
        out = [""]
        for op, av in items:
            if op is C.LITERAL:
                alts = [chr(av)]
            elif op is C.IN and all(o is C.LITERAL for o, _ in av):
                alts = [chr(v) for _, v in av]
            elif op is C.SUBPATTERN and not av[1] and not av[2]:   # a plain group, no flags
                alts = strings(av[-1])
            elif op is C.BRANCH:
                alts = []
                for b in av[1]:
                    sub = strings(b)
                    if sub is None:
                        return None
                    alts += sub
            else:
                return None
            if alts is None:
                return None
            out = [a + b for a in out for b in alts]
            if len(out) > limit:
                return None
        return out

    if "(?" in pattern:
        return None
    try:
        found = strings(P.parse(pattern))
    except Exception:
        return None
    return sorted(set(found)) if found and all(found) else None
