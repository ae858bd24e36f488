"""Bounds on what reading one input may cost. Every reader checks them before the bytes are read or inflated,
and a file over a bound is refused with one Chinese line naming the bound and how to raise it.

| bound | default | environment variable | checked |
|---|---|---|---|
| size of a text input (.txt .md .html, standard input) | 20 MB | POLICYLINT_MAX_TEXT_MB | file size before reading |
| size of any other input file (.docx .pdf .ofd .doc .wps) | 100 MB | POLICYLINT_MAX_FILE_MB | file size before reading |
| entries in an archive (.docx, .ofd) | 2,000 | POLICYLINT_MAX_PARTS | central directory, before any part |
| unpacked size of one part read | 32 MB | POLICYLINT_MAX_PART_MB | the part's declared size before inflating, and the bytes while inflating |
| unpacked size of all parts read | 128 MB | POLICYLINT_MAX_TOTAL_MB | as above, summed |
| compression ratio of a part over 1 MB | 200 | POLICYLINT_MAX_RATIO | declared sizes, before inflating |
| nesting depth of XML elements | 1,000 | POLICYLINT_MAX_XML_DEPTH | while parsing |
| nesting depth of tables | 32 | POLICYLINT_MAX_TABLE_DEPTH | while parsing |
| characters of text taken from one input | 5,000,000 | POLICYLINT_MAX_CHARS | while extracting |
| pages of a .pdf or .ofd | 2,000 | POLICYLINT_MAX_PAGES | page count, before extracting |
| time to convert a .doc/.wps with LibreOffice | 120 s | POLICYLINT_CONVERT_TIMEOUT | the conversion is stopped |

XML is parsed without document type definitions or entities (defusedxml), so an entity-expansion bomb is refused
instead of expanded. A value of 0 in an environment variable is not "no limit": it is ignored like any value
that is not a positive number, and the default applies.

Code that wants other bounds passes `Limits(...)` to `read_document(path, limits=...)`, or calls `configure()`
once (which also exports the values to the environment, so worker processes started afterwards use them too).
"""
from __future__ import annotations

import os

MB = 1024 * 1024

# field name -> (environment variable, unit multiplier)
_ENV = {
    "max_text_bytes": ("POLICYLINT_MAX_TEXT_MB", MB),
    "max_file_bytes": ("POLICYLINT_MAX_FILE_MB", MB),
    "max_parts": ("POLICYLINT_MAX_PARTS", 1),
    "max_part_bytes": ("POLICYLINT_MAX_PART_MB", MB),
    "max_total_bytes": ("POLICYLINT_MAX_TOTAL_MB", MB),
    "max_ratio": ("POLICYLINT_MAX_RATIO", 1),
    "max_xml_depth": ("POLICYLINT_MAX_XML_DEPTH", 1),
    "max_table_depth": ("POLICYLINT_MAX_TABLE_DEPTH", 1),
    "max_chars": ("POLICYLINT_MAX_CHARS", 1),
    "max_pages": ("POLICYLINT_MAX_PAGES", 1),
    "convert_timeout": ("POLICYLINT_CONVERT_TIMEOUT", 1),
}


_DEFAULTS = {
    "max_text_bytes": 20 * MB,
    "max_file_bytes": 100 * MB,
    "max_parts": 2000,
    "max_part_bytes": 32 * MB,
    "max_total_bytes": 128 * MB,
    "max_ratio": 200,
    "max_xml_depth": 1000,
    "max_table_depth": 32,
    "max_chars": 5_000_000,
    "max_pages": 2000,
    "convert_timeout": 120,
}


class Limits:
    """The bounds, immutable. A plain class rather than a frozen dataclass: `dataclasses` imports `inspect`, a
    large part of the start-up of `policylint check` on one draft."""
    __slots__ = tuple(_DEFAULTS)

    def __init__(self, **values):
        for name, default in _DEFAULTS.items():
            object.__setattr__(self, name, values.pop(name, default))
        if values:
            raise TypeError(f"Limits: unknown bound {next(iter(values))!r}")

    def __setattr__(self, name, value):
        raise AttributeError("Limits is immutable")

    def _values(self) -> tuple:
        return tuple(getattr(self, n) for n in _DEFAULTS)

    def __eq__(self, other):
        return self._values() == other._values() if isinstance(other, Limits) else NotImplemented

    def __hash__(self):
        return hash(self._values())

    def __repr__(self):
        return "Limits(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in _DEFAULTS) + ")"

    @classmethod
    def from_env(cls, environ=None) -> "Limits":
        environ = os.environ if environ is None else environ
        values = {}
        for name, (var, unit) in _ENV.items():
            raw = environ.get(var)
            if not raw:
                continue
            try:
                number = float(raw)
            except ValueError:
                continue
            if number > 0:
                values[name] = max(1, int(number * unit))
        return cls(**values)

    def env_var(self, name: str) -> str:
        return _ENV[name][0]

    def to_env(self) -> dict[str, str]:
        out = {}
        for name, (var, unit) in _ENV.items():
            value = getattr(self, name)
            out[var] = f"{value / unit:g}" if unit != 1 else str(value)
        return out


_configured: Limits | None = None


def configure(limits: Limits | None) -> None:
    """Set the bounds for this process and the worker processes it starts afterwards (None: back to defaults)."""
    global _configured
    _configured = limits
    for var, value in (limits.to_env() if limits else {v: None for v, _ in _ENV.values()}).items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value


def current() -> Limits:
    return _configured if _configured is not None else Limits.from_env()


def size_text(n: int) -> str:
    """A byte count as a person reads it: 1.1 GB, 32 MB, 500 KB."""
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):.1f} GB"
    if n >= MB:
        value = n / MB
        return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def over(limits: Limits, name: str) -> str:
    """The tail of a refusal: the bound and the variable that raises it."""
    value = getattr(limits, name)
    shown = size_text(value) if name.endswith("_bytes") else f"{value:,}"
    return f"上限 {shown}（可用环境变量 {limits.env_var(name)} 调整）"
