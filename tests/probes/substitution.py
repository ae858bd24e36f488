"""Substitution invariance: replace one drafting word by one a drafter uses for the same thing (不得→不能, 保证金→押金,
审核→审批…) and see whether the rules' verdict holds (docs/quality.md, 第七轮). Reads only rule examples, the training
folds (0–2) of the precedent library and the probes' train split; never the held-out folds or the probes' test split.

    python tests/probes/substitution.py            # caught sentences that a one-word swap loses, by word class
    python tests/probes/substitution.py --lawful   # lawful sentences that a one-word swap turns into a false alarm
    ... --by-rule (which rules lose most)   --show 不得 (print one class's lost variants)
"""
import sys, json, glob, random, re, argparse, os
from collections import Counter, defaultdict
W = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # the repository
sys.path.insert(0, W)
from engine.check import default_rules, check_text
from engine.quality import read_corpus, fold_of

CLASSES = {
 "强制": (r"(?<![无毋必])须(?!知)|必须|应当|(?<![必无])需(?!要|求)", ["须", "必须", "应当", "需"]),
 "本地": (r"本地|本市|本县|本区|当地|本辖区", ["本地", "本市", "本县", "本区", "当地", "本辖区"]),
 "外地": (r"外地|非本地|外省|外市|市外", ["外地", "非本地", "外省", "外市"]),
 "经营者": (r"(?<![国有民营外资中小龙头骨干上市重点])企业(?![家])|经营者|经营主体|市场主体", ["企业", "经营者", "经营主体", "市场主体"]),
 "给予": (r"给予|予以", ["给予", "予以"]),
 "奖补": (r"奖励|奖补|补助|补贴|资助", ["奖励", "奖补", "补助", "补贴", "资助"]),
 "不得": (r"不得|不能|不准|不允许", ["不得", "不能", "不准"]),
 "方可": (r"方可|才能|才可", ["方可", "才能", "才可"]),
 "注册": (r"注册登记|登记注册|(?<!登记)注册(?!资本|地址|地|登记)", ["注册", "注册登记", "登记注册"]),
 "纳税": (r"纳税|缴税", ["纳税", "缴税"]),
 "审批": (r"审批|审核|核准|批准", ["审批", "审核", "核准", "批准"]),
 "申报": (r"申报|申请", ["申报", "申请"]),
 "注册地": (r"注册地址|注册地|住所地", ["注册地", "注册地址", "住所地"]),
 "保证金": (r"保证金|押金|风险金|担保金", ["保证金", "押金", "风险金"]),
 "采购": (r"采购|购买|选用", ["采购", "购买", "选用"]),
 "优先": (r"优先(?!权)", ["优先", "优先考虑", "优先选择"]),
 "指定": (r"指定", ["指定", "确定", "明确"]),
 "分支": (r"分支机构|分公司|子公司", ["分支机构", "分公司", "子公司"]),
 "参与": (r"参与|参加", ["参与", "参加"]),
 "相关部门": (r"(?<=[市县区])(商务局|住建局|交通运输局|市场监管局|发展改革委|工信局)", ["商务局", "住建局", "交通运输局", "市场监管局", "发展改革委", "工信局"]),
 "数字": (r"(?<![\d.])[1-9]\d{0,2}(?![\d.])", None),
}
CLASSES = {k: (re.compile(p), t) for k, (p, t) in CLASSES.items()}

def variants(text, rnd):
    for name, (rx, targets) in CLASSES.items():
        ms = list(rx.finditer(text))
        if not ms: continue
        m = rnd.choice(ms)
        if targets is None:
            others = [str(int(m.group()) * 2 + 1)]
        else:
            others = [t for t in targets if t != m.group()]
        for o in others:
            yield name, text[:m.start()] + o + text[m.end():], m.group() + "→" + o

def load(sets, lawful):
    rs = default_rules()
    out = []
    lab = "compliant" if lawful else "violation"
    if "ex" in sets:
        out += [("ex:" + r.id, t) for r in rs.rules if r.on == "text" for t, v, _ in r.examples if v != lawful]
    if "real" in sets:
        out += [("real:" + it["id"], it["text"]) for it in read_corpus(sorted(glob.glob(W + "/rules/precedents/*.jsonl")))
                if fold_of(it["batch"]) in (0, 1, 2) and it["label"] == lab]
    if "probe" in sets:
        out += [("probe:" + it["id"], it["text"]) for it in read_corpus(sorted(glob.glob(W + "/tests/probes/*.jsonl")))
                if it.get("split") == "train" and it["label"] == lab]
    return out

def flagged(t): return sorted({f.rule for f in check_text(t, "x.txt", precedents=False) if f.rank >= 1})

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--lawful", action="store_true"); ap.add_argument("--show")
    ap.add_argument("--sets", default="ex,real,probe"); ap.add_argument("--by-rule", action="store_true")
    ap.add_argument("--json")
    a = ap.parse_args()
    rnd = random.Random(7)
    items = load(a.sets.split(","), a.lawful)
    tot, bad = Counter(), Counter(); byrule = Counter(); shown = []
    rows = []
    for src, text in items:
        base = flagged(text)
        if a.lawful and base: continue          # only sentences that pass now
        if not a.lawful and not base: continue  # only sentences caught now
        for name, v, how in variants(text, rnd):
            got = flagged(v)
            tot[name] += 1
            changed = bool(got) if a.lawful else not got
            if changed:
                bad[name] += 1
                byrule[src.split(":")[1] if src.startswith("ex:") else "(" + src.split(":")[0] + ")"] += 1
                rows.append({"class": name, "src": src, "how": how, "text": v, "base": base, "got": got})
    print(("lawful: new false alarms" if a.lawful else "violations: lost") + f" by class (items {len(items)})")
    T = sum(tot.values()); B = sum(bad.values())
    print(f"ALL {B}/{T} = {B/max(T,1):.3f}")
    for k in CLASSES:
        if tot[k]: print(f"  {k:8s} {bad[k]:4d}/{tot[k]:5d} = {bad[k]/tot[k]:.3f}")
    if a.by_rule:
        for r, n in byrule.most_common(40): print("   ", r, n)
    if a.show:
        for r in rows:
            if r["class"] == a.show or a.show == "all": print(r["src"], r["how"], "|", r["text"][:110], r["base"], r["got"])
    if a.json: json.dump(rows, open(a.json, "w"), ensure_ascii=False)
