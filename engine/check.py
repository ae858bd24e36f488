"""From a document to findings: ingest → segment → context → features → evaluate → findings → exceptions."""
from __future__ import annotations

import os

from .context import document_context
from .exceptions import apply_exceptions
from .features import TextFeatures
from .finding import Finding, Match
from .ingest import read_document
from .segment import Document, segment

TEXT_SCOPES = ("sentence", "clause", "article", "document")

_evaluators: dict[tuple[int, str], object] = {}


def engine_name() -> str:
    return os.environ.get("POLICYLINT_ENGINE", "durable")


def evaluator(rs, name: str | None = None):
    """One evaluator per ruleset and engine kind in this process (durable wants one long-lived host)."""
    name = name or engine_name()
    key = (id(rs), name)
    ev = _evaluators.get(key)
    if ev is None:
        if name == "python":
            from .oracle import OracleEvaluator
            ev = OracleEvaluator(rs)
        else:
            from .durable_eval import DurableEvaluator
            ev = DurableEvaluator(rs)
        _evaluators[key] = ev
    return ev


def default_rules():
    from engine.rulebook import load_rules
    return load_rules()


def _gates(rs) -> dict:
    from dsl.compiled import plan
    return plan(rs, "gates", _build_gates)


def _build_gates(rs) -> dict:
    """Per scope, what a unit must contain for each rule to have a chance: a rule holds only through one of its
    alternatives of required words (_requirements). Each alternative is a bit mask over the scope's keys
    (engine.features.unit_plan), indexed by the bit of its first word: a unit is looked at only for rules whose
    words it has (the indexed pre-filter of research §5), and is sent only to the durable partitions holding
    such rules. `atoms`: per text atom, its flag name, kind, the mask of the keys it needs and its operands."""
    from dsl.compiled import all_atoms, atom_keys

    from .features import unit_plan

    g = {}
    part_of = {i: name for name, _unit, idxs in rs.partitions for i in idxs}
    for i, r in enumerate(rs.rules):
        if r.on != "text":
            continue
        bit = unit_plan(rs, r.scope)["bit"]
        entry = g.setdefault(r.scope, {"open": [], "by_bit": {}, "gate_mask": 0, "atoms": {}})
        text_atoms = tuple(a for a in all_atoms(r.expr) if rs.atoms[a][0] in ("present", "order", "near"))
        for a in text_atoms:
            form = rs.atoms[a]
            mask = 0
            for k in atom_keys(form):
                mask |= 1 << bit[k]
            entry["atoms"][a] = (f"a{a}", form[0], mask) + tuple(form[1:])
        rule = (i, part_of[i], text_atoms)
        alternatives = _requirements(r.expr, rs.atoms)
        if not alternatives or () in alternatives:
            entry["open"].append(((), rule))   # matchable without any particular word: always looked at
            continue
        for req in alternatives:
            keys = tuple(dict.fromkeys(k for a in req for k in atom_keys(rs.atoms[int(a[1:])])))
            mask = 0
            for k in keys:
                mask |= 1 << bit[k]
            entry["by_bit"].setdefault(bit[keys[0]], []).append((mask, req, rule))
            entry["gate_mask"] |= 1 << bit[keys[0]]
    return g


def _requirements(e: tuple, atoms, limit: int = 64) -> list[tuple[str, ...]]:
    """The ways a rule can hold, as alternatives of text atoms that must all be present (a bounded DNF of the
    positive text atoms). () means "no particular word needed"; an empty list means "too many to list"."""
    kind = e[0]
    if kind == "atom":
        return [(f"a{e[1]}",)] if e[2] and atoms[e[1]][0] in ("present", "order", "near") else [()]
    if kind == "or":
        out: list[tuple[str, ...]] = []
        for a in e[1]:
            sub = _requirements(a, atoms, limit)
            if not sub or () in sub:
                return [()]
            out += sub
        return out if len(out) <= limit else []
    if kind == "and":
        out = [()]
        for a in e[1]:
            sub = _requirements(a, atoms, limit)
            if not sub:
                continue   # that part alone is too branchy: the others still narrow it
            out = [tuple(dict.fromkeys(x + y)) for x in out for y in sub]
            if len(out) > limit:
                out = [tuple(dict.fromkeys(x for alt in out for x in alt if all(x in o for o in out)))]
        return out
    return [()]


def text_facts(doc: Document, rs, feats: TextFeatures) -> tuple[dict[str, list[dict]], dict[str, object]]:
    """Facts per unit kind, and the units by fact id. A unit goes to the engine only when some rule of its
    scope could match it (every text rule needs words, the compiler checks; most need several at once), and
    only to the partitions that hold such rules (`_parts`). Only those rules' atoms are computed."""
    from .features import near_span, order_span, unit_plan

    facts: dict[str, list[dict]] = {}
    units_by_id = {}
    gates = _gates(rs)
    ctx = feats.ctx_values
    for scope in TEXT_SCOPES:
        gate = gates.get(scope)
        if gate is None:
            continue
        by_bit, always, gate_mask, atom_plan = gate["by_bit"], gate["open"], gate["gate_mask"], gate["atoms"]
        vmask = unit_plan(rs, scope)["vmask"]
        out = facts[scope] = []
        units, per = feats.placed(scope)
        for pos in sorted(per):
            m = 0
            for _s, _e, v in per[pos]:
                m |= vmask[v]
            maybe = list(always)          # rules whose words are all in the unit: check them
            g = m & gate_mask
            while g:
                low = g & -g
                for mask, req, rule in by_bit[low.bit_length() - 1]:
                    if mask & m == mask:
                        maybe.append((req, rule))
                g ^= low
            if not maybe:
                continue
            # maybe: (required atoms, (rule index, partition, its text atoms)); an open rule requires nothing
            u = units[pos]
            fact: dict = {}
            occ = None
            for a in {a for _, rule in maybe for a in rule[2]}:
                name, kind, mask, *form = atom_plan[a]
                if mask & m != mask:
                    continue
                if kind == "present":
                    fact[name] = 1
                    continue
                if occ is None:
                    occ = feats.occurrences_in(u)
                if (order_span if kind == "order" else near_span)(occ[form[0]], occ[form[1]], form[2]):
                    fact[name] = 1
            if not fact:
                continue
            parts = {rule[1] for req, rule in maybe if all(a in fact for a in req)}
            if not parts:
                continue
            fact.update(ctx)
            fid = f"{scope}:{u.index}"
            fact["id"] = fid
            fact["_parts"] = parts
            out.append(fact)
            units_by_id[fid] = u
    return facts, units_by_id


def precedents_on() -> bool:
    """The precedent tier is on unless `check --no-precedents` (which sets POLICYLINT_NO_PRECEDENTS for the
    workers it starts) turned it off."""
    return not os.environ.get("POLICYLINT_NO_PRECEDENTS")


def rule_findings(doc: Document, rs, engine: str | None, context: dict, region: tuple[int, int] | None = None
                  ) -> list[Finding]:
    """What the compiled rules find in one document (or in the units starting in `region`, whole lines), in
    document order (then rule order)."""
    feats = TextFeatures(doc, rs, context, *(region or ()))
    facts, units = text_facts(doc, rs, feats)
    hits = evaluator(rs, engine).evaluate(facts)
    return [make_finding(doc, rs, rs.rules[i], units[fid], feats)
            for i, fid in sorted(hits, key=lambda h: (units[h[1]].start, h[0]))]


REGION_CHARS = 65_536   # text whose occurrences and facts are held at once: memory stays flat on large drafts


def regions(doc: Document, rs, size: int = REGION_CHARS) -> list[tuple[int, int]]:
    """[start, end) spans of whole lines, about `size` characters each, that no unit of a scope with text rules
    crosses (sentences and clauses lie within a line; an article rule keeps its articles whole; a document rule
    keeps the document whole)."""
    n = len(doc.text)
    scopes = set(_gates(rs))
    if n <= size or "document" in scopes:
        return [(0, n)]
    cuts = doc.line_starts[1:]
    if "article" in scopes:
        inside = [(a.start, a.end) for a in doc.articles]
        import bisect
        starts = [s for s, _ in inside]

        def ok(c):
            i = bisect.bisect_right(starts, c - 1) - 1
            return i < 0 or inside[i][1] <= c
        cuts = [c for c in cuts if ok(c)]
    out, last = [], 0
    for c in cuts:
        if c - last >= size:
            out.append((last, c))
            last = c
    out.append((last, n))
    return out


def iter_findings(doc: Document, rs=None, engine: str | None = None, as_of=None, precedents=None,
                  inherit: bool = True, region_chars: int = REGION_CHARS):
    """The findings of check_document, in the same order, as lists made region by region (engine.check.regions):
    only one region's occurrences and facts are held at a time, and a caller can write each list out and drop it.
    A draft that declares a 第十二条 exception is done in one piece (the declaration covers findings anywhere)."""
    rs = rs or default_rules()
    context = document_context(doc, rs)
    spans = regions(doc, rs, region_chars)
    if len(spans) == 1 or context.get("exception"):
        yield whole_document(doc, rs, engine, as_of, precedents, inherit, context)
        return
    more = []
    if inherit:   # every reading's findings, then per region those a plain rule did not already make on the clause
        from .inherit import inherited_findings
        more = inherited_findings(doc, rs, context, [],
                                  lambda t: rule_findings(segment("<reading>", t), rs, engine, context),
                                  engine=engine or engine_name())
    tier = precedents is not False and (precedents is not None or precedents_on())
    late: list[Finding] = []
    for lo, hi in spans:
        findings = rule_findings(doc, rs, engine, context, (lo, hi))
        mine = [f for f in more if lo <= f.start < hi]
        if mine:
            have = {(f.rule, f.start) for f in findings}
            mine = [f for f in mine if (f.rule, f.start) not in have]
            if mine:
                findings = sorted(findings + mine, key=lambda f: f.start)
        findings = _annotate(doc, rs, findings, as_of)
        if tier:
            from .precedents import annotate as with_precedents
            view = Document(name=doc.name, text=doc.text, title=doc.title, line_starts=doc.line_starts,
                            sentences=_region_units(doc.sentences, lo, hi), meta=doc.meta)
            n = len(findings)
            got = with_precedents(view, findings, precedents or None, **_precedent_words(rs))
            findings, extra = got[:n], got[n:]   # warnings on clauses no rule flagged come after all findings
            late.extend(extra)
        yield findings
    if late:
        yield late


def _region_units(units: list, lo: int, hi: int) -> list:
    import bisect
    starts = [u.start for u in units]
    return units[bisect.bisect_left(starts, lo):bisect.bisect_left(starts, hi)]


def _annotate(doc: Document, rs, findings: list[Finding], as_of) -> list[Finding]:
    if any(f.family == "negative_list" for f in findings):
        from .market_access import PERMIT_TAG, annotate   # names the list edition, and says when its data is incomplete
        from dsl.compiled import plan
        permit = plan(rs, "permit_rules", lambda rs: {r.id for r in rs.rules if PERMIT_TAG in r.tags})
        findings = annotate(findings, doc.text, as_of=as_of, permit_rules=permit)
    return findings


def check_document(doc: Document, rs=None, engine: str | None = None, as_of=None,
                   precedents=None, inherit: bool = True) -> list[Finding]:
    """All findings on one document. `as_of` picks the negative-list edition (default: the draft's own date);
    `precedents`: a PrecedentIndex, False for none, None for the default library when the tier is on.
    A draft longer than REGION_CHARS is checked region by region (iter_findings), with the same result."""
    return [f for part in iter_findings(doc, rs, engine, as_of, precedents, inherit) for f in part]


def _precedent_words(rs) -> dict:
    """The lexicon's word groups the precedent tier reads (rules/lexicon/document.rule, `for doc.precedent`)."""
    from .context import lexicon

    lx = lexicon(rs)
    return {"skip": lx.rx("不比对案例"), "gate": lx.rx("比对要素"), "fair": lx.rx("用语模型不比对")}


def whole_document(doc: Document, rs, engine: str | None, as_of, precedents, inherit: bool,
                   context: dict) -> list[Finding]:
    """check_document in one piece: every occurrence and fact of the draft held at once."""
    findings = rule_findings(doc, rs, engine, context)
    if inherit:
        from .inherit import inherited_findings   # definitions and lead-ins carried into the clauses that use them
        more = inherited_findings(doc, rs, context, findings,
                                  lambda t: rule_findings(segment("<reading>", t), rs, engine, context),
                                  engine=engine or engine_name())
        if more:
            findings = sorted(findings + more, key=lambda f: f.start)   # stable: rule order kept within a clause
    findings = apply_exceptions(doc, context, findings, rs, engine)
    findings = _annotate(doc, rs, findings, as_of)
    if precedents is not False and (precedents is not None or precedents_on()):
        from .precedents import annotate as with_precedents
        findings = with_precedents(doc, findings, precedents or None, **_precedent_words(rs))
    return findings


def check_text(text: str, name: str = "<stdin>", rs=None, engine: str | None = None, as_of=None,
               precedents=None) -> list[Finding]:
    return check_document(segment(name, text), rs, engine, as_of=as_of, precedents=precedents)


def check_path(path: str, rs=None, engine: str | None = None, as_of=None) -> list[Finding]:
    text, meta = read_document(path)
    return check_document(segment(path, text, meta), rs, engine, as_of=as_of)


def iter_path(path: str, rs=None, engine: str | None = None, as_of=None):
    """check_path's findings as lists made region by region (iter_findings)."""
    text, meta = read_document(path)
    return iter_findings(segment(path, text, meta), rs, engine, as_of=as_of)


def _shown_keys(rs) -> dict:
    """Per rule id: (key, label) of the words its `when` shows, in order (made once, with the compiled rules)."""
    from dsl.compiled import atom_keys, key_label, plan
    return plan(rs, "shown_keys", lambda rs: {r.id: [(k, key_label(k)) for a in r.when_atoms
                                                     for k in atom_keys(rs.atoms[a])] for r in rs.rules})


def matched_words(doc: Document, rs, rule, unit, feats: TextFeatures) -> list[Match]:
    occ = feats.occurrences_in(unit)
    seen, out = set(), []
    for key, label in _shown_keys(rs)[rule.id]:
        for s, e in occ.get(key, [])[:3]:
            if (s, e) in seen:
                continue
            seen.add((s, e))
            line, col = doc.line_col(s)
            out.append(Match(group=label, text=doc.text[s:e], start=s, end=e, line=line, column=col))
    out.sort(key=lambda m: m.start)
    return out


SCOPE_CN = {"sentence": "本句", "clause": "本段", "article": "本条", "document": "全文"}


def explain(rs, rule, occ: dict, text: str) -> str:
    """Why the rule fired, in the draft's own words: which words were found in which relation, and which
    exception wording was looked for and not found. Group names stay out: reviewers read words, not rules."""
    from .features import near_span, order_span

    def words(key):
        return "、".join(dict.fromkeys(f"“{text[s:e]}”" for s, e in occ.get(key, [])[:3]))

    parts = []
    for a in rule.when_atoms:
        form = rs.atoms[a]
        kind = form[0]
        if kind == "present" and occ.get(form[1]):
            parts.append(f"出现{words(form[1])}")
        elif kind in ("order", "near") and occ.get(form[1]) and occ.get(form[2]):
            span = (order_span(occ[form[1]], occ[form[2]], form[3]) if kind == "order"
                    else near_span(occ[form[1]], occ[form[2]], form[3]))
            if span:
                rel = "在其后" if kind == "order" else f"相距不超过{form[3]}字"
                parts.append(f"{words(form[1])}与{words(form[2])}{rel}")
        elif kind == "cmp" and str(form[1]).startswith("doc."):
            parts.append(f"文件属性 {form[1][4:]} {form[2]} {form[3]}")
    where = SCOPE_CN.get(rule.scope, "本句")
    out = f"{where}{'，'.join(parts) or '符合规则条件'}，符合“{rule.title}”的情形。"
    if rule.unless_text:
        out += f"已检查排除情形（{_examples(rs, rule)}等纠偏、禁止或公平措辞），{where}未出现，故不排除。"
    return out


def _examples(rs, rule) -> str:
    """A few literals of the words the rule's `unless` looks for (made once, with the compiled rules)."""
    from dsl.compiled import plan
    return plan(rs, "unless_words", lambda rs: {r.id: _unless_words(rs, r) for r in rs.rules if r.unless_text}
                ).get(rule.id, "排除条件")


def _unless_words(rs, rule) -> str:
    from dsl.compiled import all_atoms, atom_keys

    positive_when = set(rule.when_atoms)
    when_keys = {k for a in positive_when for k in atom_keys(rs.atoms[a])}
    found = []
    for a in sorted(all_atoms(rule.expr) - positive_when):
        for key in atom_keys(rs.atoms[a]):
            if key in when_keys:
                continue   # `纠偏 before 分支`: the exception words are 纠偏's, not 分支's
            kind, _, name = key.partition(":")
            lits = rs.groups.get(name, ([], []))[0] if kind == "G" else [name] if kind == "L" else []
            found.extend(f"“{x}”" for x in lits[:2])
    return "、".join(list(dict.fromkeys(found))[:4]) or "排除条件"


def make_finding(doc: Document, rs, rule, unit, feats: TextFeatures) -> Finding:
    matches = matched_words(doc, rs, rule, unit, feats)
    first = matches[0].start if matches else unit.start
    last = max((m.end for m in matches), default=unit.end)
    line, col = doc.line_col(first)
    end_line, end_col = doc.line_col(max(last - 1, first))
    explanation = explain(rs, rule, feats.occurrences_in(unit), doc.text)
    return Finding(
        file=doc.name, rule=rule.id, title=rule.title, family=rule.family, severity=rule.severity,
        basis=rule.basis_text, message=rule.message, suggestion=rule.suggest,
        line=line, column=col, end_line=end_line, end_column=end_col + 1, start=unit.start, end=unit.end,
        path=unit.path, scope=rule.scope, text=doc.unit_text(unit), matched=matches, explanation=explanation,
        confirm=rule.confirm, sets=dict(rule.sets),
        bases=[dict(b) for b in _bases(rs)[rule.id]],
    )


def _bases(rs) -> dict:
    from dsl.compiled import plan
    return plan(rs, "bases", lambda rs: {r.id: [{"citation": b.citation, "text": b.text, "instrument": b.instrument,
                                                  "edition": b.edition} for b in r.bases] for r in rs.rules})
