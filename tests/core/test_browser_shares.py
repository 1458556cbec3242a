"""`make test` gives each browser test to one of its two runs (tests/conftest.py): the door's
to PostgreSQL, the rest to SQLite. Together the two runs must take every test, each once."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import conftest

TESTS = Path(conftest.__file__).parent


class Config:
    def __init__(self):
        self.stash = pytest.Stash()
        self.deselected = []
        self.hook = SimpleNamespace(pytest_deselected=lambda items: self.deselected.extend(items))


def collected():
    return [SimpleNamespace(path=path, nodeid=str(path.relative_to(TESTS.parent)))
            for path in sorted(TESTS.rglob("test_*.py"))]


def run(share, monkeypatch):
    monkeypatch.setenv("BROWSER_TESTS", share)
    items, config = collected(), Config()
    conftest.pytest_collection_modifyitems(config, items)
    return {item.nodeid for item in items}, {item.nodeid for item in config.deselected}


def test_the_two_runs_together_take_every_test_and_each_browser_test_once(monkeypatch):
    everything = {item.nodeid for item in collected()}
    door, door_left = run("door", monkeypatch)
    rest, rest_left = run("not-door", monkeypatch)
    assert door | rest == everything
    browser = {test for test in everything if "/browser/" in test}
    assert door & rest == everything - browser  # the rest runs on both databases
    assert door_left | rest_left == browser and not door_left & rest_left
    assert "tests/browser/test_door_offline.py" in door  # two doors at once: PostgreSQL
    assert "tests/browser/test_phone_pages.py" in rest


def test_alone_the_suite_takes_every_browser_test(monkeypatch):
    assert run("all", monkeypatch) == ({item.nodeid for item in collected()}, set())


def test_a_mistyped_share_stops_the_run(monkeypatch):
    with pytest.raises(pytest.UsageError):
        run("dörr", monkeypatch)
