"""`make test` splits the suite into three runs (tests/conftest.py): SQLite without browser
tests, SQLite with only the browser tests other than the door's, PostgreSQL with everything
but those. Together they must take every data test on both databases and each browser test
once."""

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
    assert len(items) + len(config.deselected) == len(collected())
    return {item.nodeid for item in items}


def test_the_three_runs_take_every_data_test_twice_and_each_browser_test_once(monkeypatch):
    everything = {item.nodeid for item in collected()}
    browser = {test for test in everything if "/browser/" in test}
    sqlite = [run("none", monkeypatch), run("only-other", monkeypatch)]
    postgresql = run("door", monkeypatch)
    assert sqlite[0] | sqlite[1] | postgresql == everything
    assert sqlite[0] & sqlite[1] == set()
    assert (sqlite[0] | sqlite[1]) & postgresql == everything - browser
    assert "tests/browser/test_door_offline.py" in postgresql  # two doors at once
    assert "tests/browser/test_phone_pages.py" in sqlite[1]
    assert "tests/checkin/test_door_json.py" in sqlite[0] & postgresql


def test_alone_the_suite_takes_everything(monkeypatch):
    assert run("all", monkeypatch) == {item.nodeid for item in collected()}


def test_a_mistyped_share_stops_the_run(monkeypatch):
    with pytest.raises(pytest.UsageError):
        run("dörr", monkeypatch)
