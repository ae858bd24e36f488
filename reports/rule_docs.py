"""Rules read as a reviewer reads them: one page per rule (after ruff's rule docs) and a trace of one example.

A compiled rule keeps one condition, `when and not unless` in negation normal form. `parts()` takes it apart again
into the `when` condition and the `unless` entries as the rule file lists them (checked against the compiled
`unless_text`, so a wrong split is never shown). `trace()` evaluates both parts on every unit of an example with the
engine's own features and the plain-Python atom semantics (engine.oracle), so a failing example can say which words
were found, which condition did not hold and which `unless` entry fired; `protected()` says, for each `unless`
entry, which lawful examples it is there for. `build()` writes the pages (Markdown, or HTML through markdown-it-py)
and an index grouped by family and article, with the coverage of the review standards.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from dsl.compiled import all_atoms, atom_keys, describe, describe_atom, eval_expr, key_label

FAMILY_CN = {"fair_competition": "公平竞争审查", "negative_list": "市场准入负面清单", "filing": "备案不得变审批",
             "case": "案例归集"}
SEVERITY_CN = {"error": "错误（条款按其文字即违反审查标准）", "warning": "警告（可疑，须人工判断）", "info": "提示"}
SEVERITY_SHORT = {"error": "错误", "warning": "警告", "info": "提示"}
SCOPE_CN = {"sentence": "一句", "clause": "一段（款）", "article": "一条", "document": "全文",
            "filing_item": "一项备案事项", "filing_request": "一件备案申请", "case_record": "一条案例记录",
            "exception_declaration": "草案中的一处例外声明"}
FORMATS = ("md", "html")
MAX_PRECEDENTS = 8


# ---- the rule taken apart ----------------------------------------------------------------------------------------

def negate(e: tuple) -> tuple:
    """The NNF of `not e`."""
    if e[0] == "atom":
        return ("atom", e[1], not e[2])
    if e[0] in ("and", "or"):
        return ("or" if e[0] == "and" else "and", tuple(negate(a) for a in e[1]))
    return e


def _norm(s: str) -> str:
    return re.sub(r"[（）\s]", "", s)


@dataclass
class Parts:
    when: tuple                      # NNF
    unless: list[tuple] = field(default_factory=list)   # each entry positive, in the order the rule file lists them
    exact: bool = True               # False when the compiled form could not be split back (then unless is [])


def parts(rs, rule) -> Parts:
    """`when` and the `unless` entries of a compiled rule (expr = flatten(when and not (u1 or u2 or ...)))."""
    if not rule.unless_text:
        return Parts(rule.expr)
    conj = rule.expr[1] if rule.expr[0] == "and" else (rule.expr,)
    target = _norm(rule.unless_text)
    for k in range(1, len(conj)):
        entries = [negate(c) for c in conj[-k:]]
        text = describe(("or", tuple(entries)), rs.atoms) if k > 1 else describe(entries[0], rs.atoms)
        if _norm(text) == target:
            rest = conj[:-k]
            return Parts(rest[0] if len(rest) == 1 else ("and", tuple(rest)), entries)
    return Parts(rule.expr, [], exact=False)


def say(rs, e: tuple) -> str:
    return describe(e, rs.atoms)


# ---- one example, unit by unit -----------------------------------------------------------------------------------

@dataclass
class UnitTrace:
    path: str
    text: str
    when: bool
    fired: list[int]                 # indexes of the unless entries that hold
    found: list[str]                 # the rule's words found, "词组：“词”"
    held: list[str]                  # positive `when` conditions that hold, in words
    missing: list[str]               # positive `when` conditions that do not hold, in words

    @property
    def matches(self) -> bool:
        return self.when and not self.fired


def trace(rs, rule, text: str) -> list[UnitTrace]:
    """Evaluate `when` and each `unless` entry on every unit of the rule's scope in `text` (a text rule)."""
    from engine.context import document_context
    from engine.features import TextFeatures
    from engine.oracle import atom_holds
    from engine.segment import segment

    p = parts(rs, rule)
    doc = segment("<example>", text)
    feats = TextFeatures(doc, rs, document_context(doc, rs))
    atoms = sorted(all_atoms(rule.expr))
    out = []
    for u in doc.units(rule.scope):
        fact = feats.unit_fact(u, atoms)
        occ = feats.occurrences_in(u)

        def truth(i, fact=fact):
            return atom_holds(i, rs.atoms[i], fact)

        found = []
        for a in atoms:
            for key in atom_keys(rs.atoms[a]):
                words = "、".join(dict.fromkeys(f"“{doc.text[s:e]}”" for s, e in occ.get(key, [])[:3]))
                item = f"{key_label(key)}：{words}" if words else ""
                if item and item not in found:
                    found.append(item)
        when_atoms = sorted(rule.when_atoms)
        out.append(UnitTrace(
            path=u.path, text=doc.unit_text(u), when=eval_expr(p.when, truth),
            fired=[i for i, e in enumerate(p.unless) if eval_expr(e, truth)], found=found,
            held=[describe_atom(rs.atoms[a]) for a in when_atoms if truth(a)],
            missing=[_missing(rs.atoms[a], occ) for a in when_atoms if not truth(a)]))
    return out


def _missing(form: tuple, occ: dict) -> str:
    """A `when` condition that does not hold, and which of its words the unit lacks."""
    absent = [key_label(k) for k in atom_keys(form) if not occ.get(k)]
    return describe_atom(form) + (f"（没有{'、'.join(absent)}的词）" if absent else "")


def explain_example(rs, rule, text: str, violating: bool, line: int, found: set[str], findings=()) -> str:
    """Why an embedded example did not come out as the rule file says: the sentence, what was expected, what the
    checker found, and per unit which condition held, which did not and which `unless` entry fired."""
    p = parts(rs, rule)
    file = rule.source.rsplit(":", 1)[0]
    want = "应当命中（violates 违规例句）" if violating else "不应命中（passes 合规例句）"
    got = "命中了" if rule.id in found else "未命中"
    lines = [f"{rule.id}「{rule.title}」 例句 {file}:{line}",
             f"  例句：{text}",
             f"  期望：{want}；实际：{got}（本例句查出的规则：{'、'.join(sorted(found)) or '无'}）",
             f"  条件（when）：{rule.when_text}"]
    if rule.unless_text:
        lines.append(f"  排除（unless）：{rule.unless_text}")
    if rule.on == "exception_declaration":
        return "\n".join(lines + _declarations(rs, text) + [f"  检查器的说明：{f.explanation}"
                                                            for f in findings if f.rule == rule.id][:2])
    units = trace(rs, rule, text)
    shown = [t for t in units if t.found] or units[:1]
    for t in shown[:4]:
        lines.append(f"  {t.path or SCOPE_CN.get(rule.scope, '')}「{t.text.strip()[:80]}」：")
        lines.append(f"    找到的词：{'；'.join(t.found) or '规则的词一个也没有'}")
        if not t.when:
            lines.append(f"    when 不成立。成立的：{'；'.join(t.held) or '无'}；不成立的：{'；'.join(t.missing) or '无'}")
        else:
            lines.append(f"    when 成立（{'；'.join(t.held)}）")
        for i in t.fired:
            lines.append(f"    排除情形 {i + 1} 成立，故不命中：{say(rs, p.unless[i])}")
        if t.matches and rule.unless_text:
            lines.append("    排除情形一个也没有成立")
    mine = [f for f in findings if f.rule == rule.id]
    for f in mine[:2]:
        lines.append(f"  检查器的说明：{f.explanation}")
    if violating and any(t.matches for t in units) and not mine:
        lines.append("  规则条件成立，但问题在后续处理（例外声明、清单版本）中被去掉")
    if not violating and rule.id in found and not any(t.matches for t in units):
        lines.append("  逐句求值不成立，检查器却命中：两者不一致，是引擎的问题")
    if not p.exact:
        lines.append("  （编译后的条件无法拆回 when 与各 unless 条目，以上按整体条件求值）")
    return "\n".join(lines)


def _declarations(rs, text: str) -> list[str]:
    """The exception declarations the engine finds in an example, with the fields the rules read."""
    from engine.context import exception_declarations, lexicon
    from engine.exceptions import declaration_record
    from engine.segment import segment

    decls = exception_declarations(segment("<example>", text), lexicon(rs))
    if not decls:
        return ["  没有找到例外声明（见 rules/lexicon/document.rule 的词组“例外声明”“例外否定”）"]
    def shown(v) -> str:
        return "、".join(v) or "无" if isinstance(v, list) else str(v)
    return [f"  例外声明：{'；'.join(f'{k}：{shown(v)}' for k, v in declaration_record(d).items() if not k.startswith('_'))}"
            for d in decls]


def protected(rs, rule) -> dict[int, list[str]]:
    """For each `unless` entry, the lawful examples it keeps from being flagged: `when` holds in some unit of the
    example and, in every such unit, this entry is among those that fire."""
    out: dict[int, list[str]] = {}
    if rule.on != "text" or not rule.unless_text:
        return out
    for text, violating, _ in rule.examples:
        if violating:
            continue
        for t in trace(rs, rule, text):
            if t.when:
                for i in t.fired:
                    out.setdefault(i, [])
                    if text not in out[i]:
                        out[i].append(text)
    return out


def precedent_matches(rs, library) -> dict[str, list]:
    """rule id -> the published violations (engine.precedents library) the checker flags with that rule."""
    from engine.check import check_text

    out: dict[str, list] = {}
    for p in library:
        if p.label != "violation":
            continue
        for rule_id in dict.fromkeys(f.rule for f in check_text(p.text, p.id, rs, precedents=False)):
            out.setdefault(rule_id, []).append(p)
    return out


# ---- pages -------------------------------------------------------------------------------------------------------

def rule_source(rule) -> tuple[str, int, str]:
    """(file, line, the rule's text as written, with the comments right above it)."""
    file, _, line = rule.source.rpartition(":")
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except OSError:
        return file, int(line or 0), ""
    start = int(line) - 1
    top = start
    while top > 0 and lines[top - 1].lstrip().startswith("#") and not lines[top - 1].startswith("# ===="):
        top -= 1
    end = start
    while end < len(lines) and lines[end].rstrip() != "}":
        end += 1
    return file, start + 1, "\n".join(lines[top:end + 1])


def relpath(file: str) -> str:
    p = Path(file)
    for anchor in ("rules",):
        if anchor in p.parts:
            return "/".join(p.parts[len(p.parts) - p.parts[::-1].index(anchor) - 1:])
    return str(p)


def article_key(rule) -> tuple[str, str]:
    """(instrument, article citation) of the rule's first basis: the article it belongs to in the index."""
    from dsl.lawtext import citation

    if not rule.bases:
        return ("", "未注明依据")
    b = rule.bases[0]
    art = [(k, n) for k, n in b.locators if k in ("part", "art")]
    return (b.instrument, citation(b.instrument, art) if art else b.citation)


def _quote(text: str) -> str:
    return "\n>\n".join("> " + ln.strip() for ln in text.strip().splitlines() if ln.strip())   # one paragraph a line


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _code(s: str) -> str:
    """Inline code in a table cell: regexes keep their brackets and stars instead of turning into links."""
    return "`" + _cell(s).replace("`", "'") + "`"


def rule_page(rs, rule, precedents: list | None = None) -> str:
    """One rule as Markdown: the sections a reviewer reads, in a fixed order."""
    file, line, source = rule_source(rule)
    p = parts(rs, rule)
    out = [f"# {rule.id} {rule.title}", "",
           "| 项目 | 内容 |", "|---|---|",
           f"| 规则编号 | `{rule.id}` |",
           f"| 类别 | {FAMILY_CN.get(rule.family, rule.family)} |",
           f"| 严重程度 | {SEVERITY_CN.get(rule.severity, rule.severity)} |",
           f"| 检查范围 | {SCOPE_CN.get(rule.unit, rule.unit)} |",
           f"| 依据 | {_cell(rule.basis_text)} |",
           f"| 规则文件 | `{relpath(file)}` 第 {line} 行 |", ""]
    out += ["## 法律依据", ""]
    for b in rule.bases:
        out += [f"**{b.citation}**（{b.edition}年版{('，' + b.number) if b.number else ''}）：", "", _quote(b.text), ""]
        if b.article_text and b.article_text.strip() != b.text.strip():
            out += ["该条全文：", "", _quote(b.article_text), ""]
    out += ["## 查什么", "", rule.message, ""]
    why = (f"{rule.message}。所依据的{'、'.join(b.citation for b in rule.bases)}规定："
           + "；".join(f"“{b.text.rstrip('；。;')}”" for b in rule.bases) + "。") if rule.bases else rule.message
    out += ["## 为什么", "", why, ""]
    if rule.confirm:
        out += ["需要人工核实：" + rule.confirm, ""]
    out += ["## 怎样判断", "", f"在{SCOPE_CN.get(rule.unit, rule.unit)}之内，下列条件成立时命中：", "",
            f"```\n{rule.when_text}\n```", ""]
    terms = words_used(rs, rule)
    if terms:
        out += ["条件中的词组：", "", "| 词组 | 包含的词 |", "|---|---|"]
        out += [f"| {name} | {words} |" for name, words in terms] + [""]
    out += ["## 怎样修改", "", rule.suggest, ""]
    out += ["## 排除情形", ""]
    if not rule.unless_text:
        out += ["本规则没有排除情形（unless）。", ""]
    elif not p.unless:
        out += [f"出现下列情形之一时不命中：`{rule.unless_text}`", ""]
    else:
        prot = protected(rs, rule)
        out += ["出现下列任一情形时不命中。右栏是本规则的合规例句中“怎样判断”的条件成立、由这一条排除的句子，"
                "即这一条所保护的合法写法。", "",
                "| 序号 | 排除条件 | 保护的合规写法 |", "|---|---|---|"]
        for i, e in enumerate(p.unless):
            kept = "<br>".join(_cell(t) for t in prot.get(i, [])) or "（没有合规例句用到这一条）"
            out.append(f"| {i + 1} | {_code(say(rs, e))} | {kept} |")
        out.append("")
    out += ["## 示例", ""]
    bad = [t for t, v, _ in rule.examples if v]
    good = [t for t, v, _ in rule.examples if not v]
    if not rule.examples:
        out += ["本规则检查结构化记录，没有内嵌例句；其行为由 tests/ 中的记录测试覆盖。", ""]
    if bad:
        out += ["### 违规示例", ""] + [f"- {t}" for t in bad] + [""]
    if good:
        out += ["### 合规示例", ""] + [f"- {t}" for t in good] + [""]
    if precedents is not None:
        out += ["## 命中的已公布案例", ""]
        if not precedents:
            out += ["案例库（rules/precedents）中已公布的违规案例没有被本规则命中的。", ""]
        else:
            out += [f"案例库中已公布的违规案例有 {len(precedents)} 条被本规则命中：", "",
                    "| 案例 | 原文 | 来源 |", "|---|---|---|"]
            for p in precedents[:MAX_PRECEDENTS]:
                where = f"[{_cell(p.source_title)}]({p.source_url})" if p.source_url.startswith("http") \
                    else _cell(p.source_title)
                out.append(f"| {p.id} | {_cell(p.text)} | {where}{('，' + p.date) if p.date else ''} |")
            if len(precedents) > MAX_PRECEDENTS:
                out.append(f"| … | 另有 {len(precedents) - MAX_PRECEDENTS} 条 | |")
            out.append("")
    if source:
        out += ["## 规则原文", "", f"`{relpath(file)}` 第 {line} 行：", "", "```", source, "```", ""]
    out += ["[返回规则索引](index.md)", ""]
    return "\n".join(out)


def words_used(rs, rule, limit: int = 40) -> list[tuple[str, str]]:
    """(group, its words) for every named term group the rule's condition uses (inline groups included)."""
    out = []
    for i in sorted(all_atoms(rule.expr)):
        for key in atom_keys(rs.atoms[i]):
            kind, _, name = key.partition(":")
            if kind != "G" or name not in rs.groups or any(n == name for n, _ in out):
                continue
            lits, regs = rs.groups[name]
            words = "、".join(lits[:limit]) + (f" 等 {len(lits)} 个" if len(lits) > limit else "")
            words = _cell(words) + (("；正则 " + " ".join(_code(f"/{r}/") for r in regs[:6])) if regs else "")
            out.append((name, words))
    return out


def index_page(rs, coverage: list[dict] | None = None) -> str:
    out = ["# 规则索引", "", f"共 {len(rs.rules)} 条规则，按类别和所依据的条文排列。每条规则一页。", ""]
    families = list(dict.fromkeys([f for f in FAMILY_CN if any(r.family == f for r in rs.rules)]
                                  + [r.family for r in rs.rules]))
    for fam in families:
        rules = [r for r in rs.rules if r.family == fam]
        out += [f"## {FAMILY_CN.get(fam, fam)}（{len(rules)} 条）", ""]
        by_article: dict[tuple, list] = {}
        for r in rules:
            by_article.setdefault(article_key(r), []).append(r)
        for (_, art), group in sorted(by_article.items(), key=lambda kv: _article_order(kv[0], kv[1])):
            out += [f"### {art}", "", "| 规则 | 标题 | 严重程度 | 例句 |", "|---|---|---|---|"]
            for r in group:
                n_bad = sum(1 for _, v, _ in r.examples if v)
                out.append(f"| [{r.id}]({r.id}.md) | {_cell(r.title)} | {SEVERITY_SHORT.get(r.severity, r.severity)} | "
                           f"{n_bad} 违规 / {len(r.examples) - n_bad} 合规 |")
            out.append("")
    if coverage:
        missing = [c for c in coverage if not c["rules"]]
        out += ["## 审查标准覆盖", "",
                f"《公平竞争审查条例》第八至十一条、《公平竞争审查条例实施办法》第九至二十四条共 {len(coverage)} 项，"
                f"已有规则 {len(coverage) - len(missing)} 项，没有规则 {len(missing)} 项。", "",
                "| 条款 | 规则 | 违规例句 | 合规例句 |", "|---|---|---|---|"]
        for c in coverage:
            links = "、".join(f"[{i}]({i}.md)" for i in c["rules"]) or "**（无）**"
            out.append(f"| {c['citation']} | {links} | {c['violating_examples']} | {c['lawful_examples']} |")
        out.append("")
    return "\n".join(out)


def _article_order(key: tuple, rules: list) -> tuple:
    b = rules[0].bases[0] if rules[0].bases else None
    locs = tuple(n for _, n in b.locators) if b else ()
    return (key[0], locs, key[1])


HTML_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.7; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0; }}
td:first-child {{ white-space: nowrap; }}
th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.6rem; vertical-align: top; text-align: left; }}
blockquote {{ border-left: 4px solid #b22; margin: 0.5rem 0; padding: 0.2rem 1rem; background: #faf6f6; }}
pre {{ background: #f4f4f4; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""


def to_html(markdown: str, title: str) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    body = md.render(re.sub(r"\]\(([A-Za-z0-9_.-]+)\.md\)", r"](\1.html)", markdown))
    return HTML_PAGE.format(title=html.escape(title), body=body)


def build(rs, out_dir: Path, fmt: str = "md", coverage: list[dict] | None = None,
          precedents: dict[str, list] | None = None) -> list[Path]:
    """Write one page per rule and index.{md,html}; returns the paths written. `precedents`: precedent_matches()."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    pages = [(r.id, f"{r.id} {r.title}",
              rule_page(rs, r, None if precedents is None else precedents.get(r.id, []))) for r in rs.rules]
    pages.append(("index", "规则索引", index_page(rs, coverage)))
    for name, title, text in pages:
        path = out_dir / f"{name}.{fmt}"
        path.write_text(to_html(text, title) if fmt == "html" else text, encoding="utf-8")
        written.append(path)
    return written
