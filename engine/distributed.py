"""Batch checks on Dask distributed workers: `--dask tcp://HOST:PORT` (an existing scheduler) or `--dask local:N`
(a LocalCluster of N worker processes on this machine, one thread each).

Each document is one task; the rule set is sent to every worker once (scattered, broadcast); the client keeps a
bounded window of tasks in flight and yields results in input order as soon as the prefix is complete, so a long
campaign streams and the client never holds more than the window. Workers read the documents by path: on a cluster
the folder must be mounted at the same path on every worker machine (README, "规模").

The client's POLICYLINT_* environment (size limits, --no-precedents) goes with every task, so a worker checks the
way this process would. A worker that dies (durable-rules' C core can kill a process: research P1, P2, P9) is
replaced by its nanny; Dask re-runs the tasks it held elsewhere; a document that is held when a worker dies a
second time (scheduler setting distributed.scheduler.allowed-failures, 1 on a local cluster; the scheduler's own
setting on an existing one) is reported as a failed input with one Chinese line, and the batch goes on.
"""
from __future__ import annotations

import os
import re

from .errors import UserError

LOCAL = re.compile(r"local(?::(\d+))?")
WINDOW_PER_WORKER = 8


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("POLICYLINT_")}


def _task(idx: int, path: str, rs, engine, prepare, as_of, env: dict):
    """Runs on a worker: one document, with the client's POLICYLINT_* settings."""
    from .batch import _check_one

    saved = {k: v for k, v in os.environ.items() if k.startswith("POLICYLINT_")}
    for k in saved:
        if k not in env:
            del os.environ[k]
    os.environ.update(env)
    try:
        findings, error = _check_one(path, rs, engine, prepare, as_of)
    finally:
        for k in list(os.environ):
            if k.startswith("POLICYLINT_") and k not in saved:
                del os.environ[k]
        os.environ.update(saved)
    return idx, findings, error


class Cluster:
    """A Dask client for `spec`, and the LocalCluster it started (if any); closed on exit."""

    def __init__(self, spec: str):
        self.spec, self.cluster, self.client = spec.strip(), None, None

    def __enter__(self):
        import logging

        import dask
        from distributed import Client, LocalCluster

        logging.getLogger("distributed").setLevel(logging.ERROR)   # the user sees our lines, not Dask's log
        m = LOCAL.fullmatch(self.spec)
        try:
            if m:
                n = int(m.group(1) or os.cpu_count() or 1)
                if not 1 <= n <= 256:
                    raise UserError(f"--dask local:N 的 N 应在 1 到 256 之间（现为 {n}）")
                with dask.config.set({"distributed.scheduler.allowed-failures": 1,
                                      "distributed.worker.daemon": False}):
                    self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                dashboard_address=":0", silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
            elif self.spec.startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://", "ucx://")):
                self.client = Client(self.spec, timeout="10s")
            else:
                raise UserError(f"--dask “{self.spec}”无法识别：应为 tcp://主机:端口（已有的 Dask 调度器）"
                                f"或 local:N（在本机启动 N 个工作进程）")
        except UserError:
            self.close()
            raise
        except (OSError, TimeoutError) as e:
            self.close()
            raise UserError(f"无法连接 Dask 调度器 {self.spec}：{e.__class__.__name__}（请确认调度器已启动、地址和端口正确）") \
                from None
        return self

    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def close(self) -> None:
        for thing in (self.client, self.cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:   # noqa: BLE001 - closing a half-started cluster must not hide the real error
                    pass
        self.client = self.cluster = None

    def __exit__(self, *exc):
        self.close()
        return False


def check_dask(paths: list[str], rs, spec: str, engine: str | None = None, prepare=None, as_of=None):
    """Yield (index, findings, error) in input order; every document is a Dask task."""
    with Cluster(spec) as c:
        yield from run_tasks(c.client, paths, rs, engine, prepare, as_of, window=WINDOW_PER_WORKER * c.workers())


def _materialize(blob: bytes):
    import pickle

    return pickle.loads(blob)


def run_tasks(client, paths: list[str], rs, engine=None, prepare=None, as_of=None, window: int = 64):
    """Documents as tasks on `client`'s cluster, at most `window` in flight, results yielded in input order.

    The rule set is a task of its own (its pickle is kept by the scheduler, so it is rebuilt if every worker that
    held it dies), fetched once by each worker. A worker's death marks every task it held; so a document whose
    task was lost with a worker is tried again at the end, alone on the cluster: an innocent neighbour then
    passes, and only the document that kills its worker is reported as a failed input.
    """
    import pickle

    from distributed import KilledWorker, as_completed

    if not paths:
        return
    env = _env()
    tag = f"{os.getpid()}-{id(paths):x}"
    rs_future = client.submit(_materialize, pickle.dumps(rs), key=f"policylint-rules-{tag}", pure=False)
    futures = {}
    todo = iter(enumerate(paths))

    def submit(i: int, p: str, attempt: int = 0):
        fut = client.submit(_task, i, p, rs_future, engine, prepare, as_of, env, key=f"policylint-{tag}-{i}-{attempt}",
                            pure=False)
        futures[fut] = (i, p)
        return fut

    def submit_next() -> None:
        for i, p in todo:
            ac.add(submit(i, p))
            return

    ac = as_completed()
    for _ in range(window):
        submit_next()
    done: dict[int, tuple] = {}
    lost: list[tuple[int, str]] = []
    nxt = 0
    for fut in ac:
        i, p = futures.pop(fut)
        try:
            done[i] = fut.result()
        except KilledWorker:
            lost.append((i, p))
        except Exception as e:   # noqa: BLE001 - one failed input, not the batch
            done[i] = _failure(e, i, p)
        fut.release()
        submit_next()
        while nxt in done:
            yield done.pop(nxt)
            nxt += 1
    for i, p in sorted(lost):            # one at a time: nothing else is on a worker that this one may kill
        fut = submit(i, p, attempt=1)
        try:
            done[i] = fut.result()
        except Exception as e:   # noqa: BLE001
            done[i] = _failure(e, i, p)
        futures.pop(fut, None)
        fut.release()
        while nxt in done:
            yield done.pop(nxt)
            nxt += 1
    rs_future.release()


def _failure(e: BaseException, i: int, path: str) -> tuple:
    from distributed import KilledWorker

    if isinstance(e, KilledWorker):
        return i, None, f"{path}：检查该文件的 Dask 工作进程异常退出，该文件未能完成检查"
    return i, None, f"{path}：在 Dask 工作进程上检查失败（{type(e).__name__}: {e}）"


def map_in_order(spec: str, func, arg_tuples: list[tuple]):
    """Yield (index, result, error) in input order for func(*args) run as Dask tasks (any picklable func that the
    workers can import). error is one Chinese line when the task failed or its worker died."""
    from distributed import KilledWorker, as_completed

    with Cluster(spec) as c:
        futures = {c.client.submit(func, *args, pure=False): i for i, args in enumerate(arg_tuples)}
        done: dict[int, tuple] = {}
        nxt = 0
        for fut in as_completed(list(futures)):
            i = futures[fut]
            try:
                done[i] = (i, fut.result(), None)
            except KilledWorker:
                done[i] = (i, None, "Dask 工作进程异常退出")
            except Exception as e:   # noqa: BLE001 - reported to the caller, which decides
                done[i] = (i, None, f"{type(e).__name__}: {e}")
            while nxt in done:
                yield done.pop(nxt)
                nxt += 1
