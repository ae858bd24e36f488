"""Project configuration: `[tool.policylint]` in pyproject.toml, or a `policylint.toml`, found upward from the
working directory (the nearest directory holding either wins; in one directory policylint.toml is read first).

    # policylint.toml (top-level keys), or the same keys under [tool.policylint] in pyproject.toml
    select = ["FC", "NL-3"]          # only these rule ids, or id prefixes ("FC" covers FC-9-2), or families
    ignore = ["FC-19-4-b"]           # leave these out (applied after select)
    fail-on = "error"                # error | warning | info
    min-severity = "warning"         # error | warning | info
    suppressions = "policylint-suppress.yaml"   # relative to the configuration file
    format = "text"                  # text | json | jsonl | sarif

Command-line flags override the file. Every mistake is one Chinese line naming file:line and what is wrong.
"""
from __future__ import annotations

import re
from pathlib import Path

from dsl.record import field, record

from .errors import UserError

SEVERITIES = ("error", "warning", "info")
FORMATS = ("text", "json", "jsonl", "sarif")
KEYS = {"select": "要检查的规则", "ignore": "不检查的规则", "fail-on": "退出码 1 的严重程度",
        "min-severity": "输出的最低严重程度", "suppressions": "忽略文件", "format": "输出格式"}


@record
class Config:
    path: str = ""                   # the file it came from ("" when none was found)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    fail_on: str | None = None
    min_severity: str | None = None
    suppressions: str | None = None  # absolute, resolved against the configuration file's directory
    format: str | None = None
    lines: dict = field(default_factory=dict)   # key -> line in the file, for later messages (an unknown rule id)

    def where(self, key: str) -> str:
        return f"{self.path}:{self.lines[key]}" if key in self.lines else self.path


def find(start: str | Path | None = None) -> Path | None:
    """The nearest policylint.toml, or pyproject.toml with a [tool.policylint] table, from `start` upward."""
    here = Path(start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        own = d / "policylint.toml"
        if own.is_file():
            return own
        py = d / "pyproject.toml"
        if py.is_file():
            try:
                text = py.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if re.search(r"^\s*\[\s*tool\s*\.\s*policylint\s*\]", text, re.M):
                return py
    return None


def load(path: str | Path | None = None, *, start: str | Path | None = None) -> Config:
    """The configuration at `path`, or the one found upward from `start` (cwd); an empty Config when there is none."""
    p = Path(path) if path else find(start)
    if p is None:
        return Config()
    import tomllib   # only when there is a file: `check` on one draft starts fast
    shown = str(p)
    try:
        text = p.read_bytes().decode("utf-8")
    except OSError as e:
        raise UserError(f"{shown}：无法读取配置文件（{e.strerror}）") from None
    except UnicodeDecodeError:
        raise UserError(f"{shown}：配置文件不是 UTF-8 编码，请另存为 UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(_toml_error(shown, e, text)) from None
    if p.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("policylint") if isinstance(tool, dict) else None
        if table is None:
            if path:
                raise UserError(f"{shown}：没有 [tool.policylint] 配置节")
            return Config()
        section = "tool.policylint"
    else:
        table, section = data, ""
    if not isinstance(table, dict):
        raise UserError(f"{shown}:{_line_of(text, 'policylint', '')}：[tool.policylint] 应为一个配置节")
    cfg = Config(path=shown)
    for raw, value in table.items():
        key = raw.replace("_", "-")
        line = _line_of(text, raw, section)
        cfg.lines[key] = line
        at = f"{shown}:{line}"
        if key not in KEYS:
            known = "、".join(KEYS)
            raise UserError(f"{at}：未知的配置项“{raw}”（可用：{known}）")
        if key in ("select", "ignore"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise UserError(f"{at}：{raw} 应为规则编号或前缀的列表，如 [\"FC-9\", \"NL\"]")
            setattr(cfg, key, [v.strip() for v in value])
        elif key in ("fail-on", "min-severity"):
            if value not in SEVERITIES:
                raise UserError(f"{at}：{raw} 应为 error、warning 或 info 之一，而不是 {_show(value)}")
            setattr(cfg, key.replace("-", "_"), value)
        elif key == "format":
            if value not in FORMATS:
                raise UserError(f"{at}：format 应为 text、json、jsonl 或 sarif 之一，而不是 {_show(value)}")
            cfg.format = value
        elif key == "suppressions":
            if not isinstance(value, str) or not value.strip():
                raise UserError(f"{at}：suppressions 应为忽略文件的路径（字符串）")
            target = (p.parent / value).resolve()
            if not target.is_file():
                raise UserError(f"{at}：找不到忽略文件 {value}（相对于 {p.parent}）")
            cfg.suppressions = str(target)
    return cfg


def rule_selector(cfg_select: list[str], cfg_ignore: list[str]):
    """A predicate over (rule id, family): select (empty = every rule), then ignore."""
    def hit(patterns, rule, family):
        return any(matches(p, rule, family) for p in patterns)

    def keep(rule: str, family: str = "") -> bool:
        return (not cfg_select or hit(cfg_select, rule, family)) and not hit(cfg_ignore, rule, family)
    return keep


def matches(pattern: str, rule: str, family: str = "") -> bool:
    """`FC-9` covers FC-9 and FC-9-2 but not FC-90; `FC-` and `FC` cover every FC rule; a family name its rules."""
    p = pattern.upper()
    r = rule.upper()
    return (r == p or r.startswith(p if p.endswith("-") else p + "-")
            or (family != "" and pattern == family))


def unknown_patterns(patterns: list[str], rules: list[tuple[str, str]]) -> list[str]:
    """The patterns that cover no rule at all (a typo would otherwise select nothing, or ignore nothing, silently)."""
    return [p for p in patterns if not any(matches(p, r, fam) for r, fam in rules)]


def _show(value) -> str:
    return f"“{value}”" if isinstance(value, str) else repr(value)


def _line_of(text: str, key: str, section: str) -> int:
    """The line where `key = …` is written (inside `section` when given); 1 when it cannot be told."""
    lines = text.splitlines()
    start = 0
    if section:
        pat = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, section.split("."))) + r"\s*\]")
        start = next((i for i, l in enumerate(lines) if pat.match(l)), 0)
    key_pat = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for i in range(start, len(lines)):
        if i > start and section and lines[i].lstrip().startswith("[") and not lines[i].lstrip().startswith("[["):
            break
        if key_pat.match(lines[i]):
            return i + 1
    return start + 1


_TOML_WORDS = (("Expected '=' after a key in a key/value pair", "键后面缺少“=”"),
               ("Invalid value", "值无效（字符串要加引号，列表写成 [\"a\", \"b\"]）"),
               ("Cannot declare", "重复声明了同一个配置节或键"), ("Cannot overwrite a value", "重复设置了同一个键"),
               ("Unclosed array", "列表缺少“]”"), ("Unterminated string", "字符串缺少结束引号"),
               ("Invalid statement", "无法识别的语句"), ("Expected newline or end of document", "这一行多出了内容"),
               ("Illegal character", "含有非法字符"), ("Invalid initial character for a key part", "键名无效"))


def _toml_error(shown: str, e, text: str) -> str:
    msg = str(e)
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    where = f"{shown}:{m.group(1)}:{m.group(2)}" if m else f"{shown}:{max(len(text.splitlines()), 1)}（文件末尾）"
    what = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", msg)
    cn = next((c for en, c in _TOML_WORDS if what.startswith(en)), None)
    return f"{where}：配置文件不是合法的 TOML：{cn or what}"
