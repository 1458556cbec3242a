"""`make test` splits the suite into four runs (tests/conftest.py): SQLite without browser
tests, SQLite with only the browser tests of pages, and PostgreSQL with everything else (the
data tests and the browser tests of several doors at once) in two halves. Together they must
take every data test on both databases and each browser test once."""

from importlib import import_module
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import conftest

TESTS = Path(conftest.__file__).parent


class Config:
    def __init__(self):
        self.stash = pytest.Stash()
        self.hook = SimpleNamespace(pytest_deselected=lambda items: None)


def suite_items():
    """Each test function of the suite as pytest sees it: its file and its marks."""
    items = []
    for path in sorted(TESTS.rglob("test_*.py")):
        module = path.relative_to(TESTS.parent).with_suffix("").as_posix().replace("/", ".")
        names = [name for name in vars(import_module(module)) if name.startswith("test_")] \
            if path.parent.name == "browser" else [path.stem]
        for name in names:
            marks = getattr(getattr(import_module(module), name, None), "pytestmark", []) \
                if path.parent.name == "browser" else []
            items.append(SimpleNamespace(
                path=path, nodeid=f"{path.relative_to(TESTS.parent)}::{name}",
                get_closest_marker=lambda wanted, marks=marks: next(
                    (mark for mark in marks if mark.name == wanted), None)))
    return items


def run(share, monkeypatch, shard="1/1") -> set[str]:
    monkeypatch.setenv("BROWSER_TESTS", share)
    monkeypatch.setenv("TEST_SHARD", shard)
    items = suite_items()
    conftest.pytest_collection_modifyitems(Config(), items)
    return {item.nodeid for item in items}


def test_the_three_runs_take_every_data_test_twice_and_each_browser_test_once(monkeypatch):
    everything = run("all", monkeypatch)
    browser = {test for test in everything if test.startswith("tests/browser/")}
    sqlite, pages, postgresql = (run(share, monkeypatch)
                                 for share in ("none", "only-pages", "doors"))
    assert sqlite | pages | postgresql == everything
    assert sqlite & pages == set() and pages & postgresql == set()
    assert sqlite == everything - browser and sqlite <= postgresql
    doors = postgresql & browser
    assert any("two_doors_online" in test for test in doors)
    assert any("two_offline_doors" in test for test in doors)
    assert all(test.startswith("tests/browser/test_door_offline.py::") for test in doors)
    assert any(test.startswith("tests/browser/test_phone_pages.py::") for test in pages)


def test_postgresql_in_two_halves_takes_each_data_test_once(monkeypatch):
    data = run("none", monkeypatch)
    first, second = run("doors", monkeypatch, "1/2"), run("none", monkeypatch, "2/2")
    assert (first | second) - data == {t for t in run("doors", monkeypatch) if t not in data}
    assert first & second == set() and data <= first | second
    assert abs(len(first & data) - len(second)) < len(data) / 4  # about as many each


def test_a_mistyped_share_stops_the_run(monkeypatch):
    with pytest.raises(pytest.UsageError):
        run("dörr", monkeypatch)
    with pytest.raises(pytest.UsageError):
        run("all", monkeypatch, "3/2")
