"""Benchmarks (pytest-benchmark). Each says what it measures; none asserts a time.

Ratios for the speed floors are in README (性能): compare `test_batch_200_drafts` with
`test_baseline_regex_alternation_200_drafts`, which reads the same files and runs one compiled alternation of
400 rule terms over them, the floor a naive keyword matcher would have.
"""
import random
import re

import pytest

from engine.rulebook import compile_paths
from dsl.loader import rule_files
from engine.batch import check_many
from engine.check import check_text

FILLER = ["各有关部门要加强组织领导，明确责任分工，确保各项措施落到实处。",
          "本措施所需资金由县财政统筹安排，纳入年度预算管理。",
          "鼓励企业加大研发投入，提升自主创新能力和核心竞争力。",
          "加强事中事后监管，建立健全信用监管机制。",
          "优化政务服务流程，推行一网通办，提高办事效率。",
          "坚持稳中求进工作总基调，完整、准确、全面贯彻新发展理念，加快构建新发展格局。",
          "到2027年，全市规模以上工业增加值年均增长8%左右，数字经济核心产业增加值占地区生产总值比重达到10%。",
          "实施产业基础再造工程，推动传统产业高端化、智能化、绿色化发展。",
          "加快建设5G基站、工业互联网标识解析节点等新型基础设施。",
          "健全人才引进、培养、使用、评价和激励机制，营造尊重人才的良好氛围。",
          "深化“放管服”改革，推进审批服务标准化、规范化、便利化。",
          "建立重点项目推进机制，实行清单化管理、项目化推进。",
          "加强统计监测分析，定期通报工作进展情况。",
          "落实安全生产责任制，坚决防范和遏制重特大事故发生。",
          "强化用地、用能、环境容量等要素保障，提高资源配置效率。",
          "支持高校、科研院所与企业共建研发平台，促进科技成果转移转化。",
          "完善中小企业服务体系，提升公共服务平台服务能力。",
          "加强知识产权保护，健全知识产权纠纷多元化解机制。",
          "各地要结合实际制定具体实施方案，并于每年12月底前报送年度工作总结。",
          "本措施自印发之日起施行，有效期至2028年12月31日。"]
EXAMPLE_SHARE = 0.15   # share of sentences taken from the packs' examples: a draft with real problems in it


def make_draft(rs, chars: int, seed: int) -> str:
    """A draft of about `chars` characters: numbered articles of ordinary policy wording, with one sentence in
    about seven taken from the packs' own examples (violating and lawful), so the rules have real work to do."""
    rng = random.Random(seed)
    examples = [text for r in rs.rules if r.on == "text" for text, _v, _l in r.examples]   # sentences, not whole drafts
    lines, n, size = ["示例市关于促进产业高质量发展的若干措施"], 1, 0
    while size < chars:
        body = "".join(rng.choice(examples if rng.random() < EXAMPLE_SHARE else FILLER)
                       for _ in range(rng.randint(1, 4)))
        line = f"第{n}条　{body}"
        lines.append(line)
        size += len(line) + 1
        n += 1
    return "\n".join(lines)[:chars]


@pytest.fixture(scope="module")
def drafts_200(tmp_path_factory, pack_rules):
    d = tmp_path_factory.mktemp("drafts")
    paths = []
    for i in range(200):
        p = d / f"draft{i:03}.txt"
        p.write_text(make_draft(pack_rules, 5000, i), encoding="utf-8")
        paths.append(str(p))
    return paths


def test_bench_ruleset_load_and_compile(benchmark):
    """Parse every rule file with Lark, validate with pydantic, check bases against the law text, compile to
    atoms and durable rulesets, build the Aho-Corasick automaton (no cache)."""
    paths = rule_files()
    rs = benchmark.pedantic(compile_paths, args=(paths,), rounds=3, iterations=1)
    assert len(rs.rules) >= 15


def test_bench_one_draft_20000_chars(benchmark, pack_rules):
    """Check one 20,000-character draft in this process with durable-rules (rules already loaded)."""
    text = make_draft(pack_rules, 20000, 1)
    check_text(text, "warm", pack_rules, "durable")
    findings = benchmark(check_text, text, "d20k", pack_rules, "durable")
    assert findings


def test_bench_batch_200_drafts(benchmark, drafts_200, pack_rules):
    """Check 200 drafts of 5,000 characters from disk in worker processes (the `policylint check DIR` path)."""
    results = benchmark.pedantic(check_many, args=(drafts_200, pack_rules, "durable"), rounds=3, iterations=1)
    assert len(results) == 200 and all(err is None for _, _, err in results)


def test_bench_baseline_regex_alternation_200_drafts(benchmark, drafts_200, pack_rules):
    """The floor: read the same 200 files and run one compiled alternation of 400 rule terms over them."""
    terms = sorted(pack_rules.automaton.keys(), key=len, reverse=True)[:400]
    rx = re.compile("|".join(map(re.escape, terms)))

    def baseline():
        hits = 0
        for p in drafts_200:
            with open(p, encoding="utf-8") as fh:
                hits += sum(1 for _ in rx.finditer(fh.read()))
        return hits
    assert benchmark.pedantic(baseline, rounds=3, iterations=1) > 0
