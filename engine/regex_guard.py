"""Rule regexes that cannot hang a check: a static look for the shapes that backtrack catastrophically, and a
timed trial run of every regex so flagged (or that cannot be analysed) on text built to provoke it.

Python's `re` backtracks. A rule regex such as /(本地\\w+)+有限公司/ takes time exponential in the length of a
paragraph that almost matches, and the engine runs every regex at every start position of a paragraph
(dsl.compiled.overlapping), which turns even a quadratic pattern into a cubic one. The check happens when the rules
are indexed (engine.rulebook), before any draft is read:

1. `risks(pattern)` parses the pattern with re._parser (as dsl/compiler.py does) and reports
   - a quantifier inside a quantifier (star height 2: /(a+)+/, /([^，]*X)*/),
   - alternatives that can start with the same character under a quantifier (/(本|本地)+/, /(\\d|\\w)*/),
   - two unbounded quantifiers in a row over overlapping characters (/\\d+\\d+/, /.*.*X/),
   - an unbounded quantifier over a broad class, and anything the analysis does not model (back-references,
     conditional groups): "unsure".
   Bounded quantifiers ({0,20}) are what the rule packs use, and they are not flagged unless they multiply out.
2. `trial(patterns)` runs each flagged pattern, exactly as the engine runs it, on adversarial strings built from
   its own shape (a prefix that reaches the risky part, the part's pump repeated, a character that makes the
   match fail at the end), in a child process with a time budget per pattern; the child is killed when a
   pattern overruns, so a catastrophic regex costs the budget, never a hang.
3. `slow_patterns(patterns)` combines the two: {pattern: reason} for the regexes that must be refused.

The budget is generous (a well-behaved regex finishes these strings in a few milliseconds): what is refused is
a pattern that would take seconds on one real paragraph.
"""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from re import _constants as C, _parser as P

RISK_ORDER = ("nested", "alternation", "adjacent", "unsure", "unbounded")
BIG = 100                 # a quantifier allowing more repetitions than this counts as unbounded
NEST_WEIGHT = 100         # nested quantifiers whose maxima multiply past this are flagged
TRIAL_LENGTH = 2000       # characters of each adversarial string (a long paragraph)
TRIAL_BUDGET = 1.0        # CPU seconds for all the strings of one pattern; a sane pattern needs milliseconds
WALL_FACTOR = 10          # the child is killed after this many budgets of wall time (a runaway never answers)
MAX_TRIAL_STRINGS = 24

# Characters that stand for the classes a rule regex uses, besides those the pattern names itself.
REPRESENTATIVE = "a_Z09 \t\n中本市。，；！、（）：\x00-.%"
KILLERS = "\x00！\n。a中0 "


@dataclass
class Risk:
    kind: str                 # nested | alternation | adjacent | unbounded | unsure
    what: str                 # in a rule author's words
    prefix: str = ""          # a string that leads the pattern up to the risky part
    pump: str = ""            # a string the risky part matches, to be repeated
    chars: frozenset = frozenset()   # what the risky part can consume (the killer must be outside it)


@dataclass
class _Info:
    first: frozenset = frozenset()
    chars: frozenset = frozenset()
    nullable: bool = True
    sample: str = ""          # a short string the node matches (its minimum)
    fill: str = ""            # a non-empty string the node matches, when there is one
    height: int = 0           # backtracking quantifiers nested inside one another
    weight: float = 1         # the product of their maxima
    unbounded: bool = False   # contains a backtracking quantifier with no (or a large) maximum


def _is_backtracking_repeat(op) -> bool:
    return op in (C.MAX_REPEAT, C.MIN_REPEAT)


class _Analysis:
    def __init__(self, pattern: str):
        self.pattern = pattern
        self.tree = P.parse(pattern)
        self.risks: list[Risk] = []
        self.unbounded: list[Risk] = []
        lits: set[str] = set()
        self._collect(self.tree, lits)
        self.universe = frozenset(lits | set(REPRESENTATIVE))
        self._walk(list(self.tree), "")
        # One unbounded repeat costs at most quadratic time (every start position may scan to the paragraph's end),
        # which a paragraph affords; two or more may multiply (/[^。]*甲[^。]*乙/ is cubic): try them.
        if len(self.unbounded) >= 2 and not self.risks:
            self.risks.extend(self.unbounded[:3])
        self.risks.sort(key=lambda r: RISK_ORDER.index(r.kind))

    # -- the characters the pattern talks about ------------------------------------------------------------
    def _collect(self, items, out: set[str]) -> None:
        for op, av in items:
            if op in (C.LITERAL, C.NOT_LITERAL):
                out.add(chr(av))
            elif op is C.IN:
                for o, a in av:
                    if o is C.LITERAL:
                        out.add(chr(a))
                    elif o is C.RANGE:
                        lo, hi = a
                        out.update(chr(c) for c in (lo, min(lo + 1, hi), hi))
            elif op is C.BRANCH:
                for alt in av[1]:
                    self._collect(alt, out)
            elif op in (C.SUBPATTERN,):
                self._collect(av[-1], out)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
                self._collect(av[2], out)
            elif op is C.ATOMIC_GROUP:
                self._collect(av, out)
            elif op in (C.ASSERT, C.ASSERT_NOT):
                self._collect(av[1], out)
            elif op is C.GROUPREF_EXISTS:
                self._collect(av[1], out)
                if av[2]:
                    self._collect(av[2], out)

    # -- one-character nodes -------------------------------------------------------------------------------
    def _class(self, items) -> frozenset:
        neg = bool(items) and items[0][0] is C.NEGATE
        got: set[str] = set()
        for op, av in items:
            if op is C.LITERAL:
                got.add(chr(av))
            elif op is C.RANGE:
                lo, hi = av
                got.update(ch for ch in self.universe if lo <= ord(ch) <= hi)
            elif op is C.CATEGORY:
                got.update(ch for ch in self.universe if _category(av, ch))
        return frozenset(self.universe - got) if neg else frozenset(got)

    def _single(self, op, av) -> frozenset | None:
        if op is C.LITERAL:
            return frozenset({chr(av)})
        if op is C.NOT_LITERAL:
            return frozenset(self.universe - {chr(av)})
        if op is C.ANY:
            return frozenset(self.universe - {"\n"})
        if op is C.IN:
            return self._class(av)
        return None

    # -- sequences -----------------------------------------------------------------------------------------
    def _walk(self, items: list, prefix: str) -> _Info:
        """Info of a sequence, recording the risks of every node in it; `prefix` leads up to the sequence."""
        infos: list[_Info] = []
        seq = _Info()
        first: set[str] = set()
        reach_first = True
        chars: set[str] = set()
        sample, fill = "", ""
        for op, av in items:
            info = self._node(op, av, prefix + sample)
            infos.append(info)
            if reach_first:
                first |= info.first
                reach_first = info.nullable
            chars |= info.chars
            sample += info.sample
            fill += info.fill or info.sample
            seq.height = max(seq.height, info.height)
            seq.weight = max(seq.weight, info.weight)
            seq.unbounded = seq.unbounded or info.unbounded
        self._adjacent(items, infos, prefix)
        seq.first, seq.chars, seq.nullable = frozenset(first), frozenset(chars), reach_first
        seq.sample, seq.fill = sample, fill
        return seq

    def _adjacent(self, items, infos: list[_Info], prefix: str) -> None:
        """Two unbounded quantifiers that can share the characters between them: quadratic (or worse) splits."""
        lead = ""
        for i, (op, av) in enumerate(items):
            if _is_backtracking_repeat(op) and _unbounded(av[1]):
                for j in range(i + 1, len(items)):
                    op2, av2 = items[j]
                    nxt = infos[j]
                    if _is_backtracking_repeat(op2) and _unbounded(av2[1]) and infos[i].chars & nxt.first:
                        shared = infos[i].chars & nxt.chars
                        self.risks.append(Risk("adjacent", "两个不限次数的重复可以匹配同样的字符，切分方式随长度成倍增加",
                                               prefix + lead, _pick(shared, infos[i].fill), frozenset(shared)))
                        break
                    if not nxt.nullable:
                        break
            lead += infos[i].sample

    # -- nodes ---------------------------------------------------------------------------------------------
    def _node(self, op, av, prefix: str) -> _Info:
        single = self._single(op, av)
        if single is not None:
            ch = _pick(single, "")
            return _Info(first=single, chars=single, nullable=False, sample=ch, fill=ch)
        if op is C.SUBPATTERN:
            return self._walk(list(av[-1]), prefix)
        if op is C.ATOMIC_GROUP:
            info = self._walk(list(av), prefix)
            info.height, info.weight = 0, 1   # nothing inside is backtracked into from outside
            return info
        if op is C.BRANCH:
            return self._branch(av[1], prefix)
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            return self._repeat(op, av, prefix)
        if op in (C.ASSERT, C.ASSERT_NOT):
            self._walk(list(av[1]), prefix)
            return _Info()
        if op is C.AT:
            return _Info()
        if op in (C.GROUPREF, C.GROUPREF_EXISTS):
            self.risks.append(Risk("unsure", "含有反向引用或条件分组，无法静态分析", prefix, "", frozenset()))
            if op is C.GROUPREF_EXISTS:
                for part in av[1:]:
                    if part:
                        self._walk(list(part), prefix)
            return _Info(first=self.universe, chars=self.universe, nullable=True)
        self.risks.append(Risk("unsure", f"含有无法静态分析的成分（{op}）", prefix, "", frozenset()))
        return _Info(first=self.universe, chars=self.universe, nullable=True)

    def _branch(self, alts, prefix: str) -> _Info:
        infos = [self._walk(list(a), prefix) for a in alts]
        out = _Info(nullable=any(i.nullable for i in infos))
        out.first = frozenset().union(*(i.first for i in infos))
        out.chars = frozenset().union(*(i.chars for i in infos))
        shortest = min(infos, key=lambda i: len(i.sample))
        out.sample = shortest.sample
        out.fill = next((i.fill for i in infos if i.fill), "")
        out.height = max(i.height for i in infos)
        out.weight = max(i.weight for i in infos)
        out.unbounded = any(i.unbounded for i in infos)
        return out

    def _repeat(self, op, av, prefix: str) -> _Info:
        lo, hi, body_items = av
        body = self._walk(list(body_items), prefix)
        info = _Info(first=body.first, chars=body.chars, nullable=lo == 0 or body.nullable,
                     sample=body.sample * lo, fill=(body.fill or body.sample) * max(lo, 1))
        if op is C.POSSESSIVE_REPEAT or hi <= 1:
            info.height, info.weight, info.unbounded = body.height, body.weight, body.unbounded
            return info
        top = float("inf") if _unbounded(hi) else hi
        info.height = body.height + 1
        info.weight = top * body.weight
        info.unbounded = body.unbounded or _unbounded(hi)
        pump = body.fill or body.sample
        if body.height >= 1 and info.weight > NEST_WEIGHT:
            self.risks.append(Risk("nested", "重复之中又有重复（嵌套量词），回溯次数可能随长度指数增长",
                                   prefix, pump, body.chars))
        elif body.nullable and _unbounded(hi):
            self.risks.append(Risk("nested", "不限次数地重复一个可以为空的部分", prefix, pump or _pick(body.chars, ""),
                                   body.chars))
        for alts in self._branches_in(body_items):
            if alts:
                self.risks.append(Risk("alternation", "重复之中的几个选项可以从同一个字符开始，回溯次数可能随长度指数增长",
                                       prefix, alts, body.chars))
                break
        if _unbounded(hi) and len(body.chars) > 1:
            self.unbounded.append(Risk("unbounded", "几处不限次数的重复，在长段落上可能很慢", prefix, pump, body.chars))
        return info

    def _branches_in(self, items):
        """For each BRANCH inside a repeat body whose alternatives overlap: a pump that mixes them."""
        for op, av in items:
            if op is C.BRANCH:
                infos = [self._quiet(list(a)) for a in av[1]]
                if _overlapping_alternatives(infos):
                    yield "".join(i.fill or i.sample for i in infos) or "a"
                for alt in av[1]:
                    yield from self._branches_in(alt)
            elif op is C.SUBPATTERN:
                yield from self._branches_in(av[-1])
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                yield from self._branches_in(av[2])

    def _quiet(self, items) -> _Info:
        saved = list(self.risks), list(self.unbounded)
        try:
            return self._walk(items, "")
        finally:
            self.risks, self.unbounded = saved


def _overlapping_alternatives(infos: list[_Info]) -> bool:
    if sum(1 for i in infos if i.nullable) and len(infos) > 1:
        return True
    for a in range(len(infos)):
        for b in range(a + 1, len(infos)):
            if infos[a].first & infos[b].first:
                return True
    return False


def _unbounded(hi) -> bool:
    return hi is C.MAXREPEAT or hi == C.MAXREPEAT or hi > BIG


def _category(cat, ch: str) -> bool:
    name = str(cat).upper()
    negate = "NOT_" in name
    if "DIGIT" in name:
        hit = ch.isdecimal()
    elif "SPACE" in name:
        hit = ch.isspace()
    elif "WORD" in name:
        hit = ch.isalnum() or ch == "_"
    elif "LINEBREAK" in name:
        hit = ch == "\n"
    else:
        hit = True
    return hit != negate


def _pick(chars, default: str) -> str:
    """A stable representative: a CJK character when there is one (what rule text is made of), else the smallest."""
    if not chars:
        return default
    cjk = sorted(c for c in chars if ord(c) >= 0x4E00)
    return cjk[0] if cjk else sorted(chars)[0]


# ---- public API ------------------------------------------------------------------------------------------------

def risks(pattern: str) -> list[Risk]:
    """What in `pattern` may backtrack badly (empty: nothing found). A pattern that does not parse yields one
    "unsure" risk; the compiler refuses such patterns anyway."""
    try:
        return _Analysis(pattern).risks
    except Exception as e:   # noqa: BLE001 - an analysis failure only means: try it
        return [Risk("unsure", f"无法分析（{type(e).__name__}）")]


def adversarial(pattern: str, found: list[Risk] | None = None, length: int = TRIAL_LENGTH) -> list[str]:
    """Strings built to make `pattern` backtrack: for each risk, its prefix, then its pump repeated to about
    `length` characters, then a character that the pump cannot consume (and one without any); plus plain runs of
    every character the pattern names, for what the analysis does not model."""
    found = risks(pattern) if found is None else found
    try:
        universe = _Analysis(pattern).universe
    except Exception:   # noqa: BLE001
        universe = frozenset(REPRESENTATIVE)
    out: list[str] = []
    for r in found[:6]:
        pump = r.pump or _pick(r.chars or universe, "a")
        body = (r.prefix + pump * (length // max(len(pump), 1) + 1))[:length]
        killers = [k for k in KILLERS if k not in r.chars][:2] or ["\x00"]
        out.extend(body + k for k in killers)
        out.append(body)
    if any(r.kind == "unsure" for r in found):   # nothing to aim at: plain runs of every character it names
        for ch in sorted(universe)[:12]:
            out.append(ch * length)
    seen: set[str] = set()
    return [s for s in out if not (s in seen or seen.add(s))][:MAX_TRIAL_STRINGS]


_CHILD = r"""
import json, re, sys, time
def overlapping(p):
    return p if re.search(r"\\[1-9]|\(\?P=", p) else "(?=(" + p + "))"
for line in sys.stdin.buffer:
    job = json.loads(line.decode("utf-8", "surrogatepass"))
    t = time.process_time()   # CPU time: a loaded machine slows the wall clock, not the work a pattern needs
    try:
        rx = re.compile(overlapping(job["p"]))
        for s in job["s"]:
            for _ in rx.finditer(s):
                pass
        err = ""
    except Exception as e:
        err = type(e).__name__
    sys.stdout.write(json.dumps([job["i"], time.process_time() - t, err]) + "\n")
    sys.stdout.flush()
"""


def trial(jobs: list[tuple[str, list[str]]], budget: float = TRIAL_BUDGET) -> dict[int, float | None]:
    """Run each (pattern, strings) job as the engine runs a rule regex (every start position), in a child
    process, one job at a time. {job index: CPU seconds taken, or None when it overran `budget`}. The budget is CPU
    time, so a busy machine does not make a sane pattern look slow; a pattern that does not answer within
    WALL_FACTOR budgets of wall time is killed (and a new child takes the remaining jobs)."""
    results: dict[int, float | None] = {}
    proc = None
    try:
        for i, (pattern, strings) in enumerate(jobs):
            if proc is None:
                proc = _child()
                first = True
            line = json.dumps({"i": i, "p": pattern, "s": strings}, ensure_ascii=False) + "\n"
            try:
                proc.stdin.write(line.encode("utf-8", "surrogatepass"))
                proc.stdin.flush()
            except OSError:
                results[i] = None
                _stop(proc)
                proc = None
                continue
            reply = _read_line(proc, budget * WALL_FACTOR + (0.5 if first else 0.0))   # the first covers start-up
            first = False
            if reply is None:
                results[i] = None
                _stop(proc)
                proc = None
                continue
            took = json.loads(reply)[1]
            results[i] = took if took <= budget else None
    finally:
        if proc is not None:
            _stop(proc)
    return results


def _child() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-I", "-S", "-c", _CHILD], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _read_line(proc: subprocess.Popen, timeout: float) -> bytes | None:
    fd = proc.stdout.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return None
        buf += chunk
    return buf.split(b"\n", 1)[0]


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()
    for f in (proc.stdin, proc.stdout):
        try:
            f.close()
        except OSError:
            pass


def slow_patterns(patterns, budget: float | None = None, length: int | None = None) -> dict[str, str]:
    """{pattern: the reason, in Chinese} for every pattern that overran its budget on adversarial text. Patterns
    the static look finds nothing in are not run."""
    budget = TRIAL_BUDGET if budget is None else budget
    length = TRIAL_LENGTH if length is None else length
    flagged: list[tuple[str, list[Risk]]] = []
    for p in dict.fromkeys(patterns):
        found = risks(p)
        if found:
            flagged.append((p, found))
    if not flagged:
        return {}
    jobs = [(p, adversarial(p, found, length)) for p, found in flagged]
    times = trial(jobs, budget)
    out = {}
    for i, (p, found) in enumerate(flagged):
        if times.get(i, None) is None:
            kinds = "；".join(dict.fromkeys(r.what for r in found))
            out[p] = f"在 {length} 字的构造文本上超过 {budget:g} 秒仍未完成（{kinds}）"
    return out
