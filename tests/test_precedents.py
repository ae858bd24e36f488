"""The precedent tier (engine/precedents.py): the nearest published case on every finding, and a warning for an
unflagged clause that reads like a published violation rather than a published lawful sentence."""
import pytest

from engine.check import check_text
from engine.precedents import (PRECEDENT_RULE, PrecedentIndex, citation_map, default_index, map_citation,
                               read_library)


@pytest.fixture(scope="module")
def library():
    return read_library()


def _violation(library, **want):
    return next(p for p in library if p.label == "violation" and all(getattr(p, k) == v for k, v in want.items())
                and len(p.text) > 30)


def _tier(text, index):
    return [f for f in check_text(text, "d.txt", precedents=index) if f.rule == PRECEDENT_RULE]


def test_every_library_item_is_sourced(library):
    assert len(library) > 800
    for p in library:
        assert p.source_title and p.source_url and p.batch, p.id


def test_old_citations_map_to_the_regulation():
    cmap = citation_map()
    assert map_citation("《公平竞争审查制度实施细则》第十四条第一款", cmap) == "第九条"
    assert map_citation("《中华人民共和国反垄断法》第四十二条", cmap) == "第九条第（三）项"
    assert map_citation("公平竞争审查条例第十条第（二）项", cmap) == "第十条第（二）项"
    assert map_citation("《公平竞争审查条例实施办法》第十五条第（三）项", cmap) == "第九条第（三）项"
    # the 2019 numbering of the Anti-Monopoly Law is not in the reference: no guess
    assert map_citation("《反垄断法》第三十二条", cmap) is None
    assert map_citation(None, cmap) is None


def test_a_copied_published_violation_is_a_warning_naming_the_case(library):
    case = _violation(library, family="fair_competition", article="第九条")
    index = PrecedentIndex(library)
    text = "第三条 " + case.text + "。"
    found = check_text(text, "d.txt", precedents=index)
    tier = [f for f in found if f.rule == PRECEDENT_RULE]
    if not tier:   # a rule flagged the clause itself: then the finding names the case instead
        assert any(f.precedent and f.precedent["id"] == case.id for f in found)
        return
    f = tier[0]
    assert f.severity == "warning" and f.precedent["id"] == case.id
    assert f.basis.startswith("《公平竞争审查条例》第九条")
    assert case.source_title in f.message and "没有规则命中本句" in f.explanation


def test_the_held_out_batch_is_never_its_own_neighbour(library):
    case = _violation(library, family="negative_list")
    index = PrecedentIndex(library, exclude={case.batch})
    assert all(p.batch != case.batch for p in index.items)
    hit = index.nearest_violation(case.text)
    assert hit is None or hit[1].id != case.id


def test_a_lawful_sentence_is_not_reported(library):
    index = PrecedentIndex(library)
    lawful = [p for p in library if p.label == "compliant" and len(p.text) > 30][:40]
    assert not [p.id for p in lawful if index.model_suspect(p.text)]


def test_every_finding_names_the_nearest_published_case():
    found = check_text("外地企业参与本县工程投标的，须在本县设立分公司。", "d.txt")
    assert found and all(f.precedent and f.precedent["source_url"] for f in found)


def test_the_index_is_cached_and_reloaded(tmp_path, monkeypatch, library):
    import engine.precedents as P

    monkeypatch.setenv("POLICYLINT_CACHE", str(tmp_path))
    monkeypatch.setattr(P, "_default", {})
    first = default_index()
    assert list(tmp_path.glob("precedents-*.pickle"))
    monkeypatch.setattr(P, "_default", {})
    again = default_index()
    text = _violation(library, family="fair_competition").text
    assert first.nearest(text, 3) == again.nearest(text, 3)


def test_work_plan_sentences_are_not_reported():
    from pathlib import Path

    text = (Path(__file__).parent / "samples" / "work_plan_gbk.txt").read_bytes().decode("gb18030")
    assert _tier(text, default_index()) == []


def test_a_clause_correcting_the_practice_is_not_compared(library):
    """A clause that orders a published practice corrected quotes it almost word for word; the tier must not warn on
    it (document.rule: `for doc.precedent`), while the bare practice still reads like the case."""
    from engine.precedents import annotate
    from engine.segment import segment

    case = _violation(library, family="fair_competition", article="第九条")
    index = PrecedentIndex(library)
    bare = segment("d.txt", case.text + "。")
    assert any(f.rule == PRECEDENT_RULE for f in annotate(bare, [], index))
    corrected = "对" + case.text + "的做法予以纠正。"
    found = check_text(corrected, "d.txt", precedents=index)
    assert not [f for f in found if f.rule == PRECEDENT_RULE]
