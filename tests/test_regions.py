"""A long draft is checked region by region (engine.check.iter_findings): only one region's occurrences and facts
are held at once, and each region's findings can be written out and dropped. The result must be the whole-document
result, finding for finding and in the same order — with definitions carried across regions, the precedent tier on
and off, and a draft declaring a 第十二条 exception (done in one piece)."""
import pytest

from engine.check import document_context, iter_findings, regions, whole_document
from engine.segment import segment

from test_bench import make_draft

DEFINITION = "第一条　本办法所称重点企业，是指在本县注册登记并纳税的企业。\n"
LEADIN = "第二条　投标人须具备下列条件：\n（一）在本市设立分公司；\n（二）具有相应资质。\n"


def _draft(rs, chars: int, seed: int, head: str = DEFINITION + LEADIN) -> str:
    body = make_draft(rs, chars, seed)
    uses = "\n".join(f"第{900 + i}条　对重点企业给予用地优先保障。" for i in range(3))
    return head + body + "\n" + uses


def _dicts(findings):
    return [f.to_dict() for f in findings]


@pytest.mark.parametrize("precedents", [False, None])
def test_regions_give_the_whole_document_result(pack_rules, precedents):
    doc = segment("long.txt", _draft(pack_rules, 30_000, 11))
    assert len(regions(doc, pack_rules, 4000)) > 5
    whole = whole_document(doc, pack_rules, None, None, precedents, True, document_context(doc))
    parts = list(iter_findings(doc, pack_rules, precedents=precedents, region_chars=4000))
    assert len(parts) > 5
    got = [f for p in parts for f in p]
    assert _dicts(got) == _dicts(whole)
    assert any("重点企业" in f.explanation for f in got)   # a definition carried from the first region to the last


def test_regions_are_whole_lines(pack_rules):
    doc = segment("long.txt", _draft(pack_rules, 20_000, 2))
    spans = regions(doc, pack_rules, 3000)
    assert spans[0][0] == 0 and spans[-1][1] == len(doc.text)
    for (a, b), (c, _d) in zip(spans, spans[1:]):
        assert b == c and doc.text[b - 1] == "\n"


def test_a_declared_exception_is_checked_in_one_piece(pack_rules):
    head = ("第一条　本措施属于《公平竞争审查条例》第十二条规定的例外情形，为维护国家安全所必需，"
            "对公平竞争影响最小，并明确实施期限为三年。\n")
    doc = segment("exc.txt", _draft(pack_rules, 20_000, 4, head=head))
    ctx = document_context(doc)
    assert ctx.get("exception")
    parts = list(iter_findings(doc, pack_rules, precedents=False, region_chars=3000))
    assert len(parts) == 1
    assert _dicts(parts[0]) == _dicts(whole_document(doc, pack_rules, None, None, False, True, ctx))
