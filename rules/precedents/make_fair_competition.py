"""Build rules/precedents/fair_competition.jsonl and lawful_rectified.jsonl from published fair-competition cases.

Source: the seed scripts of the public repository GFXfly/fair-review-system (one commit, read from a git mirror).
Each script transcribes one or more official releases (SAMR, provincial and city market-regulation bureaux, the
State Council 督查). Only the transcription of the release itself is used — the `content` field, which holds
the release's words — never the repository author's own fields (title, violationType, violationDetail, analysis).

From every case's `content`:
1. every quoted passage (“…”) that the release presents as the wording of the reviewed policy (it follows
   规定 / 明确 / 要求 / 约定 / 含有 …, not a law's name or article number) becomes an item: `verbatim` when the whole
   quotation is one clause, `trimmed` when one item or sentence is taken out of a longer quotation (the sentence
   kept is the one sharing most words with the case's description; the others may be lawful context);
2. when a case quotes no policy wording, the release's own description of the requirement (规定…, up to the
   first 违反/排除/限制了) becomes one `paraphrase-by-source` item;
3. a quoted revised wording (修改为“…” / 调整为“…”) becomes a `compliant` item of lawful_rectified.jsonl;
4. passages the transcriber cut (…, ...) are skipped; whitespace is removed;
5. duplicates are dropped — exact or character-bigram containment >= 0.6 either way — against the dev corpus,
   the other precedent files and earlier items (releases are read oldest first, so the earliest release is kept).

Run:  python3 rules/precedents/make_fair_competition.py [--mirror DIR] [--list]   (--list prints, writes nothing)
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
MIRROR = Path("/work/.mirror/GFXfly+fair-review-system/repo")
COMMIT = "fd6ffd3a8605a447656a6b5f6073bd0c688a5f50"
REPO_URL = "https://github.com/GFXfly/fair-review-system"
DEV = Path("/work/shared/corpus/dev.jsonl")
OWN = {"fair_competition.jsonl", "lawful_rectified.jsonl"}

# script -> (batch slug, id prefix).  Scripts of the NDRC negative-list batches are done elsewhere (skipped).
SCRIPTS = {
    "add_nmpa_report_2019.ts": ("samr-2019-dc2018", "SAMR19"),
    "add_hlj_cases.ts": ("hlj-2020-zf", "HLJ20"),
    "add_samr_2021_cases.ts": ("samr-2022-fcr-dc2021", "SAMR21"),
    "add_samr_2021_cases_part2.ts": ("samr-2022-fcr-dc2021", "SAMR21"),
    "add_chongqing_hubei_early2022_cases.ts": ("samr-zf-cqhb", "CQHB22"),
    "add_shandong_anhui_early2022_cases.ts": ("samr-zf-sdah", "SDAH22"),
    "add_samr_2022_batch1_cases.ts": ("samr-2022-zx-batch1", "SAMRZX1"),
    "add_samr_2022_batch2_cases.ts": ("samr-2022-zx-batch2", "SAMRZX2"),
    "add_samr_2022_batch2_part2.ts": ("samr-2022-zx-batch2", "SAMRZX2"),
    "add_kunming_cases.ts": ("km-2022-fcr", "KM22"),
    "add_samr_batch3.ts": ("samr-2022-zx-batch3", "SAMRZX3"),
    "add_samr_batch5_cases.ts": ("samr-2023-zx-batch5", "SAMRZX5"),
    "add_hlj_cases_2023.ts": ("hlj-2023-zf", "HLJ23"),
    "add_nanyang_im_cases.ts": ("ny-im-2023-fcr", "NYIM23"),
    "add_gansu_lanzhou_case.ts": ("samr-2023-zf-gs", "GS23"),
    "add_may2023_cases.ts": ("samr-2023-zf-may", "ZF2305"),
    "add_five_cases_from_images.ts": ("samr-2023-zf-jun", "ZF2306"),
    "add_hunan_cases_jul25.ts": ("samr-2023-zf-hn", "HN23"),
    "add_ningxia_pingluo_case.ts": ("samr-2023-zf-nx", "NX23"),
    "add_samr_cases_2022.ts": ("samr-2023-fcr-dc2022", "SAMR22"),
    "add_gansu_second_batch_cases_oct09.ts": ("gs-2023-zf-batch2", "GSB2"),
    "add_guizhou_tianjin_cases_oct18.ts": ("samr-2023-zf-oct18", "ZF231018"),
    "add_chongqing_2023_cases.ts": ("cq-2023-fcr-cc", "CQ23"),
    "add_jiangxi_dean_case_nov29.ts": ("samr-2023-zf-jx", "JX23"),
    "add_dec06_cases.ts": ("samr-2023-zf-dec06", "ZF231206"),
    "add_shandong_cases_2023_formatted.ts": ("sd-2023-fcr", "SD23"),
    "add_shandong_cases_2023_new.ts": ("sd-2023-fcr", "SD23"),
    "add_jilin_tonghua_case_dec12.ts": ("samr-2023-zf-jl", "JL23"),
    "add_beijing_cases_2022.ts": ("bj-2023-fcr-cc2022", "BJ22"),
    "add_beijing_2022_review_cases.ts": ("bj-2023-fcr-cc2022", "BJ22"),
    "add_yunnan_kunming_case_dec20.ts": ("samr-2023-zf-yn", "YN23"),
    "add_jiangsu_2023_cases.ts": ("js-2023-fcr-dc", "JS23"),
    "add_liaoning_anhui_cases_jan02.ts": ("zf-2024-jan02", "ZF240102"),
    "add_jiangxi_ruijin_case_jan04.ts": ("jx-2024-zf-rj", "JXRJ24"),
    "add_separate_jan04_cases.ts": ("samr-2024-zf-jan04", "ZF240104"),
    "add_mentougou_case.ts": ("bj-2024-zf-mtg", "BJMTG24"),
    "add_gansu_pingchuan_case_jan08.ts": ("gs-2024-zf-pc", "GSPC24"),
    "add_jan15_cases.ts": ("samr-2024-zf-jan15", "ZF240115"),
    "add_gansu_case_jan18.ts": ("gs-2024-zf-jy", "GSJY24"),
    "add_gansu_baiyin_case_jan18.ts": ("gs-2024-zf-by", "GSBY24"),
    "add_gansu_cases_jan2024.ts": ("samr-2024-zf-gs", "ZF240123"),
    "add_samr_cases_feb2024.ts": ("samr-2024-zf-batch1", "ZF2402"),
    "add_hainan_case.ts": ("samr-2024-zf-hi", "HI24"),
    "add_taizhou_cases.ts": ("tz-2024-fcr", "TZ24"),
    "add_zhejiang_case_2024_09.ts": ("zj-2024-zf-zh", "ZJZH24"),
    "add_zhejiang_case_2024_09_v2.ts": ("zj-2024-zf-zh", "ZJZH24"),
    "add_zhejiang_case_2024_09_v3.ts": ("zj-2024-zf-zh", "ZJZH24"),
    "add_wuxi_cases_2024.ts": ("wx-2024-fcr", "WX24"),
    "add_liaoning_cases_2024.ts": ("ln-2024-fcr", "LN24"),
    "add_national_督查_cases.ts": ("samr-2024-fcr-dc-zj", "DCZJ24"),
    "add_zhejiang_评估_cases.ts": ("zj-2024-fcr-eval", "ZJ24"),
    "add_shanxi_cases.ts": ("sx-2024-fcr", "SX24"),
    "add_puer_cases_2024.ts": ("pe-2024-fcr", "PE24"),
    "add_jiangsu_cases_2024.ts": ("js-2024-fcr-cc", "JS24"),
    "add_state_council_cases_2025.ts": ("gwy-2025-dc", "GWY25"),
    "add_yangzhou_cases_2025.ts": ("yz-2025-fcr", "YZ25"),
    "add_nanjing_cases_2024.ts": ("nj-2025-fcr-cc2024", "NJ25"),
    "add_yancheng_cases_1.ts": ("yc-2025-fcr-1", "YC25A"),
    "add_first_batch_cases.ts": ("samr-2025-zz-batch1", "SAMRZZ1"),
    "add_first_batch_complete.ts": ("samr-2025-zz-batch1", "SAMRZZ1"),
    "add_yancheng_cases_2.ts": ("yc-2025-fcr-2", "YC25B"),
    "add_zalute_case.ts": ("zlt-2025-fcr", "ZLT25"),
    "add_national_cases_official.ts": ("samr-2025-zz-batch2", "SAMRZZ2"),
    "add_national_cases.ts": ("samr-2025-fcr-batch1", "SAMRFC25"),
    "add_national_cases_accurate.ts": ("samr-2025-fcr-batch1", "SAMRFC25"),
    "add_national_cases_complete.ts": ("samr-2025-fcr-batch1", "SAMRFC25"),
    "add_haixi_cases.ts": ("hx-2025-fcr", "HX25"),
    "add_jiangxi_cases_2025_12.ts": ("jx-2025-fcr", "JX25"),
    # add_yiyang_cases_2.ts is left out: its "cases" name no document and read as the transcriber's summaries.
    "add_lvliang_2025_cases_final.ts": ("ll-2025-fcr", "LL25"),
}


# --- a small reader for the TypeScript seed scripts: string literals and object literals ------------------------
def git_show(mirror: Path, path: str) -> str:
    return subprocess.run(["git", "-C", str(mirror), "show", f"{COMMIT}:{path}"], capture_output=True,
                          check=True).stdout.decode("utf-8")


def tokens(src: str):
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in "'\"`":
            j, buf = i + 1, []
            while j < n and src[j] != c:
                if src[j] == "\\":
                    buf.append({"n": "\n", "t": "\t"}.get(src[j + 1], src[j + 1]))
                    j += 2
                    continue
                buf.append(src[j])
                j += 1
            yield ("str", "".join(buf))
            i = j + 1
        elif src.startswith("//", i):
            i = src.find("\n", i)
            i = n if i < 0 else i
        elif src.startswith("/*", i):
            i = src.find("*/", i) + 2
        elif c.isalpha() or c in "_$":
            j = i
            while j < n and (src[j].isalnum() or src[j] in "_$"):
                j += 1
            yield ("id", src[i:j])
            i = j
        elif c.isspace():
            i += 1
        else:
            yield ("p", c)
            i += 1


def objects(src: str):
    """Object literals as dicts of their string-valued keys, with position and enclosing objects; and the
    script's `const NAME = 'string'` constants."""
    toks = list(tokens(src))
    consts = {}
    for k, (t, v) in enumerate(toks):
        if t == "str" and k >= 2 and toks[k - 1] == ("p", "=") and toks[k - 2][0] == "id":
            consts.setdefault(toks[k - 2][1], v)
    stack, out = [], []
    for k, (t, v) in enumerate(toks):
        if t == "id" and v in consts and stack and k >= 2 and toks[k - 1] == ("p", ":") and toks[k - 2][0] == "id" \
                and (k + 1 >= len(toks) or toks[k + 1] in (("p", ","), ("p", "}"))):
            stack[-1][1].setdefault(toks[k - 2][1], consts[v])      # `title: reportTitle` (a string constant)
            continue
        if t == "p" and v == "{":
            stack.append((k, {}))
        elif t == "p" and v == "}" and stack:
            pos, d = stack.pop()
            if d:
                d["_pos"], d["_anc"] = pos, [s[1] for s in stack]
                out.append(d)
        elif t == "str" and stack and k >= 2 and toks[k - 1] == ("p", ":") and toks[k - 2][0] in ("id", "str"):
            val, m = v, k + 1
            while m + 1 < len(toks) and toks[m] == ("p", "+") and toks[m + 1][0] == "str":
                val += toks[m + 1][1]
                m += 2
            stack[-1][1].setdefault(toks[k - 2][1], val)
    return sorted(out, key=lambda d: d["_pos"]), consts


def cases_of(src: str):
    """(case, report title, date, publisher) for every case object of a script."""
    objs, consts = objects(src)
    is_case = lambda o: "content" in o or "violationClause" in o
    reports = [o for o in objs if not is_case(o) and "title" in o and ("publishDate" in o or "department" in o)]
    for o in objs:
        if not is_case(o):
            continue
        rep = next((a for a in reversed(o["_anc"]) if "title" in a), None)
        if rep is None:
            earlier = [r for r in reports if r["_pos"] < o["_pos"]]
            rep = earlier[-1] if earlier else None
        title = (rep or {}).get("title") or o.get("title")
        date = o.get("publishDate") or (rep or {}).get("publishDate") or consts.get("publishDate") or ""
        pub = (rep or {}).get("department") or o.get("department") or consts.get("department") \
            or consts.get("departmentStr") or ""
        yield o, title, date, pub, rep is not None


# --- what is a clause ---------------------------------------------------------------------------------------------
PUNCT = "，。；：、（）()“”\"'《》,.;:!?！？‘’【】"
WS = re.compile(r"\s+")
LAW_BEFORE = re.compile(r"(第[一二三四五六七八九十百零〇\d]+条[^。“”]{0,40}|《[^》]*》(第[^。“”]{0,30})?|法律规定|规定的)$")
POLICY_BEFORE = re.compile(r"(规定|明确|要求|约定|含有|提出|载明|内容为|条款|写明|表述为|设置|注明|中的|违规内容】|写有|列明|指出|表示|"
                           r"》中|》在|内容】中|设定为|仅限于|具备|其中在|基本情况】|应为|设定了?|资格条件|程序包括|机构应|"
                           r"[：:，,])\s*$")
LAW_START = ("不得", "行政机关", "没有法律", "政策制定机关", "起草单位", "经营者", "任何单位和个人")
CUT = ("…", "...", "．．．")
ENDCUT = re.compile(r"^(?:…+|\.{3,}|．{3,})|(?:…+|\.{3,}|．{3,})$")
RECTIFIED = re.compile(r"(修改为|调整为|修订为|改为|变更为|整改为|更正为)[：:，]?\s*“")
PARA = re.compile(r"(?:[》）)，,号]|文件|措施|通知|办法|意见|方案|协议|公告|纪要)(?:中|其中)?(?:规定|要求|明确)[：:，,]?\s*"
                  r"([^“”【】。]{12,200}?)(?=[，,；。]?\s*(?:违反|违背|涉嫌违反|排除|限制了|妨碍了|该规定|上述|构成|属于))")
PARA2 = re.compile(r"(?:印发|下发|发布|出台|制定|签订)了?《[^》]{4,80}》(?:（[^）]{2,30}）)?[，,]\s*(?:规定|明确|要求)?[：:]?\s*"
                   r"([^“”【】。]{10,200}?)。")
OPERATIVE = re.compile(r"(指定|必须|须|要求|限定|仅限|不得|应当|确定|由|授予|优先|只|统一|注册|本地|外地|奖励|补贴|补助|不再|准入)")
PARA_BAD = ("整改", "发布", "当事人", "认为", "构成", "的情况下", "相关文件", "排除", "限制了", "违反", "行为", "妨碍")
ENUM = re.compile(r"(?:(?<=^)|(?<=[。；;，\s]))(?:[（(]?[0-9一二三四五六七八九十]{1,2}[)）、．.])")


def clean(s: str) -> str:
    return WS.sub("", s).strip("，,；;、 ")


def cn_quotes(s: str) -> str:
    """Some transcriptions use ASCII double quotes; pair them into “ ” (only when the count is even)."""
    if s.count('"') and s.count('"') % 2 == 0:
        parts = s.split('"')
        s = "".join(p + ("“" if i % 2 == 0 else "”") for i, p in enumerate(parts[:-1])) + parts[-1]
    return s


def quotes(s: str):
    out, depth, start = [], 0, None
    for i, c in enumerate(s):
        if c == "“":
            if depth == 0:
                start = i
            depth += 1
        elif c == "”" and depth > 0:
            depth -= 1
            if depth == 0:
                out.append((start, i + 1, s[start + 1:i]))
    return out


def bigrams(text: str) -> list[str]:
    chars = [c for c in text if not c.isspace() and c not in PUNCT]
    return [chars[i] + chars[i + 1] for i in range(len(chars) - 1)] or chars


def containment(a: set, b: set) -> float:
    return len(a & b) / len(a) if a else 0.0


LAWNAME = re.compile(r"(公平竞争审查|反垄断法|反不正当竞争法|招标投标法|政府采购法|行政许可法|优化营商环境条例|价格法|"
                     r"中小企业促进法|民法典|宪法|统一大市场|全国统一|暂行规定》第二条)")


def is_policy_quote(content: str, start: int, q: str) -> bool:
    before = content[max(0, start - 80):start]
    body = q.lstrip("（(0123456789一二三四五六七八九十）)、.．")
    if any(body.startswith(w) for w in LAW_START):
        return False
    if before.count("《") > before.count("》"):          # inside a document title
        return False
    near = before[-45:]
    names = re.findall(r"《([^》]*)》", near)
    if names and LAWNAME.search(names[-1]) and len(near.split("》")[-1]) <= 16:
        return False                            # 《反垄断法》第三十九条“…” / 《…实施办法》已明确“…”: the law's words
    tail = near.split("》")[-1]
    if re.search(r"(违反|违背|不符合|对照)[^，。]{0,30}第[一二三四五六七八九十百零〇\d]+条[^。“”]{0,40}$", near):
        return False
    if re.search(r"(法律规定|规定的)$", tail):
        return False
    return bool(POLICY_BEFORE.search(before))


def split_items(q: str) -> list[str]:
    """A quotation split into its enumerated items, or its sentences when it has no numbering."""
    marks = [m.start() for m in ENUM.finditer(q)]
    if len(marks) >= 2:
        parts = [q[a:b] for a, b in zip(marks, marks[1:] + [len(q)])]
        if marks[0] > 0:
            parts.insert(0, q[:marks[0]])
        parts = [ENUM.sub("", p, count=1) if ENUM.match(p) else p for p in parts]
    else:
        parts = re.split(r"(?<=[。；;])", q)
    return [clean(p).rstrip("。；;") for p in parts if len(clean(p)) >= 8]


ART = re.compile(r"《([^》]{2,40})》(?:（[^）]{0,20}）)?\s*[“]?(第[一二三四五六七八九十百零〇]+条)(?:(第[一二三四五六七八九十]+款))?"
                 r"(?:第?([（(][一二三四五六七八九十]+[)）])项?|(第[一二三四五六七八九十]+项))?")
ITEM_AFTER = re.compile(r"^[^“]{0,20}?[“]?\s*(?:[^“。（]{0,12}?)([（(][一二三四五六七八九十]+[)）])(?:[^0-9。“]{0,60}?([0-9]+)[.．、])?")
STANDARD = re.compile(r"《(公平竞争审查制度实施细则)》的“([^”]{4,16}标准)”")
ALIAS = {"实施细则": "公平竞争审查制度实施细则", "公平竞争审查实施细则": "公平竞争审查制度实施细则", "条例": "公平竞争审查条例",
         "细则": "公平竞争审查制度实施细则"}


def basis_of(content: str) -> str:
    """The articles the release says were breached, as it names them (law title + article [+ paragraph/item]).
    The abbreviations 《实施细则》/《条例》 that the releases define (以下简称…) are written out in full."""
    out = []
    for m in ART.finditer(content):
        before = content[max(0, m.start() - 14):m.start()]
        if not re.search(r"(违反|违背|不符合|对照|属于|依据|根据|涉嫌违反的规定】|涉嫌违反)", before):
            continue
        law = ALIAS.get(m.group(1), m.group(1))
        art, para = m.group(2), m.group(3) or ""
        item = m.group(4) or ""
        item2 = m.group(5) or ""
        if not re.search(r"(公平竞争|反垄断|招标投标|政府采购|优化营商|统一大市场|反不正当|行政许可|中小企业)", law):
            continue
        sub = ""
        if not item and not item2:
            im = ITEM_AFTER.match(content[m.end():m.end() + 120])
            if im:
                item = im.group(1)
                sub = f"第{im.group(2)}目" if im.group(2) else ""
        item = item.replace("(", "（").replace(")", "）")
        s = f"《{law}》{art}{para}" + (f"第{item}项" if item else "") + item2 + sub
        if s not in out:
            out.append(s)
    if not out:
        for m in STANDARD.finditer(content):
            s = f"《{m.group(1)}》“{m.group(2)}”"
            if s not in out:
                out.append(s)
    return "、".join(out[:3])


SECTORS = [
    ("体检", "医疗卫生/健康体检"), ("医院", "医疗卫生"), ("医疗", "医疗卫生"), ("药", "医药"),
    ("共享单车", "交通运输/共享单车"), ("电单车", "交通运输/共享电单车"), ("出租", "交通运输/出租汽车"),
    ("驾驶", "交通运输/驾驶培训"), ("公交", "交通运输/公共交通"), ("车辆", "交通运输"), ("运输", "交通运输"),
    ("燃气", "公用事业/燃气"), ("供水", "公用事业/供水"), ("污水", "公用事业/污水处理"), ("垃圾", "环卫/垃圾处理"),
    ("环卫", "环卫"), ("餐厨", "环卫/餐厨垃圾"), ("殡葬", "殡葬服务"), ("墓", "殡葬服务"),
    ("保证金", "招标投标/保证金"), ("保函", "招标投标/保证金"), ("测绘", "中介服务/测绘"),
    ("评估", "中介服务/评估"), ("检测", "检验检测"), ("监理", "建筑业/工程监理"), ("施工", "建筑业/工程施工"),
    ("建筑", "建筑业"), ("工程", "建筑业/工程建设"), ("混凝土", "建材/混凝土"), ("砂石", "建材/砂石"),
    ("物业", "物业服务"), ("房地产", "房地产"), ("招标", "招标投标"), ("采购", "政府采购"), ("投标", "招标投标"),
    ("供应商", "政府采购"), ("上市", "产业扶持/企业上市"), ("税收", "产业扶持/税收奖励"), ("纳税", "产业扶持/税收奖励"),
    ("综合贡献", "产业扶持/财政奖补"), ("奖励", "产业扶持/奖励"), ("补贴", "产业扶持/补贴"), ("补助", "产业扶持/补助"),
    ("扶持", "产业扶持"), ("旅游", "文化旅游"), ("旅行社", "文化旅游"), ("粮", "粮食流通"), ("农", "农业"),
    ("种业", "农业/种业"), ("种公牛", "农业/种业"), ("教育", "教育"), ("学校", "教育"), ("校服", "教育/校服"), ("培训", "教育培训"),
    ("广告", "广告"), ("电梯", "特种设备/电梯"), ("消防", "消防"), ("安全", "安全生产"), ("充电", "新能源/充电设施"),
    ("光伏", "新能源/光伏"), ("氢", "新能源/氢能"), ("数据", "数字经济"), ("软件", "数字经济/软件"), ("电商", "电子商务"),
    ("电子商务", "电子商务"), ("人才", "人才政策"), ("法律服务", "法律服务"), ("律师", "法律服务"),
    ("金融", "金融"), ("物流", "物流"), ("快递", "物流/快递"), ("商贸", "商贸流通"), ("超市", "商贸流通"), ("批发", "商贸流通"),
    ("保险", "金融/保险"), ("银行", "金融/银行"), ("担保", "金融/担保"),
]


def sector_of(*texts: str) -> str:
    for t in texts:
        for w, s in SECTORS:
            if w in t:
                return s
    return ""


def family_of(text: str, content: str) -> str:
    if "备案" in text and re.search(r"以备案、登记|备案[^。]{0,20}(审批|许可|准入障碍)|变相审批|行政审批性质的事前备案", content):
        return "filing"
    if "市场准入负面清单" in content:
        return "negative_list"
    return "fair_competition"


# Items a person rejected on reading the candidates (by text prefix): not a policy clause (the law's words, a
# covering sentence, a work instruction), a lawful part of a longer quotation, or cut off mid-sentence.
REJECT = (
    "1.投标人必须是在中国境内合法注册企业",          # lawful items of a longer list
    "10家保险机构为甘肃省应急管理",                  # description cut mid-sentence
    "现将〈哈尔滨市共享单车停放秩序",                # covering sentence of a notice
    "完善创业补助政策。其中依法缴纳社会保险费",      # lawful part of a longer quotation
    "标项2平湖-滨海风光",                            # itinerary, not the breaching requirement
    "明确专人负责，采取有效措施",                    # work instruction
    "在调查期间，当事人主动采取措施",                # the Anti-Monopoly Law's own words
    "落实市对区内市级重点产业链链主企业",            # cut mid-sentence by the transcriber
    "扶持农民专业合作社20个以上",                    # general target, not the breaching clause
    "大力扶植龙头企业，积极培育种植大户",            # general policy wording
    "申请人的资格要求：3.本项目的特定资格要求：标项1、2",  # the item kept is a lawful licence requirement
    "（1）具有建设行政主管部门颁发的工程造价咨询甲级资质",  # the same lawful licence requirement, another copy
    "广东省交通运输厅会同有关单位印发",              # the release's narrative, not a requirement
    "限定投放数量1500辆",                            # fragment of a contract description
    "限定投放数量1万辆",                             # fragment of a contract description
    "投产运营后且2022年度地方财政贡献在10万元以上：国家级",  # condition run together with a list of proofs
    "具有测绘地理信息主管部门颁发的《测绘资质证书》",  # a lawful licence requirement quoted as context
)


# Performance bonds within the legal cap. The Zhejiang third-party evaluation lists as "suspected" (涉嫌违反) breaches
# of 细则第十五条（四） tender clauses that only ask for a performance bond of 3–5% of the contract price. The
# 政府采购法实施条例 第四十八条 allows a bond of up to 10% of the contract, so such a clause is lawful on its face;
# labelling it a violation would teach the precedent tier the opposite of the law. Those clauses are left out
# (listed in SOURCES_fair_competition.md); a bond clause that keeps the bond without interest (无息) is kept, since
# 细则第十五条（四）3 names exactly that.
def lawful_bond(text: str, batch: str) -> bool:
    return batch == "zj-2024-fcr-eval" and re.search(r"履约(保证金|担保)", text) is not None and "无息" not in text \
        and not re.search(r"不予退还|扣除|罚", text)


# --- build ---------------------------------------------------------------------------------------------------------
def load_existing() -> list[tuple[str, set]]:
    """(id, bigrams) of every dev-corpus text and every item of the other precedent files."""
    out = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append((f"dev:{d['id']}", set(bigrams(d["text"]))))
    for p in sorted(HERE.glob("*.jsonl")):
        if p.name in OWN:
            continue
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out.append((f"{p.stem}:{d['id']}", set(bigrams(d["text"]))))
    return out


def dup_of(bg: set, pool: list[tuple[str, set]]) -> str | None:
    """The id of the first pooled text that equals or contains >= 0.6 of this one (or the other way round)."""
    for pid, s in pool:
        if bg == s or containment(bg, s) >= 0.6 or containment(s, bg) >= 0.6:
            return pid
    return None


# Corrections to what a script's records say about its release (the note of each item says so)
OVERRIDE = {
    "hlj-2020-zf": {"date": "2020-06"},        # the transcriber dates it from the release's web address (…/202006/…)
    "gs-2024-zf-by": {"title": "甘肃省市场监管局纠正白银市部分单位滥用行政权力排除、限制竞争行为典型案例通报",
                      "publisher": "甘肃省市场监管局"},   # the script's report record, which has no date field
}

# Scripts that transcribe several separate releases (one batch each)
MULTI = {"add_chongqing_hubei_early2022_cases.ts", "add_shandong_anhui_early2022_cases.ts", "add_kunming_cases.ts",
         "add_nanyang_im_cases.ts", "add_may2023_cases.ts", "add_five_cases_from_images.ts", "add_hunan_cases_jul25.ts",
         "add_guizhou_tianjin_cases_oct18.ts", "add_dec06_cases.ts", "add_liaoning_anhui_cases_jan02.ts",
         "add_separate_jan04_cases.ts"}

# Releases of which the repository keeps the official attachment itself (a .docx); these are read instead of the
# seed scripts' transcriptions of the same release.
DOCX = {
    "bj-2023-fcr-cc2022": "beijing_cases_2022.docx",
    "samr-2023-fcr-dc2022": "samr_cases_2022_retry.docx",
}


def docx_paragraphs(mirror: Path, path: str) -> list[str]:
    import io
    import zipfile
    from xml.etree import ElementTree as ET
    raw = subprocess.run(["git", "-C", str(mirror), "show", f"{COMMIT}:{path}"], capture_output=True, check=True).stdout
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    root = ET.fromstring(zipfile.ZipFile(io.BytesIO(raw)).read("word/document.xml"))
    out = []
    for para in root.iter(f"{{{ns['w']}}}p"):
        t = "".join(x.text or "" for x in para.iter(f"{{{ns['w']}}}t")).strip()
        if t:
            out.append(t)
    return out


def docx_cases(mirror: Path, path: str):
    """The numbered cases (一、… 二、…) of an official attachment: (heading sentence, body, outcome)."""
    for para in docx_paragraphs(mirror, path):
        m = re.match(r"^[一二三四五六七八九十]{1,3}、(.+)$", para)
        if not m:
            continue
        body = m.group(1)
        head = body.split("。", 1)[0]
        outcome = re.findall(r"目前，[^。]*。", body)
        yield {"title": head, "content": body, "result": outcome[-1] if outcome else ""}


def candidates(mirror: Path):
    rows = []
    for script, (batch, prefix) in SCRIPTS.items():
        path = f"scripts/{script}"
        src = git_show(mirror, path)
        for case, title, date, pub, has_report in cases_of(src):
            content = cn_quotes(case.get("content") or "")
            if not content:
                continue
            rows.append(dict(script=script, path=path, batch=batch, prefix=prefix, title=title, date=date,
                             publisher=pub, case=case, content=content, has_report=has_report))
    # a script that transcribes several releases: one batch id per release (in order of appearance); any other
    # script transcribes one release, whose title is that of its report record (or of its sibling script's)
    by_script, report_title = {}, {}
    for r in rows:
        by_script.setdefault(r["script"], [])
        if r["title"] not in by_script[r["script"]]:
            by_script[r["script"]].append(r["title"])
        if r["has_report"]:
            report_title.setdefault(r["script"], r["title"])
            report_title.setdefault(r["batch"], r["title"])
    for r in rows:
        if r["script"] in MULTI:
            titles = by_script[r["script"]]
            r["batch"] = f"{r['batch']}-{titles.index(r['title']) + 1}"
        else:
            r["title"] = report_title.get(r["script"]) or report_title.get(r["batch"]) or by_script[r["script"]][0]
    for r in rows:
        if not r["publisher"]:
            sib = next((x["publisher"] for x in rows if x["batch"] == r["batch"] and x["publisher"]), "")
            m = re.match(r"^(.{2,20}?(?:市场监督管理局|市场监管局|市场监督管理厅|市场监管厅))纠正", r["title"])
            r["publisher"] = sib or (m.group(1) if m else "")
    # a script without a date takes the date of the other script(s) of the same release
    known = {}
    for r in rows:
        if r["date"]:
            known.setdefault(r["batch"], r["date"])
    for r in rows:
        r["date"] = r["date"] or known.get(r["batch"], "")
    for r in rows:
        r.update(OVERRIDE.get(r["batch"], {}))
    # the official attachment replaces the transcriptions of its release
    for batch, path in DOCX.items():
        meta = next(r for r in rows if r["batch"] == batch)
        rows = [r for r in rows if r["batch"] != batch]
        for case in docx_cases(mirror, path):
            rows.append(dict(meta, script=path, path=path, case=case, content=case["content"]))
    # oldest release first so that dedupe keeps the earliest; stable within a release
    rows.sort(key=lambda r: (r["date"] or "9999", r["batch"]))
    return rows


def describe(case: dict) -> str:
    return (case.get("title") or "") + (case.get("violationDetail") or "")


def extract(row: dict):
    """(violations, rectified) from one case: lists of (text, kind, how)."""
    content, case = row["content"], row["case"]
    viol, rect = [], []
    desc = set(bigrams(describe(case)))
    prev_policy_end = None
    for s, e, q in quotes(content):
        before = content[max(0, s - 12):s]
        follows_policy = prev_policy_end is not None and not content[prev_policy_end:s].strip("、，,；; \n")
        prev_policy_end = None
        if RECTIFIED.search(before + "“"):
            t = clean(q)
            if len(t) >= 8 and not any(c in t for c in CUT):
                rect.append((t.rstrip("。"), "verbatim", "通报引号内的整改后表述"))
            continue
        if not (is_policy_quote(content, s, q) or (follows_policy and not LAW_BEFORE.search(before))):
            continue
        prev_policy_end = e                     # “…”“…”: a run of quotations of the same document
        t = clean(q).rstrip("。")
        kind0, how0 = "verbatim", "通报引号内原文（整段）"
        stripped = ENDCUT.sub("", t)
        if stripped != t:                       # the transcriber cut only before / after: the rest is contiguous
            t, kind0, how0 = stripped.rstrip("。"), "trimmed", "通报引号内原文，转录者在首或尾有删节，取其余连续部分"
        if len(t) < 10 or any(c in t for c in CUT) or "“" in t[:1]:
            continue
        if len(t) <= 160:
            viol.append((t, kind0, how0, e))
            continue
        parts = split_items(q)
        if not parts:
            continue
        best = max(parts, key=lambda p: containment(set(bigrams(p)), desc) + 0.001 * len(p))
        if 10 <= len(best) <= 220 and not any(c in best for c in CUT):
            viol.append((best, "trimmed", "通报引号内较长原文中的一项/一句", e))
    # 【违规条款原文】 … : the release prints the clause itself, unquoted (State Council 督查 transcriptions)
    for m in re.finditer(r"【违规条款原文】\s*(.+?)(?=【|$)", content, flags=re.S):
        block = m.group(1).strip()
        if any(c in block for c in CUT):
            continue
        t = clean(block).rstrip("。")
        if 10 <= len(t) <= 160:
            viol.append((t, "verbatim", "通报【违规条款原文】所载原文", None))
        elif len(t) > 160:
            parts = split_items(block)
            if parts:
                best = max(parts, key=lambda p: containment(set(bigrams(p)), desc) + 0.001 * len(p))
                if 10 <= len(best) <= 220 and not any(c in best for c in CUT):
                    viol.append((best, "trimmed", "通报【违规条款原文】所载原文中的一项/一句", None))
    if not viol:
        # 【违规内容】规定：… without quotation marks: the release's own statement of the requirement
        for m in re.finditer(r"【违规内容】\s*(?:规定[：:])?\s*([^【“”]+?)(?=【|$)", content, flags=re.S):
            t = clean(m.group(1)).rstrip("。")
            if 12 <= len(t) <= 200 and not any(c in t for c in CUT) and not any(w in t for w in PARA_BAD):
                viol.append((t, "paraphrase-by-source", "通报【违规内容】下的表述（未加引号）", None))
    if not viol:
        for rx in (PARA, PARA2):
            for m in rx.finditer(content):
                t = clean(m.group(1)).rstrip("。")
                if 12 <= len(t) <= 200 and not any(c in t for c in CUT) and not any(w in t for w in PARA_BAD) \
                        and t[0] not in PUNCT and OPERATIVE.search(t):
                    viol.append((t, "paraphrase-by-source", "通报对该规定的描述", m.end()))
                    break
            if viol:
                break
    return viol, rect


def build(mirror: Path):
    pool = load_existing()
    own: list[tuple[str, set]] = []
    dup_log = []
    bond_log = []
    out_v, out_r = [], []
    dropped = Counter()
    counters = Counter()
    for row in candidates(mirror):
        viol, rect = extract(row)
        content, case = row["content"], row["case"]
        basis = basis_of(content)
        url = f"{REPO_URL}/blob/{COMMIT}/{row['path']}"
        org, doc = case.get("documentOrg") or "", case.get("documentName") or ""
        result = clean(case.get("result") or "")
        last_v = None
        ends = sorted(st for st, e, q in quotes(content) if is_policy_quote(content, st, q))
        for text, kind, how, end in viol:
            if end is not None:     # the article named after this quotation and before the next one
                nxt = next((x for x in ends if x > end), len(content))
                basis = basis_of(content[end:nxt]) or basis_of(content)
            else:
                basis = basis_of(content)
            if text.startswith(REJECT):
                dropped["rejected on reading"] += 1
                continue
            if lawful_bond(text, row["batch"]):
                dropped["performance bond within the legal cap"] += 1
                bond_log.append(text)
                continue
            bg = set(bigrams(text))
            hit = dup_of(bg, pool)
            if hit:
                dropped["dev/other precedent files"] += 1
                dup_log.append((hit, row["batch"], text))
                continue
            if dup_of(bg, own):
                dropped["own (earlier release or same case)"] += 1
                continue
            flat = WS.sub("", content)
            if text not in flat:
                raise SystemExit(f"not a contiguous piece of its source: {text[:40]} ({row['path']})")
            counters[row["prefix"]] += 1
            vid = f"FC-{row['prefix']}-{counters[row['prefix']]:03d}"
            own.append((vid, bg))
            note = f"{org}{doc}".strip() or row["title"]
            note += f"；取法：{how}"
            if result:
                note += f"；处理：{result.split('。')[0][:80]}"
            note += "；日期为转录者所记[待核]"
            out_v.append(dict(id=vid, text=text, label="violation", family=family_of(text, content), basis=basis,
                              sector=sector_of(text, doc, case.get("title") or ""), kind=kind,
                              source_title=row["title"], source_url=url, publisher=row["publisher"],
                              batch=row["batch"], date=row["date"], note=note, via=REPO_URL))
            last_v, last_fam = vid, out_v[-1]["family"]
        for text, kind, how in rect:
            if last_v is None:
                continue
            bg = set(bigrams(text))
            if any(bg == s for _, s in pool) or dup_of(bg, [(r["id"], set(bigrams(r["text"]))) for r in out_r]):
                continue
            out_r.append(dict(id=f"LR-{last_v[3:]}", text=text, label="compliant", family=last_fam, basis=None,
                              sector=sector_of(text, doc), kind=kind, source_title=row["title"], source_url=url,
                              publisher=row["publisher"], batch=row["batch"], date=row["date"],
                              note=f"{how}；{org}{doc}；日期为转录者所记[待核]",
                              via=REPO_URL, pair_of=last_v))
    return out_v, out_r, dropped, dup_log + [("bond", "zj-2024-fcr-eval", t) for t in bond_log]


def stats(v: list[dict], r: list[dict], dropped: Counter, dup_log: list) -> str:
    """Markdown tables for SOURCES_fair_competition.md (batches, years, articles, kinds, duplicates of dev)."""
    lines = ["| batch id | 通报标题 | 发布者 | 日期 | 来源文件 | 收录 |", "|---|---|---|---|---|---|"]
    seen = {}
    for d in v:
        seen.setdefault(d["batch"], [d, 0])[1] += 1
    for b, (d, n) in sorted(seen.items(), key=lambda x: (x[1][0]["date"], x[0])):
        lines.append(f"| {b} | {d['source_title']} | {d['publisher'] or '（转录未载）'} | {d['date']} | "
                     f"`{d['source_url'].rsplit('/' + COMMIT + '/', 1)[-1]}` | {n} |")
    lines += ["", "| 年份（通报日期） | 条数 |", "|---|---|"]
    for y, n in sorted(Counter(d["date"][:4] for d in v).items()):
        lines.append(f"| {y} | {n} |")
    lines += ["", "| 通报所引条文（归并到“条”） | 条数 |", "|---|---|"]
    arts = Counter()
    for d in v:
        first = d["basis"].split("、")[0]
        m = re.match(r"(《[^》]+》(第[^条]+条|“[^”]+”)?)", first)
        arts[m.group(1) if m else "（通报未点明条文）"] += 1
    for a, n in arts.most_common():
        lines.append(f"| {a} | {n} |")
    lines += ["", "| kind | 条数 |", "|---|---|"]
    for k, n in Counter(d["kind"] for d in v).most_common():
        lines.append(f"| {k} | {n} |")
    lines += ["", f"lawful_rectified：{len(r)} 条；丢弃：{dict(dropped)}", "",
              "| 与之重复的已有条目 | 本批次 | 被丢弃的条款（前40字） |", "|---|---|---|"]
    for hit, b, t in dup_log:
        lines.append(f"| {hit} | {b} | {t[:40]} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--mirror", type=Path, default=MIRROR)
    ap.add_argument("--list", action="store_true", help="print the items, write nothing")
    ap.add_argument("--stats", action="store_true", help="print the tables of SOURCES_fair_competition.md")
    a = ap.parse_args(argv)
    v, r, dropped, dup_log = build(a.mirror)
    if a.list:
        for d in v + r:
            print(d["id"], d["kind"], d["basis"] or "", "|", d["text"])
    elif a.stats:
        print(stats(v, r, dropped, dup_log))
    else:
        for name, items in (("fair_competition.jsonl", v), ("lawful_rectified.jsonl", r)):
            with open(HERE / name, "w", encoding="utf-8") as f:
                for d in items:
                    f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"violations {len(v)}  rectified {len(r)}  dropped {dict(dropped)}", file=sys.stderr)
    print("by kind", dict(Counter(d["kind"] for d in v)), "by family", dict(Counter(d["family"] for d in v)),
          "batches", len({d["batch"] for d in v}), file=sys.stderr)


if __name__ == "__main__":
    main()
