"""SARIF 2.1.0, so code-review and CI tools can show findings (one run, one rule per rule id)."""
from __future__ import annotations

from pathlib import Path

from engine.finding import Finding

LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def to_sarif(findings: list[Finding], failures: list[tuple[str, str]],
             skipped: list[tuple[str, str]] | None = None) -> dict:
    rules, index = [], {}
    for f in findings:
        if f.rule not in index:
            index[f.rule] = len(rules)
            rules.append({
                "id": f.rule,
                "name": f.rule.replace("-", "_"),
                "shortDescription": {"text": f.title},
                "fullDescription": {"text": f.message},
                "help": {"text": f"依据：{f.basis}\n建议：{f.suggestion}"},
                "properties": {"family": f.family, "basis": f.basis},
            })
    results = []
    for f in findings:
        uri = f.file if f.file in ("-", "<stdin>") else Path(f.file).as_posix()
        start, end = f.span
        # region: the matched words, the same span as line:column–endLine:endColumn; contextRegion: the clause
        region = {"startLine": max(f.line, 1), "startColumn": max(f.column, 1),
                  "endLine": max(f.end_line, f.line, 1), "endColumn": max(f.end_column, 1)}
        context = {"snippet": {"text": f.text}}
        if f.record is None:   # a record's words are placed in the record, not in the file's text
            region.update(charOffset=start, charLength=max(end - start, 0),
                          snippet={"text": f.text[start - f.start:end - f.start]})
            context.update(charOffset=f.start, charLength=max(f.end - f.start, 0))
        results.append({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVEL[f.severity],
            "message": {"text": f"{f.message}（{f.basis}）"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region,
                                                 "contextRegion": context},
                           "logicalLocations": [{"name": f.path}] if f.path else []}],
            "properties": {"explanation": f.explanation, "suggestion": f.suggestion,
                           "matched": [m.text for m in f.matched]},
        })
    notifications = [{"level": "error", "message": {"text": reason},
                      "locations": [{"physicalLocation": {"artifactLocation": {"uri": path}}}]}
                     for path, reason in failures]
    notifications += [{"level": "note", "message": {"text": f"未检查：{reason}"},
                       "locations": [{"physicalLocation": {"artifactLocation": {"uri": Path(path).as_posix()}}}]}
                      for path, reason in skipped or []]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "policylint",
                                "version": _version(), "rules": rules}},
            "results": results,
            "invocations": [{"executionSuccessful": not failures,
                             "toolExecutionNotifications": notifications}],
        }],
    }


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("policylint")
    except PackageNotFoundError:
        return "0.0.0"
