"""`@record`: the part of `@dataclass` the check path uses — an __init__ with defaults and default factories,
__repr__ and __eq__ — without importing `dataclasses`, which pulls in `inspect` and costs more start-up time
than a whole check of a short draft. Classes stay plain (picklable, mutable); `Cls.__fields__` lists the fields.
"""
from __future__ import annotations

_MISSING = object()


class _Field:
    __slots__ = ("default", "default_factory")

    def __init__(self, default=_MISSING, default_factory=_MISSING):
        self.default, self.default_factory = default, default_factory


def field(*, default=_MISSING, default_factory=_MISSING):
    return _Field(default, default_factory)


def record(cls):
    names: list[str] = []
    for base in reversed(cls.__mro__):
        for n in base.__dict__.get("__annotations__", {}):
            if n not in names:
                names.append(n)
    params, body, env = [], [], {"_MISSING": _MISSING}
    for n in names:
        d = cls.__dict__.get(n, _MISSING)
        if isinstance(d, _Field):
            delattr(cls, n)
            if d.default_factory is not _MISSING:
                env[f"_f_{n}"] = d.default_factory
                params.append(f"{n}=_MISSING")
                body.append(f"self.{n} = _f_{n}() if {n} is _MISSING else {n}")
                continue
            d = d.default
        if d is _MISSING:
            if any("=" in p for p in params):
                raise TypeError(f"{cls.__name__}.{n}: a field without a default follows one with a default")
            params.append(n)
        else:
            env[f"_d_{n}"] = d
            params.append(f"{n}=_d_{n}")
        body.append(f"self.{n} = {n}")
    src = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(src, env)   # the same technique dataclasses uses; the source is built from the class's own field names
    init = env["__init__"]
    init.__qualname__ = f"{cls.__name__}.__init__"
    cls.__init__ = init
    cls.__fields__ = tuple(names)

    def __repr__(self):
        return f"{type(self).__name__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in names)

    cls.__repr__ = __repr__
    cls.__eq__ = __eq__
    cls.__hash__ = None
    return cls
