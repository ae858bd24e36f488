"""The monthly batch scan: run the case rules (rules/cases/*.rule) over the month's cases, store category and flags.

The rules decide; this module only prepares the facts (cases.features), picks one category when several rules
classify the same case, and writes the result back in one transaction.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass, field

from cases import store
from cases.features import as_rule_record, quarter_unit_counts
from cases.model import UNCLASSIFIED, pick_category, quarter_of
from dsl.compiler import all_atoms

# When several rules classify one case, cases.model.pick_category keeps one by the precedence in CATEGORY_TABLE.
SCAN_COLUMNS = ["case_id", "region", "unit", "channel", "received_date", "description", "document", "clause",
                "list_item", "category", "subtype", "category_by", "flags", "verify_status", "rectify_status",
                "rectify_deadline", "rectify_measures"]
BATCH = 2500
PARALLEL_MIN = 10_000   # below this, starting workers costs more than it saves


@dataclass
class ScanResult:
    period: str
    records: int = 0
    findings: int = 0
    by_category: Counter = field(default_factory=Counter)
    by_flag: Counter = field(default_factory=Counter)
    reclassified: int = 0
    manual: int = 0


def _flag_text(rule, rec: dict) -> str:
    """The rule's title, with its `set detail = "…{字段}…"` filled from the record when the rule has one."""
    detail = rule.sets.get("detail")
    if not detail:
        return rule.title
    try:
        return f"{rule.title}（{detail.format_map(rec)}）"
    except (KeyError, ValueError):
        return rule.title


def case_rules():
    """Only rules/cases/*.rule: the case scan does not need the text rules, and does not stop working while
    another pack is being edited. (The full load in `policylint rules` still checks the shared namespace.)"""
    from dsl.loader import RULES_DIR, rule_files
    from engine.rulebook import load_rules

    return load_rules(rule_files(RULES_DIR / "cases"))


_USED: dict[int, frozenset] = {}


def _used_fields(rs) -> frozenset:
    """The fields the case rules read: only these go to the engine (less to copy, scan and summarise)."""
    if id(rs) not in _USED:
        _USED[id(rs)] = _fields_of(rs)
    return _USED[id(rs)]


def _fields_of(rs) -> frozenset:
    used = {"_id", "_line"}
    for r in rs.rules:
        if r.on == "case_record":
            for i in all_atoms(r.expr):
                form = rs.atoms[i]
                if form[0] in ("cmp", "member", "has", "exists", "contains"):
                    used.add(form[1])
                else:                       # a bare word reads every text field: keep everything
                    return frozenset()
    return frozenset(used)


def _classify_batch(batch_rows: list[dict], base: int, counts, as_of: dt.date, source: str):
    """{case id: (category, subtype, by, flags)} for the rows, and the number of rule hits. Only which rule held on
    which case is taken from the engine (engine.structured.record_hits), no Finding per hit."""
    from engine.structured import record_hits

    rs = case_rules()
    used = _used_fields(rs)
    batch = [as_rule_record(r, as_of, counts, line=base + i + 1) for i, r in enumerate(batch_rows)]
    if used:
        batch = [{k: v for k, v in rec.items() if k in used} for rec in batch]
    cands: dict[int, list] = {}
    flags: dict[int, list[str]] = {}
    got = record_hits(batch, "case_record", rs)
    for n, i in got:
        rule = rs.rules[i]
        if "category" in rule.sets:
            cands.setdefault(n, []).append((rule.sets["category"], rule.sets.get("subtype", ""), rule.id))
        else:
            flags.setdefault(n, []).append(_flag_text(rule, batch[n]))
    return {rec["_id"]: (*pick_category(cands.get(n, [])), flags.get(n, [])) for n, rec in enumerate(batch)}, len(got)


_JOB: dict = {}   # what forked workers read: the rows and the derived counts, never pickled to them


def _run_job(bounds: tuple[int, int]):
    start, end = bounds
    return _classify_batch(_JOB["rows"][start:end], start, _JOB["counts"], _JOB["as_of"], _JOB["source"])


def classify(rows: list[dict], conn: sqlite3.Connection, as_of: dt.date, progress=None, source: str = "案例库",
             jobs: int | None = None, dask: str | None = None):
    """Evaluate the case rules over rows (store.select() dicts). Returns {case_id: (category, subtype, by, flags)}
    and the number of findings. Large scans run in worker processes (fork): a worker that dies costs nothing
    but time, its batches are redone in this process."""
    case_rules()                              # load (and cache) before any fork
    counts = quarter_unit_counts(conn, {quarter_of(r["received_date"]) for r in rows})
    jobs = jobs or os.cpu_count() or 1
    bounds = [(b, min(b + BATCH, len(rows))) for b in range(0, len(rows), BATCH)]
    out: dict[str, tuple] = {}
    n_findings = 0
    done: set[tuple[int, int]] = set()
    if dask:                                  # batches as Dask tasks; a failed one is redone below, here
        from engine.distributed import map_in_order

        for i, got, err in map_in_order(dask, _classify_batch,
                                        [(rows[b[0]:b[1]], b[0], counts, as_of, source) for b in bounds]):
            if err is None:
                out.update(got[0])
                n_findings += got[1]
                done.add(bounds[i])
                if progress:
                    progress(bounds[i][1] - bounds[i][0])
    elif jobs > 1 and len(rows) >= PARALLEL_MIN and "fork" in mp.get_all_start_methods():
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        _JOB.update(rows=rows, counts=counts, as_of=as_of, source=source)
        try:
            with ProcessPoolExecutor(min(jobs, len(bounds)), mp_context=mp.get_context("fork")) as ex:
                futures = {ex.submit(_run_job, b): b for b in bounds}
                for fut in as_completed(futures):
                    res, n = fut.result()
                    out.update(res)
                    n_findings += n
                    done.add(futures[fut])
                    if progress:
                        progress(futures[fut][1] - futures[fut][0])
        except BrokenProcessPool:
            pass
        finally:
            _JOB.clear()
    for b in bounds:
        if b in done:
            continue
        res, n = _classify_batch(rows[b[0]:b[1]], b[0], counts, as_of, source)
        out.update(res)
        n_findings += n
        if progress:
            progress(b[1] - b[0])
    return out, n_findings


def scan(conn: sqlite3.Connection, start: dt.date, end: dt.date, period: str, as_of: dt.date | None = None,
         progress_factory=None, jobs: int | None = None, dask: str | None = None) -> ScanResult:
    as_of = as_of or dt.date.today()
    rows = store.select(conn, start, end, columns=SCAN_COLUMNS)
    res = ScanResult(period=period, records=len(rows))
    progress = progress_factory(len(rows)) if progress_factory else None
    try:
        result, res.findings = classify(rows, conn, as_of, progress.advance if progress else None,
                                        source=f"案例库（{period}）", jobs=jobs, dask=dask)
    finally:
        if progress:
            progress.close()
    stamp = store.now_iso()
    updates, history = [], []
    for r in rows:
        code, subtype, by, flags = result[r["case_id"]]
        if r.get("category_by") == "人工":      # a verifier's classification is not overridden by the rules
            res.manual += 1
            code, subtype, by = r["category"], r["subtype"], r["category_by"]
        res.by_category[code or UNCLASSIFIED] += 1
        for fl in flags:
            res.by_flag[fl.split("（")[0]] += 1
        if (code, subtype, by, flags) == (r["category"], r["subtype"], r["category_by"], r["flags"]):
            continue
        if r["category"] and r["category"] != code:
            res.reclassified += 1
            history.append((r["case_id"], stamp, "重新分类", f"cases scan {period}",
                            {"category": r["category"], "subtype": r["subtype"], "category_by": r["category_by"]}))
        updates.append((code, subtype, by, store.json_cell(flags), stamp, r["case_id"]))
    with store.transaction(conn):
        conn.executemany("UPDATE cases SET category = ?, subtype = ?, category_by = ?, flags = ?, updated_at = ? "
                         "WHERE case_id = ?", updates)
        store.add_history(conn, history)
        conn.execute("INSERT INTO scan_runs(at, period, records, findings, rules) VALUES (?, ?, ?, ?, ?)",
                     (stamp, period, res.records, res.findings, "rules/cases"))
    return res


class TtyProgress:
    """A progress bar on stderr, only when stderr is a terminal (never in pipes, logs or tests)."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self._bar = None
        if sys.stderr.isatty() and total:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
            from rich.console import Console

            self._bar = Progress(TextColumn("扫描案例"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("scan", total=total)

    def advance(self, n: int) -> None:
        self.done += n
        if self._bar:
            self._bar.update(self._task, advance=n)

    def close(self) -> None:
        if self._bar:
            self._bar.stop()
