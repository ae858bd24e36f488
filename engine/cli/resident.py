"""`policylint resident [--socket PATH]`: a resident process that keeps everything a check loads — the compiled
rules, every rule regex, durable's rulesets, the precedent index — and runs the commands clients send it
(engine/resident_client.py: `policylint` with POLICYLINT_RESIDENT set to the socket).

Each command runs in a fork of the resident process (copy-on-write: the loaded state is shared, nothing a command
does survives it), in the client's working directory and environment, writing to the client's own standard
output and error (passed over the socket), so its output and exit code are those of the same command run alone.
Before each fork the rules are looked at again (by the files' stat, as every check does) and recompiled when they
changed; a client with another interpreter, another rules directory or cache is declined and runs the command
itself, and so is every client once our code or the precedent library changed under the resident process. The socket lives in a directory only this user may enter, and the peer's uid is checked.
"""
from __future__ import annotations

import os
import sys

from engine.errors import UserError


def register(parsers: dict) -> None:
    p = parsers["top"].add_parser(
        "resident", help="常驻进程：规则、正则、规则集和典型案例索引只载入一次，之后的命令由它代为执行",
        description="启动常驻进程：规则、正则、durable 规则集和典型案例索引只载入一次。设置环境变量 "
                    "POLICYLINT_RESIDENT=套接字路径 后，policylint 的各条命令交给它执行（输出与单独运行相同）；"
                    "它不在时命令照常在本进程运行。按 Ctrl-C 停止。")
    p.add_argument("--socket", metavar="路径", help="Unix 套接字路径（默认在规则缓存目录下的 resident.sock）")
    p.set_defaults(func=cmd_resident)


def default_socket() -> str:
    from engine.cachefiles import cache_dir
    return str(cache_dir() / "resident.sock")


def cmd_resident(args) -> int:
    import signal
    import socket

    path = os.path.abspath(args.socket or default_socket())
    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    st = os.stat(folder)
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise UserError(f"套接字所在目录 {folder} 须只允许本用户访问（权限 700）")
    if os.path.exists(path):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
            raise UserError(f"已有常驻进程在 {path} 运行")
        except OSError:
            os.unlink(path)   # left by one that was killed
        finally:
            probe.close()
    warm_up()
    import gc
    gc.freeze()   # the loaded state is never collected: a fork's collections then leave its pages shared
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        server.bind(path)
    finally:
        os.umask(old)
    server.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)   # forked commands are reaped by the kernel
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)            # also when started in the background (SIGINT ignored there)
    print(f"policylint 常驻进程已就绪：export POLICYLINT_RESIDENT={path}", file=sys.stderr, flush=True)
    from engine import resident_client  # noqa: F401  (loaded before the code is stamped)

    watched = our_modules() + library_files()
    state = {"files": watched, "stamp": stamp(watched)}
    try:
        while True:
            conn, _ = server.accept()
            try:
                serve_one(conn, server, state)
            except Exception as e:   # one bad request never stops the resident process
                print(f"policylint 常驻进程：请求未能处理（{type(e).__name__}: {e}）", file=sys.stderr, flush=True)
            finally:
                conn.close()
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        server.close()
        try:
            os.unlink(path)
        except OSError:
            pass


class _Stop(Exception):
    pass


def _stop(_signum, _frame):
    raise _Stop


def warm_up() -> None:
    """Load and build, once, what the commands would each load again: the rules and all their regexes, every
    durable ruleset, the precedent index, and whatever a check of the rules' own examples touches."""
    from engine import check, regex_cache
    from engine.features import _compiled, _scan_plan
    from engine.rulebook import load_rules
    import importlib

    from engine.segment import segment

    for reader in ("docx", "html", "pdf", "ofd", "office"):   # the readers a command would import
        try:
            importlib.import_module(f"engine.ingest.{reader}")
        except ImportError:
            pass

    rs = load_rules()
    p = _scan_plan(rs)
    for n in range(len(p["patterns"])):
        _compiled(p, n, rs)
    ev = check.evaluator(rs)
    if hasattr(ev, "prepare"):
        ev.prepare()
    text = "\n".join(r.examples[0][0] for r in rs.rules if r.on == "text" and r.examples)
    check.check_document(segment("warm-up", text), rs, precedents=None)
    check.check_document(segment("warm-up", text), rs, precedents=False)
    regex_cache.save()


def our_modules() -> list[str]:
    """The files of every module of ours this process has loaded."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    files = (getattr(m, "__file__", None) for m in list(sys.modules.values()))
    return sorted({f for f in files if f and f.startswith(root + os.sep)})


def stamp(files) -> tuple:
    """(path, size, mtime) of each file: other code or data means other output."""
    out = []
    for f in files:
        try:
            st = os.stat(f)
            out.append((str(f), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(f), -1, -1))
    return tuple(out)


def library_files() -> list:
    """The precedent library's files, as the index loaded in this process was read from them."""
    from engine.precedents import PRECEDENT_DIR, library_paths
    return library_paths() + [PRECEDENT_DIR / "citation_map.yaml"]


def _recv_request(conn) -> tuple[dict, list[int]]:
    import json
    import socket

    data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
    if len(data) < 4:
        raise ValueError("请求不完整")
    n = int.from_bytes(data[:4], "big")
    body = data[4:]
    while len(body) < n:
        got = conn.recv(n - len(body))
        if not got:
            raise ValueError("请求不完整")
        body += got
    return json.loads(body.decode("utf-8")), fds


def serve_one(conn, server, state: dict) -> None:
    import socket
    import struct

    from engine import resident_client

    request, fds = _recv_request(conn)
    try:
        uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]
        mine = resident_client.identity()
        theirs = {k: request.get(k) for k in mine}
        stale = stamp(state["files"]) != state["stamp"]
        if stale and not state.get("told"):
            state["told"] = True
            print("policylint 常驻进程：程序或典型案例库已更新，请重启常驻进程；在此之前命令由客户端自行运行",
                  file=sys.stderr, flush=True)
        ok = uid == os.getuid() and theirs == mine and len(fds) == 3 and not stale
        if ok:
            from engine.rulebook import load_rules
            try:
                load_rules()   # rules edited since the last command are compiled here, once, not in every fork
            except Exception:
                ok = False     # a rule file that does not compile: the client runs the command and reports it
        if not ok:
            conn.sendall(resident_client.DECLINED.to_bytes(4, "big"))
            return
        import gc
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            _child(conn, server, request, fds)   # never returns
    finally:
        for fd in fds:
            os.close(fd)


def _child(conn, server, request: dict, fds: list[int]) -> None:
    import signal

    code = 2
    try:
        server.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)   # the command may wait for its own workers
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["environ"])
        for i, fd in enumerate(fds):
            os.dup2(fd, i)
        streams = request.get("streams") or [None] * 3
        sys.stdin, sys.stdout, sys.stderr = (
            _stream(0, "r", streams[0], False), _stream(1, "w", streams[1], os.isatty(1)),
            _stream(2, "w", streams[2], True))
        sys.argv = ["policylint", *request["argv"]]
        from engine import rulebook
        from engine.cli import main

        rulebook.assume_unchanged()   # looked at by the resident process just before this fork
        from engine.regex_cache import save

        code = main(request["argv"])
        save()
    except BaseException as e:   # main() reports every error itself: this is the resident process's own
        print(f"policylint：常驻进程未能运行该命令（{type(e).__name__}: {e}）", file=sys.stderr)
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        try:
            conn.sendall(int(code & 0xFF).to_bytes(4, "big"))
        finally:
            os._exit(0)


def _stream(fd: int, mode: str, spec, line_buffering: bool):
    encoding, errors = spec if spec else (None, None)
    return open(fd, mode, buffering=1 if line_buffering else -1, encoding=encoding or "utf-8",
                errors=errors or "strict", closefd=False)
