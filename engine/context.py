"""Document facts: what kind of policy measure a draft is, whether it concerns operators' economic activity,
and whether it declares an exception under 《公平竞争审查条例》第十二条.

`document_context(doc)` returns a flat dict (text rules read it as doc.kind, doc.economic, doc.exception):

    kind            规范性文件 | 具体政策措施 | 行政协议 | 备忘录 | 标准 | 政策性文件 | 其他
                    (办法第二条第三款: 具体政策措施 covers 政策性文件、标准、技术规范、行政协议、备忘录; the
                    specific kind is given when the title or wording shows it)
    kind_reason     why, in Chinese, for the report
    economic        True when the draft concerns operators' economic activity (条例第二条, 办法第二条第二款)
    economic_reason why, naming the areas of 办法第二条第二款 and the words seen
    exception       True when the draft declares a 第十二条 exception (details: `exception_declarations`)
    exception_at    where it is declared (第十条 / 全文), "" when not
    title, issuer, number (发文字号)

Everything here is wording-based and cheap (a handful of regexes): it runs on every `policylint check`.
The words are not here: they are the term groups marked `for doc.FACT` in rules/lexicon/document.rule, read from the
compiled rules (`lexicon(rs)`), so a lawyer reviews and edits them as rules. What stays in Python is format, not
vocabulary: 发文字号 and dates, the 版头 lines above a title, how a title line looks, how a draft cites an article.
"""
from __future__ import annotations


from . import regex_cache as recache
from .regex_cache import cached


class _Lazy:
    """A regex compiled on first use: `policylint check` start-up is measured, and most drafts need few of these."""
    __slots__ = ("pattern", "rx")

    def __init__(self, pattern: str):
        self.pattern, self.rx = pattern, None

    def __getattr__(self, name):   # search, match, finditer, sub, fullmatch …
        if self.rx is None:
            self.rx = cached(self.pattern)
        return getattr(self.rx, name)


KINDS = ("规范性文件", "具体政策措施", "行政协议", "备忘录", "标准", "政策性文件", "其他")

# ---- the lexicon: rules/lexicon/document.rule ---------------------------------------------------------------

# The term groups this module reads, by the fact they serve (each is marked `for doc.FACT` in the rule file). A name
# ending in "_" is a prefix: every group so named, in the order the file defines them (the areas of 办法第二条第二款,
# the items of 条例第十二条); the rest of the name is what the report calls it.
READS = {
    "kind": ("文件种类_法律法规", "文件种类_非法律法规", "文件种类_具体政策措施", "文件种类_备忘录", "文件种类_行政协议",
             "文件种类_标准", "文件种类_规范性文件", "文件种类_政策性文件", "文件用语_备忘录", "文件用语_行政协议",
             "文件用语_标准", "文件用语_规范性文件", "文件用语_政策性文件"),
    "economic": ("经营活动领域_", "经营活动对象", "机关内部事务"),
    "exception": ("例外声明", "例外否定", "例外情形_", "替代方案说明", "实施期限说明", "全文适用用语"),
    "precedent": ("不比对案例", "比对要素", "用语模型不比对"),
}
LEXICON_FILE = "rules/lexicon/document.rule"


class Lexicon:
    """The groups of one compiled RuleSet that this module reads, with their regexes compiled on first use."""

    def __init__(self, groups: dict):
        self.groups = groups
        self._rx: dict = {}

    def words(self, name: str) -> list[str]:
        return self.groups[name].literals

    def rx(self, name: str, tail: str = ""):
        """The group as one regex (its terms as alternatives, in the order written), `tail` appended."""
        key = (name, tail)
        got = self._rx.get(key)
        if got is None:
            got = self._rx[key] = cached(f"(?:{self.groups[name].pattern}){tail}" if tail else self.groups[name].pattern)
        return got

    def named(self, prefix: str) -> list[tuple[str, str]]:
        """(what follows the prefix, group name) for every group named prefix…, in the order they are defined."""
        return [(n[len(prefix):], n) for n in self.groups if n.startswith(prefix)]


def missing_groups(groups: dict) -> list[str]:
    """What READS needs and `groups` lacks (or defines for another fact)."""
    out = []
    for fact, names in READS.items():
        for n in names:
            have = [g for g in groups.values() if (g.name.startswith(n) if n.endswith("_") else g.name == n)]
            if not have or any(g.fact != fact for g in have):
                out.append(f"{n}…（for doc.{fact}）" if n.endswith("_") else f"{n}（for doc.{fact}）")
    return out


_lexicons: dict[int, tuple[object, Lexicon]] = {}


def lexicon(rs=None) -> Lexicon:
    """The document lexicon of `rs`; a ruleset that defines none of it (a test's own rules, one pack) uses the
    shipped rules'. A lexicon that lacks a group this module reads is a rule-loading error, named here."""
    if rs is None or not getattr(rs, "context_groups", None):
        from .rulebook import load_rules
        rs = load_rules()
    got = _lexicons.get(id(rs))
    if got is not None and got[0] is rs:
        return got[1]
    lost = missing_groups(rs.context_groups)
    if lost:
        from .errors import RuleLoadError
        raise RuleLoadError(f"规则中缺少文件事实所用的词组：{'、'.join(lost)}（见 {LEXICON_FILE}）")
    lex = Lexicon(rs.context_groups)
    _lexicons[id(rs)] = (rs, lex)   # the ruleset is held, so its id is not reused while the entry lives
    return lex

CN = "零〇一二两三四五六七八九十百"

# ---- title, issuer, number ------------------------------------------------------------------------------

# 发文字号: 某政发〔2024〕3号, 某规〔2023〕1号 (half-width brackets and 【】 occur in conversions)
NUMBER_RE = _Lazy(r"[\u4e00-\u9fa5]{1,12}[〔\[【(（]\s*(?:19|20)\d{2}\s*[〕\]】)）]\s*第?\s*\d{1,4}\s*号")
DATE_RE = _Lazy(rf"^\s*(?:(?:19|20)\d{{2}}|[{CN}]{{4}})\s*年\s*[\d{CN}]{{1,3}}\s*月\s*[\d{CN}]{{1,3}}\s*日\s*$")
ORGAN_END = ("人民政府", "政府", "办公室", "办公厅", "委员会", "管委会", "管理委员会", "局", "厅", "委", "部",
             "中心", "院", "署", "会", "处", "所", "站", "公司")
ISSUER_BEFORE_ABOUT = _Lazy(r"^(.{2,40}?)(?:关于)")


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


TITLE_ENDINGS = ("通知", "意见", "办法", "规定", "细则", "规则", "决定", "措施", "方案", "计划", "规划", "政策", "公告",
                 "通告", "协议", "协议书", "合同", "备忘录", "标准", "规范", "规程", "导则", "纪要", "目录", "清单", "指引",
                 "指南", "纲要", "条例", "采购文件", "招标文件", "磋商文件", "谈判文件", "批复", "函")
# Lines above the title in an official document: 份号, 密级, 紧急程度, 发文机关标志, 发文字号, 签发人.
PREAMBLE = ("签发人", "特急", "加急", "平急", "秘密", "机密", "绝密", "内部", "公开方式", "公开属性")


def _strip_note(line: str) -> str:
    """某某办法（征求意见稿） -> 某某办法: the bracketed note after a title."""
    while line.endswith(("）", ")")) and ("（" in line or "(" in line):
        cut = max(line.rfind("（"), line.rfind("("))
        if cut <= 0:
            break
        line = line[:cut].rstrip()
    return line


def _looks_like_title(line: str) -> bool:
    return "关于" in line or _strip_note(line).endswith(TITLE_ENDINGS)


def find_title(doc) -> str:
    """The draft's title: among the first lines, skip the 版头 (份号, 发文机关标志, 文号) and prefer a line that reads
    like a title (关于……的通知, ……办法); a title broken over two lines is joined."""
    lines = _lines(doc.text)[:10]
    cands = []
    for i, line in enumerate(lines):
        if len(line) > 60 or "。" in line or line.endswith(("：", ":")) or recache.match(r"第[零〇一二两三四五六七八九十百\d]+[章条]", line):
            continue
        if line.startswith(PREAMBLE) or recache.fullmatch(r"[\d０-９]{1,8}", line):
            continue
        if "号" in line and NUMBER_RE.fullmatch(line):
            continue
        if line.endswith("文件") and len(line) <= 20 and not _looks_like_title(line):
            continue   # 发文机关标志: 某某市人民政府文件
        cands.append((i, line))
    for i, line in cands:
        if _looks_like_title(line):
            if "关于" in line and not _strip_note(line).endswith(TITLE_ENDINGS) and i + 1 < len(lines) \
                    and len(lines[i + 1]) <= 40 and _strip_note(lines[i + 1]).endswith(TITLE_ENDINGS):
                return line + lines[i + 1]
            return line
    if cands:
        return cands[0][1]
    return (getattr(doc, "title", "") or "").strip()


def find_issuer(text: str, title: str) -> str:
    """发文机关: the organ named before 关于 in the title, else the signature line above the date at the end."""
    m = ISSUER_BEFORE_ABOUT.match(title)
    if m and m.group(1).endswith(ORGAN_END):
        return m.group(1).strip()
    lines = _lines(text)
    for line in lines[:8]:   # an agreement: the administrative party is 甲方
        m = recache.match(r"甲\s*方[（(]?[^：:）)]*[）)]?[：:]\s*(.{2,40})$", line)
        if m and m.group(1).strip().endswith(ORGAN_END[:-1]):
            return m.group(1).strip()
    for i in range(len(lines) - 1, max(len(lines) - 6, 0) - 1, -1):
        if DATE_RE.match(lines[i]) and i > 0:
            cand = lines[i - 1].strip()
            if len(cand) <= 40 and "。" not in cand and cand.endswith(ORGAN_END):
                return cand
    for line in lines[:4]:   # 发文机关标志: “某某市人民政府文件”
        m = recache.fullmatch(r"(.{2,40}?)文件", line)
        if m and m.group(1).endswith(ORGAN_END):
            return m.group(1)
    return ""


def find_number(text: str) -> str:
    m = NUMBER_RE.search(text[:600])
    return recache.sub(r"\s+", "", m.group(0)) if m else ""


# ---- kind (办法第二条第三款) ---------------------------------------------------------------------------------

def _core_title(title: str) -> str:
    """关于印发《某某管理办法》的通知 -> 某某管理办法 (the document that is being issued)."""
    m = recache.search(r"《([^》]+)》", title)
    if m and recache.search(r"(印发|发布|转发|公布|出台)", title):
        return m.group(1)
    m = recache.search(r"(?:印发|发布|转发|公布)(.+?)的(?:通知|公告|决定)$", title)
    return m.group(1) if m else title


# (kind, lexicon group of its title names, whether a bracketed note may follow, reason) — first match on the core
# title wins, after the law and concrete-measure names below
TITLE_KINDS = [
    ("备忘录", "文件种类_备忘录", False, "标题为“备忘录”"),
    ("行政协议", "文件种类_行政协议", True, "标题表明为与经营者签订的协议"),
    ("标准", "文件种类_标准", True, "标题表明为标准、技术规范"),
    ("规范性文件", "文件种类_规范性文件", True, "标题为办法、规定、细则等规范性文件名称"),
    ("政策性文件", "文件种类_政策性文件", True, "标题为措施、意见、方案、通知等政策性文件名称"),
]
NOTE = r"(（[^）]*）)?$"   # 某某办法（征求意见稿）: a name may end the title before a bracketed note


def _title_is(lex: Lexicon, group: str, core: str, note: bool = True):
    return lex.rx(group, NOTE if note else "$").search(core)


def classify_kind(text: str, title: str, number: str = "", lex: Lexicon | None = None) -> tuple[str, str]:
    lex = lex or lexicon()
    core = _core_title(title) if title else ""
    if core:
        if _title_is(lex, "文件种类_法律法规", core) and not lex.rx("文件种类_非法律法规").search(core):
            return "其他", f"标题“{core}”为法律法规草案名称（条例第二条所列政策措施，不属于具体政策措施的细分类型）"
        if _title_is(lex, "文件种类_具体政策措施", core, note=False):
            return "具体政策措施", f"标题“{core}”为采购、招标、会议纪要等具体政策措施（办法第二条第三款）"
        norm = lex.rx("文件用语_规范性文件")
        for kind, group, note, why in TITLE_KINDS:
            if _title_is(lex, group, core, note):
                # 发文字号 with 规 (某政规〔2023〕1号) is the format of a normative document
                if kind == "政策性文件" and number and "规〔" in number:
                    return "规范性文件", f"标题为“{core}”，发文字号“{number}”带“规”字，按行政规范性文件制发"
                if kind == "政策性文件" and norm.search(text):
                    return "规范性文件", f"标题为“{core}”，正文有“{norm.search(text).group(0)}”等规范性文件用语"
                return kind, f"{why}（“{core}”）"
    # no telling title: the wording decides
    if lex.rx("文件用语_备忘录").search(text):
        return "备忘录", "正文自称“备忘录”"
    if lex.rx("文件用语_行政协议").search(text):
        return "行政协议", "正文有甲方、乙方或“本协议”等协议用语"
    if lex.rx("文件用语_标准").search(text):
        return "标准", "正文有“本标准”“规范性引用文件”等标准用语"
    if number and "规〔" in number or lex.rx("文件用语_规范性文件").search(text):
        return "规范性文件", "发文字号带“规”字或正文有“本办法自……施行”等规范性文件用语"
    if lex.rx("文件用语_政策性文件").search(text):
        return "政策性文件", "正文自称“本措施”“本方案”等"
    return "其他", "标题和行文未显示文件类型（可能为节选的条款）"


# ---- economic activity (条例第二条, 办法第二条第二款) --------------------------------------------------------

def judge_economic(text: str, lex: Lexicon | None = None) -> tuple[bool, str]:
    """The areas of 办法第二条第二款 the draft is in (the groups 经营活动领域_*), who it addresses (经营活动对象), and
    whether it is only internal administration (机关内部事务)."""
    lex = lex or lexicon()
    areas = []
    for area, group in lex.named("经营活动领域_"):
        seen = [w for w in lex.words(group) if w in text]
        if seen:
            areas.append((area, seen[:3]))
    operators = [w for w in lex.words("经营活动对象") if w in text][:4]
    internal = [w for w in lex.words("机关内部事务") if w in text]
    # 办法第二条第二款 reaches every measure touching operators; lean to 涉及 and let the reviewer narrow it
    if areas and (operators or not internal):
        shown = "；".join(f"{a}（{'、'.join(f'“{w}”' for w in ws)}）" for a, ws in areas[:4])
        who = f"，对象为{'、'.join(f'“{w}”' for w in operators)}" if operators else ""
        return True, f"涉及{shown}{who}，属于办法第二条第二款所列涉及经营者经济活动的方面"
    if operators and not internal:
        return True, f"规定涉及{'、'.join(f'“{w}”' for w in operators)}，关系经营者的经济活动（条例第二条）"
    if internal:
        return False, f"内容为{'、'.join(internal[:3])}等内部事务，未见涉及经营者经济活动的规定"
    return False, "未见涉及市场准入退出、产业发展、招商引资、政府采购、招标投标、资质标准、监管执法等方面的规定"


# ---- exception declarations (条例第十二条, 办法第二十五条) ---------------------------------------------------

# The items of 条例第十二条 as 办法第二十五条第一款 words them (办法's item 4 adds 经国务院批准), for the report.
SITUATION_LAW = ("公平竞争审查条例实施办法", 25)


def situation_text(item: int) -> str:
    from dsl.lawtext import load_lawbook

    law = load_lawbook().get(SITUATION_LAW[0])
    return str(law.articles[SITUATION_LAW[1]]["items"][item]).rstrip("；。")


ELEMENTS = ("适用情形", "没有对公平竞争影响更小的替代方案", "合理的实施期限或者终止条件")
# What the law says each element is, for explanations and the review form.
ELEMENT_BASIS = {
    "适用情形": "条例第十二条第（一）至（四）项；办法第二十五条第一款、第二十九条第二款第（二）项",
    "没有对公平竞争影响更小的替代方案": "办法第二十五条第二款；第二十九条第二款第（三）项",
    "合理的实施期限或者终止条件": "办法第二十五条第三款；第二十九条第二款第（四）项",
}
# How a draft cites the situation by its item: 条例第十二条第（三）项 / 办法第二十五条第（三）项 (citation format)
SITUATION_CITE = _Lazy(r"(第十二条|第二十五条(第一款)?)第[（(]([一二三四])[)）]项")
LAW_CITE = _Lazy(rf"《[^》]*》\s*第[{CN}\d]+条(第[{CN}\d]+款)?(第[（(][{CN}\d]+[)）]项)?|"
                 rf"(条例|实施办法|办法》)\s*第[{CN}\d]+条(第[{CN}\d]+款)?(第[（(][{CN}\d]+[)）]项)?")
ART_REF = _Lazy(rf"第([{CN}\d]+)条")


class ExceptionDeclaration:
    """One place the draft declares a 第十二条 exception. A plain class, not a dataclass: building a dataclass
    costs milliseconds at import, on every `policylint check`."""
    __slots__ = ("start", "end", "unit_start", "unit_end", "declared_at", "scope", "covers", "situation",
                 "situation_item", "present", "missing", "where")

    def __init__(self, start: int, end: int, unit_start: int, unit_end: int, declared_at: str, scope: str,
                 covers: list[str] | None = None):
        self.start, self.end = start, end                       # the declaring sentence
        self.unit_start, self.unit_end = unit_start, unit_end   # the article (or paragraph) that declares it
        self.declared_at = declared_at                          # 第十条 / 一、 / 全文
        self.scope = scope                                      # "article" | "articles" | "document"
        self.covers = covers or []                              # article paths covered when scope == "articles"
        self.situation: str | None = None                       # （三）为实现节约能源……
        self.situation_item: int | None = None
        self.present: list[str] = []
        self.missing: list[str] = []
        self.where: dict[str, str] = {}                         # element -> where its wording was found

    def __repr__(self) -> str:
        return f"ExceptionDeclaration({self.declared_at}, {self.scope}, present={self.present}, missing={self.missing})"


def _article_of(doc, offset: int):
    arts = doc.units("article")
    for a in arts:
        if a.start <= offset < a.end:
            return a
    return None


def _norm_art(path: str) -> str:
    m = recache.match(rf"第[{CN}\d]+条", path or "")
    return m.group(0) if m else (path or "")


def exception_declarations(doc, lex: Lexicon | None = None) -> list[ExceptionDeclaration]:
    """Every place the draft declares a 第十二条 exception (例外声明 and not 例外否定, per sentence), with the
    elements it states and misses."""
    lex = lex or lexicon()
    text = doc.text
    claim, not_claim = lex.rx("例外声明"), lex.rx("例外否定")
    if not claim.search(text):
        return []   # the common case: one search over the draft (no anchors in 例外声明, so no sentence can match)
    out: list[ExceptionDeclaration] = []
    seen_units: set[tuple[int, int]] = set()
    has_articles = any(recache.match(rf"第[{CN}\d]+条", a.path) for a in doc.units("article"))
    for s in doc.units("sentence"):
        sent = text[s.start:s.end]
        if not claim.search(sent):
            continue
        if not_claim.search(sent):
            continue   # 不得滥用例外规定 / 不适用例外 / 是否适用例外：否 is not a claim
        art = _article_of(doc, s.start)
        us, ue = (art.start, art.end) if art else (s.start, s.end)
        if (us, ue) in seen_units:
            continue
        seen_units.add((us, ue))
        declared_at = _norm_art(art.path) if art else "全文"
        refs = [m.group(0) for m in ART_REF.finditer(LAW_CITE.sub("", sent))]
        refs = [r for r in dict.fromkeys(refs) if r != declared_at]
        if refs:
            scope, covers = "articles", refs
        elif not has_articles or lex.rx("全文适用用语").search(LAW_CITE.sub("", sent)):
            scope, covers = "document", []
        else:
            scope, covers = "article", [declared_at]
        d = ExceptionDeclaration(s.start, s.end, us, ue, declared_at, scope, covers)
        _elements(doc, d, lex)
        out.append(d)
    return out


def _elements(doc, d: ExceptionDeclaration, lex: Lexicon) -> None:
    """Look for each element in the declaring article; a period may also sit elsewhere (附则: 有效期至……)."""
    text = doc.text
    spans = [(d.unit_start, d.unit_end)]
    if d.declared_at != "全文":
        spans.append((0, len(text)))
    for name in ELEMENTS:
        found = None
        for s, e in spans if name == "合理的实施期限或者终止条件" else spans[:1]:
            body = text[s:e]
            cited = SITUATION_CITE.search(body) if name == "适用情形" else None
            if cited:
                no = "一二三四".index(cited.group(3)) + 1
                d.situation, d.situation_item = f"（{cited.group(3)}）{situation_text(no)}", no
                found = (s + cited.start(), cited.group(0))
            elif name == "适用情形":
                for numeral, group in lex.named("例外情形_"):   # 例外情形_一 … 例外情形_四: the item's words
                    w = next((w for w in lex.words(group) if w in body), None)
                    if w:
                        no = "一二三四五六七八九".index(numeral) + 1
                        d.situation, d.situation_item = f"（{numeral}）{situation_text(no)}", no
                        found = (s + body.index(w), w)
                        break
            else:
                rx = lex.rx("替代方案说明" if name == "没有对公平竞争影响更小的替代方案" else "实施期限说明")
                for line in recache.finditer(r"[^\n]+", body):   # line by line: a match never spans two paragraphs
                    m = rx.search(line.group(0).rstrip())
                    if m:
                        found = (s + line.start() + m.start(), m.group(0))
                        break
            if found:
                break
        if found:
            art = _article_of(doc, found[0])
            where = _norm_art(art.path) if art and art.path else "全文"
            d.present.append(name)
            d.where[name] = f"{where}“{found[1]}”"
        else:
            d.missing.append(name)


# ---- the whole context --------------------------------------------------------------------------------------

def document_context(doc, rs=None) -> dict:
    """The document facts of `doc`, with the words of `rs`'s lexicon (the shipped rules' when rs has none)."""
    lex = lexicon(rs)
    text = doc.text
    title = find_title(doc)
    number = find_number(text)
    kind, kind_reason = classify_kind(text, title, number, lex)
    economic, economic_reason = judge_economic(text, lex)
    decls = exception_declarations(doc, lex)
    return {
        "kind": kind,
        "kind_reason": kind_reason,
        "economic": economic,
        "economic_reason": economic_reason,
        "exception": bool(decls),
        "exception_at": "、".join(dict.fromkeys(d.declared_at for d in decls)),
        "title": title,
        "issuer": find_issuer(text, title),
        "number": number,
    }
