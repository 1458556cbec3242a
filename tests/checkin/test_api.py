"""The check-in API a scanner app of any maker can use: a door device's token, JSON in and
out. A repeated nonce is answered as the first time and checks no one in twice; the list for
an offline door holds hashes of badge codes, never the codes, emails or needs."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.checkin import devices
from app.checkin.models import CheckIn, CheckInConflict
from app.db_types import utcnow
from app.extensions import limiter
from tests.factories import build_conference, register

API = "/api/v1/checkin/varkonferensen-2027"


@pytest.fixture
def device(conference, db):
    now = utcnow()
    return devices.create(conference["event"], "Skanner 1", now - timedelta(hours=1),
                          now + timedelta(hours=8), None)


@pytest.fixture
def api(app, device):
    """A client that sends the device's token, as a scanner app would."""
    _device, token = device
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def attendee(conference):
    return register(conference["event"], conference["ticket"], accessibility_needs="Rullstol",
                    sensitive_consent=True)


def redeem(client, code, nonce="n-1"):
    return client.post(f"{API}/redeem", json={"code": code, "nonce": nonce,
                                              "device_time": "2027-05-01T09:00:00+02:00"})


def test_without_a_known_token_the_api_answers_401(app, conference, attendee):
    client = app.test_client()
    assert client.get(f"{API}/sync").status_code == 401
    client.environ_base["HTTP_AUTHORIZATION"] = "Bearer not-a-token"
    response = redeem(client, attendee.badge_token)
    assert response.status_code == 401 and response.get_json()["status"] == 401


def test_a_revoked_device_is_refused_with_403(api, device, attendee, db):
    devices.revoke(device[0])
    response = redeem(api, attendee.badge_token)
    assert response.status_code == 403 and "återkallad" in response.get_json()["error"]


def test_a_device_of_another_event_is_refused_with_403(app, db):
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    now = utcnow()
    _device, token = devices.create(other["event"], "Annan", now, now + timedelta(hours=1), None)
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert client.get(f"{API}/search?q=a").status_code == 403


def test_redeem_checks_in_and_names_the_device(api, device, attendee, db):
    response = redeem(api, attendee.badge_token)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["outcome"] == "checked_in" and answer["name"] == "Alva Persson"
    assert answer["check_in"]["by"] == "Skanner 1"
    assert db.session.scalar(select(CheckIn.device_id)) == device[0].id
    second = redeem(api, attendee.badge_token, nonce="n-2")
    assert second.status_code == 409 and second.get_json()["outcome"] == "already"
    assert redeem(api, "A" * 26, nonce="n-3").status_code == 404
    assert redeem(api, "nonsense", nonce="n-4").status_code == 400


def test_a_repeated_nonce_is_answered_as_the_first_time_and_stored_once(api, attendee, db):
    first = redeem(api, attendee.badge_token, nonce="same")
    again = redeem(api, attendee.badge_token, nonce="same")
    assert again.status_code == first.status_code == 200
    assert again.get_json() == first.get_json()
    assert db.session.scalar(select(func.count()).select_from(devices.ScanRecord)) == 1
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1


@pytest.mark.parametrize("body", [None, {"code": "X"}, {"nonce": "n"}, {"code": 5, "nonce": "n"}])
def test_a_bad_body_is_400(api, body):
    response = api.post(f"{API}/redeem", json=body) if body is not None \
        else api.post(f"{API}/redeem", data="not json")
    assert response.status_code == 400 and "error" in response.get_json()


def test_search_finds_a_person(api, attendee):
    response = api.get(f"{API}/search?q=alva")
    assert response.status_code == 200
    assert [row["name"] for row in response.get_json()["results"]] == ["Alva Persson"]


def test_the_device_annuls_its_own_check_in(api, attendee, db):
    check_in_id = redeem(api, attendee.badge_token).get_json()["check_in"]["id"]
    assert api.post(f"{API}/check-ins/{check_in_id}/annul", json={}).status_code == 400
    response = api.post(f"{API}/check-ins/{check_in_id}/annul", json={"reason": "Fel bricka"})
    assert response.status_code == 200 and response.get_json()["checked_in"] == 0
    again = api.post(f"{API}/check-ins/{check_in_id}/annul", json={"reason": "Fel bricka"})
    assert again.status_code == 409


def test_sync_holds_hashes_names_and_state_but_no_email_or_needs(api, attendee, conference):
    register(conference["event"], conference["ticket"], name="Nils Karlsson",
             email="nils@example.org")
    redeem(api, attendee.badge_token)
    response = api.get(f"{API}/sync")
    assert response.status_code == 200
    body = response.get_json()
    text = response.get_data(as_text=True)
    assert body["generated_at"]
    assert "@" not in text and "Rullstol" not in text and attendee.badge_token not in text
    rows = {row["name"]: row for row in body["registrations"]}
    alva = rows["Alva Persson"]
    assert alva["badge_sha256"] == hashlib.sha256(attendee.badge_token.encode()).hexdigest()
    assert alva["checked_in"] is True and rows["Nils Karlsson"]["checked_in"] is False
    assert alva["status"] == "confirmed" and alva["ticket_type"] == conference["ticket"].name


def test_the_api_needs_no_csrf_token_but_the_door_form_still_does(live_app, device, attendee):
    """A scanner app has no form to take a token from; its bearer token is its proof."""
    _device, token = device
    client = live_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert redeem(client, attendee.badge_token).status_code == 200
    refused = client.post("/checkin/varkonferensen-2027/scan.json",
                          data={"code": attendee.badge_token})
    assert refused.status_code == 400


def test_the_api_and_the_device_link_are_never_cached(api, attendee, app):
    """The sync list names every attendee; the device link carries the device's secret."""
    assert api.get(f"{API}/sync").headers["Cache-Control"] == "private, no-store"
    assert app.test_client().get("/door/no-such-token").headers["Cache-Control"] \
        == "private, no-store"


@pytest.fixture
def door_rate_limited(app):
    app.config["RATELIMIT_DOOR"] = "3 per minute"
    limiter.reset()
    yield
    app.config["RATELIMIT_DOOR"] = "100000 per minute"
    limiter.reset()


def test_the_api_shares_the_rate_limit_of_the_devices_door_page(app, api, device, conference,
                                                                door_rate_limited):
    _device, token = device
    phone = app.test_client()
    phone.get(f"/door/{token}")
    assert phone.post("/checkin/varkonferensen-2027", data={"code": "A" * 26}).status_code == 404
    assert [redeem(api, "A" * 26, nonce=f"n{i}").status_code for i in range(3)] == [404, 404, 429]
    limited = redeem(api, "A" * 26, nonce="n9")
    assert limited.status_code == 429 and limited.get_json()["status"] == 429


def test_the_purge_forgets_what_devices_sent_and_ends_the_devices(organiser, api, device,
                                                                  attendee, conference, db):
    """A scan record keeps the code and the answer with the person's name: needed during the
    event to answer a repeated nonce, not after it."""
    redeem(api, attendee.badge_token)
    queued = {"code": attendee.badge_token, "nonce": "offline", "offline_outcome": "checked_in"}
    assert api.post(f"{API}/upload", json={"scans": [queued]}).get_json()["results"][0][
        "conflict"]
    purge = organiser.post("/manage/e/varkonferensen-2027/purge",
                           data={"confirm_slug": "varkonferensen-2027"})
    assert purge.status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(devices.ScanRecord)) == 0
    assert db.session.scalar(select(func.count()).select_from(CheckInConflict)) == 0
    assert db.session.get(devices.DoorDevice, device[0].id).revoked_at is not None
    assert db.session.scalar(select(CheckIn.device_id)) == device[0].id  # who scanned stays


def test_an_unknown_event_is_403_not_a_hint_about_which_events_exist(api):
    assert api.get("/api/v1/checkin/finns-inte/sync").status_code == 403
