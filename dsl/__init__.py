"""The rule language: Lark grammar, typed AST, compiler to what the engine runs."""
