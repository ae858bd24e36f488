"""Build rules/precedents/lawful_local.jsonl: lawful sentences from LOCAL policy documents (county, district, city
and provincial governments and their departments: 实施方案、通知、若干措施、意见、管理办法) that use trigger words.

lawful.jsonl holds laws and regulations and lawful_policy.jsonl holds State Council documents; real drafts are
local. The sentences here come from the official web pages of local governments (domains under gov.cn), as
stored in the tool library's `pages` corpus. That corpus returns the opening part of a page (about 1,000-2,000
characters), so each document yields only the sentences of its opening. DOCS below keeps, for each document, the
paragraphs of that excerpt we read (`body`, copied as the corpus printed it) and the search that returned it
(`query`), so that anyone can re-run the search and compare.

Normalisation (the only change to the text): the corpus prints ASCII punctuation where the pages print full-width
Chinese punctuation (",", ";", ":", "(", ")", "?", "!"); `zh_punct` turns them back (a comma between two digits is
left alone). Nothing is reworded, cut inside a sentence or joined.

Selection, all in this file:
1. every sentence (split at 。；！？) of a body that carries a trigger word (make_lawful_policy.FAMILY_WORDS, first
   family that matches) and is 15-220 characters long;
2. minus those that would read as a violation if a local drafter wrote them (make_lawful_policy.looks_like_violation:
   make_lawful.VIOLATION_LOOK and POLICY_LOOK), unless listed in ACCEPT with the reason a reviewer passes it;
3. minus those a person rejected on reading (REJECT, each with its reason);
4. minus near-duplicates of the dev corpus, of every other rules/precedents/*.jsonl file, of the law in
   /work/shared/reference and of each other (make_fair_competition.dup_of: containment >= 0.6).
The `note` says why a reviewer passes the sentence (WHY overrides the pattern-based reason of make_lawful_policy).

Run:  python3 rules/precedents/make_lawful_local.py [--list]   (--list prints, writes nothing)
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import make_fair_competition as fc  # noqa: E402
import make_lawful as ml  # noqa: E402
import make_lawful_policy as mp  # noqa: E402

OUT = HERE / "lawful_local.jsonl"
PREFIX = {"fair_competition": "LOC-FC", "negative_list": "LOC-NL", "filing": "LOC-FIL"}
VIA = "tool library `pages` corpus (stored copy of the official page, opening part only; official page not re-visited)"

from local_docs import DOCS, REJECT, ACCEPT, WHY  # noqa: E402  (the documents and the reader's decisions)


def zh_punct(s: str) -> str:
    s = re.sub(r"(?<!\d),|,(?!\d)", "，", s)
    s = re.sub(r":(?!//)(?!\d)", "：", s)  # not in an address (http://) or a clock time
    for a, b in ((";", "；"), ("(", "（"), (")", "）"), ("?", "？"), ("!", "！")):
        s = s.replace(a, b)
    return s


# Why a reviewer passes a sentence of a LOCAL document (first match), before make_lawful_policy's patterns.
LOCAL_WHY = [
    (r"公平竞争审查", "落实公平竞争审查制度：机关自身的审查职责和程序，不涉及经营者条件"),
    (r"行政检查|执法监管|监管合力|入企检查", "规范行政机关自身的检查和监管行为，不对经营者设条件"),
    (r"负面清单|准入壁垒|准入效能|准入服务|准入制度|一业一证|行业综合许可|准入许可条件|隐性门槛|不合理限制",
     "落实全国统一的市场准入负面清单和准入制度、清理准入壁垒、集成办理既有许可：机关自身职责，不新设准入条件"),
    (r"举报.{0,20}奖励|举报奖励", "对查证属实的举报人（自然人）给予奖励，不针对经营者的经营活动"),
    (r"涉企收费", "编制、公示和动态更新涉企收费目录清单（收费监管），不新设收费，不指向经营者"),
    (r"代办|帮办|带领办|代理办", "政府免费提供的帮办代办服务（自愿申请），不限定经营者、不设条件"),
    (r"证照分离|直接取消审批|审批改为备案|告知承诺", "“证照分离”等许可改革：取消审批、审批改备案、告知承诺、优化服务，只减不增，不新设许可或条件"),
    (r"容缺", "容缺受理：主要条件具备即先受理、后补材料，简化机关自身的受理程序，不增设条件"),
    (r"(如实|真实性|弄虚作假|虚假申报|重复申报)", "对所有申报者一致的诚信要求（如实申报、不得重复申报），不限定申报者"),
    (r"(审批|审核|审查|把关|核实|推荐|申报).{0,40}(时限|工作日|前完成|系统|流程|公章|签字)|审批时间|审批流程|审批管理系统|"
     r"审批效率|网上审批|环节",
     "行政机关自身的审核、办理流程和时限安排（简化提速），不对经营者增设条件"),
    (r"登记管辖|登记机关|登记工作|本办法所称市场主体", "界定登记机关、登记管辖或适用对象（市场主体登记的法定职责），不设准入条件"),
    (r"^(本方案|本办法|本通知|本措施|本细则).{0,6}适用|覆盖.{0,40}(事项|全过程|范围)|改革覆盖", "界定文件或改革的适用范围，不设准入或享受条件"),
    (r"指导思想|以习近平|总体要求|为深入贯彻|为进一步|为全面|为贯彻", "文件的目的和指导思想，面向各类主体，不设任何条件"),
]
LOCAL_GENERAL = "地方文件中面向各类主体的一般性部署，不指向特定经营者，不设准入或享受条件"


def local_why(family: str, s: str) -> str:
    for pat, why in LOCAL_WHY:
        if re.search(pat, s):
            return why
    name = mp.why_of(family, s)
    return LOCAL_GENERAL if name == "general-measure" else mp.WHY_ZH[name]


def sentences(body: str):
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        for s in re.findall(r"[^。；！？]+[。；！？]?", line):
            # a leading responsibility tag of the previous item, or an item number, is not part of the sentence
            s = LEAD.sub("", s.strip())
            if s:
                yield s


LEAD = re.compile(r"^(?:第[一二三四五六七八九十百]+条[\s：:]*|[一二三四五六七八九十]{1,3}、|（[一二三四五六七八九十]{1,3}）|（[^（）]{0,60}(?:负责|牵头|配合)[^（）]{0,30}）|（\d{1,2}）|\d{1,2}[.．、]\s*)+")


def prefix_in(s: str, table: dict) -> str | None:
    """The entry of `table` that is a prefix of the sentence (entries are a sentence's first characters)."""
    return next((k for k in table if s.startswith(k)), None)


def build(listing: bool = False) -> list[dict]:
    pool = mp.existing_pool()
    pool = [(pid, bg) for pid, bg in pool if not pid.startswith("lawful_local:")]
    taken: list[tuple[str, set]] = []
    rows, dropped, counters = [], Counter(), Counter()
    used_reject, used_accept = set(), set()
    for doc in DOCS:
        body = zh_punct(doc["body"])
        # longer sentences first, so that a heading never crowds out the sentence that repeats it; rows keep the
        # document's order (sorted by position below)
        doc_rows_start = len(rows)
        for s in sorted(dict.fromkeys(sentences(body)), key=len, reverse=True):
            if not (mp.MIN_LEN <= len(s) <= mp.MAX_LEN):
                continue
            if s[-1] not in "。；！？":  # the excerpt ends inside this sentence (or a heading without a stop)
                continue
            family = mp.family_of(s)
            if not family:
                continue
            key = prefix_in(s, REJECT) or prefix_in(s, ACCEPT) or prefix_in(s, WHY) or s[:30]
            if key in REJECT:
                used_reject.add(key)
                dropped["rejected on reading"] += 1
                if listing:
                    print("  REJECT", doc["batch"], s, "--", REJECT[key], file=sys.stderr)
                continue
            bad = mp.looks_like_violation(s)
            if bad and key not in ACCEPT:
                dropped["looks like a violation"] += 1
                if listing:
                    print("  LOOKS-BAD", doc["batch"], s, "--", bad, file=sys.stderr)
                continue
            if key in ACCEPT:
                used_accept.add(key)
            bg = set(fc.bigrams(s))
            dup = fc.dup_of(bg, pool) or fc.dup_of(bg, taken)
            if dup:
                dropped["near-duplicate"] += 1
                if listing:
                    print("  DUP", doc["batch"], s, "--", dup, file=sys.stderr)
                continue
            taken.append((s, bg))
            assert s in body  # a contiguous piece of the (punctuation-normalised) excerpt
            publisher, _, inferred = doc["publisher"].partition("（")
            why = WHY.get(key) or ACCEPT.get(key) or local_why(family, s)
            counters[family] += 1
            rows.append({
                "id": f"{PREFIX[family]}-{counters[family]:03d}",
                "text": s,
                "label": "compliant",
                "family": family,
                "basis": None,
                "sector": ml.sector_of(doc["title"], s),
                "kind": "verbatim",
                "source_title": doc["title"],
                "source_url": doc["url"],
                "publisher": publisher,
                "batch": doc["batch"],
                "date": doc["date"],
                "note": f"{doc['where']}{'；发布者' + inferred.rstrip('）') if inferred else ''}；经本工具库 pages 语料所存官方页面开头部分读取（检索词：{doc['query']}），"
                        f"英文标点已还原为中文标点。合法之处：{why}",
                "via": VIA,
            })
        rows[doc_rows_start:] = sorted(rows[doc_rows_start:], key=lambda r: body.find(r["text"]))
    counters = Counter()
    for r in rows:  # ids in document order
        counters[r["family"]] += 1
        r["id"] = f"{PREFIX[r['family']]}-{counters[r['family']]:03d}"
    for key in sorted((set(REJECT) - used_reject) | (set(ACCEPT) - used_accept)):
        print("REJECT/ACCEPT entry matches no sentence:", key, file=sys.stderr)
    print(f"{len(rows)} sentences from {len({r['batch'] for r in rows})} documents", dict(counters),
          "dropped:", dict(dropped), file=sys.stderr)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args(argv)
    rows = build(a.list)
    if a.list:
        for r in rows:
            print(r["batch"], r["family"], r["text"], "|", r["note"].split("合法之处：")[1])
        return 0
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
