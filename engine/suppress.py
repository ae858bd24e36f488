"""Suppressions a drafter or reviewer writes down, each with its reason (理由), kept beside the draft.

    # policylint-suppress.yaml
    - rule: FC-19-3                       # required
      reason: 已经国务院批准（国函〔2025〕12号）   # required: a suppression without a reason is refused
      file: "*招商*.docx"                  # optional: glob on the file path
      path: 第五条第（一）项                # optional: the clause
      text: 地方留成                        # optional: words the clause must contain
"""
from __future__ import annotations

import fnmatch
from dsl.record import record

from .errors import UserError


@record
class Suppression:
    rule: str
    reason: str
    file: str = ""
    path: str = ""
    text: str = ""
    line: int = 0                  # line of the item in the suppressions file

    def covers(self, f) -> bool:
        return (f.rule == self.rule
                and (not self.file or fnmatch.fnmatch(f.file, self.file) or fnmatch.fnmatch(f.file, f"*/{self.file}"))
                and (not self.path or f.path == self.path)
                and (not self.text or self.text in f.text))


# reasons that say nothing: a reviewer reading the suppression learns nothing about why the finding does not apply
EMPTY_REASONS = {"无", "没有", "暂无", "略", "同上", "见上", "忽略", "不适用", "已核实", "确认", "ok", "okay", "na", "n/a",
                 "none", "todo", "tbd", "test", "xxx", "..."}
MIN_REASON = 4   # characters: "已经国务院批准" is a reason, "批准" is not


def reason_problem(reason: str) -> str | None:
    """None when `reason` can be a reason; otherwise what is wrong with it (缺少理由 / 理由过于简单)."""
    r = reason.strip()
    if not r:
        return "缺少理由"
    plain = r.strip("。.，,；;！!？?～~-—_ ")
    if (len(plain) < MIN_REASON or plain.lower() in EMPTY_REASONS or len(set(plain)) <= 1
            or plain.isdigit()):
        return "理由过于简单"
    return None


def _item_lines(text: str) -> list[int]:
    """The 1-based line where each item of the top-level YAML list starts."""
    import yaml

    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def load(path: str) -> list[Suppression]:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        data = yaml.safe_load(text) or []
    except OSError as e:
        raise UserError(f"{path}：无法读取忽略文件（{e.strerror}）") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}：忽略文件不是 UTF-8 编码，请另存为 UTF-8") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise UserError(f"{path}{where}：忽略文件格式有误（应为 YAML 列表）") from None
    if not isinstance(data, list):
        raise UserError(f"{path}：忽略文件应为一个列表，每项写明 rule 和 reason")
    lines = _item_lines(text)
    out = []
    for n, item in enumerate(data, 1):
        line = lines[n - 1] if n <= len(lines) else n
        at = f"{path}:{line}"
        if not isinstance(item, dict) or not item.get("rule"):
            raise UserError(f"{at}：第 {n} 项缺少 rule（要忽略的规则编号）")
        reason = str(item.get("reason") or item.get("理由") or "").strip()
        problem = reason_problem(reason)
        if problem == "缺少理由":
            raise UserError(f"{at}：第 {n} 项（{item['rule']}）缺少理由：每一处忽略都必须写明 reason")
        if problem:
            raise UserError(f"{at}：第 {n} 项（{item['rule']}）理由过于简单（“{reason}”）：请写明为什么该问题不成立，"
                            f"如“已经国务院批准（国函〔2025〕12号）”")
        out.append(Suppression(rule=str(item["rule"]).strip(), reason=reason, file=str(item.get("file") or ""),
                               path=str(item.get("path") or ""), text=str(item.get("text") or ""), line=line))
    return out


def unknown_rules(suppressions: list[Suppression], known: set[str]) -> list[Suppression]:
    """Suppressions naming a rule id that no rule has (a typo: it would suppress nothing, and no one would know)."""
    return [s for s in suppressions if s.rule not in known]


def unused(suppressions: list[Suppression], dropped: list[tuple[object, Suppression]]) -> list[Suppression]:
    """Suppressions that covered no finding in this run (stale after the draft changed, or mistyped)."""
    used = {id(s) for _, s in dropped}
    return [s for s in suppressions if id(s) not in used]


def apply(findings: list, suppressions: list[Suppression]) -> tuple[list, list[tuple[object, Suppression]]]:
    """(kept findings, [(suppressed finding, the suppression that covers it)])."""
    kept, dropped = [], []
    for f in findings:
        s = next((s for s in suppressions if s.covers(f)), None)
        if s is None:
            kept.append(f)
        else:
            dropped.append((f, s))
    return kept, dropped
