"""Errors that reach a user as one Chinese line (exit code 2), never as a traceback."""


class UserError(Exception):
    """Bad input or usage. str() is the message shown to the user."""


class RuleLoadError(UserError):
    """A rule file or the law data behind it is wrong; the message names file:line:col."""


class EngineError(Exception):
    """The evaluation engine failed on a document (an action raised, durable refused a fact)."""
