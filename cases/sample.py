"""A deterministic sample register for one fictional prefecture-level city (青禾市), for demos, tests and benchmarks.

Every category and channel occurs; some cases are verified and rectified, some overdue; a few rows are dirty on
purpose (no id, an impossible date, an empty description, an id repeated with a changed description) so that an
import shows its rejects and its update.
"""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from cases.model import CATEGORY_TABLE
from engine.errors import UserError

CITY = "青禾市"
REGIONS = [f"{CITY}本级", f"{CITY}湖滨区", f"{CITY}望江区", f"{CITY}高新区", f"{CITY}临溪县", f"{CITY}石门县",
           f"{CITY}白沙县", f"{CITY}安平市"]
_SHORT = {r: r.removeprefix(CITY).removesuffix("本级") or "市" for r in REGIONS}
_DOC_PREFIX = {"本级": "青", "湖滨区": "湖", "望江区": "望", "高新区": "青高", "临溪县": "临", "石门县": "石",
               "白沙县": "白", "安平市": "安"}
DEPARTMENTS = ["住房和城乡建设局", "交通运输局", "教育局", "卫生健康局", "自然资源局", "文化和旅游局", "城市管理局",
               "行政审批服务局", "应急管理局", "人民政府办公室", "市场监督管理局", "商务局", "农业农村局"]
COMPANIES = ["鑫源", "恒通", "华禾", "博远", "泰和", "金诚", "瑞丰", "新程", "宏达", "明川"]
BUSINESS = [("商务咨询有限公司", "违规开展金融相关经营活动", "在企业名称和经营范围中使用“理财”“金融”字样，"
             "违规开展金融相关经营活动"),
            ("体育文化有限公司", "高危险性体育项目许可", "未取得《经营高危险性体育项目许可证》即经营攀岩、游泳项目"),
            ("旅游服务有限公司", "旅行社业务经营许可", "未取得《旅行社业务经营许可证》，以零团费招揽组织旅游者出游"),
            ("医药连锁有限公司", "药品经营许可", "未取得药品经营许可即通过网络销售处方药"),
            ("教育科技有限公司", "民办学校办学许可", "未取得办学许可即面向中小学生开展学科类培训")]
CHANNELS = [("12345热线", 26), ("投诉举报", 18), ("自查自纠", 16), ("督查检查", 12), ("媒体报道", 9),
            ("效能评估", 7), ("地方主动报送", 8), ("文件审查", 4)]
# how staff write a channel in real spreadsheets
CHANNEL_SPELLINGS = {"12345热线": ["12345热线", "12345政务服务便民热线", "12345"], "投诉举报": ["投诉举报", "群众举报", "企业投诉"],
                     "自查自纠": ["自查自纠", "部门自查"], "督查检查": ["督查检查", "省级督查", "专项检查"],
                     "媒体报道": ["媒体报道", "网络舆情"], "效能评估": ["效能评估", "市场准入效能评估"],
                     "地方主动报送": ["地方主动报送"], "文件审查": ["公平竞争审查"]}

_INDUSTRY = ["风能资源开发", "共享电单车运营", "民宿", "公务用车维修", "土地估价", "烟花爆竹零售", "建设工程招标代理",
             "道路货物运输", "充电设施建设运营", "养老机构运营", "医疗美容", "成品油零售"]


def _doc(rng: random.Random, region: str, year: int) -> str:
    topic = rng.choice(_INDUSTRY)
    kind = rng.choice(["关于加快{t}发展的实施意见", "{t}管理办法", "关于规范{t}市场秩序的通知", "{t}工作方案"])
    pre = _DOC_PREFIX[_SHORT[region] if _SHORT[region] != "市" else "本级"]
    org = rng.choice(["政发", "政办发", "建发", "交发", "商发"])
    return f"《{kind.format(t=topic)}》（{pre}{org}〔{year - rng.randint(0, 4)}〕{rng.randint(1, 60)}号）", topic


def _case_text(rng: random.Random, code: str, region: str, year: int, unit: str | None = None) -> dict:
    """Description, unit, document and clause for one case of the given category (of `unit` when given)."""
    short = _SHORT[region]
    place = "本市" if short == "市" else ("本区" if short.endswith("区") else "本县" if short.endswith("县") else "本市")
    dept = unit or (CITY if short == "市" else f"{short}") + rng.choice(DEPARTMENTS)
    doc, topic = _doc(rng, region, year)
    other = rng.choice([r for r in REGIONS if r != region])
    if code == "B":
        name, item, act = rng.choice(BUSINESS)
        company = unit or f"{CITY}{rng.choice(COMPANIES)}{name}"
        return {"unit": company, "description": f"{company}{act}，违背市场准入负面清单有关要求。", "document": "",
                "clause": "", "list_item": item}
    texts = {
        "A": [f"{dept}对列入市场准入负面清单禁止准入类的{topic}项目违规办理审批手续。",
              f"{dept}未按许可准入类事项规定的条件和程序，违规为不符合条件的企业核发{topic}许可。"],
        "C1": [f"国家层面已取消{topic}相关资质认定，{dept}仍要求企业提供该资质证明后方可办理，国家已放开但地方仍在审批。",
               f"{dept}要求{topic}经营者委托具有法定资质的第三方机构出具评估报告，将已取消的资质许可作为经营前置条件。"],
        "C2": [f"{dept}印发{doc}，要求参与{topic}项目的企业须在{place}注册登记，限制外地企业进入。",
               f"{dept}在{doc}中要求参与{topic}的企业中区属国有企业入股比例不低于20%，另设准入条件。",
               f"{dept}以特许经营权拍卖方式确定{place}{topic}唯一经营者，未中标企业须退出。",
               f"{dept}遴选{topic}服务机构时要求在{place}有固定经营场所并提供房产证明，限制外地企业参与。"],
        "C3": [f"{dept}以缺乏监管手段为由，对{topic}新业态许可申请暂停受理，监管能力不足导致不敢批。",
               f"因无相应监管标准，{dept}对{topic}经营许可申请长期不予受理。"],
        "C4": [f"办理{topic}经营许可须先取得规划许可，而办理规划许可又要求先取得经营许可，{dept}相关审批互为前置。"],
        "C5": [f"企业已在{other}取得{topic}相关许可，到{place}开展同类业务时{dept}仍要求重新审批，跨区域重复审批。"],
        "C9": [f"{dept}在办理{topic}准入手续时要求民营企业额外提供银行资信证明，与国有企业区别对待。",
               f"{dept}对{topic}经营许可申请久拖不办，超过承诺时限仍未作出决定，形成市场准入隐性壁垒。"],
        "D": [f"{dept}在{doc}中自行列出{topic}禁止准入事项，擅自发布地方版市场准入负面清单。"],
    }
    desc = rng.choice(texts[code])
    clause = ""
    if "《" in desc or code in ("C2", "C9", "D"):
        clause = rng.choice(["第五条", "第八条第二款", "第三条第（二）项", "第十二条"])
    return {"unit": dept, "description": desc, "document": doc if clause else "", "clause": clause, "list_item": ""}


# how often each category occurs in the sample (per hundred cases, roughly as in published batches); the codes and
# their order come from cases.model.CATEGORY_TABLE, a category missing here occurs with weight 5
_WEIGHT = {"A": 8, "B": 14, "C1": 10, "C2": 34, "C3": 7, "C4": 6, "C5": 6, "C9": 8, "D": 7}
DATE_STYLES = ["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}年{m}月{d}日", "{y}.{m}.{d}"]


def generate(rows: int = 120, seed: int = 2026, start: dt.date = dt.date(2026, 4, 1),
             end: dt.date = dt.date(2026, 9, 30), dirty: bool = True) -> list[dict]:
    """Rows keyed by the Chinese headers, in the order a clerk would have typed them."""
    rng = random.Random(seed)
    codes = [c.code for c in CATEGORY_TABLE]
    cw = [_WEIGHT.get(c, 5) for c in codes]
    chans, chw = zip(*CHANNELS)
    span = (end - start).days
    out: list[dict] = []
    units_seen: list[tuple[str, str]] = []
    dates = sorted(start + dt.timedelta(days=rng.randint(0, span)) for _ in range(rows))
    for i, received in enumerate(dates):
        region = rng.choice(REGIONS)
        code = rng.choices(codes, cw)[0]
        unit = None
        recent = [(rg, u) for rg, u, c in units_seen[-30:] if (c == "B") == (code == "B")]
        if recent and rng.random() < 0.08:   # the same unit again within a few weeks: repeat offenders
            region, unit = rng.choice(recent)
        case = _case_text(rng, code, region, received.year, unit)
        units_seen.append((region, case["unit"], code))
        ch = rng.choices(chans, chw)[0]
        row = {"案例编号": f"QH{received.year}-{i + 1:05d}", "所属地区": region, "涉及单位": case["unit"],
               "来源渠道": rng.choice(CHANNEL_SPELLINGS[ch]),
               "受理日期": rng.choice(DATE_STYLES).format(y=received.year, m=received.month, d=received.day),
               "问题描述": case["description"], "涉及文件": case["document"], "涉及条款": case["clause"],
               "涉及清单事项": case["list_item"], **{h: "" for h in HEADERS[9:]}}
        _progress(rng, row, received, end, code)
        if rng.random() < 0.03:          # facts missing: the unit was not recorded
            row["涉及单位"] = ""
        out.append(row)
    if dirty and rows >= 10:
        _make_dirty(rng, out)
    return out


def _progress(rng: random.Random, row: dict, received: dt.date, today: dt.date, code: str) -> None:
    """Older cases are further along: verified, a deadline set, some rectified, some overdue."""
    age = (today - received).days
    if age < 10 or rng.random() < 0.12:
        return
    verdict = rng.choices(["属实", "部分属实", "不属实"], [75, 12, 13])[0]
    row["核查状态"] = verdict
    verified = min(received + dt.timedelta(days=rng.randint(3, 20)), today)
    row["核查日期"] = verified.isoformat()
    if verdict == "不属实":
        row["核查情况"] = "经核查，反映问题不属实，相关文件已于此前废止。"
        row["整改状态"] = "无需整改"
        return
    row["核查情况"] = rng.choice(["经核查，反映问题属实。", "经核查，相关条款确实存在，已责令起草单位限期整改。",
                                "经核查，问题基本属实，已约谈相关部门负责人。"])
    deadline = verified + dt.timedelta(days=rng.choice([30, 45, 60]))
    row["整改期限"] = deadline.isoformat()
    if deadline < today and rng.random() < 0.7 or rng.random() < 0.3:
        row["整改状态"] = "已整改"
        row["整改完成日期"] = min(verified + dt.timedelta(days=rng.randint(5, 70)), today).isoformat()
        row["整改措施"] = rng.choice(["已依法责令停业整顿并指导办理许可。", "已责令改正并依法予以罚款。"] if code == "B" else
                                 ["已废止相关文件并向社会公布。", "已修订相关条款，删除限制性内容，并补做公平竞争审查。",
                                  "已撤回相关公告，组织专题学习。", "已取消该审批环节，改为告知承诺办理。"])
    else:
        row["整改状态"] = rng.choice(["整改中", "未整改"])


def _make_dirty(rng: random.Random, out: list[dict]) -> None:
    n = len(out)
    a, b, c, d = (rng.randrange(n // 4), n // 4 + rng.randrange(n // 4), n // 2 + rng.randrange(n // 4),
                  3 * n // 4 + rng.randrange(n // 4))
    out[a] = {**out[a], "案例编号": ""}                                   # no id
    out[b] = {**out[b], "受理日期": "2026-02-30"}                         # impossible date
    out[c] = {**out[c], "问题描述": ""}                                   # empty description
    repeated = dict(out[d])                                              # the same id again, description changed
    repeated["问题描述"] = repeated["问题描述"].rstrip("。") + "；经补充调查，相关要求已在实际办理中执行。"
    out.insert(min(d + 5, len(out)), repeated)


HEADERS = ["案例编号", "所属地区", "涉及单位", "来源渠道", "受理日期", "问题描述", "涉及文件", "涉及条款", "涉及清单事项",
           "核查状态", "核查日期", "核查情况", "整改状态", "整改期限", "整改完成日期", "整改措施"]


def write(path: str | Path, rows: list[dict], encoding: str = "utf-8-sig") -> None:
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            import csv

            with open(path, "w", encoding=encoding, newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=HEADERS)
                w.writeheader()
                w.writerows(rows)
        elif suffix == ".xlsx":
            from openpyxl import Workbook

            wb = Workbook(write_only=True)
            ws = wb.create_sheet("案例台账")
            ws.append(HEADERS)
            for r in rows:
                ws.append([r.get(h, "") for h in HEADERS])
            wb.save(path)
        elif suffix == ".jsonl":
            import json

            with open(path, "w", encoding="utf-8") as fh:
                for r in rows:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        else:
            raise UserError(f"无法识别的输出格式 {suffix or '（无后缀）'}：请用 .csv、.xlsx 或 .jsonl")
    except OSError as e:
        raise UserError(f"无法写入 {path}：{e.strerror}") from None
