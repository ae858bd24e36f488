"""Features: one Aho-Corasick pass over the text for every literal of every rule, then regexes, then the
order, distance and scope relations — all in Python, never inside durable-rules (research P8).

The result for each unit is a sparse fact: {"a17": 1, ...} for every text atom that holds in it, plus the
document facts (doc.*) that rules compare.

The work per document is proportional to what the document contains, not to the number of rules:
- the automaton reports each literal once, under a value id shared by every literal that serves the same keys
  (a "vid"); keys are expanded only where they are needed;
- a regex runs only where one of the literals every match of it starts with (at a known, bounded offset) occurs,
  one `match` per candidate start within its line (`regex_starts`); a regex without such literals runs on the
  lines holding the literals it cannot match without (dsl.compiler.regex_anchors);
- each occurrence is placed in its unit once, with a bit mask of the keys it serves; a rule is looked at only in
  units whose mask holds all the words of one of its alternatives (engine.check).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

Occ = tuple[int, int]   # (start, end) character offsets


# ---- the scan ---------------------------------------------------------------------------------------------

def hits(text: str, rs, start: int = 0, end: int | None = None) -> dict[int, list[Occ]]:
    """Every occurrence in text[start:end], by value id: literals from one Aho-Corasick pass (vid < n_literal),
    regex matches under the id n_literal + pattern number. Spans are absolute offsets, never crossing a line
    break. Only whole lines may be passed as [start, end).

    The loops are written for Cython (types in features.pxd): plain loops over typed offsets rather than
    comprehensions, so the compiled module runs them in C; the module also runs as plain Python."""
    stop = len(text) if end is None else end
    p = rs.plans.get("scan") or _scan_plan(rs)
    by_value: dict[int, list[Occ]] = {}
    automaton = rs.automaton
    if automaton is not None and len(automaton):
        for e, (length, vid) in automaton.iter(text, start, stop):
            got = by_value.get(vid)
            if got is None:
                by_value[vid] = [(e - length + 1, e + 1)]
            else:
                got.append((e - length + 1, e + 1))
    patterns = p["patterns"]
    if not patterns:
        return by_value
    vanch, vstart = p["vanch"], p["vstart"]
    present: set = set()
    cands: dict[int, list[int]] = {}
    for vid, spans in by_value.items():
        a = vanch[vid]
        if a:
            present.update(a)
        for n, lo, hi in vstart[vid]:
            c = cands.get(n)
            if c is None:
                c = cands[n] = []
            if lo == hi:
                for sp in spans:
                    c.append(sp[0] - lo)
            else:
                for sp in spans:
                    s = sp[0]
                    for d in range(lo, hi + 1):
                        c.append(s - d)
    newlines = None
    line_cache: dict[int, set[int]] = {}   # value id -> the lines its occurrences are on (shared by the regexes)
    base = p["n_literal"]
    for n in p["unanchored"]:          # regexes without start literals: run on the lines that can hold a match
        needs = patterns[n][2]
        if needs is not None and not _all_present(needs, present):
            continue
        if newlines is None:
            newlines = _newlines(text, start, stop)
        got = _run_lines(text, n, _lines_for(p, n, by_value, newlines, start, stop, line_cache), newlines, rs, p)
        if got:
            by_value[base + n] = got
    for n in sorted(cands):
        needs = patterns[n][2]
        if needs is not None and not _all_present(needs, present):
            continue   # something this regex needs is nowhere in the text
        if newlines is None:
            newlines = _newlines(text, start, stop)
        nl = len(newlines)
        rx, lookahead = _compiled(p, n, rs)
        match = rx.match
        out = []
        le = -1
        i = 0
        starts = sorted(set(cands[n]))
        # many candidates: first keep the lines that hold everything the regex needs
        lines = (_need_lines(p, n, by_value, newlines, line_cache) if needs is not None and len(starts) > 8
                 else None)
        ok = True
        for s in starts:
            if s < start:
                continue
            if s > le:   # the end of the line holding s: a match never crosses a line break
                i = bisect_left(newlines, s, i)   # starts ascend, so the line only moves on
                le = newlines[i] if i < nl else stop
                ok = lines is None or i in lines
            if not ok:
                continue
            m = match(text, s, le)
            if m is not None:
                sp = m.span(1) if lookahead else m.span()
                if sp[1] > sp[0]:
                    out.append(sp)
        if out:
            by_value[base + n] = out
    return by_value


def _all_present(needs: tuple, present: set) -> bool:
    for k in needs:
        if k not in present:
            return False
    return True


def _newlines(text: str, start: int, end: int) -> list[int]:
    out, i = [], text.find("\n", start, end)
    while i >= 0:
        out.append(i)
        i = text.find("\n", i + 1, end)
    return out


def _need_lines(p, n: int, by_value, newlines: list[int], cache: dict) -> set[int]:
    """The numbers of the lines where every literal set regex n needs has an occurrence."""
    lines: set[int] | None = None
    for k in p["patterns"][n][2]:
        got: set[int] = set()
        for v in p["anchor_vids"][k]:
            spans = by_value.get(v)
            if spans:
                mine = cache.get(v)
                if mine is None:
                    mine = cache[v] = _lines_of(spans, newlines)
                got |= mine
        lines = got if lines is None else lines & got
        if not lines:
            return set()
    return lines or set()


def _lines_of(spans: list, newlines: list) -> set:
    """The numbers of the lines the spans end on (literal spans come in order of their ends)."""
    out = set()
    i = 0
    last = -1
    for sp in spans:
        e = sp[1] - 1
        i = bisect_left(newlines, e, i if e >= last else 0)
        last = e
        out.add(i)
    return out


def _lines_for(p, n: int, by_value, newlines: list[int], start: int, end: int, cache: dict
               ) -> list[tuple[int, int]]:
    """(start, end) of each line where every literal set the regex needs has an occurrence (all lines when it
    needs none)."""
    bounds = [start] + [x + 1 for x in newlines]
    if p["patterns"][n][2] is None:
        return [(bounds[k], newlines[k] if k < len(newlines) else end) for k in range(len(bounds))]
    return [(bounds[k], newlines[k] if k < len(newlines) else end)
            for k in sorted(_need_lines(p, n, by_value, newlines, cache))]


def _run_lines(text: str, n: int, lines, newlines, rs, p) -> list[Occ]:
    rx, lookahead = _compiled(p, n, rs)
    out = []
    for ls, le in lines:
        for m in rx.finditer(text, ls, le):
            sp = m.span(1) if lookahead else m.span()
            if sp[1] > sp[0]:
                out.append(sp)
    return out


_RX: dict[tuple, tuple] = {}


def _compiled(p, n: int, rs):
    """(the pattern as it runs, whether a match is its group 1): rebuilt from the cached code on first use."""
    got = _RX.get((id(p), n))
    if got is None:
        from dsl.compiled import overlapping

        from .regex_cache import rebuild_packed
        pattern = p["patterns"][n][0]
        rx = rebuild_packed(overlapping(pattern), rs.regex_code.get(pattern), rs.regex_blob, rs.regex_signature)
        got = _RX[(id(p), n)] = (rx, rx.groups > 0 and rx.pattern.startswith("(?=("))
    return got


def scan(text: str, rs) -> dict[str, list[Occ]]:
    """Every occurrence of every operand key in the text, sorted by start. A regex matches within one line
    (paragraph), never across a line break."""
    keys = _scan_plan(rs)["vkeys"]
    occ: dict[str, list[Occ]] = defaultdict(list)
    for vid, spans in hits(text, rs).items():
        for k in keys[vid]:
            occ[k].extend(spans)
    for spans in occ.values():
        spans.sort()
    return occ


# ---- relations --------------------------------------------------------------------------------------------

def order_span(a: list[Occ], b: list[Occ], within: int | None) -> Occ | None:
    for bs, be in b:
        for as_, ae in a:
            if ae <= bs and (within is None or bs - ae <= within):
                return (as_, be)
    return None


def near_span(a: list[Occ], b: list[Occ], n: int) -> Occ | None:
    for as_, ae in a:
        for bs, be in b:
            gap = max(as_, bs) - min(ae, be)
            if gap <= n:
                return (min(as_, bs), max(ae, be))
    return None


def text_atoms(rs, occ_in_unit: dict[str, list[Occ]], atom_ids) -> set[int]:
    """Which of the given text atoms hold, given the occurrences inside one unit."""
    true: set[int] = set()
    atoms = rs.atoms
    for i in atom_ids:
        form = atoms[i]
        kind = form[0]
        if kind == "present":
            if occ_in_unit.get(form[1]):
                true.add(i)
        elif kind == "order":
            a, b = occ_in_unit.get(form[1]), occ_in_unit.get(form[2])
            if a and b and order_span(a, b, form[3]):
                true.add(i)
        elif kind == "near":
            a, b = occ_in_unit.get(form[1]), occ_in_unit.get(form[2])
            if a and b and near_span(a, b, form[3]):
                true.add(i)
    return true


# ---- per document -----------------------------------------------------------------------------------------

class TextFeatures:
    """Per-document (or per-region: whole lines [start, end)) features: occurrences placed in their units, and
    per unit the atoms that hold."""

    def __init__(self, doc, rs, context: dict, start: int = 0, end: int | None = None):
        self.doc = doc
        self.rs = rs
        self.context = context
        self.start, self.end = start, len(doc.text) if end is None else end
        self.by_value = hits(doc.text, rs, self.start, self.end)
        plan = _plan(rs)
        values = {f"v{i}": _ctx_value(context, rs.atoms[i]) for i in plan["ctx_atoms"]}
        self.ctx_values = {k: v for k, v in values.items() if v is not None}
        self._placed: dict[str, tuple[list, dict[int, list]]] = {}
        self._occ: dict[tuple[str, int], dict[str, list[Occ]]] = {}

    @property
    def occ(self) -> dict[str, list[Occ]]:
        """Every occurrence by key (sorted), over the whole region."""
        keys = _scan_plan(self.rs)["vkeys"]
        occ: dict[str, list[Occ]] = defaultdict(list)
        for vid, spans in self.by_value.items():
            for k in keys[vid]:
                occ[k].extend(spans)
        for spans in occ.values():
            spans.sort()
        return occ

    def units(self, scope: str) -> list:
        """The units of a scope that start in the region."""
        return self.placed(scope)[0]

    def placed(self, scope: str) -> tuple[list, dict[int, list[tuple[int, int, int]]]]:
        """(units of the region, {position in that list: [(start, end, vid)] sorted}): each occurrence of a key some
        rule of the scope uses goes to the unit that contains it, once."""
        got = self._placed.get(scope)
        if got is not None:
            return got
        units = self.doc.units(scope)
        if self.start or self.end < len(self.doc.text):
            lo = bisect_left([u.start for u in units], self.start) if units else 0
            hi = bisect_left([u.start for u in units], self.end) if units else 0
            units = units[lo:hi]
        starts = [u.start for u in units]
        ends = [u.end for u in units]
        per = _place(self.by_value, unit_plan(self.rs, scope)["vmask"], starts, ends)
        got = self._placed[scope] = (units, per)
        return got

    def unit_hits(self, unit) -> list[tuple[int, int, int]]:
        units, per = self.placed(unit.scope)
        i = self._position(units, unit)
        return per.get(i, []) if i is not None else []

    @staticmethod
    def _position(units, unit) -> int | None:
        if not units:
            return None
        i = unit.index - units[0].index
        return i if 0 <= i < len(units) and units[i].start == unit.start else None

    def occurrences_in(self, unit) -> dict[str, list[Occ]]:
        """{key: sorted spans} inside the unit, for the keys rules of its scope use."""
        key = (unit.scope, unit.index)
        got = self._occ.get(key)
        if got is None:
            got = self._occ[key] = unit_occ(self.rs, unit.scope, self.unit_hits(unit))
        return got

    def unit_occurrences(self, scope: str) -> list[dict[str, list[Occ]]]:
        """Occurrences per unit of the region, in unit order."""
        units, _ = self.placed(scope)
        return [self.occurrences_in(u) for u in units]

    def unit_fact(self, unit, atom_ids) -> dict:
        """The unit's fact: a{i} for each of `atom_ids` (text atoms) that holds in it, plus the doc.* values."""
        fact = {f"a{i}": 1 for i in text_atoms(self.rs, self.occurrences_in(unit), atom_ids)}
        fact.update(self.ctx_values)
        return fact


def _place(by_value: dict, vmask: list, starts: list, ends: list) -> dict[int, list[tuple[int, int, int]]]:
    """{unit position: [(start, end, vid)] sorted} for the occurrences of words some rule of the scope uses."""
    per: dict[int, list] = {}
    for vid, spans in by_value.items():
        if not vmask[vid]:
            continue       # no rule of this scope uses these words
        for sp in spans:
            s = sp[0]
            e = sp[1]
            i = bisect_right(starts, s) - 1
            if i >= 0 and e <= ends[i]:
                got = per.get(i)
                if got is None:
                    per[i] = [(s, e, vid)]
                else:
                    got.append((s, e, vid))
    for lst in per.values():
        lst.sort()
    return per


def unit_occ(rs, scope: str, uhits) -> dict[str, list[Occ]]:
    keys = unit_plan(rs, scope)["vkeys"]
    occ: dict[str, list[Occ]] = {}
    for h in uhits:
        sp = (h[0], h[1])   # one tuple, shared by every key the occurrence serves
        for k in keys[h[2]]:
            got = occ.get(k)
            if got is None:
                occ[k] = [sp]
            else:
                got.append(sp)
    return occ


def _ctx_value(context: dict, form: tuple):
    """doc.* atoms carry the document's value; booleans travel as 1/0 (compiler._plain_value)."""
    v = context.get(form[1][4:])
    if isinstance(v, bool):
        return int(v)
    return v


# ---- plans: built when the rules are compiled, cached with them -------------------------------------------

def _plan(rs) -> dict:
    """Per scope, the words its rules use (a scope ignores every other word), and the doc.* atoms."""
    from dsl.compiled import plan
    return plan(rs, "features", _build_plan)


def _build_plan(rs) -> dict:
    from dsl.compiled import all_atoms, atom_keys

    scope_keys: dict[str, set[str]] = {}
    ctx_atoms = set()
    for r in rs.rules:
        if r.on != "text":
            continue
        keys = scope_keys.setdefault(r.scope, set())
        for i in all_atoms(r.expr):
            form = rs.atoms[i]
            keys.update(atom_keys(form))
            if form[0] in ("cmp", "member", "exists") and str(form[1]).startswith("doc."):
                ctx_atoms.add(i)
    return {"scope_keys": scope_keys, "ctx_atoms": sorted(ctx_atoms)}


def _regex_plan(rs) -> list[tuple[str, tuple[str, ...], tuple | None, list | None]]:
    """Per distinct pattern: (pattern, the operand keys its matches count for — one entry per regex key, so a
    pattern two keys share counts twice, as two regexes would —, what it needs: one literal of each set must
    occur (or None), the literals its matches start with [(literal, min offset, max offset)] (or None)).
    Made from the compile-time fields of the RuleSet (rebuilt whenever the rules are)."""
    from dsl.compiled import plan
    return plan(rs, "regex", _build_regex_plan)


def _build_regex_plan(rs):
    from dsl.compiled import re_backref

    by_pattern: dict[str, list] = {}
    for key, pattern in rs.regex_keys.items():
        base = key.split("#", 1)[0] if key.startswith("G:") else key
        entry = by_pattern.setdefault(pattern, [pattern, [], None, None])
        entry[1].append(base)
        if key in rs.regex_anchors:
            entry[2] = rs.regex_anchors[key]
    out = []
    for pattern, (_, bases, anchors, _s) in by_pattern.items():
        starts = None if re_backref(pattern) else regex_starts(pattern)
        out.append((pattern, tuple(bases), anchors, starts))
    return out


def automaton_entries(rs) -> dict[str, list[str]]:
    """literal -> the keys the automaton reports it under: operand keys (from the compiler), "@j@n" (a literal of
    requirement j of pattern n) and "^n@lo@hi" (a literal every match of pattern n has at offset lo..hi)."""
    entries: dict[str, list[str]] = {lit: list(keys) for lit, keys in rs.literal_keys.items()}
    for n, (_pattern, _bases, anchors, starts) in enumerate(_regex_plan(rs)):
        for j, lits in enumerate(anchors or ()):
            for lit in lits:
                entries.setdefault(lit, []).append(f"@{j}@{n}")
        for lit, lo, hi in starts or ():
            k = f"^{n}@{lo}@{hi}"
            got = entries.setdefault(lit, [])
            if k not in got:
                got.append(k)
    return entries


def _scan_plan(rs) -> dict:
    from dsl.compiled import plan
    return plan(rs, "scan", _build_scan_plan)


def _build_scan_plan(rs) -> dict:
    """Per value id: the operand keys (vkeys), the requirement keys (vanch) and the regex starts (vstart) it
    stands for; regex n reports under value id n_literal + n."""
    regexes = _regex_plan(rs)
    vkeys, vanch, vstart = [], [], []
    anchor_vids: dict[str, list[int]] = {}
    for vid, keys in enumerate(rs.value_keys):
        plain, anch, st = [], [], []
        for k in keys:
            if k[0] == "@":
                anch.append(k)
                anchor_vids.setdefault(k, []).append(vid)
            elif k[0] == "^":
                n, lo, hi = map(int, k[1:].split("@"))
                st.append((n, lo, hi))
            else:
                plain.append(k)
        vkeys.append(tuple(plain))
        vanch.append(tuple(anch))
        vstart.append(tuple(st))
    n_literal = len(vkeys)
    patterns = []
    for n, (pattern, bases, anchors, starts) in enumerate(regexes):
        needs = tuple(f"@{j}@{n}" for j in range(len(anchors))) if anchors else None
        patterns.append((pattern, bases, needs))
        vkeys.append(bases)
        vanch.append(())
        vstart.append(())
    return {"vkeys": vkeys, "vanch": vanch, "vstart": vstart, "n_literal": n_literal, "patterns": patterns,
            "anchor_vids": anchor_vids,
            "unanchored": [n for n, r in enumerate(regexes) if not r[3]]}


def unit_plan(rs, scope: str) -> dict:
    """For one scope: a bit per key its rules use; per value id the mask of those keys (vmask) and the keys
    themselves, repeated as often as they are reported (vkeys)."""
    from dsl.compiled import plan
    return plan(rs, f"units:{scope}", lambda rs: _build_unit_plan(rs, scope))


def _build_unit_plan(rs, scope: str) -> dict:
    wanted = _plan(rs)["scope_keys"].get(scope, set())
    bit = {k: i for i, k in enumerate(sorted(wanted))}
    vmask, vkeys = [], []
    for keys in _scan_plan(rs)["vkeys"]:
        mine = tuple(k for k in keys if k in bit)
        m = 0
        for k in mine:
            m |= 1 << bit[k]
        vmask.append(m)
        vkeys.append(mine)
    return {"bit": bit, "vmask": vmask, "vkeys": vkeys}


# ---- where a regex's matches start ------------------------------------------------------------------------

MAX_CLASS = 64      # a character class of at most this many characters counts as that many literals
MAX_SPREAD = 24     # the widest range of offsets worth a candidate start each
MAX_STARTS = 4096
MAX_LONGER = 256     # how many strings a literal prefix may grow into


def regex_starts(pattern: str) -> list[tuple[str, int, int]] | None:
    """[(literal, lo, hi)]: every match of the pattern, starting at s, has one of the literals at s + k with
    lo <= k <= hi (e.g. (办理|核发)[^。]{0,8}执照 -> 办理 and 核发 at 0; [一-龥]{2,4}[省市] -> 省 and 市 at 2..4).
    None when no such literals can be read off the pattern's head: then it runs on whole lines."""
    from re import _parser

    if "(?" in pattern and any(f in pattern for f in ("(?i", "(?x", "(?a", "(?s", "(?m", "(?u", "(?L")):
        return None   # flags change what a literal means
    try:
        items = list(_parser.parse(pattern))
        req, _ = _head(items, 0, 0)
    except Exception:
        return None
    return sorted(set(req)) if req else None


def _prefixes(items, limit: int = MAX_STARTS) -> tuple[set[str], bool] | None:
    """(strings one of which every match begins with, whether they are the whole match), read off as far as the
    pattern stays literal (本(市|县)注册 -> 本市注册, 本县注册); None when it does not begin with a literal."""
    from re import _constants as C

    out, whole = {""}, True
    for op, av in items:
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] == 0 and out != {""}:
            whole = False   # an optional part after a prefix adds only longer strings the prefix already covers
            break
        ext = _literal_item(op, av, limit)
        if ext is None:
            whole = False
            break
        strs, complete = ext
        longer = {s + x for s in out for x in strs}
        if len(longer) > (limit if out == {""} else MAX_LONGER):
            whole = False   # a prefix that is already a literal is not worth thousands more automaton entries
            break
        out = longer
        if not complete:
            whole = False
            break
    if "" in out:
        return None
    return out, whole


def _literal_item(op, av, limit: int):
    from re import _constants as C

    if op is C.LITERAL:
        return {chr(av)}, True
    if op is C.IN:
        chars = _class_chars(av)
        return (set(chars), True) if chars is not None else None
    if op is C.SUBPATTERN and not av[1] and not av[2]:
        return _prefixes(list(av[-1]), limit)
    if op is C.BRANCH:
        strs: set[str] = set()
        complete = True
        for b in av[1]:
            got = _prefixes(list(b), limit)
            if got is None:
                return None
            strs |= got[0]
            complete = complete and got[1]
        return (strs, complete) if len(strs) <= limit else None
    if op in (C.MAX_REPEAT, C.MIN_REPEAT):
        lo, hi, sub = av
        got = _prefixes(list(sub), limit)
        if got is None:
            return None
        if lo == 0 and hi == 1 and got[1]:
            return got[0] | {""}, True
        if lo >= 1:
            return got[0], lo == hi == 1 and got[1]
    return None


def _class_chars(items) -> list[str] | None:
    from re import _constants as C

    out: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            out.append(chr(av))
        elif op is C.RANGE and av[1] - av[0] < MAX_CLASS:
            out.extend(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None
    return out if len(out) <= MAX_CLASS else None


def _head(items, lo: int, hi: int):
    """Walk a sequence: (the first literals it must contain, at offsets from the match start; or None, and the
    range of widths consumed so far — None once unbounded)."""
    from re import _constants as C, _parser

    for idx, (op, av) in enumerate(items):
        got = _prefixes(items[idx:])   # as long as the literal part goes: 市人民政府 rather than 市
        if got is not None:
            return [(x, lo, hi) for x in got[0] if not any(x[:k] in got[0] for k in range(1, len(x)))], None
        if op is C.LITERAL:
            return [(chr(av), lo, hi)], None
        if op is C.IN and _class_chars(av) is not None:
            return [(c, lo, hi) for c in _class_chars(av)], None
        elif op is C.SUBPATTERN and not av[1] and not av[2]:
            req, span = _head(list(av[-1]), lo, hi)
            if req is not None:
                return req, None
            if span is None:
                return None, None
            lo, hi = span
            continue
        elif op is C.BRANCH:
            reqs: list | None = []
            for b in av[1]:
                r, _ = _head(list(b), lo, hi)
                if r is None:
                    reqs = None
                    break
                reqs += r
            if reqs is not None:
                return (reqs, None) if len(reqs) <= MAX_STARTS else (None, None)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
            r, _ = _head(list(av[2]), lo, hi)
            if r is not None:
                return r, None
        elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue   # zero width: it constrains the match, it does not move its start
        wlo, whi = _parser.SubPattern(_parser.State(), [(op, av)]).getwidth()
        if whi >= C.MAXREPEAT:
            return None, None
        lo, hi = lo + wlo, hi + whi
        if hi - lo > MAX_SPREAD:
            return None, None
    return None, (lo, hi)
