"""Hard-wrapped plain text (engine/ingest/unwrap.py): read as the paragraphs it was wrapped from, reported in the
file's own lines and columns."""
import json
import subprocess
import sys

from conftest import SAMPLES
from engine.check import check_path as check_file
from engine.ingest import read_document
from engine.ingest.unwrap import unwrap


def _paragraphs() -> list[str]:
    text, _ = read_document(str(SAMPLES / "sample_draft.docx"))
    return [p for p in text.split("\n") if p.strip() and "\t" not in p]


def _wrap(paragraphs: list[str], width: int) -> str:
    """Each paragraph cut every `width` characters, as a PDF copy or an e-mail client leaves it."""
    lines = []
    for p in paragraphs:
        lines.extend(p[i:i + width] for i in range(0, len(p), width))
    return "\n".join(lines) + "\n"


def _check_jsonl(path) -> list[dict]:
    """The findings of `policylint check --format jsonl --no-precedents` on a file, as a user runs it."""
    out = subprocess.run([sys.executable, "-m", "engine.cli", "check", "--format", "jsonl", "--no-precedents",
                          str(path)], capture_output=True, text=True)
    return [json.loads(x) for x in out.stdout.splitlines()]


def test_wrapped_draft_reads_like_the_unwrapped_one(tmp_path):
    paras = _paragraphs()
    flat, wrapped = tmp_path / "flat.txt", tmp_path / "wrapped.txt"
    flat.write_text("\n".join(paras) + "\n", encoding="utf-8")
    wrapped.write_text(_wrap(paras, 22), encoding="utf-8")
    want = sorted((f.rule, f.path, f.text) for f in check_file(str(flat)))
    got = check_file(str(wrapped))
    assert want and sorted((f.rule, f.path, f.text) for f in got) == want
    # every finding's line and column (start and end) point at the same words of the file on disk as they do in
    # the unwrapped file

    def words_at(path, findings):
        file_text = path.read_text(encoding="utf-8")
        starts = [0] + [i + 1 for i, c in enumerate(file_text) if c == "\n"]

        def at(line, col, back=False):
            i = starts[line - 1] + col - 1
            if back:
                return file_text[max(0, i - 12):i].replace("\n", "")[-6:]
            return file_text[i:i + 12].replace("\n", "")[:6]
        return sorted((f.rule, f.path, at(f.line, f.column), at(f.end_line, f.end_column, back=True))
                      for f in findings)
    assert words_at(wrapped, got) == words_at(flat, check_file(str(flat)))
    assert "text_maps" in read_document(str(wrapped))[1]


def test_a_wrapped_requirement_is_found_through_the_command_line(tmp_path):
    draft = tmp_path / "草案.txt"
    draft.write_text("第五条　在本区开办教育培训咨询机构的，须经区教育局\n审核同意后方可营业。凡在本县新设立的企业\n"
                     "须到县商务局办理登记，方可开展经营活动，否则\n不予办理相关手续。\n", encoding="utf-8")
    rows = _check_jsonl(draft)
    fc92 = [r for r in rows if r["rule"] == "FC-9-2-b"]
    assert fc92 and fc92[0]["line"] == 1 and fc92[0]["end_line"] == 2
    assert "审核同意后方可营业" in fc92[0]["text"]


def test_paragraph_per_line_text_is_left_alone():
    text, meta = read_document(str(SAMPLES / "work_plan_gbk.txt"))
    assert "text_maps" not in meta
    assert unwrap(text) == (text, None)


def test_what_is_not_a_wrap():
    long = "各部门要加强协同配合，认真落实本方案提出的各项任务要求，"     # 29 characters, no sentence end
    # a new paragraph (indent), a numbered unit, a table row and a blank line all keep their break
    for nxt in ("\u3000\u3000第二段开始。", "（一）第一项。", "第二条　内容。", "1.第一点。", "名称\t数量", ""):
        text = f"{long}\n{nxt}\n{long}。\n"
        assert unwrap(text)[1] is None, nxt
    # a finished sentence keeps its break; a heading is too short to be a wrapped line
    assert unwrap(f"{long[:-1]}。\n下一句。\n{long}。\n")[1] is None
    assert unwrap(f"一、总体要求\n{long}。\n{long}。\n")[1] is None
    # a wrapped line is joined; Latin letters or digits on both sides keep a space between them
    joined, line_map = unwrap(f"{long}\n继续这一句。\n")
    assert joined == f"{long}继续这一句。\n" and line_map["removed"] == [len(long)]
    joined, line_map = unwrap("企业须通过质量管理体系认证并取得相关证书ISO\n9001证书方可参加。\n")
    assert "ISO 9001" in joined and line_map is None


def test_docx_soft_break_inside_a_sentence_is_joined(tmp_path):
    from docx import Document as DocxDocument

    d = DocxDocument()
    p = d.add_paragraph("关于印发《示例县促进招商引资若干措施》")
    p.add_run().add_break()
    p.add_run("的通知")
    p = d.add_paragraph("第五条　在本区开办教育培训咨询机构的，须经区教育局审核")
    p.add_run().add_break()
    p.add_run("同意后方可营业。")
    p = d.add_paragraph("第六条　奖励如下：")            # a break after a finished sentence or before an item stays
    for item in ("（一）按纳税额给予奖励；", "（二）按投资额给予补助。"):
        p.add_run().add_break()
        p.add_run(item)
    path = tmp_path / "soft.docx"
    d.save(path)
    text, _ = read_document(str(path))
    assert text.split("\n") == ["关于印发《示例县促进招商引资若干措施》的通知",
                                "第五条　在本区开办教育培训咨询机构的，须经区教育局审核同意后方可营业。",
                                "第六条　奖励如下：", "（一）按纳税额给予奖励；", "（二）按投资额给予补助。"]
    found = {f.rule for f in check_file(str(path))}
    assert "FC-9-2-b" in found and "FC-19-4-b" in found


def test_stray_spaces_inside_chinese_are_dropped_and_lines_still_point_into_the_file(tmp_path):
    from engine.ingest.unwrap import despace

    assert despace("须在本 地注册，注册资本 1000 万元、占比 50 %，ISO 9001 认证")[0] == \
        "须在本地注册，注册资本1000万元、占比50%，ISO 9001认证"
    assert despace("第三条 外地企业须在 本县设立分公司。")[0] == "第三条 外地企业须在本县设立分公司。"   # article mark kept
    assert despace("  缩进的段落。")[1] is None                                        # indentation kept
    draft = tmp_path / "spaced.txt"
    draft.write_text("示例县招商引资若干措施\n第三条 外地企业参与本县政府投资项目投标的，须在本 县设立分公司或者子公司，"
                     "否则不得参与投标。\n", encoding="utf-8")
    rows = _check_jsonl(draft)
    line = draft.read_text(encoding="utf-8").split("\n")[1]
    got = {r["rule"]: r for r in rows}
    assert "FC-14-1-a" in got and all(r["line"] == 2 and r["path"] == "第三条" for r in rows)
    for r in rows:   # every matched word's column is the column of the same word in the file
        for m in r["matched"]:
            assert m["line"] == 2 and line[m["column"] - 1:].replace(" ", "").startswith(m["text"]), m
    assert any(line[m["column"] - 1:m["column"] + 3] == "本 县设" for r in rows for m in r["matched"])


def test_full_width_digits_and_letters_read_as_ascii():
    from engine.check import check_text

    assert any(f.rule == "FC-15-6-b" for f in check_text("中标结果公示期为１天。", "x.txt", precedents=False))
    from engine.ingest.unwrap import despace
    assert despace("ＩＳＯ９００１认证，占比５０％，")[0] == "ISO9001认证，占比50%，"
