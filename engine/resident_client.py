"""The client of `policylint resident`: hands a command to the resident process over its Unix socket.

With POLICYLINT_RESIDENT set to the socket of a running `policylint resident`, `policylint ARGS…` sends ARGS, its
working directory, its environment and its own standard input, output and error (the descriptors themselves,
SCM_RIGHTS) to the resident process, which runs the command in a forked copy of itself — rules, regexes, durable's
rulesets and the precedent index already loaded — writing straight to this process's output; the exit code comes
back. Nothing else is imported here (no argparse, no rules): the client's own start is that of the interpreter.

When no resident process answers, or it declines (another interpreter, other code, another rules directory or
cache), the command runs here as usual: the output is the same either way.
"""
from __future__ import annotations

import json
import os
import socket
import sys

ENV = "POLICYLINT_RESIDENT"
DECLINED = 255 << 8   # the resident process would not run this command: run it here
# variables read when modules are imported or caches are keyed: a command runs in the resident process only when
# they are the same there (engine/cli/resident.py)
PINNED = ("POLICYLINT_RULES", "POLICYLINT_CACHE", "POLICYLINT_DATA", "XDG_CACHE_HOME", "XDG_DATA_HOME", "HOME",
          "PYTHONPATH")


def identity() -> dict:
    """What must match between client and resident process."""
    return {"python": [sys.prefix, os.path.realpath(sys.executable)], "version": list(sys.version_info[:3]),
            "uid": os.getuid(),
            "package": os.path.dirname(os.path.abspath(__file__)),
            "env": {k: os.environ.get(k) for k in PINNED}}


def _streams() -> list:
    out = []
    for s in (sys.stdin, sys.stdout, sys.stderr):
        out.append([getattr(s, "encoding", None), getattr(s, "errors", None)] if s is not None else None)
    return out


def forward(argv: list[str], path: str | None = None) -> int | None:
    """The exit code of the command run by the resident process at `path` (default $POLICYLINT_RESIDENT); None
    when there is none or it declined (then run the command here)."""
    path = path or os.environ.get(ENV)
    if not path or argv[:1] == ["resident"]:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            sock.connect(path)
        except OSError:
            return None
        request = json.dumps({"argv": argv, "cwd": os.getcwd(), "environ": dict(os.environ), "streams": _streams(),
                              **identity()}, ensure_ascii=False).encode("utf-8")
        fds = [f.fileno() for f in (sys.stdin, sys.stdout, sys.stderr)]
        for f in (sys.stdout, sys.stderr):
            f.flush()
        socket.send_fds(sock, [len(request).to_bytes(4, "big") + request], fds)
        reply = b""
        while len(reply) < 4:
            got = sock.recv(4 - len(reply))
            if not got:
                break
            reply += got
    finally:
        sock.close()
    if len(reply) < 4:
        print("policylint：常驻进程未完成该命令（它可能已退出）", file=sys.stderr)
        return 2
    code = int.from_bytes(reply, "big")
    return None if code == DECLINED else code


def main() -> None:
    """`python -c "from engine.resident_client import main; main()" ARGS…`: forward, else the usual command (this
    process becomes `python -m engine.cli ARGS…`, told not to forward again)."""
    code = forward(sys.argv[1:])
    if code is None:
        os.environ[ENV] = ""
        os.execv(sys.executable, [sys.executable, "-m", "engine.cli", *sys.argv[1:]])
    os._exit(code)
