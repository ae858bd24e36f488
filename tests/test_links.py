"""Cross-clause joins in durable-rules (engine/links.py) against the Python oracle, and what they carry."""
import json
import random

from engine.check import check_text
from engine.inherit import readings, structure_facts
from engine.links import DurableLinker, durable_definition, python_links
from engine.segment import segment

TERMS = ["重点企业", "骨干企业", "企业", "申报单位", "本地供应商", "合作机构"]
BODIES = ["注册地在本县的企业", "在本市纳税的企业", "符合国家划型标准的企业", "依法设立的机构"]


def generated(seed: int) -> str:
    """A draft with definitions, scope clauses, lead-ins, nested items and sentences that use the terms."""
    r = random.Random(seed)
    lines = []
    for n in range(1, r.randint(3, 9)):
        kind = r.random()
        head = f"第{'一二三四五六七八九'[n - 1]}条 "
        if kind < 0.25:
            lines.append(head + f"本办法所称{r.choice(TERMS)}，是指{r.choice(BODIES)}。")
        elif kind < 0.35:
            lines.append(head + f"本办法适用于在本县注册登记的{r.choice(['企业', '经营主体', '单位'])}。")
        elif kind < 0.7:
            lines.append(head + f"{r.choice(TERMS)}须具备下列条件：")
            for k in range(r.randint(1, 3)):
                lines.append(f"（{'一二三'[k]}）{r.choice(TERMS)}具有相应资质" + ("，并满足下列要求：" if r.random() < 0.3 else "；"))
                if lines[-1].endswith("："):
                    lines.append("1. 在本地设立分支机构；")
        else:
            lines.append(head + f"对{r.choice(TERMS)}给予{r.randint(1, 50)}万元奖励，{r.choice(TERMS)}应当按规定报送材料。")
    return "\n".join(lines) + "\n"


def test_durable_joins_agree_with_the_python_oracle_on_generated_drafts():
    linker = DurableLinker()
    joined = 0
    for seed in range(300):
        facts, _ = structure_facts(segment("g.txt", generated(seed)))
        got, want = linker.links(facts), python_links(facts)
        assert got == want, (seed, got ^ want)
        joined += len(want)
    assert joined > 300   # the generator really makes joins


def test_readings_are_the_same_through_either_engine():
    for seed in range(60):
        doc = segment("g.txt", generated(seed))
        a = [(r.unit.start, r.text, r.how) for r in readings(doc, "durable")]
        b = [(r.unit.start, r.text, r.how) for r in readings(doc, "python")]
        assert a == b


def test_only_equality_joins_reach_durable():
    # an inequality against another fact's field crashes durable's C core (found while building this)
    assert "$neq" not in durable_definition() and "$lt" not in durable_definition()


def test_nested_lead_ins_both_carry_into_the_innermost_item():
    doc = segment("d.txt", "第二条 投标人须具备下列条件：\n（一）具有下列资质：\n1. 本地办公场所。\n")
    hows = [r.how for r in readings(doc) if r.unit.path.endswith("1目")]
    assert len(hows) == 2 and any("第二条“" in h for h in hows) and any("第（一）项" in h for h in hows)


SCOPED = ("第一条 本办法适用于在本县注册登记并依法纳税的企业。\n"
          "第二条 对年度营业收入首次超过1亿元的企业，一次性给予50万元奖励。\n")


def test_a_scope_clause_makes_a_reward_a_local_registration_reward():
    fs = [f for f in check_text(SCOPED, "d.txt", precedents=False) if f.path == "第二条"]
    assert fs, "the reward inherits the scope clause's registration limit"
    assert all("第一条" in f.explanation for f in fs)
    assert all(SCOPED[m.start:m.end] == m.text for f in fs for m in f.matched)
    # the same reward without the scope clause is not flagged
    alone = SCOPED.replace("本办法适用于在本县注册登记并依法纳税的企业。", "本办法自印发之日起施行。")
    assert not [f for f in check_text(alone, "d.txt", precedents=False) if f.path == "第二条"]


def test_a_territorial_scope_is_not_a_registration_limit():
    doc = segment("d.txt", "第一条 本办法适用于本市行政区域内的企业。\n第二条 对企业给予奖励。\n")
    facts, _ = structure_facts(doc)
    assert not [f for f in facts if f["kind"] == "defines"]


def test_strings_never_reach_durable():
    facts, _ = structure_facts(segment("d.txt", SCOPED + "第三条 申报单位须具备下列条件：\n（一）“\\\"}{ 具有资质。\n"))
    for f in facts:
        assert all(isinstance(v, int) for k, v in f.items() if k not in ("kind", "id")), f
    assert json.dumps(facts)


def test_a_draft_with_thousands_of_definitions_stays_bounded():
    text = "".join(f"第{i}条 本办法所称甲{i:04d}企业，是指注册地在本县的企业。\n" for i in range(1, 3000))
    doc = segment("d.txt", text + "第3000条 对甲0001企业给予奖励。\n")
    facts, what = structure_facts(doc)
    assert len(what["terms"]) <= 200
    assert len(readings(doc)) <= 2000


EXC = ["本措施第{a}条适用《公平竞争审查条例》第十二条规定的例外情形",
       "本办法各项措施适用《公平竞争审查条例》第十二条规定的例外情形",
       "为实现节约能源的社会公共利益，本条措施适用《公平竞争审查条例》第十二条第（三）项规定的情形"]


def with_declarations(seed: int) -> str:
    """A generated draft with a 第十二条 declaration over one article, the whole draft, or its own article."""
    r = random.Random(10_000 + seed)
    lines = generated(seed).splitlines()
    n = len([ln for ln in lines if ln.startswith("第")])
    lines.append(f"第{'一二三四五六七八九十'[n]}条 外地企业须在本县设立分公司。" + r.choice(EXC).format(a="一二三"[r.randrange(min(n, 3))]) + "。")
    return "\n".join(lines) + "\n"


def test_exception_coverage_through_durable_equals_the_oracle():
    from engine.context import document_context, exception_declarations, lexicon
    from engine.check import default_rules
    from engine.exceptions import coverage

    rs = default_rules()
    covered = 0
    for seed in range(80):
        doc = segment("e.txt", with_declarations(seed))
        findings = check_text(doc.text, "e.txt", precedents=False)
        decls = exception_declarations(doc, lexicon(rs))
        if not document_context(doc).get("exception") or not decls:
            continue
        got, want = coverage(doc, decls, findings, "durable"), coverage(doc, decls, findings, "python")
        assert got == want, seed
        covered += len(want)
    assert covered > 20   # declarations really cover findings
