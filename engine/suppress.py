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
    line: int = 0

    def covers(self, f) -> bool:
        return (f.rule == self.rule
                and (not self.file or fnmatch.fnmatch(f.file, self.file) or fnmatch.fnmatch(f.file, f"*/{self.file}"))
                and (not self.path or f.path == self.path)
                and (not self.text or self.text in f.text))


def load(path: str) -> list[Suppression]:
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or []
    except OSError as e:
        raise UserError(f"{path}：无法读取忽略文件（{e.strerror}）") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise UserError(f"{path}{where}：忽略文件格式有误（应为 YAML 列表）") from None
    if not isinstance(data, list):
        raise UserError(f"{path}：忽略文件应为一个列表，每项写明 rule 和 reason")
    out = []
    for n, item in enumerate(data, 1):
        if not isinstance(item, dict) or not item.get("rule"):
            raise UserError(f"{path}：第 {n} 项缺少 rule（要忽略的规则编号）")
        reason = str(item.get("reason") or item.get("理由") or "").strip()
        if len(reason) < 4:
            raise UserError(f"{path}：第 {n} 项（{item['rule']}）缺少理由：每一处忽略都必须写明 reason")
        out.append(Suppression(rule=str(item["rule"]), reason=reason, file=str(item.get("file") or ""),
                               path=str(item.get("path") or ""), text=str(item.get("text") or ""), line=n))
    return out


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
