"""The compiled scan core (engine/features.py through Cython, types in engine/features.pxd; setup.py builds it)
is the module imported once the tree is built, and it finds exactly what the pure-Python source finds.

CI builds in place and sets POLICYLINT_REQUIRE_COMPILED=1, so there a missing or stale build fails. Without a
build (a dev tree, a machine with no compiler) the compiled-module test skips, saying how to build; the parity
test still runs when a build is present, which also catches a build left behind by an edit of features.py.
"""
import importlib.util
import os
import sys
from pathlib import Path

import pytest

from engine import features
from engine.segment import segment

from test_bench import make_draft

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "engine" / "features.py"
SAMPLES = Path(__file__).resolve().parent / "samples"
COMPILED = not features.__file__.endswith(".py")
BUILD = "python setup.py build_ext --inplace"


def _pure():
    """engine/features.py itself, loaded by path under another name (relative imports still resolve in engine)."""
    spec = importlib.util.spec_from_file_location("engine._features_pure", SOURCE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_compiled_module_is_the_one_imported():
    if not COMPILED and not os.environ.get("POLICYLINT_REQUIRE_COMPILED"):
        pytest.skip(f"engine.features is pure Python here ({features.__file__}); build it with `{BUILD}` "
                    f"(CI does, and sets POLICYLINT_REQUIRE_COMPILED=1 so this test must pass)")
    assert COMPILED, f"engine.features was imported from {features.__file__}, not a compiled module: run `{BUILD}`"
    assert Path(features.__file__).resolve().parent == SOURCE.parent, features.__file__
    assert type(features.hits).__name__ == "cython_function_or_method"
    built = Path(features.__file__).stat().st_mtime
    for src in (SOURCE, SOURCE.with_suffix(".pxd")):
        assert built >= src.stat().st_mtime, f"{src.name} changed after the build: run `{BUILD}` again"


def _texts(rs) -> list[tuple[str, str]]:
    from engine.ingest import read_document

    out = []
    for p in sorted(SAMPLES.iterdir()):
        if p.suffix in (".txt", ".docx"):
            out.append((p.name, read_document(str(p))[0]))
    out += [(f"draft{seed}", make_draft(rs, 5000, seed)) for seed in range(6)]
    out.append(("large", make_draft(rs, 80_000, 99)))   # several regions of rules.check.REGION_CHARS
    return out


@pytest.fixture(scope="module")
def pure():
    if not COMPILED:
        pytest.skip(f"engine.features is not compiled here: nothing to compare (`{BUILD}`)")
    mod = _pure()
    assert mod.__file__ == str(SOURCE) and mod.hits is not features.hits
    return mod


def test_compiled_and_pure_scans_agree(pack_rules, pure):
    rs = pack_rules
    for name, text in _texts(rs):
        got, want = features.hits(text, rs), pure.hits(text, rs)
        assert list(got.items()) == list(want.items()), name
        half = text.find("\n", len(text) // 2) + 1   # a region of whole lines
        assert list(features.hits(text, rs, half).items()) == list(pure.hits(text, rs, half).items()), name
        assert features.scan(text, rs) == pure.scan(text, rs), name
        doc = segment(name, text)
        a, b = features.TextFeatures(doc, rs, {}), pure.TextFeatures(doc, rs, {})
        for scope in ("sentence", "clause", "article", "document"):
            assert a.placed(scope) == b.placed(scope), (name, scope)
            assert a.unit_occurrences(scope) == b.unit_occurrences(scope), (name, scope)
            for occ in a.unit_occurrences(scope):
                keys = sorted(occ)
                for x, y in zip(keys, keys[1:]):
                    for n in (0, 4, 20):
                        assert features.near_span(occ[x], occ[y], n) == pure.near_span(occ[x], occ[y], n)
                    for w in (None, 0, 10):
                        assert features.order_span(occ[x], occ[y], w) == pure.order_span(occ[x], occ[y], w)


def test_compiled_and_pure_findings_agree(pack_rules, pure, monkeypatch):
    from engine import check

    rs = pack_rules

    def findings():
        return [[f.to_dict() for f in check.check_document(segment(name, text), rs, precedents=False)]
                for name, text in _texts(rs)]

    compiled = findings()
    monkeypatch.setitem(sys.modules, "engine.features", pure)   # check.py imports from it inside its functions
    monkeypatch.setattr(check, "TextFeatures", pure.TextFeatures)
    plain = findings()
    assert sum(map(len, compiled)) > 50   # the drafts give the rules real work
    assert compiled == plain
