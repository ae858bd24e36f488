"""The Finding: what every checker produces and every report draws.

A plain record (engine.record) rather than a pydantic model or a dataclass on purpose: `policylint check` on one
draft must start in a few times the start-up of bare Python, and importing pydantic (or even dataclasses) costs
a large part of that budget. `finding_schema()` gives the JSON schema through pydantic when a tool needs it.
"""
from __future__ import annotations

from dsl.record import field, record

SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
SEVERITY_CN = {"error": "错误", "warning": "警告", "info": "提示"}


@record
class Match:
    """One matched term: which group, the words, and where."""
    group: str
    text: str
    start: int
    end: int
    line: int = 0
    column: int = 0


@record
class Finding:
    file: str
    rule: str
    title: str
    family: str
    severity: str
    basis: str                      # citations as the law writes them, joined by "；"
    message: str
    suggestion: str
    line: int = 0                   # 1-based line of the first matched word (docx: paragraph number)
    column: int = 0                 # 1-based column, in characters
    end_line: int = 0
    end_column: int = 0
    start: int = 0                  # character offsets of the unit (sentence/clause/...) in the document text: the
    end: int = 0                    # span of `text`; to_dict() writes them as text_start/text_end (see span)
    path: str = ""                  # 第三条第二款第（二）项
    scope: str = "sentence"
    text: str = ""                  # the unit's text: the clause a reviewer reads
    matched: list[Match] = field(default_factory=list)
    explanation: str = ""           # which condition held, which exception (unless) was checked and why it failed
    confirm: str = ""               # what a reviewer must confirm that the text does not state
    bases: list[dict] = field(default_factory=list)   # [{"citation", "text", "instrument", "edition"}]
    exception: dict | None = None   # 条例第十二条 exception claimed: {"claimed": True, "present": [...], "missing": [...]}
    record: str | None = None       # structured facts: the filing item / request / case this finding is about
    sets: dict = field(default_factory=dict)          # values a rule `set`s (case classification)
    notes: list[str] = field(default_factory=list)    # e.g. "负面清单数据不完整"
    precedent: dict | None = None   # the nearest published case (engine/precedents.py): id, text, source, similarity

    def to_dict(self) -> dict:
        # by hand: dataclasses.asdict deep-copies every value and dominated `check --format jsonl` on big batches
        d = {name: getattr(self, name) for name in FIELDS}
        # start/end describe the same span as line:column–end_line:end_column (the matched words); the unit's span,
        # where `text` sits in the document, is kept as text_start/text_end
        d["start"], d["end"] = self.span
        d["text_start"], d["text_end"] = self.start, self.end
        d["matched"] = [{"group": m.group, "text": m.text, "start": m.start, "end": m.end, "line": m.line,
                         "column": m.column} for m in self.matched]
        return d

    @property
    def span(self) -> tuple[int, int]:
        """Character offsets of what line/column point at: from the first matched word to the end of the last
        (the whole unit when nothing was matched, and for structured records, whose matches are in the record)."""
        if not self.matched or self.record is not None:
            return self.start, self.end
        return self.matched[0].start, max(m.end for m in self.matched)

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]


FIELDS = Finding.__fields__


def finding_schema() -> dict:
    """The JSON schema of a finding as `--format json/jsonl` writes it (through pydantic, imported only here)."""
    from pydantic import create_model

    match = create_model("Match", **{n: (type(getattr(Match(group="", text="", start=0, end=0), n)), ...)
                                      for n in Match.__fields__})
    sample = Finding(file="", rule="", title="", family="", severity="info", basis="", message="", suggestion="")
    types = {n: (list[match] if n == "matched" else dict | None if n in ("exception", "precedent") else str | None if n == "record"
                 else type(getattr(sample, n)), ...) for n in FIELDS}
    return create_model("Finding", **types).model_json_schema()
