"""Findings to the terminal and to machines: text (like a compiler's diagnostics), json, jsonl, sarif."""
from __future__ import annotations

import itertools
import json
import sys

from engine.finding import SEVERITY_CN, Finding

FORMATS = ("text", "json", "jsonl", "sarif")
COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m", "info": "\033[1;36m"}
BOLD, MARK, RESET = "\033[1m", "\033[1;4;31m", "\033[0m"


def render(findings: list[Finding], fmt: str, stream=None, *, colour: bool | None = None,
           failures: list[tuple[str, str]] | None = None, notes: list[str] | None = None,
           skipped: list[tuple[str, str]] | None = None, checked: int | None = None) -> None:
    """Write findings in one format. `failures` are (file, reason) pairs of inputs that could not be checked,
    `skipped` the files a folder held that were not checked and why, `checked` how many inputs were read."""
    stream = stream or sys.stdout
    if fmt == "jsonl":
        for f in findings:
            stream.write(json.dumps(f.to_dict(), ensure_ascii=False) + "\n")
    elif fmt == "json":
        json.dump({"findings": [f.to_dict() for f in findings],
                   "failures": [{"file": p, "error": e} for p, e in failures or []],
                   "skipped": [{"file": p, "reason": r} for p, r in skipped or []],
                   "notes": [f"{file}：{n}" for file, n in file_notes(findings)] + list(notes or [])},
                  stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    elif fmt == "sarif":
        from .sarif import to_sarif
        json.dump(to_sarif(findings, failures or [], skipped or []), stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    else:
        if colour is None:
            colour = hasattr(stream, "isatty") and stream.isatty()
        write_text(findings, stream, colour, notes or [], failures=failures or [], checked=checked)


def _mark(text: str, offset: int, matches, colour: bool) -> str:
    """The clause (starting at `offset` in the document) with the matched words marked: 【…】 without colour,
    underlined red with it. Overlapping matches keep the first."""
    out, pos = [], 0
    for m in sorted(matches, key=lambda m: (m.start, -m.end)):
        s, e = m.start - offset, m.end - offset
        if s < pos or s < 0 or e > len(text):
            continue
        out.append(text[pos:s])
        out.append(f"{MARK}{text[s:e]}{RESET}" if colour else f"【{text[s:e]}】")
        pos = e
    out.append(text[pos:])
    return "".join(out)


def file_notes(findings: list[Finding]) -> list[tuple[str, str]]:
    """Notes attached to findings (e.g. which negative-list edition was used), once per file."""
    seen, out = set(), []
    for f in findings:
        for n in f.notes:
            if (f.file, n) not in seen:
                seen.add((f.file, n))
                out.append((f.file, n))
    return out


def write_text(findings: list[Finding], stream, colour: bool, notes: list[str], *,
               failures: list[tuple[str, str]] = (), checked: int | None = None) -> None:
    """Like a compiler: one header line per finding; the clause is printed once for all findings on it."""
    c = (lambda code, s: f"{code}{s}{RESET}") if colour else (lambda code, s: s)
    notes = [f"{file}：{n}" for file, n in file_notes(findings)] + list(notes)
    same_clause = (lambda f: (f.file, f.start, f.end, f.record))
    for _, grouped in itertools.groupby(findings, key=same_clause):
        group = list(grouped)
        for f in group:
            sev = c(COLOURS.get(f.severity, ""), f"{SEVERITY_CN[f.severity]}[{f.severity}]")
            where = f"{f.file}:{f.line}:{f.column}"
            stream.write(f"{c(BOLD, where)}: {sev} {c(BOLD, f.rule)} {f.message}\n")
        head = group[0]
        clause = head.text if len(head.text) <= 240 else head.text[:240] + "……"
        matches = {(m.start, m.end): m for f in group for m in f.matched}.values()   # every word any finding matched
        if matches and min(m.start for m in matches) >= head.start:
            clause = _mark(clause, head.start, matches, colour)
        loc = f"（{head.path}）" if head.path else ""
        stream.write(f"    条文{loc}：{clause}\n")
        for f in group:
            lead = f"  [{f.rule}] " if len(group) > 1 else "    "
            stream.write(f"{lead}依据：{f.basis}\n")
            pad = "    " if len(group) == 1 else "      "
            if f.exception:
                ex = f.exception
                stream.write(f"{pad}例外：已声明适用例外；具备：{'、'.join(ex.get('present', [])) or '无'}；"
                             f"缺少：{'、'.join(ex.get('missing', [])) or '无'}\n")
            if f.confirm:
                stream.write(f"{pad}需核实：{f.confirm}\n")
            stream.write(f"{pad}建议：{f.suggestion}\n")
            stream.write(f"{pad}说明：{f.explanation}\n")
        stream.write("\n")
    for n in notes:
        stream.write(f"注意：{n}\n")
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    files = len({f.file for f in findings})
    failed = f"另有 {len(failures)} 个文件无法检查（原因见错误信息）" if failures else ""
    if findings:
        stream.write(f"共 {len(findings)} 条问题（错误 {counts['error']}，警告 {counts['warning']}，"
                     f"提示 {counts['info']}），涉及 {files} 个文件。"
                     + (f"{failed}。" if failed else "") + "\n")
    elif failures and not checked:
        stream.write(f"未能检查：{len(failures)} 个文件无法读取（原因见错误信息），没有得出任何检查结果。\n")
    elif failures:
        stream.write(f"已检查的 {checked} 个文件未发现问题；{failed}。\n")
    else:
        stream.write("未发现问题。\n")
