"""The market-access negative list (市场准入负面清单) as data: editions, import from the published table, lookup.

Where the data lives:
- bundled, partial editions: rules/negative_list/editions/<edition>.yaml (only items verified in the reference pack);
- imported, complete editions: <data dir>/negative_list/<edition>.json, written by `policylint list import`.
  The data dir is `--data-dir`, else $POLICYLINT_DATA, else $XDG_DATA_HOME/policylint (~/.local/share/policylint).
An imported edition replaces the bundled one. Every answer drawn from an incomplete edition says so.

The hot path (the post-step of `policylint check`) uses plain dicts; pydantic is imported only to validate an import.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

from engine import regex_cache as recache
from engine.errors import UserError
from dsl.record import field, record
from engine.regex_cache import cached

EDITIONS_DIR = Path(__file__).resolve().parents[2] / "rules" / "negative_list" / "editions"

# What each edition must contain, as published (reference/negative_list.md §2). An import is checked against this.
KNOWN_EDITIONS = {
    "2022": {"number": "发改体改规〔2022〕397号", "禁止": 6, "许可": 111, "总数": 117},
    "2025": {"number": "发改体改规〔2025〕466号", "禁止": 6, "许可": 100, "总数": 106},
}
CATEGORIES = ("禁止", "许可")


def data_dir(override: str | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    env = os.environ.get("POLICYLINT_DATA")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "policylint"


# ---- editions as loaded ------------------------------------------------------------------------------------

@record
class Edition:
    edition: str
    title: str
    number: str
    effective: dt.date
    stated: dict
    items: list[dict]
    source: str                    # "内置" or the imported file
    effective_note: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.items) == int(self.stated.get("总数", -1))

    @property
    def label(self) -> str:
        return f"《{self.title}》（{self.number}）"

    def completeness_note(self) -> str:
        """One line for every output that uses this edition."""
        if self.complete:
            return f"对照清单：{self.label}，{len(self.items)} 项，数据来源：{self.source}。"
        return (f"对照清单：{self.label}。注意：所用清单数据不完整（只收录 {len(self.items)}/{self.stated.get('总数')} 项，"
                f"来源：{self.source}），凡以“清单未列入”为前提的结论都是临时性的；请用 policylint list import "
                f"导入官方发布的清单后复核。")


def _date(v) -> dt.date:
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v))


def _from_dict(d: dict, source: str) -> Edition:
    return Edition(edition=str(d["edition"]), title=d.get("title") or f"市场准入负面清单（{d['edition']}年版）",
                   number=d.get("number", ""), effective=_date(d.get("effective") or d.get("published")),
                   stated=dict(d.get("stated") or {}), items=list(d.get("items") or []), source=source,
                   effective_note=d.get("effective_note", ""))


_BUNDLED: dict[str, dict[str, Edition]] = {}


def _bundled() -> dict[str, Edition]:
    """The bundled editions, parsed once: per process, and across runs through a pickle keyed by the files'
    sizes and mtimes (parsing the YAML costs more than checking a draft, and every check may need it)."""
    import zlib

    from engine.cachefiles import cache_dir, load_pickle, save_pickle

    files = sorted(EDITIONS_DIR.glob("*.yaml"))
    stamp = "|".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)
    if stamp in _BUNDLED:
        return _BUNDLED[stamp]
    cache_file = cache_dir() / f"editions-{zlib.crc32(stamp.encode()):08x}.pickle"
    out = load_pickle(cache_file)
    if not isinstance(out, dict):
        import yaml

        out = {}
        for p in files:
            d = yaml.safe_load(p.read_text(encoding="utf-8"))
            out[str(d["edition"])] = _from_dict(d, "内置（部分事项）")
        save_pickle(cache_file, out)
    _BUNDLED[stamp] = out
    return out


def _imported(ddir: Path) -> dict[str, Edition]:
    out = {}
    folder = ddir / "negative_list"
    if folder.is_dir():
        for p in sorted(folder.glob("*.json")):
            try:
                d = json.loads(p.read_text(encoding="utf-8"))
                out[str(d["edition"])] = _from_dict(d, f"导入（{d.get('imported_from', p.name)}）")
            except (OSError, ValueError, KeyError):
                continue   # a damaged file is ignored; the bundled edition is used and says it is incomplete
    return out


def editions(data_dir_override: str | None = None) -> dict[str, Edition]:
    eds = dict(_bundled())   # a copy: the bundled editions are cached
    eds.update(_imported(data_dir(data_dir_override)))
    return eds


def edition_in_force(as_of: dt.date | None = None, data_dir_override: str | None = None,
                     edition: str | None = None) -> Edition:
    """The edition named, or the latest edition in force on `as_of` (default today)."""
    eds = editions(data_dir_override)
    if edition:
        if edition not in eds:
            raise UserError(f"没有 {edition} 年版清单数据（现有：{'、'.join(sorted(eds))}）")
        return eds[edition]
    as_of = as_of or dt.date.today()
    in_force = [e for e in eds.values() if e.effective <= as_of]
    if not in_force:
        first = min(eds.values(), key=lambda e: e.effective)
        raise UserError(f"{as_of.isoformat()} 早于内置最早的清单版本（{first.title}，{first.effective.isoformat()} 起），"
                        f"无法确定当时施行的清单")
    return max(in_force, key=lambda e: e.effective)


DATE_RE = cached(r"((?:19|20)\d{2})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})\s*日?")


def draft_date(text: str, tail: int = 300) -> dt.date | None:
    """The date a draft bears: the last full date in its closing lines (成文日期 sits under the signature at the
    end of a Chinese official document). Dates in the body usually belong to other documents and are ignored."""
    found = None
    for m in DATE_RE.finditer((text or "")[-tail:]):
        try:
            found = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return found


# ---- lookup --------------------------------------------------------------------------------------------------

BOILERPLATE = cached(r"(未获得许可|未取得许可|资质条件|通过内容审核|禁止违规开展|禁止|不得|未获得|许可|从事|设置|"
                         r"开展|相关|特定|经营活动|业务|活动|或者|或|和|及|等|的)")


def item_keywords(item: dict) -> list[str]:
    words = [str(k) for k in item.get("关键词") or []]
    for m in item.get("措施描述") or []:
        words += re.findall(r"“([^”]{2,12})”", str(m))
    name = str(item.get("事项名称") or "")
    for part in re.split(r"[，,、；;（）()]", BOILERPLATE.sub("、", name)):
        if len(part) >= 2:
            words.append(part)
    seen, out = set(), []
    for w in sorted(words, key=len, reverse=True):
        if len(w) >= 2 and w not in seen:
            seen.add(w)
            out.append(w)
    return out


def lookup(activity: str, ed: Edition, limit: int = 8) -> list[tuple[dict, list[str]]]:
    """Items of the edition the activity may fall under, best first (most matched characters), with the words
    that matched. Only items scoring at least half the best score are kept, at most `limit`."""
    scored = []
    for n, item in enumerate(ed.items):
        hit = [w for w in item_keywords(item) if w in activity]
        hit = [w for w in hit if not any(w != o and w in o for o in hit)]   # 金融 inside 金融租赁 counts once
        if hit:
            scored.append((sum(len(w) for w in hit), -n, item, hit))
    if not scored:
        return []
    scored.sort(reverse=True, key=lambda t: (t[0], t[1]))
    best = scored[0][0]
    return [(item, hit) for score, _, item, hit in scored if score * 2 >= best][:limit]


def describe_item(item: dict) -> str:
    cat = {"禁止": "禁止准入类", "许可": "许可准入类"}.get(item.get("类别"), str(item.get("类别")))
    code = item.get("事项编码") or "编码未取得"
    dept = item.get("主管部门") or "主管部门未取得"
    return f"【{cat}】{item.get('事项名称')}（事项编码：{code}；主管部门：{dept}）"


def lookup_report(activity: str, ed: Edition) -> tuple[list[str], bool]:
    """The lines `list lookup` prints, and whether anything matched."""
    hits = lookup(activity, ed)
    lines = []
    if hits:
        lines.append(f"“{activity}”可能涉及{ed.label}中的下列事项：")
        for item, words in hits:
            lines.append("  " + describe_item(item) + f"，匹配词：{'、'.join(words[:5])}")
            if item.get("类别") == "禁止":
                lines.append("    禁止准入事项：经营主体不得进入，行政机关不予审批、核准，不得办理有关手续。")
            else:
                lines.append("    许可准入事项：由经营主体提出申请，行政机关依法依规作出是否予以准入的决定，"
                             "或由经营主体依照政府规定的准入条件和准入方式合规进入。")
    else:
        lines.append(f"“{activity}”不在{ed.label}所列事项之内：市场准入负面清单以外的行业、领域、业务等，"
                     f"各类经营主体皆可依法平等进入。")
        if not ed.complete:
            lines.append("  此结论是临时性的：所用清单数据不完整，未列入可能只是因为数据缺失。")
    lines.append(ed.completeness_note())
    return lines, bool(hits)


# ---- import ----------------------------------------------------------------------------------------------

HEADERS = {
    "序号": ["序号", "项目号", "事项序号", "编号"],
    "类别": ["类别", "事项类别", "禁止或许可", "准入类别", "类型"],
    "事项名称": ["事项名称", "禁止或许可事项", "禁止或许可准入事项", "事项"],
    "事项编码": ["事项编码", "编码", "事项代码"],
    "措施描述": ["措施描述", "禁止或许可准入措施描述", "准入措施描述", "管理措施", "措施"],
    "主管部门": ["主管部门", "主管部门（单位）", "部门"],
    "设立依据": ["设立依据", "设定依据", "依据"],
    "地方性措施": ["地方性措施", "地方性许可事项", "地方性许可措施", "是否地方性措施"],
}
FILL_DOWN = ("序号", "类别", "事项名称", "事项编码", "主管部门")   # merged cells in the published table


def _category(v) -> str | None:
    s = str(v or "").strip()
    if not s:
        return None
    if "禁止" in s:
        return "禁止"
    if "许可" in s or "限制" in s:
        return "许可"
    return "?" + s


def _map_headers(cells) -> dict[int, str]:
    out = {}
    for i, c in enumerate(cells):
        h = recache.sub(r"[\s　]", "", str(c or ""))
        for f, names in HEADERS.items():
            if h in names and f not in out.values():
                out[i] = f
    return out


def read_table(path: Path) -> list[tuple[int, dict]]:
    """Rows of the published table as (row number, {field: value}); section rows like “一、禁止准入类” set the category."""
    from .tables import BadRow, grid_rows   # the one xlsx/csv reader

    if not path.exists():
        raise UserError(f"找不到文件：{path}")
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".csv"):
        raise UserError(f"{path.name}：清单表格应为 .xlsx 或 .csv（可从官方 PDF 中提取表格后另存）")
    rows = list(grid_rows(path))
    for idx, (_, cells) in enumerate(rows[:15]):
        if isinstance(cells, BadRow):
            continue
        mapping = _map_headers(cells)
        if "事项名称" in mapping.values() and ("措施描述" in mapping.values() or "事项编码" in mapping.values()):
            break
    else:
        raise UserError(f"{path.name}：前 15 行中找不到表头，至少需要“事项名称”（或“禁止或许可事项”）和"
                        f"“事项编码”或“措施描述”列")
    out, section = [], None
    for n, cells in rows[idx + 1:]:
        if isinstance(cells, BadRow):   # an edition is imported whole or not at all
            raise UserError(f"{path.name} 第 {n} 行：{cells.reason}")
        texts = [str(c).strip() for c in cells if c is not None and str(c).strip()]
        if not texts:
            continue
        if len(texts) == 1 and recache.search(r"(禁止|许可)准入(类|事项)", texts[0]):
            section = _category(texts[0])
            continue
        rec = {f: cells[i] for i, f in mapping.items() if i < len(cells)}
        if section and not rec.get("类别"):
            rec["类别"] = section
        out.append((n, rec))
    return out


def group_items(rows: list[tuple[int, dict]]) -> tuple[list[dict], list[str]]:
    """One item per 事项 (its measures collected from the rows below it), and the problems found."""
    items: list[dict] = []
    problems: list[str] = []
    last: dict = {}
    current: dict | None = None
    for n, rec in rows:
        new_item = any(str(rec.get(k) or "").strip() for k in ("事项名称", "事项编码"))
        vals = {k: (str(rec[k]).strip() if rec.get(k) is not None and str(rec[k]).strip() else None) for k in rec}
        if new_item:
            name = vals.get("事项名称") or last.get("事项名称")
            code = vals.get("事项编码") or (last.get("事项编码") if name == last.get("事项名称") else None)
            if current is not None and name == current["事项名称"] and code == current["事项编码"]:
                new_item = False   # a merged cell repeated on every row of the same item
        if new_item:
            for k in FILL_DOWN:
                if vals.get(k):
                    last[k] = vals[k]
            current = {
                "序号": vals.get("序号"),
                "类别": _category(vals.get("类别") or last.get("类别")),
                "事项名称": vals.get("事项名称") or last.get("事项名称"),
                "事项编码": vals.get("事项编码"),
                "措施描述": [],
                "主管部门": vals.get("主管部门") or last.get("主管部门"),
                "设立依据": [vals["设立依据"]] if vals.get("设立依据") else [],
                "地方性措施": _truthy(vals.get("地方性措施")),
                "_line": n,
            }
            items.append(current)
        elif current is None:
            problems.append(f"第 {n} 行：在第一个事项之前出现了措施行")
            continue
        if vals.get("措施描述"):
            current["措施描述"].append(vals["措施描述"])
        if vals.get("设立依据") and vals["设立依据"] not in current["设立依据"]:
            current["设立依据"].append(vals["设立依据"])
        if vals.get("地方性措施") and _truthy(vals.get("地方性措施")):
            current["地方性措施"] = True
    return items, problems


def _truthy(v) -> bool:
    s = str(v or "").strip()
    return bool(s) and s not in ("否", "无", "-", "—", "/", "0", "false", "False")


def list_item_model():
    """The schema of one list item (pydantic, built on first use to keep `policylint check` start-up cheap)."""
    global _LIST_ITEM
    if _LIST_ITEM is None:
        from typing import Literal

        from pydantic import BaseModel, ConfigDict, Field

        class ListItem(BaseModel):
            model_config = ConfigDict(extra="forbid")
            序号: str | int | None = None
            类别: Literal["禁止", "许可"]
            事项名称: str = Field(min_length=2)
            事项编码: str | None = Field(None, pattern=r"^[0-9A-Za-z\-]{3,20}$")
            措施描述: list[str] = []
            主管部门: str | None = None
            设立依据: list[str] = []
            地方性措施: bool = False
            关键词: list[str] = []
            来源: str | None = None
            核实: str | None = None

        _LIST_ITEM = ListItem
    return _LIST_ITEM


def edition_model():
    """The schema of an edition file (bundled YAML or imported JSON)."""
    from pydantic import BaseModel, ConfigDict

    item = list_item_model()

    class EditionFile(BaseModel):
        model_config = ConfigDict(extra="allow")
        edition: str
        title: str
        number: str
        effective: dt.date
        stated: dict[str, int]
        items: list[item]

    return EditionFile


_LIST_ITEM = None


def validate(items: list[dict], edition: str) -> list[str]:
    """Everything that is off, in a reviewer's words; empty when the table is the edition as published."""
    want = KNOWN_EDITIONS[edition]
    problems = []
    cats = {c: 0 for c in CATEGORIES}
    for it in items:
        c = it.get("类别")
        if c in cats:
            cats[c] += 1
        elif c is None:
            problems.append(f"第 {it['_line']} 行“{it['事项名称']}”：缺少类别（禁止准入类 / 许可准入类）")
        else:
            problems.append(f"第 {it['_line']} 行“{it['事项名称']}”：类别“{c.lstrip('?')}”无法识别，应为禁止准入类或许可准入类")
    for c in CATEGORIES:
        if cats[c] != want[c]:
            problems.append(f"{c}准入类应为 {want[c]} 项，表中为 {cats[c]} 项")
    if len(items) != want["总数"]:
        problems.append(f"事项总数应为 {want['总数']} 项（{edition} 年版），表中为 {len(items)} 项")
    seen: dict[str, int] = {}
    for it in items:
        code = it.get("事项编码")
        if not code:
            problems.append(f"第 {it['_line']} 行“{it['事项名称']}”：缺少事项编码")
            continue
        if code in seen:
            problems.append(f"事项编码 {code} 重复（第 {seen[code]} 行与第 {it['_line']} 行）")
        else:
            seen[code] = it["_line"]
    from pydantic import TypeAdapter, ValidationError

    adapter = TypeAdapter(list[list_item_model()])
    try:
        adapter.validate_python([{k: v for k, v in it.items() if not k.startswith("_")} for it in items
                                 if it.get("类别") in CATEGORIES and it.get("事项编码")])
    except ValidationError as e:
        for err in e.errors()[:10]:
            loc = err.get("loc", ())
            row = items[loc[0]]["_line"] if loc and isinstance(loc[0], int) and loc[0] < len(items) else "?"
            problems.append(f"第 {row} 行：{'.'.join(str(x) for x in loc[1:])} {err.get('msg')}")
    return problems


def import_table(path: str | Path, edition: str, data_dir_override: str | None = None) -> tuple[Path, dict]:
    """Read, validate and store an edition. Raises UserError listing what is off when the table does not match."""
    if edition not in KNOWN_EDITIONS:
        raise UserError(f"不认识的清单版本“{edition}”（可导入：{'、'.join(sorted(KNOWN_EDITIONS))}）")
    path = Path(path)
    items, problems = group_items(read_table(path))
    problems += validate(items, edition)
    if problems:
        shown = "；".join(problems[:12]) + (f"；另有 {len(problems) - 12} 处问题" if len(problems) > 12 else "")
        raise UserError(f"{path.name} 与《市场准入负面清单（{edition}年版）》不符，未导入：{shown}")
    bundled = _bundled().get(edition)
    want = KNOWN_EDITIONS[edition]
    doc = {
        "edition": edition,
        "title": f"市场准入负面清单（{edition}年版）",
        "number": want["number"],
        "effective": (bundled.effective.isoformat() if bundled else f"{edition}-01-01"),
        "effective_note": bundled.effective_note if bundled else "",
        "stated": {**(bundled.stated if bundled else {}), "禁止": want["禁止"], "许可": want["许可"], "总数": want["总数"]},
        "imported_from": path.name,
        "imported_at": dt.datetime.now().isoformat(timespec="seconds"),
        "items": [{k: v for k, v in it.items() if not k.startswith("_")} for it in items],
    }
    target = data_dir(data_dir_override) / "negative_list" / f"{edition}.json"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(target)
    except OSError as e:
        raise UserError(f"无法写入清单数据目录 {target.parent}：{e.strerror}（可用 --data-dir 或环境变量 POLICYLINT_DATA 指定）") from None
    cats = {c: sum(1 for it in items if it["类别"] == c) for c in CATEGORIES}
    return target, {"总数": len(items), **cats, "措施": sum(len(it["措施描述"]) for it in items)}
