"""Every `unless` entry is a named group (issue 9): an exclusion a reviewer can read by its name, defined once with
a comment saying which lawful wording it protects — never a literal or regex pasted inside one rule's `unless`."""
from dsl import ast
from dsl.loader import RULES_DIR, rule_files
from dsl.parser import parse_file


def _operands(e):
    if isinstance(e, ast.Not):
        yield from _operands(e.arg)
    elif isinstance(e, (ast.And, ast.Or)):
        for a in e.args:
            yield from _operands(a)
    elif isinstance(e, ast.Present):
        yield e.operand
    elif isinstance(e, (ast.Order, ast.Near)):
        yield e.first
        yield e.second
    elif isinstance(e, ast.Contains):
        yield e.operand


def _inline(op):
    if isinstance(op, (ast.Literal_, ast.Regex)):
        yield op
    elif isinstance(op, ast.Alt):
        for t in op.terms:
            yield from _inline(t)


def test_every_unless_entry_is_a_named_group():
    inline = []
    for path in rule_files(RULES_DIR):
        for r in parse_file(path).rules:
            if r.unless is None:
                continue
            for op in _operands(r.unless):
                inline += [f"{path.relative_to(RULES_DIR)}:{t.pos.line} {r.id} "
                           + (f'"{t.text}"' if isinstance(t, ast.Literal_) else f"/{t.pattern}/")
                           for t in _inline(op)]
    assert inline == [], "排除情形应写成有名字、有注释的词组：\n" + "\n".join(inline)
