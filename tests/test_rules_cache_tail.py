"""The rules cache keeps the regex opcodes as a mapped tail after its pickle (engine.cachefiles, engine.regex_cache):
a check reads and hashes only the pickle, and each regex's piece of the tail is checked by its own crc32."""
import os

from engine import cachefiles, regex_cache


def test_tail_is_returned_and_outside_the_digest(tmp_path):
    path = tmp_path / "c" / "x.pickle"
    assert cachefiles.save_pickle(path, {"a": [1, 2]}, tail=b"0123456789")
    obj, tail = cachefiles.load_pickle(path, tail=True)
    assert obj == {"a": [1, 2]} and bytes(tail) == b"0123456789"
    assert cachefiles.load_pickle(path) == {"a": [1, 2]}
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF                                    # inside the pickle: refused
    path.write_bytes(bytes(data))
    os.chmod(path, 0o600)
    assert cachefiles.load_pickle(path, tail=True) is None


def test_a_tail_piece_that_fails_its_crc_is_compiled_afresh():
    index, blob = regex_cache.pack({"甲乙": regex_cache.precompile("甲乙"), "丙丁": regex_cache.precompile("丙丁")})
    sig = regex_cache.signature()
    a = regex_cache.rebuild_packed("甲乙", index["甲乙"], blob, sig)
    assert a.search("一甲乙") and not a.search("丙丁")
    # the entry of 甲乙 pointing at the code of 丙丁 (same length): without the crc the rebuilt regex would find 丙丁
    flags, _off, length, crc, *rest = index["甲乙"]
    wrong = (flags, index["丙丁"][1], length, crc, *rest)
    assert index["丙丁"][2] == length
    b = regex_cache.rebuild_packed("甲乙", wrong, blob, sig)
    assert b.search("一甲乙") and not b.search("丙丁")
    assert regex_cache.rebuild_packed("甲乙", index["甲乙"], blob[:-1], sig).search("甲乙")   # cut short


def test_rules_from_the_cache_match_as_compiled(pack_rules):
    """Every regex of the shipped rules, rebuilt from the cache's tail, is the pattern compiled by `re`."""
    import re

    from dsl.compiled import overlapping

    assert pack_rules.regex_code and pack_rules.regex_blob is not None
    text = "\n".join(t for r in pack_rules.rules for t, _v, _l in r.examples)
    found = 0
    for pattern, entry in pack_rules.regex_code.items():
        rx = regex_cache.rebuild_packed(overlapping(pattern), entry, pack_rules.regex_blob, pack_rules.regex_signature)
        got = [m.span(1) if rx.groups else m.span() for m in rx.finditer(text)]
        ref = re.compile(overlapping(pattern))
        assert got == [m.span(1) if ref.groups else m.span() for m in ref.finditer(text)], pattern
        found += bool(got)
    assert found > len(pack_rules.regex_code) / 2   # the examples exercise most of them
