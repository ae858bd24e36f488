"""Filing (行政备案) items and filing requests as structured facts, and the readers for them.

A filing item is one row of a published 行政备案事项清单 (or one entry of a YAML/JSON list); a filing request is one
application and how it was handled. Both become plain dicts keyed by the Chinese field names the `on filing_item` /
`on filing_request` rules use, plus derived fields computed here (a rule cannot compare two records):

- items:    办理时限天数 (the published time limit in days; 0 = 当场办结), 材料均可共享 (every material is one the
            government already holds)
- requests: 超出清单材料 (materials demanded beyond the published item), 清单内事项 (is the item on the list),
            公布办理时限天数, 超出时限天数, 收费金额 as a number.

A row that cannot be read is reported with its row number and skipped; the rest is still checked.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from engine.errors import UserError
from engine.records.tables import BadRow, decode_text, grid_rows, read_bytes

# ---- field names and the header spellings found in published lists ----------------------------------------

ITEM_FIELDS = ["事项名称", "子项名称", "事项编码", "设定依据", "实施机关", "申请材料", "办理环节", "办理时限", "是否收费",
               "结果形式", "有效期", "不予备案情形", "是否开展活动的前提", "备注"]
REQUEST_FIELDS = ["事项名称", "申请人", "申请日期", "要求材料", "材料是否齐全", "办理环节", "办理天数", "收费金额",
                  "办理结果", "理由", "备注"]

ALIASES = {
    "事项名称": ["事项名称", "备案事项名称", "行政备案事项名称", "备案事项", "名称"],
    "子项名称": ["子项名称", "行政备案事项子项名称", "子项"],
    "事项编码": ["事项编码", "编码", "事项代码"],
    "设定依据": ["设定依据", "行政备案事项设定依据", "备案依据", "依据", "法律依据"],
    "实施机关": ["实施机关", "实施部门", "行政备案实施部门", "备案机关", "办理部门", "受理部门"],
    "申请材料": ["申请材料", "备案材料", "申报材料", "所需材料", "材料清单"],
    "办理环节": ["办理环节", "办理流程", "办理程序", "流程", "环节"],
    "办理时限": ["办理时限", "承诺时限", "办结时限", "法定时限", "时限"],
    "是否收费": ["是否收费", "收费", "收费标准", "收费情况"],
    "结果形式": ["结果形式", "办理结果", "结果名称", "备案结果", "审批结果"],
    "有效期": ["有效期", "结果有效期", "备案有效期"],
    "不予备案情形": ["不予备案情形", "不予备案的情形", "不予受理情形", "不予备案条件"],
    "是否开展活动的前提": ["是否开展活动的前提", "是否为开展活动的前提", "是否作为开展活动的前提", "是否前置", "前提条件"],
    "备注": ["备注", "说明", "优化备案服务方式"],
}
REQUEST_ALIASES = {
    "事项名称": ["事项名称", "备案事项", "备案事项名称", "申请事项"],
    "申请人": ["申请人", "申请单位", "备案人", "申请主体"],
    "申请日期": ["申请日期", "申请时间", "受理日期"],
    "要求材料": ["要求材料", "要求提交的材料", "实际要求材料", "提交材料", "申请材料"],
    "材料是否齐全": ["材料是否齐全", "材料齐全", "是否齐全"],
    "办理环节": ["办理环节", "实际办理环节", "办理流程", "经历环节"],
    "办理天数": ["办理天数", "实际办理天数", "用时", "办理用时"],
    "收费金额": ["收费金额", "收费", "实收费用", "缴费金额"],
    "办理结果": ["办理结果", "结果", "处理结果"],
    "理由": ["理由", "不予备案理由", "说明理由", "退回理由"],
    "备注": ["备注", "说明"],
}

LIST_SPLIT = re.compile(r"[；;\n]+|(?:^|\s)\d+[.、．)）]\s*")
STEP_SPLIT = re.compile(r"\s*(?:→|->|—>|－>|⇒|➝|；|;|、|\n|—|－)\s*")
TRUE_WORDS = {"是", "收费", "有", "需要", "true", "yes", "y", "1", "√", "齐全", "是（前提）"}
FALSE_WORDS = {"否", "不收费", "免费", "无", "不需要", "false", "no", "n", "0", "×", "不齐全", "/", "—", "-", ""}
CN_NUM = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def split_list(value: Any, splitter: re.Pattern = LIST_SPLIT) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [p.strip(" 　,，。") for p in splitter.split(str(value)) if p and p.strip(" 　,，。")]


def parse_bool(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    s = str(value).strip().lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False if s else None
    if s.startswith(("否", "不", "免", "无")):
        return False
    if s.startswith(("是", "收", "有")) or re.search(r"\d+(\.\d+)?\s*元", s):
        return True
    raise ValueError(f"“{field}”应填“是”或“否”，实际为“{value}”")


def parse_days(value: Any) -> int | None:
    """'当场办结' -> 0, '5个工作日' -> 5, '即时' -> 0, '三日' -> 3, 10 -> 10."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    s = str(value)
    if re.search(r"(当场|即时|即办|立即|当日|当天|实时)", s):
        return 0
    m = re.search(r"(\d+)", s)
    if m:
        return int(m.group(1))
    m = re.search(r"([一二两三四五六七八九十]+)\s*个?(工作日|日|天)", s)
    if m:
        t = m.group(1)
        if "十" in t:
            a, _, b = t.partition("十")
            return CN_NUM.get(a, 1) * 10 + CN_NUM.get(b, 0)
        return CN_NUM.get(t)
    return None


def parse_money(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    s = str(value).strip()
    if s in FALSE_WORDS or re.fullmatch(r"(不收费|免费|未收费|无|零)", s):
        return 0.0
    m = re.search(r"(\d+(?:\.\d+)?)", s.replace(",", ""))
    if m:
        return float(m.group(1))
    raise ValueError(f"“收费金额”应为数字（元），实际为“{value}”")


# Materials the government already holds (电子证照库, 登记信息): a filing that asks only for these should not exist.
SHAREABLE = re.compile(r"^(营业执照|统一社会信用代码|法人登记证书|登记证书|身份证|法定代表人身份证|居民身份证|执照副本)")

# ---- models ------------------------------------------------------------------------------------------------

def _text_or_none(v):
    if v is None:
        return None
    s = str(v).strip()
    return s or None


# Field types shared by filing items and requests: how staff write lists, steps and free text in a spreadsheet
TextList = Annotated[list[str], BeforeValidator(split_list)]
Steps = Annotated[list[str], BeforeValidator(lambda v: split_list(v, STEP_SPLIT))]
Text = Annotated[str | None, BeforeValidator(_text_or_none)]

class FilingItem(BaseModel):
    """One item of a 行政备案事项清单."""
    model_config = ConfigDict(populate_by_name=True, extra="ignore", str_strip_whitespace=True)

    name: str = Field(alias="事项名称", min_length=1)
    sub_name: Text = Field(None, alias="子项名称")
    code: Text = Field(None, alias="事项编码")
    basis: TextList = Field(default_factory=list, alias="设定依据")
    authority: Text = Field(None, alias="实施机关")
    materials: TextList = Field(default_factory=list, alias="申请材料")
    steps: Steps = Field(default_factory=list, alias="办理环节")
    time_limit: Text = Field(None, alias="办理时限")
    fee: bool | None = Field(None, alias="是否收费")
    result_form: Text = Field(None, alias="结果形式")
    validity: Text = Field(None, alias="有效期")
    refusal_grounds: TextList = Field(default_factory=list, alias="不予备案情形")
    prerequisite: bool | None = Field(None, alias="是否开展活动的前提")
    remarks: Text = Field(None, alias="备注")

    @field_validator("fee", mode="before")
    @classmethod
    def _fee(cls, v):
        return parse_bool(v, "是否收费")

    @field_validator("prerequisite", mode="before")
    @classmethod
    def _pre(cls, v):
        return parse_bool(v, "是否开展活动的前提")

    def record(self, line: int = 0) -> dict:
        """The dict the `on filing_item` rules read."""
        rec = {
            "事项名称": self.name, "子项名称": self.sub_name, "事项编码": self.code, "设定依据": self.basis or None,
            "实施机关": self.authority, "申请材料": self.materials or None, "办理环节": self.steps or None,
            "办理时限": self.time_limit, "办理时限天数": parse_days(self.time_limit), "是否收费": self.fee,
            "结果形式": self.result_form, "有效期": self.validity, "不予备案情形": self.refusal_grounds or None,
            "是否开展活动的前提": self.prerequisite, "备注": self.remarks,
        }
        rec["材料均可共享"] = bool(self.materials) and all(SHAREABLE.search(m) for m in self.materials)
        rec["_id"] = self.name + (f"（{self.sub_name}）" if self.sub_name else "")
        rec["_line"] = line
        return rec


class FilingRequest(BaseModel):
    """One filing application and how it was handled."""
    model_config = ConfigDict(populate_by_name=True, extra="ignore", str_strip_whitespace=True)

    item: str = Field(alias="事项名称", min_length=1)
    applicant: Text = Field(None, alias="申请人")
    date: Text = Field(None, alias="申请日期")
    materials: TextList = Field(default_factory=list, alias="要求材料")
    complete: bool | None = Field(None, alias="材料是否齐全")
    steps: Steps = Field(default_factory=list, alias="办理环节")
    days: int | None = Field(None, alias="办理天数")
    fee: float | None = Field(None, alias="收费金额")
    outcome: Text = Field(None, alias="办理结果")
    reason: Text = Field(None, alias="理由")
    remarks: Text = Field(None, alias="备注")

    @field_validator("complete", mode="before")
    @classmethod
    def _complete(cls, v):
        return parse_bool(v, "材料是否齐全")

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, v):
        d = parse_days(v)
        if d is None and v not in (None, ""):
            raise ValueError(f"“办理天数”应为天数，实际为“{v}”")
        return d

    @field_validator("fee", mode="before")
    @classmethod
    def _fee(cls, v):
        return parse_money(v)

    def record(self, items: dict[str, FilingItem] | None, line: int = 0) -> dict:
        """The dict the `on filing_request` rules read, with the fields derived from the published item."""
        published = find_item(items, self.item) if items is not None else None
        rec = {
            "事项名称": self.item, "申请人": self.applicant, "申请日期": self.date, "要求材料": self.materials or None,
            "材料是否齐全": self.complete, "办理环节": self.steps or None, "办理天数": self.days,
            "收费金额": self.fee, "办理结果": self.outcome, "理由": self.reason, "备注": self.remarks,
            "清单内事项": (published is not None) if items is not None else None,
            "超出清单材料": None, "公布办理时限天数": None, "超出时限天数": None,
        }
        if published is not None:
            extra = materials_beyond(self.materials, published.materials)
            rec["超出清单材料"] = extra or None
            limit = parse_days(published.time_limit)
            rec["公布办理时限天数"] = limit
            if limit is not None and self.days is not None:
                rec["超出时限天数"] = self.days - limit
        rec["_id"] = f"{self.applicant or '申请人未填'}：{self.item}" + (f"（{self.date}）" if self.date else "")
        rec["_line"] = line
        return rec


# ---- matching requests to the published list ------------------------------------------------------------

_NOISE = re.compile(r"[（(][^）)]*[）)]|复印件|原件|扫描件|及其|或者|或|和|的|份|一份|[\s　、，,。.；;：:“”\"'《》]")


def _norm(s: str) -> str:
    return _NOISE.sub("", s)


def find_item(items: dict[str, FilingItem] | None, name: str) -> FilingItem | None:
    if not items:
        return None
    if name in items:
        return items[name]
    key = _norm(name)
    for n, it in items.items():
        if _norm(n) == key:
            return it
    return None


def materials_beyond(demanded: list[str], published: list[str]) -> list[str]:
    """Materials demanded that the published item does not list (a loose match: one name contains the other)."""
    pub = [_norm(p) for p in published if _norm(p)]
    out = []
    for m in demanded:
        k = _norm(m)
        if k and not any(k in p or p in k for p in pub):
            out.append(m)
    return out


# ---- readers -----------------------------------------------------------------------------------------------

@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}"


def _validation_message(e: ValidationError, model) -> str:
    names = {f.alias or n: n for n, f in model.model_fields.items()}
    parts = []
    for err in e.errors():
        loc = err.get("loc") or ("",)
        field = str(loc[0])
        msg = err.get("msg", "")
        if err.get("type") == "missing" or (err.get("type") == "string_too_short"):
            parts.append(f"缺少“{field}”")
        elif msg.startswith("Value error, "):
            parts.append(msg[len("Value error, "):])
        else:
            parts.append(f"“{field}”的值无法识别（{err.get('input')!r}）" if field in names else msg)
    return "；".join(parts)


def _map_header(cells: list, aliases: dict[str, list[str]]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for i, c in enumerate(cells):
        h = re.sub(r"[\s　*＊]", "", str(c or ""))
        for field, names in aliases.items():
            if h in names and field not in mapping.values():
                mapping[i] = field
                break
    return mapping


def _decode(data: bytes, name: str) -> str:
    return decode_text(data, name)


def _grid_rows(path: Path) -> list[tuple[int, list | BadRow]]:
    """Every row of a CSV/XLSX table (see engine.records.tables: encodings row by row, bounds, clean errors)."""
    return list(grid_rows(path))


def _table(path: Path, aliases: dict[str, list[str]], required: str) -> list[tuple[int, dict]]:
    rows = _grid_rows(path)
    for idx, (number, cells) in enumerate(rows[:10]):
        if isinstance(cells, BadRow):
            continue
        mapping = _map_header(cells, aliases)
        if required in mapping.values():
            out = []
            for n, cells in rows[idx + 1:]:
                if isinstance(cells, BadRow):
                    out.append((n, cells))
                    continue
                if not any(str(c or "").strip() for c in cells):
                    continue
                out.append((n, {f: cells[i] for i, f in mapping.items() if i < len(cells)}))
            return out
    names = "、".join(aliases[required][:3])
    raise UserError(f"{path.name}：前 10 行中找不到表头，至少需要“{required}”列（也可写作：{names}）")


def _yaml_rows(path: Path, key: str) -> tuple[list[tuple[int, Any]], dict]:
    """Entries of a YAML/JSON list (top level, or under `key`), each with its 1-based line."""
    import yaml

    text = _decode(read_bytes(path), path.name)
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise UserError(f"{path.name}{where}：YAML/JSON 格式错误（{getattr(e, 'problem', '') or e}）") from None
    meta: dict = {}
    seq_node, seq = node, data
    if isinstance(data, dict):
        meta = {k: v for k, v in data.items() if k != key}
        if key not in data:
            return [], meta
        seq = data[key]
        seq_node = next(v for k, v in node.value if k.value == key)
    if not isinstance(seq, list):
        raise UserError(f"{path.name}：应为一个列表（或含“{key}”列表的文档）")
    lines = [getattr(n, "start_mark", None) for n in getattr(seq_node, "value", [])]
    return [((lines[i].line + 1) if i < len(lines) and lines[i] else i + 1, e) for i, e in enumerate(seq)], meta


def _rows(path: Path, kind: str) -> tuple[list[tuple[int, Any]], dict]:
    if not path.exists():
        raise UserError(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):
        return _yaml_rows(path, "items" if kind == "item" else "requests")
    if suffix in (".xlsx", ".xlsm", ".csv"):
        return _table(path, ALIASES if kind == "item" else REQUEST_ALIASES, "事项名称"), {}
    if suffix in (".xls", ".et"):
        raise UserError(f"{path.name}：不支持旧版 {suffix} 格式，请另存为 .xlsx 或 CSV")
    raise UserError(f"{path.name}：无法识别的文件类型（支持 .xlsx、.csv、.yaml、.json）")


def read_items(path: str | Path) -> tuple[list[tuple[int, FilingItem]], list[RowError]]:
    """Every readable item with its row number, and the rows that could not be read."""
    rows, _ = _rows(Path(path), "item")
    return _build(rows, FilingItem)


def read_requests(path: str | Path) -> tuple[list[tuple[int, FilingRequest]], list[RowError], dict]:
    rows, meta = _rows(Path(path), "request")
    ok, bad = _build(rows, FilingRequest)
    return ok, bad, meta


def _build(rows, model):
    ok, bad = [], []
    for line, raw in rows:
        if isinstance(raw, BadRow):
            bad.append(RowError(line, raw.reason))
            continue
        if not isinstance(raw, dict):
            bad.append(RowError(line, "应为“字段: 值”的条目"))
            continue
        try:
            ok.append((line, model.model_validate(raw)))
        except ValidationError as e:
            bad.append(RowError(line, _validation_message(e, model)))
    return ok, bad


def detect_kind(path: str | Path) -> str:
    """'request' when the file holds filing requests (申请人 / 办理结果 columns or a `requests:` list), else 'item'."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml", ".json"):
        import yaml
        try:
            data = yaml.safe_load(_decode(read_bytes(p), p.name))
        except yaml.YAMLError:
            return "item"
        if isinstance(data, dict):
            return "request" if "requests" in data else "item"
        first = data[0] if isinstance(data, list) and data else {}
        return "request" if isinstance(first, dict) and ({"申请人", "办理结果", "办理天数"} & set(first)) else "item"
    if suffix in (".xlsx", ".xlsm", ".csv"):
        for _, cells in _grid_rows(p)[:10]:
            if isinstance(cells, BadRow):
                continue
            fields = set(_map_header(cells, REQUEST_ALIASES).values())
            if "事项名称" in fields and ({"申请人", "办理结果", "办理天数"} & fields):
                return "request"
    return "item"


def item_index(items: list[tuple[int, FilingItem]]) -> dict[str, FilingItem]:
    out: dict[str, FilingItem] = {}
    for _, it in items:
        out.setdefault(it.name, it)
        if it.sub_name:
            out.setdefault(f"{it.name}（{it.sub_name}）", it)
    return out


def dump_json(records: list[dict]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2)
