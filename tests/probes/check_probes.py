"""Check paraphrase-probe files (tests/probes/*.jsonl) before they are committed.

Each paraphrase probe is a generated sentence tied to one TRAINING-fold precedent (`of`); a law-derived probe
(id LAW-…) is tied to an item of the law (`item`) instead. This script checks, for every file
given: valid JSON Lines; the required fields and their values; unique ids shaped PRB-<of>-p1|p2|p3|lN (the suffix
fixes kind and label); `of` is a violation in rules/precedents/ whose batch is in a training fold, and the probe
copies its family, batch and sector (basis too for violations, null for lawful twins); `split` follows the rule
(sha1 of the source id mod 3 == 0 → test) and `generated` is true; and no probe is equal to or a near copy of a
precedent or of a dev-corpus sentence (character-bigram containment >= 0.8 either way, the measure the precedent
builders use). Held-out items are compared but never printed: a clash with one is reported without its id or text.

Run:  python tests/probes/check_probes.py tests/probes/fc_fold0.jsonl tests/probes/filing.jsonl [--dev PATH]
Exit 0 when every file passes, 1 when a problem is found, 2 on bad usage.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "rules" / "precedents"))
from engine.quality import TRAINING_FOLDS, fold_of  # noqa: E402
import make_fair_competition as fc  # noqa: E402  (same bigrams and containment as the precedent builders)

PRECEDENTS = ROOT / "rules" / "precedents"
DEV = ROOT.parent / "shared" / "corpus" / "dev.jsonl"
NEAR = 0.8
MIN_OTHER = 10          # an item's own containment in a probe counts only when it has this many bigrams
KINDS = {"p1": "probe-paraphrase-close", "p2": "probe-paraphrase-restructured", "p3": "probe-paraphrase-far"}
TWIN = "probe-lawful-twin"
FIELDS = ("id", "text", "label", "family", "basis", "batch", "sector", "kind", "of", "split", "generated", "note")
ID = re.compile(r"PRB-(?P<of>.+)-(?P<tag>p[123]|l\d+)$")


def split_of(source_id: str) -> str:
    return "test" if int(hashlib.sha1(source_id.encode("utf-8")).hexdigest(), 16) % 3 == 0 else "train"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_references(dev: Path | None) -> tuple[dict, list]:
    """(training-fold precedents by id, [(label, bigram set)] of every precedent and dev sentence)."""
    training, refs = {}, []
    for p in sorted(PRECEDENTS.glob("*.jsonl")):
        for d in read_jsonl(p):
            held_out = fold_of(d.get("batch") or d.get("source") or p.stem) not in TRAINING_FOLDS
            if not held_out:
                training[d["id"]] = d
            refs.append(("a held-out precedent" if held_out else f"{p.name}:{d['id']}", set(fc.bigrams(d["text"]))))
    if dev is not None:
        for d in read_jsonl(dev):
            refs.append((f"dev:{d.get('id')}", set(fc.bigrams(d["text"]))))
    return training, refs


LAW_FIELDS = ("id", "text", "label", "family", "basis", "batch", "kind", "item", "split", "generated", "note")
LAW_ID = re.compile(r"LAW-(?P<item>.+)-(?P<tag>v\d+|l\d+)$")
LAW_TEST = {"v3", "v7", "l2"}   # within each item of the law, these are the test split


def check_law_probe(d: dict) -> list[str]:
    """A law-derived probe: written for an item of the law (`item`), not paraphrasing a precedent."""
    errs = [f"missing field {f}" for f in LAW_FIELDS if f not in d]
    if errs:
        return errs
    m = LAW_ID.match(d["id"])
    if not m or m["item"] != d["item"]:
        return [f"id is not LAW-<item>-vN|lN with item={d['item']!r}"]
    violation = m["tag"].startswith("v")
    if d["label"] != ("violation" if violation else "compliant"):
        errs.append(f"label {d['label']!r} does not fit -{m['tag']}")
    if d["kind"] != ("probe-law-violation" if violation else "probe-law-lawful"):
        errs.append(f"kind {d['kind']!r} does not fit -{m['tag']}")
    if d["split"] != ("test" if m["tag"] in LAW_TEST else "train"):
        errs.append(f"split {d['split']!r} does not fit -{m['tag']}")
    if d["batch"] != f"law-{d['item']}":
        errs.append("batch must be law-<item>")
    if violation != bool(d["basis"]):
        errs.append("a violation names its basis; a lawful probe has none")
    if d["generated"] is not True:
        errs.append("generated must be true")
    return errs


def check_probe(d: dict, training: dict) -> list[str]:
    if str(d.get("id", "")).startswith("LAW-"):
        return check_law_probe(d)
    errs = [f"missing field {f}" for f in FIELDS if f not in d]
    if errs:
        return errs
    if not isinstance(d["text"], str) or len(d["text"].strip()) < 6:
        errs.append("text missing or too short")
    m = ID.match(d["id"])
    if not m or m["of"] != d["of"]:
        return errs + [f"id is not PRB-<of>-p1|p2|p3|lN with of={d['of']!r}"]
    tag = m["tag"]
    want_kind, want_label = (KINDS[tag], "violation") if tag in KINDS else (TWIN, "compliant")
    if d["kind"] != want_kind:
        errs.append(f"kind {d['kind']!r}, expected {want_kind!r} for -{tag}")
    if d["label"] != want_label:
        errs.append(f"label {d['label']!r}, expected {want_label!r} for -{tag}")
    if d["generated"] is not True:
        errs.append("generated must be true")
    if d["split"] != split_of(d["of"]):
        errs.append(f"split {d['split']!r}, expected {split_of(d['of'])!r}")
    if not isinstance(d["note"], str) or not d["note"].strip():
        errs.append("note missing")
    src = training.get(d["of"])
    if src is None:
        return errs + ["`of` is not an item of a training fold (0, 1, 2) in rules/precedents/"]
    if src.get("label") != "violation":
        errs.append("`of` is not a violation")
    for f in ("family", "batch", "sector"):
        if d[f] != src.get(f):
            errs.append(f"{f} {d[f]!r} differs from the source's {src.get(f)!r}")
    want_basis = src.get("basis") if want_label == "violation" else None
    if d["basis"] != want_basis:
        errs.append(f"basis {d['basis']!r}, expected {want_basis!r}")
    return errs


def near_copy(text: str, refs: list) -> str | None:
    mine = set(fc.bigrams(text))
    for label, other in refs:
        if not other:
            continue
        if fc.containment(mine, other) >= NEAR or (len(other) >= MIN_OTHER and fc.containment(other, mine) >= NEAR):
            return label
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--dev", type=Path, default=DEV, help=f"dev corpus to compare with (default {DEV})")
    args = ap.parse_args(argv)
    dev = args.dev if args.dev.exists() else None
    if dev is None:
        print(f"warning: {args.dev} not found, probes not compared with the dev corpus", file=sys.stderr)
    training, refs = load_references(dev)
    problems, seen_ids, seen_texts, total = 0, {}, {}, 0
    for path in args.files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            print(f"{path}: {e}", file=sys.stderr)
            return 2
        for n, line in enumerate(lines, 1):
            where = f"{path}:{n}"
            if not line.strip():
                continue
            try:
                d = json.loads(line)
            except json.JSONDecodeError as e:
                print(f"{where}: not JSON: {e}")
                problems += 1
                continue
            total += 1
            errs = check_probe(d, training) if isinstance(d, dict) else ["not a JSON object"]
            if isinstance(d, dict) and isinstance(d.get("text"), str):
                pid = d.get("id")
                if pid in seen_ids:
                    errs.append(f"duplicate id (first at {seen_ids[pid]})")
                seen_ids.setdefault(pid, where)
                t = d["text"].strip()
                if t in seen_texts:
                    errs.append(f"same text as {seen_texts[t]}")
                seen_texts.setdefault(t, pid)
                clash = near_copy(d["text"], refs)
                if clash:
                    errs.append(f"near copy of {clash} (bigram containment >= {NEAR})")
            for e in errs:
                print(f"{where}: {d.get('id') if isinstance(d, dict) else '?'}: {e}")
            problems += len(errs)
    print(f"{total} probes in {len(args.files)} file(s): {problems} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
