"""Door devices: an organiser makes a link for one event and a time window, a phone opens the
door page with it without a password, every scan names the device, and a revoked or expired
link stops working at its next request."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.checkin import devices
from app.checkin.models import CheckIn
from app.db_types import utcnow
from tests.conftest import login
from tests.factories import build_conference, register

MANAGE = "/manage/e/varkonferensen-2027/door-devices"
DOOR = "/checkin/varkonferensen-2027"


def make_device(event, name="Entré norr", start=-1, end=8, organiser=None):
    now = utcnow()
    return devices.create(event, name, now + timedelta(hours=start), now + timedelta(hours=end),
                          organiser)


@pytest.fixture
def phone(app):
    return app.test_client()


def test_organiser_creates_a_device_and_sees_its_link_and_qr_code_once(organiser, conference,
                                                                       db):
    response = organiser.post(MANAGE, data={
        "name": "Entré norr", "valid_from": "2027-05-01T07:00", "valid_until": "2027-05-01T18:00"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data:image/png;base64," in html and "/door/" in html
    device = db.session.scalar(select(devices.DoorDevice))
    assert device.name == "Entré norr" and len(device.token_hash) == 64
    # 07:00 in Stockholm in May is 05:00 UTC.
    assert device.valid_from.hour == 5
    again = organiser.get(MANAGE).get_data(as_text=True)
    assert "Entré norr" in again and "data:image/png" not in again and "/door/" not in again


def test_a_window_that_ends_before_it_starts_is_refused(organiser, conference, db):
    response = organiser.post(MANAGE, data={
        "name": "Entré", "valid_from": "2027-05-01T18:00", "valid_until": "2027-05-01T07:00"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(devices.DoorDevice)) == 0


def test_door_staff_and_anonymous_visitors_cannot_manage_devices(app, make_user, conference,
                                                                 phone):
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    assert door.get(MANAGE).status_code == 403
    assert door.post(MANAGE, data={"name": "X"}).status_code == 403
    anonymous = phone.get(MANAGE)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_device_link_opens_the_door_and_each_scan_names_the_device(conference, db, phone,
                                                                      mailbox):
    attendee = register(conference["event"], conference["ticket"])
    device, token = make_device(conference["event"])
    opened = phone.get(f"/door/{token}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(DOOR)
    page = phone.get(DOOR)
    assert page.status_code == 200 and "Entré norr" in page.get_data(as_text=True)
    answer = phone.post(f"{DOOR}/scan.json", data={"code": attendee.badge_token},
                        headers={"Accept": "application/json"})
    assert answer.status_code == 200 and answer.get_json()["outcome"] == "checked_in"
    check_in = db.session.scalar(select(CheckIn))
    assert check_in.device_id == device.id and check_in.checked_in_by_id is None
    again = phone.post(f"{DOOR}/scan.json", data={"code": attendee.badge_token},
                       headers={"Accept": "application/json"})
    assert again.get_json()["check_in"]["by"] == "Entré norr"
    assert phone.get(f"{DOOR}/search?q=alva").status_code == 200
    assert phone.get(f"{DOOR}/counts.json").status_code == 200
    assert db.session.get(devices.DoorDevice, device.id).last_seen_at is not None


def test_a_device_reaches_only_its_own_event(conference, db, phone):
    build_conference(name="Höstkursen", slug="hostkursen-2027")
    _device, token = make_device(conference["event"])
    phone.get(f"/door/{token}")
    assert phone.get("/checkin/hostkursen-2027").status_code == 403


@pytest.mark.parametrize("start, end", [(1, 8), (-8, -1)], ids=["not-yet", "expired"])
def test_a_link_outside_its_window_is_refused(conference, db, phone, start, end):
    _device, token = make_device(conference["event"], start=start, end=end)
    response = phone.get(f"/door/{token}")
    assert response.status_code == 403
    assert "dörrenhet" in response.get_data(as_text=True).lower()
    assert phone.get(DOOR).status_code == 302  # no session was made: log in


def test_revoking_ends_the_device_at_its_next_request(organiser, conference, db, phone):
    device, token = make_device(conference["event"])
    phone.get(f"/door/{token}")
    assert phone.get(DOOR).status_code == 200
    revoke = organiser.post(f"{MANAGE}/{device.id}/revoke")
    assert revoke.status_code == 303
    assert organiser.post(f"{MANAGE}/{device.id}/revoke").status_code == 303  # idempotent
    refused = phone.get(DOOR)
    assert refused.status_code == 403 and "återkallad" in refused.get_data(as_text=True)
    assert phone.get(f"/door/{token}").status_code == 403


def test_an_unknown_link_is_not_found(phone, conference):
    assert phone.get("/door/not-a-token").status_code == 404


def test_logging_out_ends_the_device_session(conference, db, phone):
    _device, token = make_device(conference["event"])
    phone.get(f"/door/{token}")
    phone.post("/logout")
    assert phone.get(DOOR).status_code == 302


def test_the_counts_per_door_name_the_device(conference, db, phone, mailbox):
    attendee = register(conference["event"], conference["ticket"])
    _device, token = make_device(conference["event"])
    phone.get(f"/door/{token}")
    phone.post(DOOR, data={"code": attendee.badge_token})
    counts = phone.get(f"{DOOR}/counts.json").get_json()
    assert counts["doors"] == [{"name": "Entré norr", "count": 1}]
