"""The case register: import from CSV (UTF-8, GB18030), XLSX and JSONL, accounting, rejects, updates, history,
idempotence, one transaction, schema migrations."""
import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from cases import importer, sample, store
from cases.normalize import DateError, channel, parse_date, parse_month, parse_quarter
from engine.cli import main
from engine.errors import UserError

SAMPLES = Path(__file__).parent / "samples"
DIRTY = SAMPLES / "cases_dirty_gb18030.csv"


@pytest.fixture
def conn(db_target):
    c = store.connect(db_target("cases"))
    yield c
    c.close()


def test_dirty_gb18030_file_accounting_rejects_and_update(conn, tmp_path):
    rejects = tmp_path / "rejects.csv"
    res = importer.import_file(DIRTY, conn, rejects)
    assert (res.read, res.new, res.updated, res.unchanged, res.rejected) == (8, 4, 1, 0, 3)
    assert res.balanced()
    reasons = {r.row: r.reason for r in res.rejects}
    assert reasons[4] == "缺少案例编号"
    assert "2026-02-30" in reasons[5] and "没有30日" in reasons[5]
    assert reasons[6] == "问题描述为空"
    # rejects file: UTF-8 with BOM so Excel opens it, row number and reason
    raw = rejects.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["行号", "案例编号", "拒收原因"]
    assert [r[0] for r in rows[1:]] == ["4", "5", "6"]
    # the repeated id: the later row wins, the history keeps the earlier description
    rec = store.get(conn, "T-001")
    assert "设立分公司" in rec.description
    assert len(rec.history) == 1 and "设立分公司" not in rec.history[0].before["description"]
    assert rec.history[0].action == "导入更新"
    # dates as staff write them
    assert store.get(conn, "T-002").received_date == dt.date(2026, 8, 3)
    assert store.get(conn, "T-008").received_date == dt.date(2026, 8, 12)
    assert store.get(conn, "T-002").channel == "投诉举报"


def test_second_import_changes_nothing(conn):
    importer.import_file(DIRTY, conn)
    before = conn.execute("SELECT * FROM cases ORDER BY case_id").fetchall()
    hist = conn.execute("SELECT COUNT(*) FROM case_history").fetchone()[0]
    res = importer.import_file(DIRTY, conn)
    assert (res.read, res.new, res.updated, res.unchanged, res.rejected) == (8, 0, 0, 5, 3)
    assert [tuple(r) for r in conn.execute("SELECT * FROM cases ORDER BY case_id")] == [tuple(r) for r in before]
    assert conn.execute("SELECT COUNT(*) FROM case_history").fetchone()[0] == hist


def test_changed_row_updates_and_keeps_history(conn, tmp_path):
    importer.import_file(DIRTY, conn)
    text = DIRTY.read_bytes().decode("gb18030").replace("审批互为前置", "审批互为前置，企业多次往返")
    changed = tmp_path / "changed.csv"
    changed.write_bytes(text.encode("gb18030"))
    res = importer.import_file(changed, conn)
    assert (res.new, res.updated, res.unchanged, res.rejected) == (0, 1, 4, 3)
    rec = store.get(conn, "T-002")
    assert "多次往返" in rec.description
    assert "多次往返" not in rec.history[-1].before["description"]


def test_crash_mid_import_leaves_register_as_it_was(conn, tmp_path, monkeypatch):
    importer.import_file(DIRTY, conn)
    snapshot = [tuple(r) for r in conn.execute("SELECT * FROM cases ORDER BY case_id")]
    rows = sample.generate(rows=50, seed=5, dirty=False)
    path = tmp_path / "more.csv"
    sample.write(path, rows)

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer.store, "add_history", boom)   # after the inserts, before the commit
    with pytest.raises(RuntimeError):
        importer.import_file(path, conn)
    assert [tuple(r) for r in conn.execute("SELECT * FROM cases ORDER BY case_id")] == snapshot


def test_utf8_bom_csv_xlsx_and_jsonl_give_the_same_register(tmp_path, db_target):
    rows = sample.generate(rows=40, seed=11)
    counts = []
    for name, enc in (("a.csv", "utf-8-sig"), ("b.csv", "utf-8"), ("c.csv", "gb18030"), ("d.xlsx", None),
                      ("e.jsonl", None)):
        path = tmp_path / name
        sample.write(path, rows, **({"encoding": enc} if enc else {}))
        c = store.connect(db_target(name.replace(".", "_")))
        res = importer.import_file(path, c)
        assert res.balanced()
        counts.append((res.new, res.updated, res.rejected,
                       tuple(tuple(r) for r in c.execute("SELECT case_id, received_date, description, unit FROM cases "
                                                         "ORDER BY case_id"))))
        c.close()
    assert all(x == counts[0] for x in counts)
    assert counts[0][:3] == (37, 1, 3)


def test_xlsx_with_title_rows_and_aliases(tmp_path, conn):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["2026年8月违背市场准入负面清单案例台账"])
    ws.append([])
    ws.append(["编号", "地区", "涉事单位", "线索来源", "受理时间", "反映问题", "文件名称"])
    ws.append([20260801, "青禾市临溪县", "临溪县教育局", "12345", dt.datetime(2026, 8, 1), "指定唯一供应商", ""])
    ws.append([20260802, "青禾市临溪县", "临溪县教育局", "12345", 46236, "要求本地注册", ""])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    res = importer.import_file(path, conn)
    assert (res.new, res.rejected) == (2, 0)
    assert store.get(conn, "20260801").received_date == dt.date(2026, 8, 1)
    assert store.get(conn, "20260802").received_date == dt.date(2026, 8, 2)   # an Excel serial day number
    assert store.get(conn, "20260801").channel == "12345热线"


def test_jsonl_bad_line_is_a_reject(tmp_path, conn):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"案例编号": "J1", "受理日期": "2026-08-01", "问题描述": "本地注册"}, ensure_ascii=False)
                    + "\n{oops\n" + json.dumps({"案例编号": "J2", "受理日期": "2026-08-02"}, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    res = importer.import_file(path, conn)
    assert (res.read, res.new, res.rejected) == (3, 1, 2)
    assert [r.row for r in res.rejects] == [2, 3]
    assert "JSON" in res.rejects[0].reason and res.rejects[1].reason == "问题描述为空"


def test_missing_required_columns_is_one_clear_error(tmp_path, conn):
    path = tmp_path / "x.csv"
    path.write_text("名称,日期\n甲,2026-08-01\n", encoding="utf-8")
    with pytest.raises(UserError, match="找不到表头"):
        importer.import_file(path, conn)
    bad = tmp_path / "x.xls"
    bad.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(UserError, match="另存为"):
        importer.import_file(bad, conn)


def test_dates_as_staff_write_them():
    for s in ("2026-08-01", "2026/8/1", "2026年8月1日", "2026.8.1", "20260801", "2026-08-01 09:30", "２０２６年８月１日"):
        assert parse_date(s) == dt.date(2026, 8, 1), s
    for bad in ("2026-02-30", "2026-13-01", "八月一日", "2026-8"):
        with pytest.raises(DateError):
            parse_date(bad)
    assert parse_date("") is None
    assert parse_month("2026-08") == (dt.date(2026, 8, 1), dt.date(2026, 9, 1))
    assert parse_month("2026-12")[1] == dt.date(2027, 1, 1)
    assert parse_quarter("2026Q4") == (dt.date(2026, 10, 1), dt.date(2027, 1, 1), "2026Q4")
    assert parse_quarter("2026年第三季度")[2] == "2026Q3"
    assert channel("12345政务服务便民热线") == "12345热线" and channel("网络舆情") == "媒体报道"


def test_schema_is_versioned_and_wal(tmp_path):
    path = tmp_path / "v.db"
    c = store.connect(path)
    assert c.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
    assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    c.close()
    # an old register (schema version 1) is migrated forward when opened
    raw = sqlite3.connect(tmp_path / "old.db")
    raw.executescript(store.MIGRATIONS[0] + ";PRAGMA user_version = 1;")
    raw.close()
    c = store.connect(tmp_path / "old.db")
    assert c.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
    assert c.execute("SELECT COUNT(*) FROM scan_runs").fetchone()[0] == 0
    c.close()
    # a register newer than this program is refused with a clear line
    raw = sqlite3.connect(tmp_path / "new.db")
    raw.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(UserError, match="升级"):
        store.connect(tmp_path / "new.db")


def test_sample_is_deterministic_and_has_every_category_and_channel():
    a, b = sample.generate(seed=3), sample.generate(seed=3)
    assert a == b and a != sample.generate(seed=4)
    chans = {channel(r["来源渠道"]) for r in a}
    assert {c for c, _ in sample.CHANNELS} <= chans
    ids = [r["案例编号"] for r in a]
    assert "" in ids                                         # a row without id
    assert len(ids) - len(set(ids)) >= 1                     # an id repeated (plus the blank)
    assert any(r["受理日期"] == "2026-02-30" for r in a)
    assert any(r["问题描述"] == "" for r in a)


def test_cli_import_prints_accounting(tmp_path, capsys, db_target):
    db = db_target("c")
    rej = tmp_path / "rej.csv"
    assert main(["cases", "import", str(DIRTY), "--db", db, "--rejects", str(rej)]) == 0
    out = capsys.readouterr()
    assert "读取 8 行 = 新增 4 + 更新 1 + 未变 0 + 拒收 3" in out.out
    assert "第 5 行 T-004" in out.err and rej.exists()
    assert main(["cases", "import", str(DIRTY), "--db", db]) == 0
    assert "读取 8 行 = 新增 0 + 更新 0 + 未变 5 + 拒收 3" in capsys.readouterr().out
    assert main(["cases", "import", str(tmp_path / "missing.csv"), "--db", db]) == 2
    assert "文件不存在" in capsys.readouterr().err


def test_default_db_from_environment(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POLICYLINT_DB", str(tmp_path / "env.db"))
    assert main(["cases", "import", str(DIRTY)]) == 0
    assert (tmp_path / "env.db").exists()


def test_reimport_does_not_undo_verification(conn, tmp_path, db_target):
    from cases import verify

    importer.import_file(DIRTY, conn)
    path = db_target("cases")
    verify.apply(path, "T-002", status="属实", rectify="已整改", measures="已修订办法")
    text = DIRTY.read_bytes().decode("gb18030").replace("案例编号,所属地区,涉及单位,来源渠道,受理日期,问题描述,涉及文件",
                                                         "案例编号,所属地区,涉及单位,来源渠道,受理日期,问题描述,涉及文件,核查状态,整改状态")
    lines = text.splitlines()
    lines = [lines[0]] + [line + ",待核查,未整改" for line in lines[1:]]
    old = tmp_path / "old_export.csv"
    old.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = importer.import_file(old, conn)
    assert res.balanced()
    rec = store.get(conn, "T-002")
    assert (rec.verify_status, rec.rectify_status) == ("属实", "已整改")


# ---- crash safety and concurrency, with real processes -------------------------------------------------------------

_CHILD = r"""
import sys, time
from pathlib import Path
from cases import importer, store

db, src, marker = sys.argv[1:4]
real = store.add_history

def pause_inside_the_transaction(conn, entries):   # the inserts and updates are written, the commit is not
    real(conn, entries)
    Path(marker).write_text("in")
    time.sleep(120)

importer.store.add_history = pause_inside_the_transaction
conn = store.connect(db)
importer.import_file(src, conn)
"""


def _table(db):
    c = sqlite3.connect(db)
    try:
        cases = c.execute("SELECT * FROM cases ORDER BY case_id").fetchall()
        history = c.execute("SELECT COUNT(*) FROM case_history").fetchone()[0]
        return cases, history
    finally:
        c.close()


def test_kill_9_in_the_middle_of_an_import_leaves_the_register_unchanged(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    db = tmp_path / "cases.db"
    c = store.connect(db)
    importer.import_file(DIRTY, c)
    c.close()
    before = _table(db)
    rows = sample.generate(rows=300, seed=5, dirty=False)
    rows[0]["案例编号"] = "T-002"                      # an update of a case already in the register, with history
    src = tmp_path / "more.csv"
    sample.write(src, rows)
    marker = tmp_path / "inside"
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(db), str(src), str(marker)])
    try:
        for _ in range(600):
            if marker.exists() or child.poll() is not None:
                break
            time.sleep(0.05)
        assert marker.exists(), "the import never reached its transaction"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert _table(db) == before                       # nothing of the killed import is in the register
    c = store.connect(db)                             # and it opens, takes the same import, and keeps it
    try:
        res = importer.import_file(src, c)
        assert res.balanced() and res.new >= 250 and res.updated == 1
    finally:
        c.close()


_IMPORTER = r"""
import sys, time
from pathlib import Path
from cases import importer, store

db, src, go = sys.argv[1:4]
while not Path(go).exists():
    time.sleep(0.005)
conn = store.connect(db)
res = importer.import_file(src, conn)
print(res.new, res.updated, res.unchanged, res.rejected)
"""


def test_two_concurrent_imports_with_overlapping_ids_end_as_one_after_the_other(tmp_path):
    import subprocess
    import sys

    base = sample.generate(rows=400, seed=21, dirty=False)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    sample.write(a, base[:300])
    other = [dict(r) for r in base[150:]]              # 150 ids in both files, with other descriptions
    for r in other[:150]:
        r["问题描述"] = r["问题描述"] + "（复核后补充）"
    sample.write(b, other)

    def serial(first, second, name):
        db = tmp_path / name
        c = store.connect(db)
        importer.import_file(first, c)
        importer.import_file(second, c)
        c.close()
        return db

    def content(db):
        c = sqlite3.connect(db)
        try:
            cols = [r[1] for r in c.execute("PRAGMA table_info(cases)") if r[1] not in ("created_at", "updated_at",
                                                                                          "source")]
            return c.execute(f"SELECT {', '.join(cols)} FROM cases ORDER BY case_id").fetchall()
        finally:
            c.close()

    orders = {"ab": content(serial(a, b, "ab.db")), "ba": content(serial(b, a, "ba.db"))}
    assert orders["ab"] != orders["ba"]               # the order matters, so the test can tell
    for attempt in range(3):
        db = tmp_path / f"concurrent{attempt}.db"
        store.connect(db).close()
        go = tmp_path / f"go{attempt}"
        procs = [subprocess.Popen([sys.executable, "-c", _IMPORTER, str(db), str(f), str(go)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in (a, b)]
        go.write_text("go")
        outs = [p.communicate(timeout=120) for p in procs]
        assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outs]
        got = content(db)
        assert got in (orders["ab"], orders["ba"])    # never a mixture of the two
        counts = [tuple(map(int, o[0].split())) for o in outs]
        assert sum(n for n, *_ in counts) == 400      # every id inserted exactly once
