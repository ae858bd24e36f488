"""Check many documents in worker processes. durable-rules' C core can kill a process (research P1, P2, P9):
a dead worker fails the one document it held (retried once on a fresh worker), never the whole run.
"""
from __future__ import annotations

import os

from .errors import EngineError, UserError

Result = tuple[int, list | None, str | None]    # (index, findings, error)


def _check_one(path: str, rs, engine: str | None, prepare=None, as_of=None, emit=None):
    """(findings, or what `prepare` made of them; error). With `emit`, the findings go to emit() region by region
    as they are made (prepared, when `prepare` is given) and the findings returned are empty."""
    from .check import check_path, iter_path
    try:
        if emit is not None:
            for part in iter_path(path, rs, engine, as_of=as_of):
                emit(prepare(part) if prepare else part)
            return [], None
        findings = check_path(path, rs, engine, as_of=as_of)
        return (prepare(findings) if prepare else findings), None
    except UserError as e:
        return None, str(e)
    except EngineError as e:
        return None, f"{path}：{e}"
    except RecursionError:
        return None, f"{path}：文件结构过深，无法处理"
    except Exception as e:  # one document's bug must not stop the batch; reported with its type
        return None, f"{path}：检查时出现内部错误（{type(e).__name__}: {e}）"


def _worker(conn, rs, engine, prepare=None, as_of=None) -> None:
    import faulthandler
    import signal

    faulthandler.enable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        idx, path = task
        findings, error = _check_one(path, rs, engine, prepare, as_of)
        conn.send((idx, findings, error))


def check_serial(paths: list[str], rs, engine: str | None = None, prepare=None, as_of=None, emit=None):
    for i, p in enumerate(paths):
        findings, error = _check_one(p, rs, engine, prepare, as_of, emit)
        yield i, findings, error


def check_parallel(paths: list[str], rs, engine: str | None = None, jobs: int | None = None, prepare=None,
                   as_of=None):
    """Yield (index, findings, error) as documents finish; the caller restores input order."""
    import multiprocessing as mp   # here, not at the top: one draft needs no workers, and start-up is measured
    from multiprocessing.connection import wait

    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    ctx = mp.get_context("fork")
    pending = list(enumerate(paths))[::-1]
    attempts: dict[int, int] = {}
    workers: dict = {}      # conn -> [process, task or None]

    def spawn():
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker, args=(child, rs, engine, prepare, as_of), daemon=True)
        proc.start()
        child.close()
        workers[parent] = [proc, None]
        return parent

    def feed(conn):
        if pending:
            task = pending.pop()
            workers[conn][1] = task
            conn.send(task)
        else:
            workers[conn][1] = None

    for _ in range(jobs):
        feed(spawn())
    try:
        while any(w[1] is not None for w in workers.values()):
            ready = wait(list(workers) + [w[0].sentinel for w in workers.values()])
            for conn in list(workers):
                proc, task = workers[conn]
                if conn in ready:
                    try:
                        yield conn.recv()
                        feed(conn)
                        continue
                    except (EOFError, ConnectionError):
                        pass
                    except Exception as e:   # a result that cannot be unpickled
                        yield task[0], None, f"{task[1]}：结果无法传回（{e}）"
                        feed(conn)
                        continue
                if proc.sentinel in ready or not proc.is_alive():
                    proc.join(timeout=1)
                    del workers[conn]
                    conn.close()
                    if task is not None:
                        idx, path = task
                        attempts[idx] = attempts.get(idx, 0) + 1
                        if attempts[idx] < 2:
                            pending.append(task)
                        else:
                            code = proc.exitcode
                            how = f"信号 {-code}" if code and code < 0 else f"退出码 {code}"
                            yield idx, None, f"{path}：检查引擎进程异常退出（{how}），该文件未能完成检查"
                    if pending:
                        feed(spawn())
    finally:
        for conn, (proc, _) in workers.items():
            try:
                conn.send(None)
            except OSError:
                pass
        for conn, (proc, _) in workers.items():
            proc.join(timeout=2)
            if proc.is_alive():
                proc.kill()


def check_many(paths: list[str], rs, engine: str | None = None, jobs: int | None = None,
               prepare=None, as_of=None, dask: str | None = None) -> list[Result]:
    """All results in input order. One file runs in this process; more go to workers (forked, so `prepare`
    may be any callable). `prepare(findings)` runs in the worker on each document's findings — e.g. to render
    them there, in parallel, instead of sending every Finding object back to this process. `as_of` picks the
    negative-list edition (engine.check). `dask` (tcp://HOST:PORT or local:N) sends the documents to Dask
    workers instead (engine.distributed); standard input is always read here."""
    if dask:
        results = list(iter_many(paths, rs, engine, jobs, prepare, as_of, dask))
    elif len(paths) <= 1 or jobs == 1:
        results = list(check_serial(paths, rs, engine, prepare, as_of))
    else:
        results = list(check_parallel(paths, rs, engine, jobs, prepare, as_of))
    results.sort(key=lambda r: r[0])
    return results


def iter_many(paths: list[str], rs, engine: str | None = None, jobs: int | None = None, prepare=None, as_of=None,
              dask: str | None = None):
    """Results as they come (input order with `dask`, completion order otherwise); standard input is checked in
    this process."""
    if not dask:
        it = check_serial(paths, rs, engine, prepare, as_of) if len(paths) <= 1 or jobs == 1 else \
            check_parallel(paths, rs, engine, jobs, prepare, as_of)
        yield from it
        return
    from .distributed import check_dask

    local = [i for i, p in enumerate(paths) if p == "-"]
    for i in local:
        findings, error = _check_one(paths[i], rs, engine, prepare, as_of)
        yield i, findings, error
    remote = [i for i, p in enumerate(paths) if p != "-"]
    for j, findings, error in check_dask([paths[i] for i in remote], rs, dask, engine, prepare, as_of):
        yield remote[j], findings, error
