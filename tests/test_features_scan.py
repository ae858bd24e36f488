"""The scanner's short cuts find exactly what the plain search finds.

engine.features runs a rule regex only at the positions where one of the literals its matches start with occurs
(regex_starts), and the Aho-Corasick pass reports each literal under a value id shared by every literal serving the
same keys. Here every pattern of the shipped rules is also run the plain way — at every position of every line —
on drafts made of the rules' own examples, and the results must be the same, span for span.
"""
import random
import re

import pytest

from dsl.compiled import overlapping
from engine import features as F

from test_bench import FILLER, make_draft


def _plain(text: str, pattern: str) -> list[tuple[int, int]]:
    rx = re.compile(overlapping(pattern))
    look = rx.pattern.startswith("(?=(")
    out, pos = [], 0
    for line in text.split("\n"):
        for m in rx.finditer(text, pos, pos + len(line)):
            sp = m.span(1) if look else m.span()
            if sp[1] > sp[0]:
                out.append(sp)
        pos += len(line) + 1
    return sorted(out)


def _texts(rs) -> list[str]:
    rng = random.Random(3)
    examples = [text for r in rs.rules for text, _v, _l in r.examples]
    out = [make_draft(rs, 3000, seed) for seed in range(4)]
    # examples glued without article numbers, split at odd places, digits and names around them
    for seed in range(6):
        rng.shuffle(examples)
        chunk = "".join(examples[:80])
        cuts = sorted(rng.sample(range(len(chunk)), 30))
        parts = [chunk[a:b] for a, b in zip([0] + cuts, cuts + [len(chunk)])]
        out.append("\n".join(p + rng.choice(["", "2026年", "10家", "3.5%", "某市", "X县", "、和"]) for p in parts))
    out.append("\n".join(FILLER))
    return out


def test_every_rule_regex_finds_what_the_plain_search_finds(pack_rules):
    plan = F._scan_plan(pack_rules)
    texts = _texts(pack_rules)
    base = plan["n_literal"]
    checked = 0
    for text in texts:
        got = F.hits(text, pack_rules)
        for n, (pattern, _bases, _needs) in enumerate(plan["patterns"]):
            want = _plain(text, pattern)
            assert sorted(got.get(base + n, [])) == want, pattern
            checked += len(want)
    assert checked > 500   # the drafts give the regexes real work


def test_scan_by_key_equals_literals_and_regexes(pack_rules):
    """scan() = every literal's occurrences (str.find) plus every regex's, under each key they serve."""
    text = _texts(pack_rules)[5]
    occ = F.scan(text, pack_rules)
    plan = F._scan_plan(pack_rules)
    want: dict[str, list] = {}
    for lit, vid in ((w, pack_rules.automaton.get(w)[1]) for w in pack_rules.automaton.keys()):
        spans = [(m.start(), m.start() + len(lit)) for m in re.finditer(f"(?={re.escape(lit)})", text)]
        for k in plan["vkeys"][vid]:
            want.setdefault(k, []).extend(spans)
    for n, (pattern, bases, _needs) in enumerate(plan["patterns"]):
        for k in bases:
            want.setdefault(k, []).extend(_plain(text, pattern))
    want = {k: sorted(v) for k, v in want.items() if v}
    assert dict(occ) == want


@pytest.mark.parametrize("pattern, starts", [
    ("(办理|核发)[^。]{0,8}执照", [("办理", 0, 0), ("核发", 0, 0)]),
    ("在(?:丁青(?:县)?|七(?:台河|星))注册", [("在七台河", 0, 0), ("在七星", 0, 0), ("在丁青", 0, 0)]),
    ("[\u4e00-\u9fff]{2,4}[省市](生产|制造)", [("市制造", 2, 4), ("市生产", 2, 4), ("省制造", 2, 4), ("省生产", 2, 4)]),
    ("(统一|一律)?由", [("一律由", 0, 0), ("由", 0, 0), ("统一由", 0, 0)]),
    ("[0-3]+年", [("0", 0, 0), ("1", 0, 0), ("2", 0, 0), ("3", 0, 0)]),
    ("(?i)abc", None),                     # flags change what a literal is
    ("[\\d]+家", None),                     # \\d is every Unicode digit: not a short list
    ("[^，。]{0,30}注册", None),            # too wide an offset
])
def test_regex_starts(pattern, starts):
    assert F.regex_starts(pattern) == (sorted(starts) if starts else None)
    if starts:   # and they hold on a match
        for text in ("在七星注册", "我们在七台河注册", "某某市生产的", "统一由", "由", "2026年", "办理了营业执照"):
            for m in re.finditer(overlapping(pattern), text):
                s = m.start()
                assert any(text.startswith(lit, s + k) for lit, lo, hi in starts for k in range(lo, hi + 1))
