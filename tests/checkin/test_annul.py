"""A check-in scanned by mistake can be undone, with a reason, by the door account that made it
or an organiser. The history keeps both; the counts, the feedback list and the attendee's page
then treat the person as not yet come in, and the badge can be scanned again."""

import pytest
from sqlalchemy import select

from app.checkin.models import CheckIn
from app.extensions import db
from app.feedback.services import create_survey
from tests.conftest import login
from tests.factories import build_conference, register

SLUG = "varkonferensen-2027"
JSON = {"Accept": "application/json"}


@pytest.fixture
def door(app, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]], name="Dora Door")
    return login(app.test_client(), "dorr@example.org")


@pytest.fixture
def attendee(conference):
    return register(conference["event"], conference["ticket"])


def scan(client, code):
    return client.post(f"/checkin/{SLUG}/scan.json", data={"code": code}, headers=JSON)


def annul(client, check_in_id, reason="Fel bricka", slug=SLUG, headers=JSON):
    return client.post(f"/checkin/{slug}/check-ins/{check_in_id}/annul",
                       data={"reason": reason}, headers=headers)


def check_ins(db):
    db.session.rollback()
    return db.session.scalars(select(CheckIn).order_by(CheckIn.id)).all()


def test_the_door_account_undoes_its_own_scan(door, attendee, db):
    scanned = scan(door, attendee.badge_token).get_json()
    undone = annul(door, scanned["check_in"]["id"])
    assert undone.status_code == 200
    answer = undone.get_json()
    assert answer["outcome"] == "annulled" and "Alva Persson" in answer["status"]
    assert (answer["checked_in"], answer["expected"]) == (0, 1)
    [row] = check_ins(db)
    assert row.annulled_at is not None and row.annul_reason == "Fel bricka"
    assert row.annulled_by.name == "Dora Door" and row.checked_in_by.name == "Dora Door"


def test_the_form_without_javascript_undoes_and_says_so(door, attendee, db):
    page = door.post(f"/checkin/{SLUG}", data={"code": attendee.badge_token})
    assert "Ångra" in page.get_data(as_text=True)
    [row] = check_ins(db)
    undone = annul(door, row.id, headers={})
    assert undone.status_code == 303
    after = door.get(undone.headers["Location"]).get_data(as_text=True)
    assert "Incheckningen av Alva Persson ångrades" in after
    assert "Incheckade: 0 av 1" in after


def test_an_organiser_undoes_any_scan(door, organiser, attendee, db):
    scanned = scan(door, attendee.badge_token).get_json()
    assert annul(organiser, scanned["check_in"]["id"]).status_code == 200
    assert check_ins(db)[0].annulled_by.name == "Olga Organiser"


def test_another_door_account_may_not_undo(app, door, attendee, make_user, conference, db):
    make_user("dorr2@example.org", role="door", events=[conference["event"]])
    colleague = login(app.test_client(), "dorr2@example.org")
    scanned = scan(door, attendee.badge_token).get_json()
    refused = annul(colleague, scanned["check_in"]["id"])
    assert refused.status_code == 403 and refused.is_json
    assert check_ins(db)[0].annulled_at is None


def test_door_staff_of_another_event_reach_neither_event(app, door, attendee, make_user, db):
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    make_user("host@example.org", role="door", events=[other["event"]])
    stranger = login(app.test_client(), "host@example.org")
    scanned = scan(door, attendee.badge_token).get_json()
    assert annul(stranger, scanned["check_in"]["id"]).status_code == 403
    # Through their own event's address the check-in is not theirs to find.
    assert annul(stranger, scanned["check_in"]["id"], slug="hostkursen-2027").status_code == 404
    assert annul(door, 9999).status_code == 404
    assert check_ins(db)[0].annulled_at is None


@pytest.mark.parametrize("reason", ["", "   ", "Fel\nbricka"])
def test_a_reason_is_required_on_one_line(door, attendee, db, reason):
    scanned = scan(door, attendee.badge_token).get_json()
    refused = annul(door, scanned["check_in"]["id"], reason=reason)
    assert refused.status_code == 400 and refused.get_json()["error"]
    assert check_ins(db)[0].annulled_at is None


def test_undoing_twice_undoes_once(door, attendee, db):
    scanned = scan(door, attendee.badge_token).get_json()
    assert annul(door, scanned["check_in"]["id"]).status_code == 200
    again = annul(door, scanned["check_in"]["id"], reason="Igen")
    assert again.status_code == 409 and "redan" in again.get_json()["message"]
    [row] = check_ins(db)
    assert row.annul_reason == "Fel bricka"


def test_after_undo_the_badge_scans_again_as_one_new_check_in(door, attendee, db):
    first = scan(door, attendee.badge_token).get_json()
    annul(door, first["check_in"]["id"])
    again = scan(door, attendee.badge_token)
    assert again.status_code == 200 and again.get_json()["checked_in"] == 1
    assert scan(door, attendee.badge_token).get_json()["outcome"] == "already"
    rows = check_ins(db)
    assert len(rows) == 2 and [r.annulled_at is None for r in rows] == [False, True]
    db.session.refresh(attendee)
    assert attendee.check_in is rows[1] and attendee.check_ins == rows


def test_an_undone_check_in_is_not_asked_for_feedback(door, organiser, attendee, mailbox):
    scanned = scan(door, attendee.badge_token).get_json()
    annul(door, scanned["check_in"]["id"])
    create_survey(attendee.event, "conference")
    db.session.commit()
    sent = organiser.post(f"/manage/e/{SLUG}/feedback/send",
                          data={"send_to": "checked_in", "confirm_early": "y"})
    assert sent.status_code == 302
    assert mailbox.messages == []


def test_after_undo_the_attendee_may_change_details_again(door, client, attendee):
    scanned = scan(door, attendee.badge_token).get_json()
    assert client.get(f"/r/{attendee.manage_token}/edit").status_code == 409
    annul(door, scanned["check_in"]["id"])
    assert client.get(f"/r/{attendee.manage_token}/edit").status_code == 200
