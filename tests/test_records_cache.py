"""The compiled-rules cache is a pickle, and loading a pickle runs code (issue 10, item 4): a cache that was altered,
that someone else owns, or that others may write is ignored and rebuilt — never loaded. Exercised through the real
consumer (engine.rulebook.load_rules) with a real cache directory, and a real malicious pickle whose digest is right."""
import hashlib
import os
import pickle
import stat

import pytest

from dsl.compiled import RuleSet
from engine import cachefiles, rulebook

RULE = '''terms 本地 = "本地" | "本市"
terms 分支 = "分公司" | "分支机构"

rule FC-9-2 "要求外地经营者在本地设立分支机构" {
  family   fair_competition
  basis    "公平竞争审查条例" art 9 item 2
  severity error
  when     本地 near(20) 分支
  message  "强制外地经营者在本地设立分支机构"
  suggest  "删除设立分支机构的要求"
  violates "须在本市设立分公司。"
  passes   "外地企业可以参加投标。"
}
'''


class Evil:
    """Unpickling this creates a file: proof that a cache was loaded."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def setup(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("POLICYLINT_CACHE", str(cache))
    monkeypatch.setattr(rulebook, "_memo", {})
    rule = tmp_path / "rules" / "pack" / "one.rule"
    rule.parent.mkdir(parents=True)
    rule.write_text(RULE, encoding="utf-8")
    rs = rulebook.load_rules([rule])
    path = cache / f"rules-{rulebook.fingerprint([rule])}.pickle"
    assert path.exists() and [r.id for r in rs.rules] == ["FC-9-2"]
    return rule, path


def reload(rule):
    rulebook._memo.clear()
    return rulebook.load_rules([rule])


def write_signed(path, obj):
    payload = pickle.dumps(obj, protocol=5)
    path.write_bytes(cachefiles.MAGIC + hashlib.sha256(payload).digest() + payload)


def assert_rebuilt(path):
    assert isinstance(cachefiles.load_pickle(path), RuleSet)
    st = path.stat()
    assert st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_cache_is_owner_only_and_used(setup):
    rule, path = setup
    assert_rebuilt(path)
    mtime = path.stat().st_mtime_ns
    assert [r.id for r in reload(rule).rules] == ["FC-9-2"]
    assert path.stat().st_mtime_ns == mtime            # loaded, not rebuilt


def test_altered_cache_is_ignored_and_rebuilt(setup):
    rule, path = setup
    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    assert cachefiles.load_pickle(path) is None
    assert [r.id for r in reload(rule).rules] == ["FC-9-2"]
    assert_rebuilt(path)


def test_writable_by_others_is_never_loaded(setup, tmp_path):
    rule, path = setup
    marker = tmp_path / "ran"
    write_signed(path, Evil(marker))                   # a right digest: only the permissions stand in the way
    os.chmod(path, 0o666)
    assert [r.id for r in reload(rule).rules] == ["FC-9-2"]
    assert not marker.exists()
    assert_rebuilt(path)
    # the same for a cache directory that others may write into
    write_signed(path, Evil(marker))
    os.chmod(path, 0o600)
    os.chmod(path.parent, 0o777)
    assert cachefiles.load_pickle(path) is None
    reload(rule)
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="giving a file to another user needs root")
def test_cache_owned_by_someone_else_is_never_loaded(setup, tmp_path):
    rule, path = setup
    marker = tmp_path / "ran"
    write_signed(path, Evil(marker))
    os.chmod(path, 0o600)
    os.chown(path, 65534, 65534)                      # nobody
    assert [r.id for r in reload(rule).rules] == ["FC-9-2"]
    assert not marker.exists()
    assert_rebuilt(path)                               # replaced by one of ours


def test_evil_pickle_would_run_if_trusted(tmp_path):
    """The control: the same file, ours and owner-only, is loaded (so the tests above can fail)."""
    path = tmp_path / "c" / "x.pickle"
    path.parent.mkdir(mode=0o700)
    marker = tmp_path / "ran"
    write_signed(path, Evil(marker))
    os.chmod(path, 0o600)
    cachefiles.load_pickle(path)
    assert marker.exists()
