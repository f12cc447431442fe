"""The cache of passed notebook runs (tools/result_cache.py): a run is reused only when every
input is the same, only passes are kept, and DLCOURSE_TEST_CACHE=off turns it off."""

import json
from pathlib import Path

import pytest

from tools.result_cache import ResultCache, key, ran, reuse_or_run

PARTS = {"kind": "smoke", "image": "sha256:abc", "runner": b"print(1)", "env": {"A": "1"}, "notebook": b"{}"}


@pytest.mark.parametrize("name", sorted(PARTS))
def test_changing_any_input_changes_the_key(name):
    changed = dict(PARTS)
    value = PARTS[name]
    changed[name] = value + b"!" if isinstance(value, bytes) else {"A": "2"} if isinstance(value, dict) else value + "!"
    assert key(**changed) != key(**PARTS)


def test_the_key_does_not_depend_on_the_order_of_the_parts_and_parts_do_not_run_together():
    assert key(**dict(reversed(list(PARTS.items())))) == key(**PARTS)
    assert key(a="xy", b="") != key(a="x", b="y")


def test_the_setting_picks_the_folder_or_turns_the_cache_off(tmp_path):
    assert ResultCache.from_env({"DLCOURSE_TEST_CACHE": "off"}).folder is None
    assert ResultCache.from_env({"DLCOURSE_TEST_CACHE": str(tmp_path)}).folder == tmp_path
    default = ResultCache.from_env({"XDG_CACHE_HOME": str(tmp_path)}).folder
    assert default == tmp_path / "dlcourse" / "test-results"


def test_a_stored_pass_comes_back_marked_cached(tmp_path):
    cache = ResultCache(tmp_path)
    assert cache.get("k") is None
    cache.put("k", {"status": "passed", "seconds": 3.0})
    hit = cache.get("k")
    assert hit["status"] == "passed" and hit["seconds"] == 3.0 and hit["cached"]
    assert ran(hit).startswith("cached (") and ran({"status": "passed"}) == "now"
    cache.put("k2", hit)  # storing a cached result again does not nest the mark
    assert "cached" not in json.loads((tmp_path / "k2.json").read_text())["result"]


def test_off_keeps_and_finds_nothing(tmp_path):
    cache = ResultCache(None)
    cache.put("k", {"status": "passed"})
    assert cache.get("k") is None


def test_an_unwritable_folder_keeps_nothing_and_says_so(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = ResultCache(blocker / "cache")
    cache.put("k", {"status": "passed"})
    assert cache.get("k") is None
    assert "not writable" in capsys.readouterr().out


def test_only_the_misses_run_and_only_passes_are_reused(tmp_path: Path):
    cache, calls = ResultCache(tmp_path), []
    results = {"a": {"status": "passed"}, "b": {"status": "failed"}, "c": {"status": "passed"}}

    def run(names):
        calls.append(list(names))
        return {n: results[n] for n in names}

    def passed(r):
        return r["status"] == "passed"

    keys = {"a": "ka", "b": "kb", "c": "kc"}
    first = reuse_or_run(cache, keys, run, passed)
    assert calls == [["a", "b", "c"]] and list(first) == ["a", "b", "c"]
    second = reuse_or_run(cache, keys, run, passed)
    assert calls[1] == ["b"], "the failure runs again, the passes do not"
    assert second["a"]["cached"] and not second["b"].get("cached")
    reuse_or_run(cache, {"a": "ka", "c": "kc-changed"}, run, passed)
    assert calls[2] == ["c"], "a changed input runs again"
    calls.clear()
    reuse_or_run(cache, {"a": "ka"}, run, passed)
    assert calls == [], "nothing to run: RUN is not called"
