"""Benchmarks (pytest-benchmark). Each says what it measures; none asserts a time.

Ratios for the speed floors are in README (性能): compare `test_batch_200_drafts` with
`test_baseline_regex_alternation_200_drafts`, which reads the same files and runs one compiled alternation of
400 rule terms over them, the floor a naive keyword matcher would have.
"""
import random
import re

import pytest

from dsl.loader import compile_paths, rule_files
from engine.batch import check_many
from engine.check import check_text

FILLER = ["各有关部门要加强组织领导，明确责任分工，确保各项措施落到实处。",
          "本措施所需资金由县财政统筹安排，纳入年度预算管理。",
          "鼓励企业加大研发投入，提升自主创新能力和核心竞争力。",
          "加强事中事后监管，建立健全信用监管机制。",
          "优化政务服务流程，推行一网通办，提高办事效率。"]


def make_draft(rs, chars: int, seed: int) -> str:
    """A draft of about `chars` characters: numbered articles mixing filler with the packs' own example
    sentences (violating and lawful), so the rules really have work to do."""
    rng = random.Random(seed)
    examples = [text for r in rs.rules for text, _v, _l in r.examples]
    lines, n, size = ["示例市关于促进产业高质量发展的若干措施"], 1, 0
    while size < chars:
        body = "".join(rng.choice(FILLER if rng.random() < 0.7 else examples) for _ in range(rng.randint(1, 4)))
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
    terms = sorted({lit for lit in pack_rules.literal_keys}, key=len, reverse=True)[:400]
    rx = re.compile("|".join(map(re.escape, terms)))

    def baseline():
        hits = 0
        for p in drafts_200:
            with open(p, encoding="utf-8") as fh:
                hits += sum(1 for _ in rx.finditer(fh.read()))
        return hits
    assert benchmark.pedantic(baseline, rounds=3, iterations=1) > 0
