"""A scan at the door costs a few SQL statements, however big the event (issue 10: at most 5
per scan, so 16 door devices are answered at once at opening time)."""

import pytest

from tests.checkin.test_door_json import JSON, URL
from tests.conftest import login
from tests.factories import register
from tests.queries import recorded_queries

BUDGET = 5


@pytest.fixture
def door(app, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]], name="Dora Door")
    return login(app.test_client(), "dorr@example.org")


def queries_of_scan(client, code) -> tuple[int, int]:
    """(status, statements sent) of one JSON scan; SQLite's BEGIN is not a query PostgreSQL
    would get, so it is left out."""
    with recorded_queries() as statements:
        response = client.post(URL, data={"code": code}, headers=JSON)
    return response.status_code, sum(1 for s in statements if not s.startswith("BEGIN"))


def test_a_scan_and_a_second_scan_stay_within_five_queries(door, conference, mailbox):
    codes = [register(conference["event"], conference["ticket"], name=f"Deltagare {i}",
                      email=f"d{i}@example.org").badge_token for i in range(12)]
    door.post(URL, data={"code": codes[0]}, headers=JSON)  # the session is warm, as at a door

    status, first = queries_of_scan(door, codes[1])
    assert status == 200 and first <= BUDGET
    status, again = queries_of_scan(door, codes[1])
    assert status == 409 and again <= BUDGET


def test_a_badge_scanned_by_another_door_names_it_within_budget(app, door, make_user,
                                                                conference, mailbox):
    make_user("dorr2@example.org", role="door", events=[conference["event"]], name="Dan Door")
    other = login(app.test_client(), "dorr2@example.org")
    code = register(conference["event"], conference["ticket"]).badge_token
    other.post(URL, data={"code": code}, headers=JSON)

    with recorded_queries() as statements:
        answer = door.post(URL, data={"code": code}, headers=JSON).get_json()
    assert answer["outcome"] == "already" and answer["check_in"]["by"] == "Dan Door"
    assert sum(1 for s in statements if not s.startswith("BEGIN")) <= BUDGET
