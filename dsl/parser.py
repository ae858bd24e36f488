"""Parse rule files into the typed AST, with errors a reviewer can act on (file:line:col, caret, expectation)."""
from __future__ import annotations

import functools
import json
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast

GRAMMAR = Path(__file__).with_name("grammar.lark")

# What a Lark terminal means, in a rule author's words.
TOKEN_WORDS = {
    "NAME": "名称（词组名）", "FIELD": "字段名", "STRING": "带引号的字符串", "REGEX": "/正则表达式/",
    "INT": "整数", "SIGNED_NUMBER": "数字", "RULE_ID": "规则编号（如 FC-14-1）", "SEVERITY": "error/warning/info",
    "SCOPE": "sentence/clause/article/document", "CMP": "比较符（== != < <= > >=）",
    "LOCATOR_KIND": "art/para/item/part", "LBRACE": "“{”", "RBRACE": "“}”", "LPAR": "“(”", "RPAR": "“)”",
    "LSQB": "“[”", "RSQB": "“]”", "COMMA": "“,”", "EQUAL": "“=”", "VBAR": "“|”", "$END": "文件结尾",
}


class RuleSyntaxError(Exception):
    """A rule file that cannot be read. str() is the full Chinese message with file:line:col and a caret."""

    def __init__(self, file: str, line: int, column: int, what: str, source_line: str = ""):
        self.file, self.line, self.column, self.what = file, line, column, what
        caret = ""
        if source_line:
            # a CJK character is two columns wide on a terminal
            pad = "".join("　" if ord(ch) > 0x2E80 else ("\t" if ch == "\t" else " ")
                          for ch in source_line[: max(column - 1, 0)])
            caret = f"\n    {source_line}\n    {pad}^"
        super().__init__(f"{file}:{line}:{column}: 规则文件错误：{what}{caret}")


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(GRAMMAR.read_text(encoding="utf-8"), parser="lalr", propagate_positions=True,
                maybe_placeholders=False)


def _words(expected) -> str:
    names = sorted({_keyword_name(e) for e in expected if not e.startswith("__")})
    return "、".join(names[:12]) + (" 等" if len(names) > 12 else "")


def _keyword_name(tok: str) -> str:
    # Lark names anonymous keyword terminals like "WHEN", "MESSAGE"; show them as the keyword itself.
    return TOKEN_WORDS.get(tok) or f"“{tok.lower()}”"


def _unquote(tok: Token | str) -> str:
    return json.loads(str(tok)) if str(tok).startswith('"') else str(tok)


class _ToAst(Transformer):
    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def _pos(self, meta_or_tok) -> ast.Pos:
        line = getattr(meta_or_tok, "line", 0)
        col = getattr(meta_or_tok, "column", 0)
        return ast.Pos(file=self.path, line=line or 0, column=col or 0)

    # strings and values
    def string(self, toks):
        return _StrVal("".join(_unquote(t) for t in toks), toks[0])

    def number(self, toks):
        s = str(toks[0])
        return float(s) if "." in s else int(s)

    def true(self, _):
        return True

    def false(self, _):
        return False

    # term groups
    def literal_term(self, ch):
        s = ch[0]
        return ast.Literal_(text=str(s), pos=self._pos(s.tok))

    def regex_term(self, ch):
        return ast.Regex(pattern=str(ch[0])[1:-1], pos=self._pos(ch[0]))

    def group_ref(self, ch):
        return ast.GroupRef(name=str(ch[0]), pos=self._pos(ch[0]))

    @v_args(meta=True)
    def alt_operand(self, meta, ch):
        return ast.Alt(terms=list(ch), pos=self._pos(meta))

    group_operand = group_ref
    regex_operand = regex_term
    literal_operand = literal_term

    @v_args(meta=True)
    def terms_def(self, meta, ch):
        return ast.TermsDef(name=str(ch[0]), terms=list(ch[1:]), pos=self._pos(meta))

    # conditions
    def present(self, ch):
        return ast.Present(operand=ch[0])

    def before(self, ch):
        return ast.Order(first=ch[0], second=ch[1], within=ch[2] if len(ch) > 2 else None)

    def after(self, ch):
        return ast.Order(first=ch[1], second=ch[0], within=ch[2] if len(ch) > 2 else None)

    def within(self, ch):
        return int(ch[0])

    def near(self, ch):
        return ast.Near(first=ch[0], distance=int(ch[1]), second=ch[2])

    def field_ref(self, ch):
        return ch[0]

    def compare(self, ch):
        f, op, v = ch
        return ast.Compare(field=str(f), op=str(op), value=_plain(v), pos=self._pos(f))

    def member(self, ch):
        return ast.Member(field=str(ch[0]), values=[_plain(v) for v in ch[1:]], pos=self._pos(ch[0]))

    def has_any(self, ch):
        return ast.HasValues(field=str(ch[0]), mode="any", values=[str(_plain(v)) for v in ch[1:]], pos=self._pos(ch[0]))

    def has_all(self, ch):
        return ast.HasValues(field=str(ch[0]), mode="all", values=[str(_plain(v)) for v in ch[1:]], pos=self._pos(ch[0]))

    def contains(self, ch):
        return ast.Contains(field=str(ch[0]), operand=ch[1], pos=self._pos(ch[0]))

    def exists(self, ch):
        return ast.Exists(field=str(ch[0]), pos=self._pos(ch[0]))

    def not_(self, ch):
        return ast.Not(arg=ch[0])

    def and_expr(self, ch):
        return ast.And(args=list(ch))

    def or_expr(self, ch):
        return ast.Or(args=list(ch))

    # rule fields: tagged tuples gathered by rule_def
    def locator(self, ch):
        return ast.Locator(kind=str(ch[0]), number=int(ch[1]))

    @v_args(meta=True)
    def basis(self, meta, ch):
        return ("basis", ast.Basis(instrument=str(ch[0]), locators=list(ch[1:]), pos=self._pos(meta)))

    def family(self, ch):
        return ("family", str(ch[0]))

    def severity(self, ch):
        return ("severity", str(ch[0]))

    def scope(self, ch):
        return ("scope", str(ch[0]))

    def on(self, ch):
        return ("on", str(ch[0]))

    def when(self, ch):
        return ("when", ch[0])

    def unless(self, ch):
        return ("unless", ch[0])

    def message(self, ch):
        return ("message", str(ch[0]))

    def suggest(self, ch):
        return ("suggest", str(ch[0]))

    def confirm(self, ch):
        return ("confirm", str(ch[0]))

    def violates(self, ch):
        return ("example", ast.Example(text=str(ch[0]), violating=True, pos=self._pos(ch[0].tok)))

    def passes(self, ch):
        return ("example", ast.Example(text=str(ch[0]), violating=False, pos=self._pos(ch[0].tok)))

    def set_field(self, ch):
        return ("set", (str(ch[0]), _plain(ch[1])))

    def tags(self, ch):
        return ("tags", [str(c) for c in ch])

    @v_args(meta=True)
    def rule_def(self, meta, ch):
        rid, title, fields = str(ch[0]), str(ch[1]), ch[2:]
        data: dict = {"id": rid, "title": title, "pos": self._pos(meta), "basis": [], "examples": [],
                      "sets": {}, "tags": []}
        pos = self._pos(meta)
        for key, val in fields:
            if key == "basis":
                data["basis"].append(val)
            elif key == "example":
                data["examples"].append(val)
            elif key == "set":
                data["sets"][val[0]] = val[1]
            elif key == "tags":
                data["tags"].extend(val)
            elif key in data and key not in ("id", "title", "pos"):
                raise RuleSyntaxError(pos.file, pos.line, pos.column, f"规则 {rid} 的“{key}”写了两次")
            else:
                data[key] = val
        return ast.RuleDef(**data)

    def start(self, ch):
        return ch


class _StrVal(str):
    """A string value that remembers its token (for example line numbers)."""

    def __new__(cls, s, tok):
        obj = super().__new__(cls, s)
        obj.tok = tok
        return obj


def _plain(v):
    return str(v) if isinstance(v, _StrVal) else v


def parse_text(text: str, path: str = "<rules>") -> ast.RuleFile:
    lines = text.splitlines()

    def src(line: int) -> str:
        return lines[line - 1] if 0 < line <= len(lines) else ""

    try:
        tree = _lark().parse(text)
    except UnexpectedCharacters as e:
        raise RuleSyntaxError(path, e.line, e.column, f"无法识别的字符“{text[e.pos_in_stream]}”，此处应为："
                              f"{_words(e.allowed or [])}", src(e.line)) from None
    except UnexpectedToken as e:
        got = "文件结尾" if e.token.type == "$END" else f"“{e.token}”"
        line = e.line if e.line and e.line > 0 else len(lines)
        col = e.column if e.column and e.column > 0 else len(src(line)) + 1
        raise RuleSyntaxError(path, line, col, f"此处不应出现{got}，应为：{_words(e.expected)}",
                              src(line)) from None
    except UnexpectedEOF as e:
        raise RuleSyntaxError(path, len(lines), len(src(len(lines))) + 1,
                              f"文件意外结束，应为：{_words(e.expected)}", src(len(lines))) from None
    except UnexpectedInput as e:  # pragma: no cover - other lark input errors
        raise RuleSyntaxError(path, getattr(e, "line", 0), getattr(e, "column", 0), str(e)) from None
    try:
        items = _ToAst(path).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, RuleSyntaxError):
            err = e.orig_exc
            raise RuleSyntaxError(err.file, err.line, err.column, err.what, src(err.line)) from None
        raise
    out = ast.RuleFile(path=path)
    for item in items:
        (out.terms if isinstance(item, ast.TermsDef) else out.rules).append(item)
    return out


def parse_file(path: Path | str) -> ast.RuleFile:
    p = Path(path)
    return parse_text(p.read_text(encoding="utf-8"), str(p))
