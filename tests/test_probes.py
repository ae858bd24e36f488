"""The probe files (tests/probes/) stay well-formed: generated sentences, each tied to a training-fold precedent or
to an item of the law, never a near copy of a published clause or of the dev corpus."""
import glob
from pathlib import Path

import pytest


def test_probe_files_are_well_formed(capsys):
    import importlib.util

    here = Path(__file__).parent / "probes"
    spec = importlib.util.spec_from_file_location("check_probes", here / "check_probes.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    files = sorted(glob.glob(str(here / "*.jsonl")))
    assert files
    code = mod.main(files)
    out = capsys.readouterr().out
    assert code == 0, out[-2000:]


def test_the_checker_refuses_a_copied_precedent(tmp_path, capsys):
    import importlib.util
    import json

    here = Path(__file__).parent / "probes"
    spec = importlib.util.spec_from_file_location("check_probes", here / "check_probes.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    real = json.loads((Path(__file__).parents[1] / "rules/precedents/supplement.jsonl").read_text(
        encoding="utf-8").splitlines()[0])
    fake = {"id": "LAW-办法9-1-v1", "text": real["text"], "label": "violation", "family": "fair_competition",
            "basis": "《公平竞争审查条例实施办法》第九条第（一）项", "batch": "law-办法9-1", "kind": "probe-law-violation",
            "item": "办法9-1", "split": "train", "generated": True, "note": "x"}
    f = tmp_path / "bad.jsonl"
    f.write_text(json.dumps(fake, ensure_ascii=False) + "\n", encoding="utf-8")
    assert mod.main([str(f)]) == 1
    assert "near copy" in capsys.readouterr().out
