"""An event's owners run its team on /manage/e/<slug>/team: invite by email with a role, change
roles, remove people, never leave the event without an owner. The invited accept through the
link in their mail, with the account they have or one they make on the spot."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app import signals
from app.accounts.models import User
from app.accounts.services import find_user
from app.audit.models import AuditEntry
from app.db_types import utcnow
from app.teams.models import TeamInvitation, TeamMember
from tests.conftest import PASSWORD, login
from tests.programme.test_organiser_builds_programme import event_form

SLUG = "varkonferensen-2027"
TEAM = f"/manage/e/{SLUG}/team"


@pytest.fixture
def owner(app, make_user, conference):
    """Olle, a global organiser and the owner of Vårkonferensen, logged in."""
    make_user("olle@example.org", role="organiser", events=[conference["event"]],
              team_role="owner", name="Olle Ägare")
    return login(app.test_client(), "olle@example.org")


def role_at(db, email, event):
    db.session.rollback()
    return db.session.scalar(select(TeamMember.role).join(TeamMember.user).where(
        User.email == email, TeamMember.event_id == event.id))


def member_id(db, email):
    db.session.rollback()
    return db.session.scalar(select(TeamMember.id).join(TeamMember.user).where(
        User.email == email))


def invite(client, email, role="organiser"):
    return client.post(f"{TEAM}/invite", data={"email": email, "role": role})


def the_link(mailbox, email):
    [message] = [m for m in mailbox.wait_for(1) if m["To"] == email]
    return message, mailbox.link(message, "/team-invitation/")


# --- inviting and accepting -------------------------------------------------------------------

def test_someone_without_an_account_accepts_by_choosing_a_name_and_a_password(
        app, owner, conference, mailbox, db):
    response = invite(owner, "Nina@Example.org", "finance")
    assert response.status_code == 302
    page = owner.get(TEAM).get_data(as_text=True)
    assert "Inbjudan är skickad till nina@example.org" in page
    assert 'id="invitation-' in page and "nina@example.org" in page

    message, link = the_link(mailbox, "nina@example.org")
    assert message["Subject"] == "Gå med i teamet för Vårkonferensen"
    body = mailbox.body(message)
    assert "Olle Ägare bjuder in dig till teamet för Vårkonferensen i Samla, som Ekonomi." in body
    assert "välj ditt namn och ett lösenord" in body
    token = link.rsplit("/", 1)[1]
    assert db.session.scalar(select(TeamInvitation.token_hash)) not in (token, None)

    nina = app.test_client()
    form = nina.get(link)
    assert form.status_code == 200
    assert "Du är inbjuden till teamet för Vårkonferensen som Ekonomi." in form.get_data(
        as_text=True)
    refused = nina.post(link, data={"name": "Nina", "password": "kort",
                                    "confirm_password": "kort"})
    assert refused.status_code == 400 and 'id="password-error"' in refused.get_data(as_text=True)
    joined = nina.post(link, data={"name": "Nina Nilsson", "password": "ett långt lösenord",
                                   "confirm_password": "ett långt lösenord"})
    assert joined.status_code == 302 and joined.headers["Location"] == f"/manage/e/{SLUG}/"
    assert "Välkommen, Nina Nilsson" in nina.get(f"/manage/e/{SLUG}/").get_data(as_text=True)
    assert nina.get(f"/manage/e/{SLUG}/orders").status_code == 200
    assert nina.get(f"/manage/e/{SLUG}/grid").status_code == 403

    user = find_user("nina@example.org")
    assert user.name == "Nina Nilsson" and user.role == "door"  # nothing beyond the team
    assert user.password_hash.startswith("$argon2")
    assert role_at(db, "nina@example.org", conference["event"]) == "finance"
    # The account logs in again with what she chose; the invitation is no longer open.
    again = app.test_client().post("/login", data={"email": "nina@example.org",
                                                   "password": "ett långt lösenord"})
    assert again.status_code == 302
    assert "nina@example.org" not in owner.get(TEAM).get_data(as_text=True).split(
        'id="invitations"')[1].split('id="invite"')[0]


def test_the_invitation_is_written_in_the_inviters_language(owner, mailbox):
    owner.get("/language/en")
    invite(owner, "nina@example.org", "door")
    message, link = the_link(mailbox, "nina@example.org")
    assert message["Subject"] == "Join the team of Vårkonferensen"
    body = mailbox.body(message)
    assert "Olle Ägare invites you to the team of Vårkonferensen in Samla, as Door staff." in body
    assert link in body


def test_someone_with_an_account_logs_in_and_accepts_once(app, owner, conference, make_user,
                                                        mailbox, db):
    make_user("dan@example.org", role="door", name="Dan Dörr")
    invite(owner, "dan@example.org", "door")
    message, link = the_link(mailbox, "dan@example.org")
    assert "logga in med den här e-postadressen" in mailbox.body(message)

    dan = app.test_client()
    page = dan.get(link).get_data(as_text=True)
    assert "Det finns ett konto för den här adressen." in page
    assert f'href="/login?next={link}"' in page.replace("%2F", "/")
    back = dan.post(f"/login?next={link}", data={"email": "dan@example.org",
                                                  "password": PASSWORD})
    assert back.headers["Location"] == link
    assert "Gå med i teamet" in dan.get(link).get_data(as_text=True)
    assert role_at(db, "dan@example.org", conference["event"]) is None  # reading changes nothing

    accepted = dan.post(link)
    assert accepted.status_code == 302 and accepted.headers["Location"] == f"/checkin/{SLUG}"
    assert dan.get(f"/checkin/{SLUG}").status_code == 200
    # Twice is harmless: the same membership, a page that says so.
    twice = dan.post(link)
    assert twice.status_code == 200
    assert "Du har redan tackat ja till inbjudan." in twice.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TeamMember).join(
        TeamMember.user).where(User.email == "dan@example.org")) == 1


def test_sending_again_replaces_the_earlier_invitation(app, owner, mailbox, db):
    invite(owner, "nina@example.org", "door")
    _message, first = the_link(mailbox, "nina@example.org")
    mailbox.clear()
    assert invite(owner, "nina@example.org", "readonly").status_code == 302  # "Skicka igen"
    _message, second = the_link(mailbox, "nina@example.org")
    assert first != second
    db.session.rollback()
    assert db.session.scalars(select(TeamInvitation.role)).all() == ["readonly"]

    visitor = app.test_client()
    old = visitor.get(first)
    assert old.status_code == 404
    assert "Den kan ha ersatts av en nyare inbjudan" in old.get_data(as_text=True)
    assert "som Läsbehörighet" in visitor.get(second).get_data(as_text=True)


@pytest.mark.parametrize("token", ["forged-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                   "x" * 500])
def test_a_forged_link_is_not_found(client, owner, token):
    response = client.get(f"/team-invitation/{token}")
    assert response.status_code == 404
    assert client.post(f"/team-invitation/{token}", data={
        "name": "X", "password": "ett långt lösenord",
        "confirm_password": "ett långt lösenord"}).status_code == 404


def test_an_expired_link_says_so(client, owner, mailbox, db):
    invite(owner, "nina@example.org")
    _message, link = the_link(mailbox, "nina@example.org")
    db.session.execute(update(TeamInvitation).values(
        expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 410
    assert "Inbjudan har gått ut." in response.get_data(as_text=True)
    joined = client.post(link, data={"name": "Nina", "password": "ett långt lösenord",
                                     "confirm_password": "ett långt lösenord"})
    assert joined.status_code == 410 and find_user("nina@example.org") is None


def test_logged_in_as_someone_else_the_invitation_is_refused(app, owner, make_user, mailbox,
                                                             conference, db):
    invite(owner, "nina@example.org")
    _message, link = the_link(mailbox, "nina@example.org")
    make_user("kim@example.org", role="door")
    kim = login(app.test_client(), "kim@example.org")
    for response in (kim.get(link), kim.post(link)):
        assert response.status_code == 403
        assert "Inbjudan skickades till nina@example.org" in response.get_data(as_text=True)
    assert role_at(db, "kim@example.org", conference["event"]) is None


def test_a_withdrawn_invitation_stops_working(client, owner, mailbox, db):
    invite(owner, "nina@example.org")
    _message, link = the_link(mailbox, "nina@example.org")
    invitation_id = db.session.scalar(select(TeamInvitation.id))
    assert owner.post(f"{TEAM}/invitations/{invitation_id}/withdraw").status_code == 302
    assert client.get(link).status_code == 404


def test_someone_removed_cannot_come_back_with_the_old_link(app, owner, make_user, mailbox,
                                                            conference, db):
    make_user("dan@example.org", role="door")
    invite(owner, "dan@example.org", "organiser")
    _message, link = the_link(mailbox, "dan@example.org")
    dan = login(app.test_client(), "dan@example.org")
    dan.post(link)
    assert owner.post(f"{TEAM}/members/{member_id(db, 'dan@example.org')}/remove"
                      ).status_code == 302
    page = dan.get(link)
    assert page.status_code == 200 and "du är inte längre med i teamet" in page.get_data(
        as_text=True)
    dan.post(link)
    assert role_at(db, "dan@example.org", conference["event"]) is None
    assert dan.get(f"/manage/e/{SLUG}/").status_code == 403  # no organiser pages anywhere


def test_inviting_someone_already_in_the_team_is_refused(owner, make_user, conference, mailbox):
    make_user("dora@example.org", role="door", events=[conference["event"]], name="Dora Dörr")
    response = invite(owner, "dora@example.org", "organiser")
    assert response.status_code == 409
    assert "Dora Dörr är redan med i teamet." in response.get_data(as_text=True)
    bad = owner.post(f"{TEAM}/invite", data={"email": "inte en adress", "role": "kung"})
    assert bad.status_code == 400
    assert mailbox.messages == []


# --- roles and the last owner -----------------------------------------------------------------

def test_the_owner_changes_a_role_and_removes_a_member(owner, make_user, conference, db):
    event = conference["event"]
    make_user("dora@example.org", role="door", events=[event], name="Dora Dörr")
    dora = member_id(db, "dora@example.org")
    changed = owner.post(f"{TEAM}/members/{dora}/role", data={"role": "organiser"})
    assert changed.status_code == 302
    assert "Rollen för Dora Dörr är ändrad." in owner.get(TEAM).get_data(as_text=True)
    assert role_at(db, "dora@example.org", event) == "organiser"
    assert owner.post(f"{TEAM}/members/{dora}/role", data={"role": "kung"}).status_code == 400
    assert owner.post(f"{TEAM}/members/{dora}/remove").status_code == 302
    assert role_at(db, "dora@example.org", event) is None
    assert owner.post(f"{TEAM}/members/{dora}/remove").status_code == 404


def test_the_last_owner_can_neither_step_down_nor_be_removed(owner, organiser, make_user,
                                                             conference, db):
    event = conference["event"]
    olle = member_id(db, "olle@example.org")
    for client in (owner, organiser):  # organiser: the administrator
        for response in (owner.post(f"{TEAM}/members/{olle}/role", data={"role": "door"}),
                         client.post(f"{TEAM}/members/{olle}/remove")):
            assert response.status_code == 409
            assert "Ett evenemang måste ha minst en ägare." in response.get_data(as_text=True)
    assert role_at(db, "olle@example.org", event) == "owner"
    # With a second owner, the first may step down.
    make_user("ossi@example.org", role="organiser", events=[event], team_role="owner")
    assert owner.post(f"{TEAM}/members/{olle}/role", data={"role": "finance"}).status_code == 302
    assert role_at(db, "olle@example.org", event) == "finance"
    assert owner.get(TEAM).status_code == 403  # finance does not run the team


def test_organisers_see_the_team_but_only_owners_change_it(app, owner, make_user, conference,
                                                           db):
    make_user("ossi@example.org", role="organiser", events=[conference["event"]])
    ossi = login(app.test_client(), "ossi@example.org")
    page = ossi.get(TEAM)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Olle Ägare" in html and "Ändra roll" not in html and "Bjud in någon" not in html
    olle = member_id(db, "olle@example.org")
    assert ossi.post(f"{TEAM}/members/{olle}/remove").status_code == 403
    assert invite(ossi, "nina@example.org").status_code == 403
    assert "Bjud in någon" in owner.get(TEAM).get_data(as_text=True)


def test_every_team_change_is_told_to_the_audit_log(app, owner, make_user, mailbox, db):
    told = []

    def listen(event, user, action, detail):
        told.append((event.slug, user.email, action, detail))

    signals.team_changed.connect(listen)
    try:
        invite(owner, "nina@example.org", "door")
        _message, link = the_link(mailbox, "nina@example.org")
        app.test_client().post(link, data={"name": "Nina", "password": "ett långt lösenord",
                                           "confirm_password": "ett långt lösenord"})
        nina = member_id(db, "nina@example.org")
        owner.post(f"{TEAM}/members/{nina}/role", data={"role": "readonly"})
        owner.post(f"{TEAM}/members/{nina}/remove")
    finally:
        signals.team_changed.disconnect(listen)
    assert told == [
        (SLUG, "olle@example.org", "team.invited", {"email": "nina@example.org", "role": "door"}),
        (SLUG, "nina@example.org", "team.member_added", {"member": "Nina", "role": "door"}),
        (SLUG, "olle@example.org", "team.role_changed",
         {"member": "Nina", "role": "readonly", "old_role": "door"}),
        (SLUG, "olle@example.org", "team.member_removed", {"member": "Nina", "role": "readonly"}),
    ]
    # The audit log keeps the same, and shows it to the owner in words.
    logged = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("team.%")).order_by(AuditEntry.id)).all()
    assert logged == [action for _slug, _email, action, _detail in told]
    page = owner.get(f"/manage/e/{SLUG}/audit").get_data(as_text=True)
    assert "Bjöd in någon till teamet" in page and "Tog bort en medlem ur teamet" in page


# --- events and their owners ------------------------------------------------------------------

def test_an_organiser_who_creates_an_event_owns_it_and_others_do_not_see_it(
        app, make_user, db):
    make_user("olga@example.org", role="organiser", name="Olga")
    make_user("otto@example.org", role="organiser", name="Otto")
    olga, otto = (login(app.test_client(), f"{n}@example.org") for n in ("olga", "otto"))
    assert olga.post("/manage/events/new", data=event_form()).status_code == 302
    team = olga.get("/manage/e/sommarkursen-2027/team")
    assert team.status_code == 200 and "Bjud in någon" in team.get_data(as_text=True)
    assert "sommarkursen-2027" in olga.get("/manage/").get_data(as_text=True)
    assert "sommarkursen-2027" not in otto.get("/manage/").get_data(as_text=True)
    assert otto.get("/manage/e/sommarkursen-2027/").status_code == 404
    # Someone with a team role only may not create events.
    make_user("tina@example.org", role="door", events=[], name="Tina")
    tina = login(app.test_client(), "tina@example.org")
    assert tina.post("/manage/events/new", data=event_form(name="Tinas kurs")).status_code == 403


def test_a_draft_event_is_shown_to_its_team_only(app, owner, make_user, conference, db):
    conference["event"].published = False
    db.session.commit()
    make_user("otto@example.org", role="organiser")
    otto = login(app.test_client(), "otto@example.org")
    assert owner.get(f"/e/{SLUG}/").status_code == 200
    assert otto.get(f"/e/{SLUG}/").status_code == 404
    assert app.test_client().get(f"/e/{SLUG}/").status_code == 404
