"""The door page's JSON endpoint: door.js sends each scan and shows the answer without a reload.
The answer says the outcome in the door's words, who it is, and how many are in."""

import pytest
from sqlalchemy import func, select

from app.checkin import services as checkin_services
from app.checkin.models import CheckIn
from app.extensions import limiter
from app.registration import services as registration_services
from tests.conftest import login
from tests.factories import build_conference, register

URL = "/checkin/varkonferensen-2027/scan.json"
JSON = {"Accept": "application/json"}


@pytest.fixture
def door(app, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]], name="Dora Door")
    return login(app.test_client(), "dorr@example.org")


def scan(client, code):
    return client.post(URL, data={"code": code}, headers=JSON)


def test_a_scan_answers_with_name_ticket_and_counts(door, conference, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    register(conference["event"], conference["ticket"], name="Nils Karlsson",
             email="nils@example.org")
    response = scan(door, attendee.badge_token)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["outcome"] == "checked_in" and answer["status"] == "Incheckad"
    assert answer["name"] == "Alva Persson"
    assert answer["ticket_type"] == conference["ticket"].name
    assert (answer["checked_in"], answer["expected"]) == (1, 2)
    assert answer["annul_url"].endswith(f"/check-ins/{answer['check_in']['id']}/annul")


def test_a_second_scan_says_when_and_by_whom(door, conference, db, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    scan(door, attendee.badge_token)
    again = scan(door, attendee.badge_token)
    assert again.status_code == 409
    answer = again.get_json()
    assert answer["outcome"] == "already" and answer["status"] == "Redan incheckad"
    assert answer["check_in"]["by"] == "Dora Door" and answer["check_in"]["at"]
    assert "Dora Door" in answer["detail"]
    assert answer["annul_url"] is None
    assert (answer["checked_in"], answer["expected"]) == (1, 1)
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_a_cancelled_registration_is_refused(door, conference, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    registration_services.cancel(attendee)
    response = scan(door, attendee.badge_token)
    assert response.status_code == 409
    answer = response.get_json()
    assert answer["outcome"] == "cancelled" and "avanmäl" in answer["detail"].lower()


def test_a_badge_for_another_event_names_that_event(door, conference, mailbox):
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    attendee = register(other["event"], other["ticket"])
    response = scan(door, attendee.badge_token)
    answer = response.get_json()
    assert response.status_code == 409 and answer["outcome"] == "other_event"
    assert "Höstkursen" in answer["detail"] and answer["name"] is None


def test_unknown_and_malformed_codes(door, conference):
    unknown = scan(door, "A" * 26)
    assert unknown.status_code == 404 and unknown.get_json()["status"] == "Okänd kod"
    for code in ("1; DROP TABLE registration", "", "x" * 300):
        malformed = scan(door, code)
        assert malformed.status_code == 400 and malformed.get_json()["outcome"] == "invalid"
    assert unknown.get_json()["checked_in"] == 0


def test_door_staff_of_another_event_and_strangers_get_no_answer(app, door, conference, client):
    build_conference(name="Höstkursen", slug="hostkursen-2027")
    assert door.post("/checkin/hostkursen-2027/scan.json", data={"code": "A" * 26},
                     headers=JSON).status_code == 403
    assert client.post(URL, data={"code": "A" * 26}).status_code == 302


def test_without_the_csrf_header_the_answer_is_a_json_400(app, door, conference, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = door.post(URL, data={"code": attendee.badge_token}, headers=JSON)
        page = door.get("/checkin/varkonferensen-2027").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        accepted = door.post(URL, data={"code": attendee.badge_token},
                             headers={**JSON, "X-CSRFToken": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert refused.status_code == 400 and refused.is_json and refused.get_json()["status"] == 400
    assert accepted.status_code == 200 and accepted.get_json()["outcome"] == "checked_in"


@pytest.fixture
def door_rate_limited(app):
    app.config["RATELIMIT_DOOR"] = "3 per minute"
    limiter.reset()
    yield
    app.config["RATELIMIT_DOOR"] = "100000 per minute"
    limiter.reset()


def test_json_scans_and_form_scans_share_the_door_rate_limit(door, conference, door_rate_limited):
    statuses = [scan(door, "A" * 26).status_code for _ in range(3)]
    assert statuses == [404] * 3
    assert scan(door, "A" * 26).status_code == 429
    assert door.post("/checkin/varkonferensen-2027", data={"code": "A" * 26}).status_code == 429


def test_the_expected_figure_is_kept_briefly_and_the_live_counts_count_afresh(
        door, conference, mailbox, monkeypatch):
    """Counting who a list expects for every scan cost the database more than the scan: a
    scan's answer may take a figure up to EXPECTED_FRESH seconds old, counts.json never."""
    first = register(conference["event"], conference["ticket"])
    second = register(conference["event"], conference["ticket"], name="Nils Karlsson",
                      email="nils@example.org")
    third = register(conference["event"], conference["ticket"], name="Siri Holm",
                     email="siri@example.org")
    clock = [1000.0]
    monkeypatch.setattr(checkin_services, "_clock", lambda: clock[0])
    assert scan(door, first.badge_token).get_json()["expected"] == 3
    registration_services.cancel(third)
    kept = scan(door, second.badge_token).get_json()
    assert (kept["checked_in"], kept["expected"]) == (2, 3)  # in: always counted
    counts = door.get("/checkin/varkonferensen-2027/counts.json").get_json()
    assert (counts["checked_in"], counts["expected"]) == (2, 2)
    clock[0] += checkin_services.EXPECTED_FRESH + 0.1
    again = scan(door, second.badge_token).get_json()
    assert (again["outcome"], again["checked_in"], again["expected"]) == ("already", 2, 2)
