"""No concept is defined twice (issue 9): two term groups with the same definition under two names are one concept,
and belong once in rules/lexicon/ (or in the one article file that uses them)."""
import re
from collections import defaultdict

from dsl.loader import RULES_DIR, rule_files


def _definitions():
    """(normalised right-hand side) -> [(group name, file)] for every `terms` definition in the shipped rules."""
    defs = defaultdict(list)
    for path in rule_files(RULES_DIR):
        lines = path.read_text(encoding="utf-8").split("\n")
        i = 0
        while i < len(lines):
            m = re.match(r"terms (\S+)(?: for \S+)? = (.*)", lines[i])
            i += 1
            if not m:
                continue
            rhs = m.group(2)
            while i < len(lines) and lines[i].strip().startswith("|"):   # continuation lines
                rhs += lines[i].strip()
                i += 1
            defs[re.sub(r"\s+", "", rhs)].append((m.group(1), str(path.relative_to(RULES_DIR))))
    return defs


def test_no_concept_is_defined_twice():
    twice = [names for names in _definitions().values() if len(names) > 1]
    assert twice == [], "同一概念定义了两次（合并为一个词组，放进 rules/lexicon/）：" + repr(twice)


def test_the_scan_sees_the_lexicon():
    names = {n for v in _definitions().values() for n, _ in v}
    assert {"纠偏", "本地词", "法定依据", "不论注册地"} <= names
