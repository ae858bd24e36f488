"""Detection quality may not fall: cross-validated figures on the precedent library, by source batch.

Rules are written on the training folds (0, 1, 2); folds 3 and 4 are held out (engine/quality.py). The published
figures are in docs/quality.md and README; this test fails when the held-out figures fall below them by more
than the margin, or the training figures do (a rule change that loses recall anywhere is a regression).
"""
import glob
from pathlib import Path

import pytest

from engine.quality import HELD_OUT_FOLDS, TRAINING_FOLDS, fold_of, read_corpus, score

# last published (docs/quality.md, `policylint eval rules/precedents/*.jsonl --folds … [--no-precedents]`): rules
# alone, and the default mode with the precedent tier (its clause model retrained without each scored fold)
PUBLISHED = {
    "rules": {"held_out": {"recall": 0.689, "fp_rate": 0.046}, "training": {"recall": 0.952, "fp_rate": 0.002}},
    "default": {"held_out": {"recall": 0.755, "fp_rate": 0.048}, "training": {"recall": 0.968, "fp_rate": 0.002}},
}
MARGIN = 0.03   # a few items of ~100 violations / ~300 lawful sentences


@pytest.fixture(scope="module")
def library():
    items = read_corpus(sorted(glob.glob(str(Path(__file__).resolve().parents[1] / "rules/precedents/*.jsonl"))))
    assert len(items) > 800
    return items


@pytest.mark.parametrize("mode", ["rules", "default"])
@pytest.mark.parametrize("part,folds", [("held_out", HELD_OUT_FOLDS), ("training", TRAINING_FOLDS)])
def test_figures_do_not_fall(library, part, folds, mode):
    members = [it for it in library if fold_of(it["batch"]) in folds]
    got = score(members, precedents=mode == "default")["overall"]
    want = PUBLISHED[mode][part]
    assert got["recall"] >= want["recall"] - MARGIN, (part, got)
    assert got["fp_rate"] <= want["fp_rate"] + MARGIN, (part, got)


def test_library_readme_counts_are_current():
    import importlib.util

    root = Path(__file__).resolve().parents[1] / "rules" / "precedents"
    spec = importlib.util.spec_from_file_location("precedent_stats", root / "stats.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.stats() in (root / "README.md").read_text(encoding="utf-8"), \
        "rules/precedents/README.md 的数量已过时：运行 python rules/precedents/stats.py --write"
