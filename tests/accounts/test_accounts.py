"""Organisers and door staff log in; administrators hand out accounts, on the web or the CLI."""

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.demo import credentials_file
from app.events.models import Event
from tests.conftest import PASSWORD
from tests.factories import build_conference

DOOR_PASSWORD = "dorrvakt-2027!"


def log_in(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def goes_to_login(response):
    return response.status_code == 302 and "/login" in response.headers["Location"]


def count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def new_account(admin, **changes):
    data = {"name": "Dora Dörr", "email": "dora@example.org", "password": DOOR_PASSWORD,
            "role": "door", "events": []}
    data.update(changes)
    return admin.post("/admin/users", data=data)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


# --- logging in and out -----------------------------------------------------------------------

def test_organiser_logs_in_and_out(client, make_user):
    make_user("olga@example.org", role="organiser")
    response = log_in(client, "Olga@Example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith("/manage/")
    assert client.get("/manage/").status_code == 200

    logout = client.post("/logout")
    assert logout.status_code == 302
    assert "Du är utloggad." in client.get("/").get_data(as_text=True)
    assert goes_to_login(client.get("/manage/"))


def copy_of_session(app, client):
    """Another browser holding a copy of the client's session cookie (stolen, or left on a
    shared computer)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_logging_out_ends_a_copied_session_too(app, client, make_user):
    make_user("olga@example.org", role="organiser")
    log_in(client, "olga@example.org")
    copy = copy_of_session(app, client)
    assert copy.get("/manage/").status_code == 200
    client.post("/logout")
    assert goes_to_login(copy.get("/manage/"))
    assert goes_to_login(client.get("/manage/"))
    # Logging in again starts a new session that works.
    log_in(client, "olga@example.org")
    assert client.get("/manage/").status_code == 200


def change_password(client, current=PASSWORD, new="ett nytt långt lösenord", confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm})


def test_changing_the_password_ends_every_other_session_and_keeps_this_one(app, make_user):
    make_user("olga@example.org", role="organiser")
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, "olga@example.org")
    log_in(phone, "olga@example.org")
    copy = copy_of_session(app, laptop)
    page = laptop.get("/account/password")
    assert page.status_code == 200 and "Byt lösenord" in page.get_data(as_text=True)

    response = change_password(laptop)
    assert response.status_code == 302
    assert "Ditt lösenord är bytt." in laptop.get("/manage/").get_data(as_text=True)
    assert laptop.get("/manage/").status_code == 200
    assert goes_to_login(phone.get("/manage/"))
    assert goes_to_login(copy.get("/manage/"))
    assert log_in(phone, "olga@example.org").status_code == 401
    assert log_in(phone, "olga@example.org", "ett nytt långt lösenord").status_code == 302


@pytest.mark.parametrize("changes, field, message", [
    ({"current": "fel lösenord"}, "current_password", "Fel lösenord."),
    ({"new": "kort", "confirm": "kort"}, "new_password", "minst 10 tecken"),
    ({"confirm": "ett annat långt lösenord"}, "confirm_password", "De två nya lösenorden"),
])
def test_a_refused_password_change_changes_nothing(app, client, make_user, changes, field,
                                                   message):
    make_user("olga@example.org", role="organiser")
    log_in(client, "olga@example.org")
    copy = copy_of_session(app, client)
    response = change_password(client, **changes)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html
    assert copy.get("/manage/").status_code == 200
    client.post("/logout")
    assert log_in(client, "olga@example.org").status_code == 302


def test_changing_the_password_needs_a_login(client):
    assert goes_to_login(client.get("/account/password"))


@pytest.mark.parametrize("email, password", [
    ("olga@example.org", "fel lösenord igen"),
    ("ingen@example.org", PASSWORD),
])
def test_wrong_password_or_unknown_account_is_refused(client, make_user, email, password):
    make_user("olga@example.org", role="organiser")
    response = log_in(client, email, password)
    assert response.status_code == 401
    assert "Fel e-postadress eller lösenord." in response.get_data(as_text=True)
    assert goes_to_login(client.get("/manage/"))


def test_login_follows_only_same_site_next_links(client, make_user, conference):
    make_user("olga@example.org", role="organiser")
    inside = client.post("/login?next=/manage/e/varkonferensen-2027/",
                         data={"email": "olga@example.org", "password": PASSWORD})
    assert inside.headers["Location"] == "/manage/e/varkonferensen-2027/"
    client.post("/logout")
    outside = client.post("/login?next=//evil.example/",
                          data={"email": "olga@example.org", "password": PASSWORD})
    assert outside.headers["Location"].endswith("/manage/")


# --- accounts made by an administrator --------------------------------------------------------

def test_admin_creates_door_staff_who_reach_only_their_event(organiser, app, conference, db):
    event = conference["event"]
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")["event"]
    response = new_account(organiser, events=[event.id])
    assert response.status_code == 302
    page = organiser.get("/admin/users").get_data(as_text=True)
    assert "Kontot är skapat." in page and "dora@example.org" in page and "Entrévärd" in page

    user = db.session.scalar(select(User).where(User.email == "dora@example.org"))
    assert user.role == "door"
    assert [(m.event.slug, m.role) for m in user.memberships] == [(event.slug, "door")]

    door = app.test_client()
    landing = log_in(door, "dora@example.org", DOOR_PASSWORD)
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/checkin/")
    assert door.get(f"/checkin/{event.slug}").status_code == 200
    assert door.get(f"/checkin/{other.slug}").status_code == 403
    assert door.get("/manage/").status_code == 403
    assert door.get(f"/manage/e/{event.slug}/").status_code == 403
    assert door.get("/admin/users").status_code == 403


def test_organiser_who_is_not_admin_cannot_manage_accounts(app, make_user, db):
    make_user("olga@example.org", role="organiser")
    client = app.test_client()
    log_in(client, "olga@example.org")
    assert client.get("/admin/users").status_code == 403
    assert new_account(client, role="admin").status_code == 403
    assert count(db, User) == 1


def test_account_for_a_taken_email_is_refused(organiser, db):
    response = new_account(organiser, email="ARRANGOR@example.org")
    assert response.status_code == 400
    assert ("Det finns redan ett konto med den här e-postadressen."
            in response.get_data(as_text=True))
    assert count(db, User) == 1


def test_account_with_a_short_password_is_refused(organiser, db):
    response = new_account(organiser, password="kort")
    assert response.status_code == 400
    assert 'id="password-error"' in response.get_data(as_text=True)
    assert count(db, User) == 1


# --- the command line -------------------------------------------------------------------------

def test_cli_creates_a_door_account_that_can_log_in(app, client, conference, db):
    result = cli(app, "users", "create", "--email", "dora@example.org", "--name", "Dora Dörr",
                 "--role", "door", "--event", "varkonferensen-2027", "--password", DOOR_PASSWORD)
    assert result.exit_code == 0, result.output
    assert "created door dora@example.org" in result.output
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.email == "dora@example.org"))
    assert user.name == "Dora Dörr" and [(m.event.slug, m.role) for m in user.memberships] == [
        ("varkonferensen-2027", "door")]
    assert log_in(client, "dora@example.org", DOOR_PASSWORD).status_code == 302
    assert client.get("/checkin/varkonferensen-2027").status_code == 200


@pytest.mark.parametrize("changes, message", [
    ({"--event": "finns-inte"}, "unknown event slug"),
    ({"--password": "kort"}, "password too short"),
])
def test_cli_refuses_bad_accounts(app, conference, db, changes, message):
    options = {"--email": "dora@example.org", "--name": "Dora", "--role": "door",
               "--event": "varkonferensen-2027", "--password": DOOR_PASSWORD, **changes}
    result = cli(app, "users", "create", *[part for pair in options.items() for part in pair])
    assert result.exit_code != 0 and message in result.output
    assert count(db, User) == 0


@pytest.fixture
def keep_demo_credentials(app):
    """demo load writes the credentials file (the test run's own); put back what was there."""
    path = credentials_file()
    before = path.read_bytes() if path.exists() else None
    yield path
    if before is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(before)


def test_demo_load_fills_an_empty_database_once(app, client, db, keep_demo_credentials):
    first = cli(app, "demo", "load", "--if-empty")
    assert first.exit_code == 0, first.output
    assert "Framtidskonferensen" in first.output
    logins = dict(re.findall(r"^(organiser|course leader|door staff): (\S+ / \S+)$",
                             first.output, re.M))
    assert set(logins) == {"organiser", "course leader", "door staff"}
    assert count(db, Event) == 2  # the conference and the course

    email, password = logins["organiser"].split(" / ")
    assert log_in(client, email, password).status_code == 302
    assert client.get("/manage/e/framtidskonferensen-2027/").status_code == 200
    leader = app.test_client()
    email, password = logins["course leader"].split(" / ")
    assert log_in(leader, email, password).status_code == 302
    grid = leader.get("/manage/e/kamratstodjarutbildning-goteborg-2027/course/attendance")
    assert grid.status_code == 200 and "Maja Lind" in grid.get_data(as_text=True)
    course = client.get("/e/kamratstodjarutbildning-goteborg-2027/").get_data(as_text=True)
    assert course.count("Karin Kursledare") == 8

    again = cli(app, "demo", "load", "--if-empty")
    assert again.exit_code == 0, again.output
    assert "Loaded" not in again.output and logins["organiser"] in again.output
    assert count(db, Event) == 2

    refused = cli(app, "demo", "load")
    assert refused.exit_code != 0
    assert count(db, Event) == 2
