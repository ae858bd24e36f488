"""The law text the rules cite: load rules/law/*.yaml, resolve a basis, print citations the way the law writes them.

A law file looks like:

    instrument: 公平竞争审查条例          # the name a rule's `basis` uses
    edition: "2024"
    number: 国务院令第783号
    source: where the text came from and how sure it is
    articles:
      8:
        text: 起草单位起草的政策措施，不得含有下列……内容：
        items: {1: 对市场准入负面清单以外的……, 2: ...}
        paras: {2: 第二款的文字}           # 款, when an article has more than one
    parts: {1: {text: ..., items: {...}}}  # for documents organised by 部分 rather than 条

Regenerate the fair-competition files from ../shared/reference with `python -m dsl.lawtext`.
"""
from __future__ import annotations

import functools
import re
from dsl.record import field, record
from pathlib import Path

LAW_DIR = Path(__file__).resolve().parent.parent / "rules" / "law"

CN_DIGITS = "零一二三四五六七八九"


def cn_numeral(n: int) -> str:
    """12 -> 十二, 25 -> 二十五, 100 -> 一百, 1000 -> 一千, 10005 -> 一万零五; total over the integers
    (a negative number reads 负…), so a citation or a numbering label never fails on an odd number."""
    n = int(n)
    if n < 0:
        return "负" + cn_numeral(-n)
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    return _cn_large(n)


def _cn_section(n: int) -> str:
    """1 <= n < 10000 as 千百十个, with 零 for the gaps (1005 -> 一千零五, 110 -> 一百一十)."""
    out, zero = "", False
    for unit, value in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        d = n // value % 10
        if d:
            if zero and out:
                out += "零"
            out += CN_DIGITS[d] + unit
            zero = False
        else:
            zero = True
    return out


def _cn_large(n: int) -> str:
    for unit, value in (("亿", 10 ** 8), ("万", 10 ** 4)):
        if n >= value:
            high, low = divmod(n, value)
            out = cn_numeral(high) + unit
            if low:
                out += ("零" if low < value // 10 else "") + _cn_large(low)
            return out
    return _cn_section(n)


def parse_cn_numeral(s: str) -> int | None:
    """十二 -> 12, 一百零五 -> 105, 一千 -> 1000, 12 -> 12; None for anything that is not a numeral."""
    s = str(s).strip()
    if not s:
        return None
    if s.isdigit():
        try:
            return int(s)
        except ValueError:   # digits int() does not read (superscripts and the like)
            return None
    digits = {c: i for i, c in enumerate(CN_DIGITS)} | {"两": 2, "〇": 0}
    units = {"十": 10, "百": 100, "千": 1000}
    total, section, cur = 0, 0, 0
    for ch in s:
        if ch in digits:
            cur = digits[ch]
        elif ch in units:
            section += (cur or 1) * units[ch]
            cur = 0
        elif ch == "万":
            total += (section + cur or 1) * 10 ** 4
            section = cur = 0
        elif ch == "亿":
            total = (total + section + cur or 1) * 10 ** 8
            section = cur = 0
        else:
            return None
    return total + section + cur


@record
class Provision:
    """One resolved citation: the words to print and the text of the law at that place."""
    instrument: str
    edition: str
    number: str
    citation: str  # 《公平竞争审查条例实施办法》第十四条第（一）项
    text: str
    article_text: str
    locators: tuple[tuple[str, int], ...] = ()

    @property
    def article(self) -> int | None:
        return next((n for k, n in self.locators if k == "art"), None)

    @property
    def item(self) -> int | None:
        return next((n for k, n in self.locators if k == "item"), None)


@record
class Law:
    instrument: str
    edition: str = ""
    number: str = ""
    source: str = ""
    articles: dict = field(default_factory=dict)
    parts: dict = field(default_factory=dict)
    aliases: list = field(default_factory=list)


def citation(instrument: str, locators) -> str:
    out = f"《{instrument}》" if instrument and not instrument.startswith("《") and "〔" not in instrument else instrument
    for kind, n in locators:
        if kind == "art":
            out += f"第{cn_numeral(n)}条"
        elif kind == "para":
            out += f"第{cn_numeral(n)}款"
        elif kind == "item":
            out += f"第（{cn_numeral(n)}）项"
        elif kind == "part":
            out += f"第{cn_numeral(n)}部分"
    return out


class LawBook:
    def __init__(self, laws: dict[str, Law]):
        self.laws = laws
        self._resolved: dict = {}

    def get(self, instrument: str) -> Law | None:
        return self.laws.get(instrument)

    def resolve(self, instrument: str, locators) -> Provision:
        """Find a provision or raise KeyError with a Chinese reason. One object per provision, so the
        compiled rules share it (and its article text) instead of carrying copies."""
        locs = tuple((loc.kind, loc.number) if hasattr(loc, "kind") else tuple(loc) for loc in locators)
        key = (instrument, locs)
        if key not in self._resolved:
            self._resolved[key] = self._resolve(instrument, locs)
        return self._resolved[key]

    def _resolve(self, instrument: str, locs) -> Provision:
        law = self.laws.get(instrument)
        if law is None:
            known = "、".join(sorted(self.laws))
            raise KeyError(f"法律依据《{instrument}》不在内置法规文本中（现有：{known}）")
        node: dict | None = None
        article_text = ""
        texts: list[str] = []
        for kind, n in locs:
            container = {"art": "articles", "part": "parts", "para": "paras", "item": "items"}[kind]
            pool = getattr(law, container) if node is None else node.get(container, {})
            child = pool.get(n) if isinstance(pool, dict) else None
            if child is None:
                raise KeyError(f"{citation(instrument, locs)} 不存在：内置的《{instrument}》文本中没有{citation('', [(kind, n)])}")
            if isinstance(child, str):
                child = {"text": child}
            if kind in ("art", "part"):
                article_text = _article_full_text(child)
            texts.append(child.get("text", ""))
            node = child
        return Provision(instrument=instrument, edition=law.edition, number=law.number,
                         citation=citation(instrument, locs), text=texts[-1] if texts else "",
                         article_text=article_text, locators=locs)


def _article_full_text(node: dict) -> str:
    lines = [node.get("text", "")]
    for n, item in sorted((node.get("items") or {}).items()):
        lines.append(f"（{cn_numeral(n)}）{item if isinstance(item, str) else item.get('text', '')}")
    for n, para in sorted((node.get("paras") or {}).items()):
        para = para if isinstance(para, dict) else {"text": para}
        lines.append(para.get("text", ""))
        for m, item in sorted((para.get("items") or {}).items()):
            lines.append(f"（{cn_numeral(m)}）{item if isinstance(item, str) else item.get('text', '')}")
    return "\n".join(x for x in lines if x)


def _int_keys(d):
    if isinstance(d, dict):
        return {(int(k) if isinstance(k, (int, str)) and str(k).isdigit() else k): _int_keys(v) for k, v in d.items()}
    return d


@functools.lru_cache(maxsize=4)
def load_lawbook(law_dir: str | None = None) -> LawBook:
    import yaml

    laws: dict[str, Law] = {}
    for p in sorted(Path(law_dir or LAW_DIR).glob("*.yaml")):
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        law = Law(instrument=data["instrument"], edition=str(data.get("edition", "")), number=data.get("number", ""),
                  source=data.get("source", ""), articles=_int_keys(data.get("articles") or {}),
                  parts=_int_keys(data.get("parts") or {}), aliases=data.get("aliases") or [])
        laws[law.instrument] = law
        for alias in law.aliases:
            laws[alias] = law
    return LawBook(laws)


# ---- regenerate from the reference pack ---------------------------------------------------

ARTICLE_RE = r"^第([一二三四五六七八九十百零]+)条[\s　]+(.*)$"
ITEM_RE = r"^（([一二三四五六七八九十]+)）(.*)$"


def articles_from_markdown(text: str, wanted: set[int] | None = None) -> dict:
    """Articles written as '第八条　……' followed by '（一）……' items and further paragraphs (款)."""
    out: dict[int, dict] = {}
    cur: dict | None = None
    para_no = 1
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#") or line.startswith(">") or line.startswith("|") or line.startswith("-"):
            cur = None
            continue
        m = re.match(ARTICLE_RE, line)
        if m:
            n = parse_cn_numeral(m.group(1))
            cur = None
            if n is not None and (wanted is None or n in wanted) and n not in out:
                cur = out[n] = {"text": m.group(2).strip()}
                para_no = 1
            continue
        if cur is None:
            continue
        m = re.match(ITEM_RE, line)
        target = cur if para_no == 1 else cur["paras"][para_no]
        if m:
            target.setdefault("items", {})[parse_cn_numeral(m.group(1))] = m.group(2).strip()
        elif line.startswith("（") or line.startswith("("):
            continue
        else:
            para_no += 1
            cur.setdefault("paras", {})[para_no] = {"text": line}
    return out


def _dump(path: Path, header: dict, articles: dict) -> None:
    import yaml

    data = dict(header, articles=articles)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


def main() -> None:  # pragma: no cover - maintenance script
    ref = LAW_DIR.parent.parent.parent / "shared" / "reference"
    fcr = (ref / "fair_competition_review.md").read_text(encoding="utf-8")
    imp = (ref / "implementation_measures_2025.md").read_text(encoding="utf-8")
    sec1 = fcr.split("## 1. ")[1].split("## 2. ")[0]
    sec4 = fcr.split("## 4. ")[1].split("## 5. ")[0]
    _dump(LAW_DIR / "fair_competition_regulation_2024.yaml",
          {"instrument": "公平竞争审查条例", "aliases": ["条例"], "edition": "2024", "number": "国务院令第783号",
           "source": "shared/reference/fair_competition_review.md §1（LawRefBook 法规库，与转载逐项比对一致）"},
          articles_from_markdown(sec1))
    _dump(LAW_DIR / "fair_competition_measures_2025.yaml",
          {"instrument": "公平竞争审查条例实施办法", "aliases": ["实施办法"], "edition": "2025",
           "number": "国家市场监督管理总局令第99号",
           "source": "shared/reference/implementation_measures_2025.md（GFXfly/fair-review-system 转录全文，部分条项经独立核对）"},
          articles_from_markdown(imp))
    _dump(LAW_DIR / "anti_monopoly_law_2022.yaml",
          {"instrument": "中华人民共和国反垄断法", "aliases": ["反垄断法"], "edition": "2022",
           "number": "2022年6月24日修正", "source": "shared/reference/fair_competition_review.md §4（LawRefBook，单一来源）"},
          articles_from_markdown(sec4))


if __name__ == "__main__":  # pragma: no cover
    main()
