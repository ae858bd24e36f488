"""No concept is defined twice (issue 9): two term groups with the same definition under two names are one concept,
and belong once in rules/lexicon/ (or in the one article file that uses them)."""
from collections import defaultdict

from dsl.loader import RULES_DIR, rule_files
from dsl.parser import parse_file


def _strip_pos(v):
    if isinstance(v, dict):
        return tuple(sorted((k, _strip_pos(x)) for k, x in v.items() if k != "pos"))
    if isinstance(v, list):
        return tuple(_strip_pos(x) for x in v)
    return v


def _definitions():
    """The parsed terms of a group (positions left out) -> [(group name, file)], for every shipped rule file."""
    defs = defaultdict(list)
    for path in rule_files(RULES_DIR):
        for d in parse_file(path).terms:
            key = _strip_pos([t.model_dump() for t in d.terms])
            defs[key].append((d.name, str(path.relative_to(RULES_DIR))))
    return defs


def test_no_concept_is_defined_twice():
    twice = [names for names in _definitions().values() if len(names) > 1]
    assert twice == [], "同一概念定义了两次（合并为一个词组，放进 rules/lexicon/）：" + repr(twice)


def test_the_scan_sees_the_lexicon():
    names = {n for v in _definitions().values() for n, _ in v}
    assert {"纠偏", "本地词", "法定依据", "不论注册地"} <= names
