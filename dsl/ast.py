"""The typed AST of a rule file (pydantic). Produced by dsl.parser, consumed by dsl.compiler."""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, Field


class Pos(BaseModel):
    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


# ---- operands: what a text condition looks for ------------------------------------------

class GroupRef(BaseModel):
    kind: Literal["group"] = "group"
    name: str
    pos: Pos


class Literal_(BaseModel):
    kind: Literal["literal"] = "literal"
    text: str
    pos: Pos


class Regex(BaseModel):
    kind: Literal["regex"] = "regex"
    pattern: str
    pos: Pos


class Table(BaseModel):
    """Terms read from a column of a CSV file beside the rule file (e.g. the gazetteer); rows whose `skip` column is
    not empty are left out. The file is data a reviewer can read; the compiler reads it, nothing executes it."""
    kind: Literal["table"] = "table"
    file: str
    column: str
    skip: str | None = None
    pos: Pos


class Alt(BaseModel):
    """An inline alternation: ("制定" | "出台" | 本地) — an unnamed term group."""
    kind: Literal["alt"] = "alt"
    terms: list[Union[GroupRef, Literal_, Regex]]
    pos: Pos


Operand = Annotated[Union[GroupRef, Literal_, Regex, Alt, Table], Field(discriminator="kind")]


# ---- conditions ------------------------------------------------------------------------

class Present(BaseModel):
    kind: Literal["present"] = "present"
    operand: Operand


class Order(BaseModel):
    """first before second (or after), optionally within N characters."""
    kind: Literal["order"] = "order"
    first: Operand
    second: Operand
    within: int | None = None


class Near(BaseModel):
    kind: Literal["near"] = "near"
    first: Operand
    second: Operand
    distance: int


class Compare(BaseModel):
    kind: Literal["compare"] = "compare"
    field: str
    op: Literal["==", "!=", "<", "<=", ">", ">="]
    value: str | float | int | bool
    pos: Pos


class Member(BaseModel):
    kind: Literal["member"] = "member"
    field: str
    values: list[str | float | int | bool]
    pos: Pos


class HasValues(BaseModel):
    """A list field holds any / all of the values (each value matched as a substring of an entry)."""
    kind: Literal["has"] = "has"
    field: str
    mode: Literal["any", "all"]
    values: list[str]
    pos: Pos


class Contains(BaseModel):
    """A free-text field contains a term (group, literal or regex)."""
    kind: Literal["contains"] = "contains"
    field: str
    operand: Operand
    pos: Pos


class Exists(BaseModel):
    kind: Literal["exists"] = "exists"
    field: str
    pos: Pos


class Not(BaseModel):
    kind: Literal["not"] = "not"
    arg: "Expr"


class And(BaseModel):
    kind: Literal["and"] = "and"
    args: list["Expr"]


class Or(BaseModel):
    kind: Literal["or"] = "or"
    args: list["Expr"]


Expr = Annotated[
    Union[Present, Order, Near, Compare, Member, HasValues, Contains, Exists, Not, And, Or],
    Field(discriminator="kind"),
]


# ---- statements -----------------------------------------------------------------------

class TermsDef(BaseModel):
    name: str
    terms: list[Operand]
    pos: Pos
    fact: str | None = None   # `for doc.kind`: the document fact the engine works out with these words


class Locator(BaseModel):
    kind: Literal["art", "para", "item", "part"]
    number: int


class Basis(BaseModel):
    instrument: str
    locators: list[Locator]
    pos: Pos


class Example(BaseModel):
    text: str
    violating: bool
    pos: Pos


class RuleDef(BaseModel):
    id: str
    title: str
    family: str | None = None
    basis: list[Basis] = []
    severity: Literal["error", "warning", "info"] = "warning"
    scope: Literal["sentence", "clause", "article", "document"] = "sentence"
    on: str = "text"
    when: Expr | None = None
    unless: Expr | None = None
    message: str | None = None
    suggest: str | None = None
    confirm: str | None = None
    examples: list[Example] = []
    sets: dict[str, str | float | int | bool] = {}
    tags: list[str] = []
    pos: Pos


class RuleFile(BaseModel):
    path: str
    terms: list[TermsDef] = []
    rules: list[RuleDef] = []


for _m in (Not, And, Or):
    _m.model_rebuild()
