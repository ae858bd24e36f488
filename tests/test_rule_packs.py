"""The shipped rule packs as data: every rule cites the law that is bundled, says what is wrong and how to fix it,
and carries enough examples (violating and lawful) that `rules test` proves it both fires and holds back."""
import collections

from engine.check import check_text

MEASURES, REGULATION = "公平竞争审查条例实施办法", "公平竞争审查条例"


def test_enough_rules_in_every_family(pack_rules):
    per_family = collections.Counter(r.family for r in pack_rules.rules)
    assert len(pack_rules.rules) >= 15
    assert per_family["fair_competition"] >= 66 and per_family["negative_list"] >= 5 and per_family["filing"] >= 5


def test_every_rule_is_complete(pack_rules):
    for r in pack_rules.rules:
        assert r.bases and r.message and r.suggest, r.id
        assert all(b.text for b in r.bases), (r.id, [b.citation for b in r.bases])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.message + r.suggest), r.id   # written for reviewers


def test_text_rules_have_three_and_three_examples(pack_rules):
    thin = [(r.id, sum(v for _, v, _ in r.examples), sum(not v for _, v, _ in r.examples))
            for r in pack_rules.rules if r.on == "text"]
    assert [t for t in thin if t[1] < 3 or t[2] < 3] == []


def test_fair_competition_rules_cite_measures_and_regulation(pack_rules):
    for r in pack_rules.rules:
        if r.family != "fair_competition":
            continue
        instruments = {b.instrument for b in r.bases}
        assert MEASURES in instruments and REGULATION in instruments, (r.id, r.basis_text)


def test_examples_fire_only_their_rule_family_sensibly(pack_rules):
    """A lawful example must not be flagged at warning or above by ANY rule of the same family (the precedent tier's
    share is tested in test_precedent_model.py)."""
    offenders = []
    for r in pack_rules.rules:
        for text, violating, line in r.examples:
            if violating:
                continue
            hits = [f.rule for f in check_text(text, "e", pack_rules, precedents=False) if f.family == r.family
                    and f.severity in ("warning", "error")]
            if hits:
                offenders.append((r.id, text, hits))
    assert len(offenders) <= max(3, len(pack_rules.rules) // 50), offenders[:20]


def test_rule_docs_pages_and_index(tmp_path, pack_rules):
    """`policylint rules docs` writes one page per rule with the fixed sections, and an index that links them all."""
    import re
    import subprocess
    from html.parser import HTMLParser

    from conftest import policylint_cmd

    for fmt in ("md", "html"):
        out = tmp_path / fmt
        r = subprocess.run(policylint_cmd() + ["rules", "docs", "--out", str(out), "--format", fmt],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        assert {p.stem for p in out.glob(f"*.{fmt}")} == {x.id for x in pack_rules.rules} | {"index"}

    rule = pack_rules.by_id().get("FC-14-1-a") or next(
        x for x in pack_rules.rules if x.on == "text" and x.unless_text and len(x.bases) > 1)
    page = (tmp_path / "md" / f"{rule.id}.md").read_text(encoding="utf-8")
    heads = re.findall(r"^## (.+)$", page, re.M)
    assert heads == ["法律依据", "查什么", "为什么", "怎样判断", "怎样修改", "排除情形", "示例", "命中的已公布案例", "规则原文"]
    assert page.startswith(f"# {rule.id} {rule.title}\n")
    for b in rule.bases:                    # the law quoted as rules/law has it
        assert b.citation in page and f"> {b.text.strip()}" in page
    assert rule.message in page and rule.suggest in page and rule.when_text in page
    assert "### 违规示例" in page and "### 合规示例" in page
    assert all(f"- {text}" in page for text, _, _ in rule.examples)
    file, line = rule.source.rsplit(":", 1)
    assert f"`rules/{file.split('/rules/', 1)[1]}` 第 {line} 行" in page and f'rule {rule.id} "{rule.title}"' in page
    rows = re.findall(r"^\| (\d+) \| (.+?) \| (.+?) \|$", page.split("## 排除情形")[1].split("## 示例")[0], re.M)
    assert len(rows) >= 2 and [int(n) for n, _, _ in rows] == list(range(1, len(rows) + 1))
    lawful = {text for text, v, _ in rule.examples if not v}
    protected = {t for _, _, cell in rows for t in cell.split("<br>")} - {"（没有合规例句用到这一条）"}
    assert protected and protected <= lawful   # every protected wording is one of the rule's own lawful examples

    cases = re.findall(r"^\| ([A-Z][A-Z0-9]*-[A-Z0-9-]+) \| (.+?) \| ", page.split("## 命中的已公布案例")[1], re.M)
    assert cases or "没有被本规则命中的" in page
    for _, text in cases[:3]:                # a published violation listed on the page is one the rule flags
        assert rule.id in {f.rule for f in check_text(text.replace("\\|", "|"), "p", pack_rules, precedents=False)}

    index = (tmp_path / "md" / "index.md").read_text(encoding="utf-8")
    assert "## 公平竞争审查" in index and "### 《公平竞争审查条例实施办法》第十四条" in index
    assert set(re.findall(r"\]\(([^)]+)\.md\)", index)) == {x.id for x in pack_rules.rules}
    assert "## 审查标准覆盖" in index

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links, self.heads, self._h2 = [], [], False

        def handle_starttag(self, tag, attrs):
            self._h2 = tag == "h2"
            self.links += [v for k, v in attrs if tag == "a" and k == "href"]

        def handle_data(self, data):
            if self._h2:
                self.heads.append(data)
                self._h2 = False

    p = Links()
    p.feed((tmp_path / "html" / f"{rule.id}.html").read_text(encoding="utf-8"))
    assert p.heads == heads and [x for x in p.links if not x.startswith("https://")] == ["index.html"]
    p = Links()
    p.feed((tmp_path / "html" / "index.html").read_text(encoding="utf-8"))
    assert p.links and all((tmp_path / "html" / href).is_file() for href in p.links)


def test_rule_docs_bad_output_is_one_line(tmp_path):
    import subprocess

    from conftest import policylint_cmd

    blocker = tmp_path / "file.txt"
    blocker.write_text("x", encoding="utf-8")
    r = subprocess.run(policylint_cmd() + ["rules", "docs", "-o", str(blocker)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 2 and "不是目录" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run(policylint_cmd() + ["rules", "docs", "-o", str(blocker / "sub")], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 2 and "无法写入" in r.stderr and "Traceback" not in r.stderr
