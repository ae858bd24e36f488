"""Parse rule files into the typed AST, with errors a reviewer can act on (file:line:col, caret, expectation)."""
from __future__ import annotations

import functools
import re
from pathlib import Path

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import ast
from .errors import RuleLoadError

GRAMMAR = Path(__file__).with_name("grammar.lark")

# What a Lark terminal means, in a rule author's words.
TOKEN_WORDS = {
    "NAME": "名称（词组名）", "FIELD": "字段名", "STRING": "带引号的字符串", "DOC_FIELD": "文件事实（如 doc.kind）", "REGEX": "/正则表达式/",
    "INT": "整数", "SIGNED_NUMBER": "数字", "RULE_ID": "规则编号（如 FC-14-1）", "SEVERITY": "error/warning/info",
    "SCOPE": "sentence/clause/article/document", "CMP": "比较符（== != < <= > >=）",
    "LOCATOR_KIND": "art/para/item/part", "LBRACE": "“{”", "RBRACE": "“}”", "LPAR": "“(”", "RPAR": "“)”",
    "LSQB": "“[”", "RSQB": "“]”", "COMMA": "“,”", "EQUAL": "“=”", "VBAR": "“|”", "$END": "文件结尾",
}


# Limits that keep every later stage (the tree transformer, pydantic, the compiler) far from Python's recursion
# limit and durable's integer range. Real rule packs nest parentheses three deep and cite articles below 100.
MAX_NESTING = 32           # parentheses and brackets inside one another
MAX_TREE_DEPTH = 128       # conditions inside one another (not not not …, nested and/or)
MAX_LOCATOR = 9999         # art/para/item/part numbers
MAX_DISTANCE = 100_000     # near(N), within N: characters
MAX_NUMBER = 10 ** 15      # numbers compared with record fields
CARET_WINDOW = 60          # characters of a long source line shown either side of the caret

# The escapes a rule string may use (those of JSON): anything else is a mistake the author should see.
ESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
ESCAPE_WORDS = "\\\"、\\\\、\\/、\\n、\\t、\\r、\\b、\\f、\\uXXXX（四位十六进制）"


def caret_block(source_line: str, column: int) -> str:
    """The source line and a caret under `column` (1-based); a long line is cut to a window around it."""
    if not source_line:
        return ""
    start = max(column - 1 - CARET_WINDOW, 0)
    shown = source_line[start:column - 1 + CARET_WINDOW]
    before = source_line[start:max(column - 1, 0)]
    lead = "…" if start else ""
    tail = "…" if column - 1 + CARET_WINDOW < len(source_line) else ""
    # a CJK character is two columns wide on a terminal
    pad = "".join("　" if ord(ch) > 0x2E80 else ("\t" if ch == "\t" else " ") for ch in lead + before)
    return f"\n    {lead}{shown}{tail}\n    {pad}^"


class RuleSyntaxError(RuleLoadError):
    """A rule file that cannot be read. str() is the full Chinese message with file:line:col and a caret."""

    def __init__(self, file: str, line: int, column: int, what: str, source_line: str = ""):
        self.file, self.line, self.column, self.what = file, line, column, what
        super().__init__(f"{file}:{line}:{column}: 规则文件错误：{what}{caret_block(source_line, column)}")


def caret_at(file: str, line: int, column: int) -> str:
    """caret_block for a place in a file on disk ("" when the file or line cannot be read)."""
    try:
        lines = Path(file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return ""
    return caret_block(lines[line - 1], column) if 0 < line <= len(lines) else ""


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


def decode_string(tok: Token, path: str) -> str:
    """The text of a STRING token, its escapes decoded as the grammar documents them; a bad escape is a
    RuleSyntaxError at the backslash."""
    raw = str(tok)
    body = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw
    if "\\" not in body:
        return body
    line, col0 = getattr(tok, "line", 0) or 0, (getattr(tok, "column", 0) or 0) + 1

    def fail(i: int, what: str):
        raise RuleSyntaxError(path, line, col0 + i, what)

    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if nxt in ESCAPES and nxt:
            out.append(ESCAPES[nxt])
            i += 2
            continue
        if nxt != "u":
            shown = f"\\{nxt}" if nxt else "\\"
            fail(i, f"字符串中的“{shown}”不是有效的转义，此处应为：{ESCAPE_WORDS}；反斜杠本身请写作 \\\\")
        code = body[i + 2:i + 6]
        if not re.fullmatch(r"[0-9a-fA-F]{4}", code):
            fail(i, f"“\\u”之后应为四位十六进制数字（如 \\u4e00），实际为“{code}”")
        cp = int(code, 16)
        i += 6
        if 0xD800 <= cp <= 0xDBFF:   # a surrogate pair written as two escapes, as JSON does
            low = body[i + 2:i + 6] if body[i:i + 2] == "\\u" else ""
            if not re.fullmatch(r"[dD][c-fC-F][0-9a-fA-F]{2}", low):
                fail(i - 6, f"“\\u{code}”是代理项的前半，后面应紧跟后半（\\udc00 至 \\udfff）")
            cp = 0x10000 + ((cp - 0xD800) << 10) + (int(low, 16) - 0xDC00)
            i += 6
        elif 0xDC00 <= cp <= 0xDFFF:
            fail(i - 6, f"“\\u{code}”是单独的代理项后半，不是一个字符")
        out.append(chr(cp))
    return "".join(out)


def _int_tok(tok: Token, path: str, limit: int, what: str) -> int:
    s = str(tok)
    if len(s) > len(str(limit)) or int(s) > limit:
        raise RuleSyntaxError(path, getattr(tok, "line", 0) or 0, getattr(tok, "column", 0) or 0,
                              f"{what}“{s[:20]}{'…' if len(s) > 20 else ''}”过大（不能超过 {limit}）")
    return int(s)


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
        return _StrVal("".join(decode_string(t, self.path) for t in toks), toks[0])

    def number(self, toks):
        tok = toks[0]
        s = str(tok)
        whole = s.lstrip("-").split(".")[0]
        if len(whole) > len(str(MAX_NUMBER)) or int(whole) > MAX_NUMBER or len(s) > 40:
            raise RuleSyntaxError(self.path, tok.line or 0, tok.column or 0,
                                  f"数字“{s[:20]}{'…' if len(s) > 20 else ''}”超出范围（绝对值不能超过 {MAX_NUMBER}）")
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
        tok = ch[0]
        pattern = str(tok)[1:-1]
        _check_regex_parses(pattern, tok, self.path)
        return ast.Regex(pattern=pattern, pos=self._pos(tok))

    def table_term(self, ch):
        return ast.Table(file=str(ch[0]), column=str(ch[1]), skip=str(ch[2]) if len(ch) > 2 else None,
                         pos=self._pos(ch[0].tok))

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
        fact = ch[1] if len(ch) > 1 and isinstance(ch[1], _Fact) else None
        terms = ch[2:] if fact is not None else ch[1:]
        return ast.TermsDef(name=str(ch[0]), terms=list(terms), pos=self._pos(meta), fact=fact)

    def for_fact(self, ch):
        return _Fact(str(ch[0]).removeprefix("doc."))

    # conditions
    def present(self, ch):
        return ast.Present(operand=ch[0])

    def before(self, ch):
        return ast.Order(first=ch[0], second=ch[1], within=ch[2] if len(ch) > 2 else None)

    def after(self, ch):
        return ast.Order(first=ch[1], second=ch[0], within=ch[2] if len(ch) > 2 else None)

    def within(self, ch):
        return _int_tok(ch[0], self.path, MAX_DISTANCE, "距离")

    def near(self, ch):
        return ast.Near(first=ch[0], distance=_int_tok(ch[1], self.path, MAX_DISTANCE, "距离"), second=ch[2])

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
        return ast.Locator(kind=str(ch[0]), number=_int_tok(ch[1], self.path, MAX_LOCATOR, "条款编号"))

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


class _Fact(str):
    """The document fact after `for` in a terms definition (kind, economic, exception)."""


class _StrVal(str):
    """A string value that remembers its token (for example line numbers)."""

    def __new__(cls, s, tok):
        obj = super().__new__(cls, s)
        obj.tok = tok
        return obj


def _plain(v):
    return str(v) if isinstance(v, _StrVal) else v


def _check_regex_parses(pattern: str, tok: Token, path: str) -> None:
    """re.compile fails with re.error on most bad patterns, which the compiler reports; a few patterns make it
    fail otherwise (a repeat count past its range, groups nested past the recursion limit): those are refused
    here, at the regex's position, so nothing after the parser ever sees them."""
    line, col = getattr(tok, "line", 0) or 0, getattr(tok, "column", 0) or 0
    depth = deepest = 0
    escaped = in_class = False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    if deepest > MAX_NESTING:
        raise RuleSyntaxError(path, line, col, f"正则表达式的括号嵌套过深（{deepest} 层，最多 {MAX_NESTING} 层）")
    try:
        re.compile(pattern)
    except re.error:
        pass   # the compiler names what is wrong
    except (OverflowError, RecursionError, ValueError, MemoryError) as e:
        reason = "重复次数过大" if isinstance(e, OverflowError) else "过于复杂"
        raise RuleSyntaxError(path, line, col, f"正则表达式{reason}，无法编译") from None


def _nesting(text: str, path: str, lines: list[str]) -> None:
    """Refuse parentheses and brackets nested deeper than MAX_NESTING, at the first one too deep. Strings,
    regexes and comments are skipped the way the grammar's terminals read them."""
    depth, line, line_start, i, n = 0, 1, 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line, line_start = line + 1, i + 1
        elif ch in "\"/":
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j if j < n and text[j] == ch else j - 1
        elif ch == "#":
            j = text.find("\n", i)
            i = (j if j >= 0 else n) - 1
        elif ch in "([":
            depth += 1
            if depth > MAX_NESTING:
                src = lines[line - 1] if 0 < line <= len(lines) else ""
                raise RuleSyntaxError(path, line, i - line_start + 1,
                                      f"括号嵌套过深（超过 {MAX_NESTING} 层）：请拆成几个命名词组或几条规则", src)
        elif ch in ")]":
            depth = max(depth - 1, 0)
        i += 1


def _tree_depth(tree: Tree, path: str, src) -> None:
    """Refuse conditions nested deeper than MAX_TREE_DEPTH (e.g. a thousand `not`), before anything recursive
    walks the tree. Iterative, so it never hits the recursion limit itself."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            meta = node.meta if isinstance(node, Tree) else node
            line, col = getattr(meta, "line", 0) or 0, getattr(meta, "column", 0) or 0
            raise RuleSyntaxError(path, line, col, f"条件嵌套过深（超过 {MAX_TREE_DEPTH} 层）：请拆成几个命名词组或几条规则",
                                  src(line))
        if isinstance(node, Tree):
            stack.extend((c, depth + 1) for c in node.children)


def parse_text(text: str, path: str = "<rules>") -> ast.RuleFile:
    """The AST of one rule file, or a RuleSyntaxError (a RuleLoadError) with file:line:col and a caret."""
    lines = text.splitlines()

    def src(line: int) -> str:
        return lines[line - 1] if 0 < line <= len(lines) else ""

    _nesting(text, path, lines)
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
        line = getattr(e, "line", 0) or 0
        raise RuleSyntaxError(path, line, getattr(e, "column", 0) or 0, "无法解析此处", src(line)) from None
    _tree_depth(tree, path, src)
    try:
        items = _ToAst(path).transform(tree)
    except VisitError as e:
        err = e.orig_exc
        if isinstance(err, RuleSyntaxError):
            raise RuleSyntaxError(err.file, err.line, err.column, err.what, src(err.line)) from None
        meta = getattr(e.obj, "meta", e.obj)   # anything else: still a clean error at the construct's place
        line, col = getattr(meta, "line", 0) or 0, getattr(meta, "column", 0) or 0
        raise RuleSyntaxError(path, line, col, f"无法读取此处的“{e.rule}”（{type(err).__name__}）",
                              src(line)) from None
    out = ast.RuleFile(path=path)
    for item in items:
        (out.terms if isinstance(item, ast.TermsDef) else out.rules).append(item)
    return out


def parse_file(path: Path | str) -> ast.RuleFile:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise RuleLoadError(f"{p}：无法读取规则文件（{e.strerror or e}）") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        col = len(data[data.rfind(b"\n", 0, e.start) + 1:e.start].decode("utf-8", "replace")) + 1
        start = data.rfind(b"\n", 0, e.start) + 1
        end = data.find(b"\n", e.start)
        shown = data[start:end if end >= 0 else len(data)].decode("utf-8", "replace").rstrip("\r")
        raise RuleSyntaxError(str(p), line, col, f"规则文件应为 UTF-8 编码，此处的字节 0x{data[e.start]:02x} 无法解码"
                                                 f"（如用 GBK 保存，请另存为 UTF-8）", shown) from None
    return parse_text(text.removeprefix("\ufeff"), str(p))
