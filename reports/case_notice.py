"""一案一通报: the notice of one case, with the elements of a published notice (case_circulation.md §3):
a title naming place, body and conduct; the facts (time, document in 书名号, clause, how it is characterised, the
list item); the source of the case; verification; rectification; what is asked; and the basis it rests on."""
from __future__ import annotations

import datetime as dt
import re

from cases.model import ACTOR, CATEGORIES, CLASS_ITEM, CONDUCT, category_class, category_label
from cases.normalize import date_cn
from reports.case_doc import CaseDoc

BASIS_INSTRUMENT = "发改体改〔2021〕1670号"
BASIS_TITLE = "国家发展改革委关于建立违背市场准入负面清单案例归集和通报制度的通知"
SOURCE_PHRASE = {
    "12345热线": "群众通过12345热线反映", "投诉举报": "接到投诉举报", "自查自纠": "经自查自纠发现",
    "督查检查": "经督查检查发现", "媒体报道": "据媒体报道", "效能评估": "经市场准入效能评估发现",
    "地方主动报送": "经地方主动报送", "文件审查": "经政策措施文件审查发现",
}
SELF_REPORTED = {"自查自纠", "地方主动报送"}


def place_name(region: str) -> str:
    """'青禾市本级' -> '青禾市'."""
    return re.sub(r"(本级|市直)$", "", region or "")


def city_of(regions) -> str:
    """The prefecture-level city the regions share ('青禾市'), or ''."""
    cities = {m.group(1) for r in regions if r and (m := re.match(r"^(.{2,8}?[市州盟])", r))}
    return cities.pop() if len(cities) == 1 else ""


def default_issuer(regions) -> str:
    city = city_of(regions)
    return f"{city}发展和改革委员会" if city else "发展和改革委员会"


def subject(region: str, unit: str, category: str) -> str:
    """Place + body without repeating the place: ('青禾市石门县', '石门县商务局') -> '青禾市石门县商务局'."""
    place = place_name(region)
    if not unit:
        return place + ACTOR.get(category, "有关部门")
    for k in range(min(len(place), len(unit)), 1, -1):
        if place.endswith(unit[:k]):
            return place + unit[k:]
    if unit.startswith(place[:2]) or not place:
        return unit
    return place + unit


def case_title(rec) -> str:
    conduct = CONDUCT.get(rec.category, "涉嫌违背市场准入负面清单")
    who = subject(rec.region, rec.unit, rec.category)
    if rec.channel in SELF_REPORTED and rec.rectify_status == "已整改":
        place = place_name(rec.region)
        rest = who[len(place):] if who.startswith(place) else who
        return f"{place}主动核查整改{rest}{conduct}问题"
    return f"{who}{conduct}"


UNVERIFIED = {"待核查", "核查中", "", None}


def notice_title(rec) -> str:
    """The notice's title, ending as a notice title does (…问题的通报 / …情况的通报); a case not yet verified is
    only 涉嫌, one found untrue is a 核查情况 notice."""
    name = case_title(rec)
    if rec.channel in SELF_REPORTED and rec.rectify_status == "已整改":
        return f"关于{name}情况的通报"
    if "涉嫌" not in name and (rec.verify_status in UNVERIFIED or rec.verify_status == "不属实"):
        who = subject(rec.region, rec.unit, rec.category)
        name = f"{who}涉嫌{name[len(who):]}" if name.startswith(who) else f"涉嫌{name}"
    name = name.removesuffix("问题")
    if rec.verify_status == "不属实":
        return f"关于{name}问题核查情况的通报"
    return f"关于{name}问题的通报"


def basis_provision(category: str):
    """The text of 1670号 part 1 item N for the category, from rules/law (None if unavailable)."""
    cls = category_class(category)
    if cls not in CLASS_ITEM:
        return None
    try:
        from dsl.lawtext import load_lawbook

        return load_lawbook().resolve(BASIS_INSTRUMENT, [("part", 1), ("item", CLASS_ITEM[cls])])
    except (KeyError, OSError):
        return None


def basis_sentence(rec) -> str:
    if not rec.category or rec.category not in CATEGORIES:
        return "该案例尚未分类，请核查后认定所属类别。"
    item = CLASS_ITEM[category_class(rec.category)]
    s = f"依据{BASIS_INSTRUMENT}第一部分第（{'一二三四'[item - 1]}）项，该案例属于“{category_label(rec.category)}”情形。"
    if rec.list_item:
        s += f"涉及市场准入负面清单事项：{rec.list_item}。"
    return s


def facts(rec) -> list[str]:
    src = SOURCE_PHRASE.get(rec.channel, f"经{rec.channel}" if rec.channel else "经排查")
    desc = rec.description.rstrip("。；; ")
    out = [f"{date_cn(rec.received_date)}，{src}：{desc}。"]
    if rec.document:
        s = f"经查，涉及文件为{rec.document if '《' in rec.document else '《' + rec.document + '》'}"
        if rec.clause:
            clause = rec.clause.replace("\n", "；")
            s += f"，有关条款为{clause}" if len(clause) < 300 else f"，有关条款为{clause[:300]}……"
        out.append(s.rstrip("。") + "。")
    if rec.basis:
        out.append(f"可能违反：{rec.basis}。")
    out.append(basis_sentence(rec))
    return out


def verification(rec) -> str:
    if rec.verify_status in ("待核查", "", None):
        return "该案例尚待核查。"
    if rec.verify_status == "核查中":
        return "该案例正在核查中。"
    when = f"{date_cn(rec.verify_date)}" if rec.verify_date else ""
    who = f"（核查人：{rec.verifier}）" if rec.verifier else ""
    text = rec.verify_findings.rstrip("。") + "。" if rec.verify_findings else ""
    return f"{when}核查结论：{rec.verify_status}{who}。{text}"


def rectification(rec, as_of: dt.date) -> str:
    st = rec.rectify_status
    if rec.verify_status in UNVERIFIED and st not in ("已整改", "整改中"):
        return "该案例尚待核查，是否需要整改待核查后确定。"
    if rec.verify_status == "不属实" and st not in ("已整改", "整改中"):
        return "经核查反映问题不属实，无需整改。"
    if st == "已整改":
        when = f"{date_cn(rec.rectify_date)}" if rec.rectify_date else ""
        m = rec.rectify_measures.rstrip("。") + "。" if rec.rectify_measures else "（整改措施未登记）"
        return f"已完成整改。{when}{'，' if when else ''}{m}"
    if st == "无需整改":
        return "经核查无需整改。"
    s = "整改中" if st == "整改中" else "尚未整改"
    if rec.rectify_deadline:
        s += f"，整改期限为{date_cn(rec.rectify_deadline)}"
        if rec.rectify_deadline < as_of:
            s += f"，已逾期{(as_of - rec.rectify_deadline).days}天"
    else:
        s += "，尚未明确整改期限"
    if rec.rectify_measures:
        s += f"。已采取措施：{rec.rectify_measures.rstrip('。')}"
    return s + "。"


def requirement(rec, issuer: str) -> str:
    who = rec.unit or "有关单位"
    if rec.verify_status == "不属实":
        return "经核查反映问题不属实，予以澄清。"
    if rec.rectify_status in ("已整改", "无需整改"):
        return ("各地区、各部门要以此为鉴，对照本案例全面开展自查自纠，做到发现一起、整改一起、通报一起，"
                "切实维护市场准入负面清单制度的统一性、严肃性和权威性。")
    if rec.verify_status in UNVERIFIED:   # not yet verified: ask for verification, not rectification
        place = place_name(rec.region) or "所在地"
        return (f"请{place}发展改革部门会同有关部门对本案例开展核查，查明有关文件、条款和做法是否违背市场准入负面清单制度，"
                f"核查属实的依法依规督促{who}整改，并将核查结果书面报送{issuer}。")
    deadline = f"于{date_cn(rec.rectify_deadline)}前" if rec.rectify_deadline else "限期"
    return (f"请{who}{deadline}完成整改，废止或修订相关文件，补做公平竞争审查，并将整改情况书面报送{issuer}。"
            f"所在地发展改革部门要会同有关部门督促整改到位。")


def doc_number_placeholder(date: dt.date) -> str:
    """A 发文字号 left to fill in (〔2026〕　号) when no number was given: the 文号 is assigned by the issuing office."""
    return f"〔{date.year}〕　号"


def add_masthead(doc, issuer: str, date: dt.date, number: str | None = None, mark: str | None = None) -> None:
    doc.masthead(mark or f"{issuer}文件", number or doc_number_placeholder(date))


def add_imprint(doc, issuer: str, date: dt.date, cc: str = "", printer: str | None = None,
                printed: dt.date | None = None) -> None:
    doc.imprint(cc, printer or f"{issuer}办公室", date_cn(printed or date))


def build_notice(rec, issuer: str | None = None, date: dt.date | None = None, as_of: dt.date | None = None, *,
                 number: str | None = None, mark: str | None = None, cc: str = "", printer: str | None = None,
                 printed: dt.date | None = None) -> CaseDoc:
    """The notice of one case as an official document: 版头 (mark, 文号), title, body, signature, 版记."""
    date = date or dt.date.today()
    as_of = as_of or date
    issuer = issuer or default_issuer([rec.region])
    doc = CaseDoc(cases=[rec], name=f"案例通报-{rec.case_id}")
    add_masthead(doc, issuer, date, number, mark)
    doc.title(notice_title(rec))
    doc.subtitle(f"（案例编号：{rec.case_id}）")
    doc.heading("一、基本案情", 1)
    for p in facts(rec):
        doc.para(p)
    doc.heading("二、案例来源", 1)
    doc.para(f"{rec.channel or '来源未登记'}，{date_cn(rec.received_date)}受理。")
    doc.heading("三、核查情况", 1)
    doc.para(verification(rec))
    doc.heading("四、整改情况", 1)
    doc.para(rectification(rec, as_of))
    doc.heading("五、工作要求", 1)
    doc.para(requirement(rec, issuer))
    prov = basis_provision(rec.category)
    if prov is not None:
        doc.note(f"附：通报依据《{BASIS_TITLE}》（{BASIS_INSTRUMENT}）"
                 f"{prov.citation.replace(BASIS_INSTRUMENT, '')}：{prov.text}")
    doc.signature(issuer, date_cn(date))
    add_imprint(doc, issuer, date, cc, printer, printed)
    rows = [[name, value] for name, value in [
        ("案例编号", rec.case_id), ("所属地区", rec.region), ("涉及单位", rec.unit), ("来源渠道", rec.channel),
        ("受理日期", rec.received_date.isoformat()), ("类别", category_label(rec.category)),
        ("核查状态", rec.verify_status), ("整改状态", rec.rectify_status),
        ("整改期限", rec.rectify_deadline.isoformat() if rec.rectify_deadline else ""),
        ("通报日期", "；".join(d.isoformat() for d in rec.notified_dates))]]
    doc.sheets["案例要素"] = (["要素", "内容"], rows)
    if rec.history:
        doc.sheets["修改历史"] = (["时间", "操作", "来源", "修改前"],
                              [[h.at, h.action, h.source, "；".join(f"{k}={v}" for k, v in h.before.items())]
                               for h in rec.history])
    return doc
