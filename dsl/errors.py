"""Errors that reach a user as one Chinese line (exit code 2), never as a traceback.

They live in the lowest layer so that every layer can raise them; engine.errors adds the engine's own."""


class UserError(Exception):
    """Bad input or usage. str() is the message shown to the user."""


class RuleLoadError(UserError):
    """A rule file or the law data behind it is wrong; the message names file:line:col."""
