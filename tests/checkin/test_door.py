"""Door staff scan badges; each badge counts once, and the screen says why when it does not."""


import pytest
from sqlalchemy import func, select

from app.checkin.models import CheckIn
from app.extensions import db as _db
from app.registration import services as registration_services
from tests.concurrency import run_at_once
from tests.conftest import login
from tests.factories import build_conference, register


@pytest.fixture
def door(app, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]], name="Dora Door")
    return login(app.test_client(), "dorr@example.org")


def scan(client, code, slug="varkonferensen-2027"):
    return client.post(f"/checkin/{slug}", data={"code": code})


def test_scan_checks_in_and_shows_the_name(door, conference, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    page = door.get("/checkin/varkonferensen-2027")
    assert page.status_code == 200
    assert 'autofocus' in page.get_data(as_text=True)
    response = scan(door, attendee.badge_token)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Alva Persson" in html and "Incheckad" in html
    assert "Incheckade: 1 av 1" in html


def test_second_scan_says_when_and_by_whom(door, conference, db, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    scan(door, attendee.badge_token)
    again = scan(door, attendee.badge_token)
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "Redan incheckad" in html and "Dora Door" in html
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_scanner_input_is_forgiving_about_case_and_spaces(door, conference, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    token = attendee.badge_token
    typed = f" {token[:4].lower()} {token[4:13]}-{token[13:]}\n"
    assert scan(door, typed).status_code == 200


def test_forged_and_malformed_codes(door, conference):
    unknown = scan(door, "A" * 26)
    assert unknown.status_code == 404 and "Okänd kod" in unknown.get_data(as_text=True)
    assert scan(door, "1; DROP TABLE registration").status_code == 400
    assert scan(door, "").status_code == 400


def test_cancelled_registration_is_not_let_in(door, conference, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    registration_services.cancel(attendee)
    response = scan(door, attendee.badge_token)
    assert response.status_code == 409 and "avanmäl" in response.get_data(as_text=True).lower()


def test_badge_for_another_event(door, conference, mailbox):
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    attendee = register(other["event"], other["ticket"])
    response = scan(door, attendee.badge_token)
    assert response.status_code == 409 and "Höstkursen" in response.get_data(as_text=True)


def test_door_staff_only_reach_their_events(door, db):
    build_conference(name="Höstkursen", slug="hostkursen-2027")
    assert door.get("/checkin/hostkursen-2027").status_code == 403
    assert door.get("/checkin/finns-inte").status_code == 404
    events = door.get("/checkin/").get_data(as_text=True)
    assert "Vårkonferensen" in events and "Höstkursen" not in events


def test_check_in_needs_login(client, conference):
    response = client.get("/checkin/varkonferensen-2027")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_two_doors_scanning_one_badge_at_once_count_once(app, conference, make_user, mailbox):
    """Real concurrency: several threads, each with its own connection, scan the same badge."""
    from app.checkin.services import Door
    from app.checkin.services import scan as scan_badge

    attendee = register(conference["event"], conference["ticket"])
    user = make_user("dorr2@example.org", role="door", events=[conference["event"]])
    event_id, user_id, token = conference["event"].id, user.id, attendee.badge_token
    _db.session.commit()

    def door_scan(_i):
        from app.accounts.models import User
        from app.events.models import Event

        event, staff = _db.session.get(Event, event_id), _db.session.get(User, user_id)
        return scan_badge(Door(event, user=staff), token).outcome

    outcomes = [outcome for _, outcome in run_at_once(app, 6, door_scan)]
    assert sorted(outcomes) == ["already"] * 5 + ["checked_in"]
    assert _db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
