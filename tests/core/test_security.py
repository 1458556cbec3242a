"""What keeps private pages private: they are never stored by a browser or proxy cache, the
links that are keys (speakers, feedback) and the door are rate limited, and production will
not start with a secret key short enough to guess."""

import pytest

from app import create_app
from app.db_types import utcnow
from app.extensions import limiter
from app.feedback.services import create_survey
from app.waitlist.models import WaitingListEntry
from config import Config
from tests.conftest import login
from tests.factories import register

NO_STORE = "private, no-store"


@pytest.fixture
def door(app, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]], name="Dora Door")
    return login(app.test_client(), "dorr@example.org")


@pytest.fixture
def attendee(conference, db):
    """Alva, registered, asked for feedback, and on the waiting list of the paid ticket."""
    registration = register(conference["event"], conference["ticket"])
    registration.feedback_requested_at = utcnow()
    create_survey(conference["event"], "course")
    entry = WaitingListEntry(event_id=conference["event"].id, name="Alva Persson",
                             ticket_type_id=conference["paid"].id, email="alva@example.org",
                             token="vantelista-alva-token-0123456789")
    db.session.add(entry)
    db.session.commit()
    return registration


def test_personal_and_organiser_pages_are_never_cached(client, organiser, door, attendee,
                                                       conference, mailbox):
    slug = conference["event"].slug
    personal = [
        f"/r/{attendee.manage_token}", f"/r/{attendee.manage_token}/edit",
        f"/r/{attendee.manage_token}/programme", f"/r/{attendee.manage_token}/feedback",
        f"/o/{attendee.order.manage_token}", f"/s/{conference['speaker'].token}",
        "/waiting-list/vantelista-alva-token-0123456789",
        "/r/no-such-link",  # a wrong guess too: its 404 says nothing to a cache either
    ]
    for path in personal:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert response.headers["Cache-Control"] == NO_STORE, path
    for path in ("/manage/", f"/manage/e/{slug}/", f"/manage/e/{slug}/attendees",
                 "/admin/users", "/dev/mail", "/checkin/"):
        response = organiser.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == NO_STORE, path
    scan = door.post(f"/checkin/{slug}", data={"code": attendee.badge_token})
    assert scan.status_code == 200 and scan.headers["Cache-Control"] == NO_STORE


def test_public_pages_and_photos_keep_their_caching(client, conference):
    slug = conference["event"].slug
    for path in (f"/e/{slug}/", f"/e/{slug}/programme", f"/e/{slug}/programme.ics",
                 "/static/css/samla.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path


@pytest.fixture
def low_limits(app):
    limits = {"RATELIMIT_MANAGE": "3 per minute", "RATELIMIT_SPEAKER": "3 per minute",
              "RATELIMIT_DOOR": "3 per minute"}
    saved = {key: app.config.get(key) for key in limits}
    app.config.update(limits)
    limiter.reset()
    yield
    app.config.update(saved)
    limiter.reset()


def statuses(send, times=5):
    return [send().status_code for _ in range(times)]


def test_guessing_speaker_links_is_rate_limited(client, conference, low_limits):
    token = conference["speaker"].token
    assert statuses(lambda: client.get(f"/s/{token}")) == [200, 200, 200, 429, 429]
    assert client.get("/s/a-guess").status_code == 429


def test_feedback_links_are_rate_limited(client, attendee, low_limits):
    path = f"/r/{attendee.manage_token}/feedback"
    assert statuses(lambda: client.get(path)) == [200, 200, 200, 429, 429]


def test_door_scans_are_rate_limited_per_account(door, attendee, conference, low_limits,
                                                 make_user, app):
    """Per account, not per address: the door staff of a venue share its network."""
    path = f"/checkin/{conference['event'].slug}"
    assert statuses(lambda: door.post(path, data={"code": "A" * 26})) == [
        404, 404, 404, 429, 429]
    make_user("dorr2@example.org", role="door", events=[conference["event"]])
    colleague = login(app.test_client(), "dorr2@example.org")
    assert colleague.post(path, data={"code": attendee.badge_token}).status_code == 200
    # Opening the scan page is not a scan.
    assert door.get(path).status_code == 200


@pytest.mark.parametrize("database", ["postgresql+psycopg://nobody@127.0.0.1/none", None])
def test_a_short_secret_key_refuses_to_start(database, monkeypatch):
    """With a server database, or a key from the environment, the key must be at least
    32 bytes."""
    # No Redis: the rate limiter is shared with the session's app and must stay in memory.
    settings = {"SECRET_KEY": "x" * 31, "REDIS_URL": "", "RATELIMIT_STORAGE_URI": "memory://"}
    if database:
        settings["SQLALCHEMY_DATABASE_URI"] = database
    else:
        monkeypatch.setenv("SECRET_KEY", "x" * 31)
    with pytest.raises(RuntimeError, match="at least 32 bytes"):
        create_app(Config, **settings)
    settings["SECRET_KEY"] = "x" * 32
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    assert create_app(Config, **settings).secret_key == "x" * 32
