"""Errors of the text pipeline; a user's errors (UserError, RuleLoadError) are defined in dsl.errors."""
from dsl.errors import RuleLoadError, UserError  # noqa: F401  (re-exported: every layer above raises them)


class EngineError(Exception):
    """The evaluation engine failed on a document (an action raised, durable refused a fact)."""
