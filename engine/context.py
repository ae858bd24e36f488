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


# (kind, title ending or pattern, reason) — first match on the core title wins
TITLE_KINDS = [
    ("备忘录", _Lazy(r"备忘录$"), "标题为“备忘录”"),
    ("行政协议", _Lazy(r"(协议|协议书|合同|合同书|框架协议|意向书)(（[^）]*）)?$"), "标题表明为与经营者签订的协议"),
    ("标准", _Lazy(r"(标准|技术规范|技术规程|技术导则|规范|规程|导则)(（[^）]*）)?$"), "标题表明为标准、技术规范"),
    ("规范性文件", _Lazy(r"(办法|规定|细则|规则|实施办法|暂行办法|管理办法|决定|规范化管理.*)(（[^）]*）)?$"),
     "标题为办法、规定、细则等规范性文件名称"),
    ("政策性文件", _Lazy(r"(措施|若干措施|意见|实施意见|指导意见|方案|实施方案|工作方案|行动方案|计划|行动计划|规划|"
                         r"政策|若干政策|扶持政策|通知|通告|公告|纲要|目录|清单|指引|指南)(（[^）]*）)?$"),
     "标题为措施、意见、方案、通知等政策性文件名称"),
]
# Drafts of laws, regulations and rules are reviewed too (条例第二条), but are not among the kinds above.
LAW_TITLE = _Lazy(r"(条例|法)(（[^）]*）)?$")
# Procurement and bidding documents, meeting minutes: concrete measures without a more specific name.
CONCRETE = _Lazy(r"(采购公告|采购文件|招标公告|招标文件|比选公告|遴选公告|磋商文件|谈判文件|会议纪要|纪要|批复|复函|函)$")

AGREEMENT_WORDS = _Lazy(r"甲方.{0,200}乙方|乙方.{0,200}甲方|双方(约定|同意|协商)|本协议|本合同")
MEMO_WORDS = _Lazy(r"本备忘录|合作备忘录")
NORM_WORDS = _Lazy(r"本(办法|规定|细则|规则)自.{0,20}(施行|实施)|规范性文件|(?<![\u4e00-\u9fa5])[\u4e00-\u9fa5]{1,8}规〔")
STANDARD_WORDS = _Lazy(r"本(标准|规范|规程)(规定|适用)|术语和定义|规范性引用文件")


def classify_kind(text: str, title: str, number: str = "") -> tuple[str, str]:
    core = _core_title(title) if title else ""
    if core:
        if LAW_TITLE.search(core) and not recache.search(r"(办法|细则|规定)", core):
            return "其他", f"标题“{core}”为法律法规草案名称（条例第二条所列政策措施，不属于具体政策措施的细分类型）"
        if CONCRETE.search(core):
            return "具体政策措施", f"标题“{core}”为采购、招标、会议纪要等具体政策措施（办法第二条第三款）"
        for kind, rx, why in TITLE_KINDS:
            if rx.search(core):
                if kind == "政策性文件" and number and "规〔" in number:
                    return "规范性文件", f"标题为“{core}”，发文字号“{number}”带“规”字，按行政规范性文件制发"
                if kind == "政策性文件" and NORM_WORDS.search(text):
                    return "规范性文件", f"标题为“{core}”，正文有“{NORM_WORDS.search(text).group(0)}”等规范性文件用语"
                return kind, f"{why}（“{core}”）"
    # no telling title: the wording decides
    if MEMO_WORDS.search(text):
        return "备忘录", "正文自称“备忘录”"
    if AGREEMENT_WORDS.search(text):
        return "行政协议", "正文有甲方、乙方或“本协议”等协议用语"
    if STANDARD_WORDS.search(text):
        return "标准", "正文有“本标准”“规范性引用文件”等标准用语"
    if number and "规〔" in number or NORM_WORDS.search(text):
        return "规范性文件", "发文字号带“规”字或正文有“本办法自……施行”等规范性文件用语"
    if recache.search(r"本(措施|意见|方案|政策|通知)", text):
        return "政策性文件", "正文自称“本措施”“本方案”等"
    return "其他", "标题和行文未显示文件类型（可能为节选的条款）"


# ---- economic activity (条例第二条, 办法第二条第二款) --------------------------------------------------------

# The areas 办法第二条第二款 lists, with words that show a draft is in them.
ECON_AREAS: list[tuple[str, tuple[str, ...]]] = [
    ("市场准入和退出", ("市场准入", "准入", "退出市场", "市场退出", "注销", "破产", "经营许可", "行政许可", "许可", "审批",
                 "核准", "备案", "登记", "营业执照", "经营范围", "开办", "专营", "特许经营", "方可")),
    ("产业发展", ("产业", "扶持", "专项资金", "发展资金", "奖补", "奖励", "补贴", "补助", "贴息", "园区", "高质量发展",
              "首台", "首购", "首用")),
    ("招商引资", ("招商", "引资", "落户", "入驻", "总部", "投资项目", "招引", "引进企业", "外地企业", "外省", "外埠")),
    ("政府采购", ("政府采购", "集中采购", "采购人", "供应商", "定点采购", "定点", "采购")),
    ("招标投标", ("招标", "投标", "中标", "评标", "比选", "遴选", "竞价", "磋商", "拍卖", "出让")),
    ("资质标准", ("资质", "资格", "认证", "检测", "检验", "技术标准", "准入条件", "名录", "目录", "备选库", "项目库",
              "中介库", "指定")),
    ("监管执法", ("监管", "执法", "行政处罚", "抽查", "检查频次", "黑名单", "信用", "考核", "检疫")),
    ("生产经营成本和行为", ("税收", "税费", "收费", "价格", "定价", "社会保险费", "政府性基金", "用地", "用电", "用水",
                   "租金", "电价", "贷款", "融资", "优惠", "通行费", "管理费", "保证金", "保险")),
]
# Who the measure addresses: operators by any name, and what they make, sell or serve.
OPERATOR_WORDS = ("经营者", "经营主体", "市场主体", "企业", "公司", "商户", "个体工商户", "供应商", "投标人", "中标人",
                  "服务商", "运营商", "生产者", "销售者", "承包商", "开发商", "商家", "厂家", "民营", "外资",
                  "民间资本", "社会资本", "中介", "机构", "从业", "行业", "经营", "销售", "生产", "运营", "营运",
                  "产品", "商品", "材料", "设备", "设施", "车辆", "市场", "用户", "消费者", "工程", "运输")
# Internal administration the review does not reach (no operators concerned).
INTERNAL_WORDS = ("机关内部", "公文处理", "干部", "考勤", "人事任免", "党建", "会务", "值班")


def judge_economic(text: str) -> tuple[bool, str]:
    areas = []
    for area, words in ECON_AREAS:
        seen = [w for w in words if w in text]
        if seen:
            areas.append((area, seen[:3]))
    operators = [w for w in OPERATOR_WORDS if w in text][:4]
    internal = [w for w in INTERNAL_WORDS if w in text]
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

# An explicit declaration: it cites the exception article, or calls itself an exception to fair competition review.
EXC_CITE = _Lazy(r"(公平竞争审查条例》?|条例)\s*第十二条|实施办法》?\s*第二十五条|第十二条规定的?(例外)?情形|"
                 r"第二十五条规定的?(例外)?情形")
EXC_WORDS = _Lazy(r"(适用|属于|符合|按照|依照|依据)[^。；]{0,30}例外(规定|情形|条款)|公平竞争审查[^。；]{0,20}例外|"
                  r"例外(规定|情形)[^。；]{0,20}公平竞争")

NOT_CLAIM = _Lazy(r"(不得|不适用|不属于|不符合|不涉及|无需|禁止|滥用|是否)[^。；]{0,16}(例外|第十二条|第二十五条)|"
                  r"(例外|第十二条|第二十五条)[^。；]{0,12}[：:]\s*(否|无|不适用)|"
                  # the law quoting itself (本条例第十二条), or a rule about claims rather than a claim:
                  # 适用……第十二条规定的，应当在审查结论中详细说明
                  r"本(条例|办法)第(十二|二十五)条|"
                  r"第(十二|二十五)条规定的，[^。；]{0,12}(应当|应|须|还应当)")

SITUATIONS = [  # (item number, words, item text of 条例第十二条)
    (1, ("国家安全", "发展利益"), "为维护国家安全和发展利益的"),
    (2, ("科学技术进步", "科技进步", "自主创新"), "为促进科学技术进步、增强国家自主创新能力的"),
    (3, ("节约能源", "节能", "保护环境", "环境保护", "生态环境", "救灾", "救助", "社会公共利益", "公共利益"),
     "为实现节约能源、保护环境、救灾救助等社会公共利益的"),
    (4, ("法律、行政法规规定", "行政法规规定", "法律规定", "经国务院批准", "国务院批准"), "法律、行政法规规定或者经国务院批准的其他情形"),
]
ALT_RE = _Lazy(r"(没有|无|不存在|并无)[^。；]{0,20}(替代方案|替代措施)|替代方案|影响(更|最)小|不利影响(范围)?最小|"
               r"程度最轻|确有必要|必要性")
PERIOD_RE = _Lazy(rf"(实施期限|有效期|期限为|试行期|终止条件|期满|届满|到期|"
                  rf"(至|到|截至)\s*(?:(?:19|20)\d{{2}}|[{CN}]{{4}})\s*年|"
                  rf"[\d{CN}]+\s*(年|个月)内|[\d{CN}]+\s*年(有效|为限)|(达到|满足|完成)[^。；]{{0,30}}(后|时)[^。；]{{0,10}}(停止|终止|废止|不再))")

ELEMENTS = ("适用情形", "没有对公平竞争影响更小的替代方案", "合理的实施期限或者终止条件")
# What the law says each element is, for explanations and the review form.
ELEMENT_BASIS = {
    "适用情形": "条例第十二条第（一）至（四）项；办法第二十五条第一款、第二十九条第二款第（二）项",
    "没有对公平竞争影响更小的替代方案": "办法第二十五条第二款；第二十九条第二款第（三）项",
    "合理的实施期限或者终止条件": "办法第二十五条第三款；第二十九条第二款第（四）项",
}
GLOBAL_WORDS = _Lazy(r"本(办法|规定|细则|措施|意见|方案|政策|通知|文件|协议|计划)|上述|以上(各|措施|条款|规定|内容|政策)|"
                     r"前述|各项")
# 条例第十二条第（三）项 / 办法第二十五条第（三）项: the situation named by its item
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


def exception_declarations(doc) -> list[ExceptionDeclaration]:
    """Every place the draft declares a 第十二条 exception, with the elements it states and misses."""
    text = doc.text
    if "例外" not in text and "第十二条" not in text and "第二十五条" not in text:
        return []   # the common case, without compiling a regex
    out: list[ExceptionDeclaration] = []
    seen_units: set[tuple[int, int]] = set()
    has_articles = any(recache.match(rf"第[{CN}\d]+条", a.path) for a in doc.units("article"))
    for s in doc.units("sentence"):
        sent = text[s.start:s.end]
        if not (EXC_CITE.search(sent) or EXC_WORDS.search(sent)):
            continue
        if NOT_CLAIM.search(sent):
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
        elif not has_articles or GLOBAL_WORDS.search(LAW_CITE.sub("", sent)):
            scope, covers = "document", []
        else:
            scope, covers = "article", [declared_at]
        d = ExceptionDeclaration(s.start, s.end, us, ue, declared_at, scope, covers)
        _elements(doc, d)
        out.append(d)
    return out


def _elements(doc, d: ExceptionDeclaration) -> None:
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
                d.situation, d.situation_item = f"（{cited.group(3)}）{SITUATIONS[no - 1][2]}", no
                found = (s + cited.start(), cited.group(0))
            elif name == "适用情形":
                for no, words, item_text in SITUATIONS:
                    w = next((w for w in words if w in body), None)
                    if w:
                        d.situation, d.situation_item = f"（{'一二三四'[no - 1]}）{item_text}", no
                        found = (s + body.index(w), w)
                        break
            else:
                rx = ALT_RE if name == "没有对公平竞争影响更小的替代方案" else PERIOD_RE
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

def document_context(doc) -> dict:
    text = doc.text
    title = find_title(doc)
    number = find_number(text)
    kind, kind_reason = classify_kind(text, title, number)
    economic, economic_reason = judge_economic(text)
    decls = exception_declarations(doc)
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
