"""Who reaches which page of an event: the authorisation matrix of the team roles, through
HTTP, across two events. Someone outside an event's team gets 404 on its organiser pages, as
for an event that does not exist; a role a page does not admit gets 403 with the reason."""

import re

import pytest

from app.accounts.services import find_user
from app.mail.models import OutgoingEmail
from app.registration import services as registration
from app.teams.services import add_member
from tests.conftest import login
from tests.factories import build_conference

A, B = "varkonferensen-2027", "hostkonferensen-2027"

# Each person and their role in event A's team; "other" is an owner of event B only.
PEOPLE = {
    "owner": dict(email="olle@example.org", role="organiser", team_role="owner"),
    "organiser": dict(email="ossi@example.org", role="door", team_role="organiser"),
    "finance": dict(email="fia@example.org", role="door", team_role="finance"),
    "door": dict(email="dora@example.org", role="door", team_role="door"),
    "readonly": dict(email="rut@example.org", role="door", team_role="readonly"),
    "admin": dict(email="adam@example.org", role="admin", team_role=None),
    "other": dict(email="bo@example.org", role="organiser", team_role=None),
}

# (method, address at event A, the status each person in PEOPLE's order gets). {order} is an
# invoice order of A and {attendee} its attendee; /checkin/A is the door page, outside the
# organiser prefix.
MATRIX = [
    #                                               owner  org  fin door   ro admin other
    ("GET", "/manage/e/A/",                          (200, 200, 200, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/edit",                      (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/grid",                      (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/items/new",                 (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/tickets",                   (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/attendees",                 (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/attendees/{attendee}",      (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/needs.csv",                 (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/waiting-list",              (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/speakers",                  (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/publish",                   (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/door-devices",              (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/orders",                    (200, 200, 200, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/orders/{order}",            (200, 200, 200, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/orders/{order}/refund",     (200, 200, 200, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/invoices",                  (200, 200, 200, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/programme",                 (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/exports",                   (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/audit",                     (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/check-in-conflicts",        (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/team",                      (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/messages",                  (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/manage/e/A/messages/new",              (200, 200, 403, 403, 200, 200, 404)),
    ("GET", "/checkin/A",                            (200, 200, 403, 200, 403, 200, 403)),
    ("POST", "/manage/e/A/rooms",                    (302, 302, 403, 403, 403, 302, 404)),
    ("POST", "/manage/e/A/items/new",                (400, 400, 403, 403, 403, 400, 404)),
    ("POST", "/manage/e/A/orders/{order}/mark-paid", (303, 303, 303, 403, 403, 303, 404)),
    ("POST", "/manage/e/A/invoices.csv",             (200, 200, 200, 403, 403, 200, 404)),
    ("POST", "/manage/e/A/invoices/remind",          (303, 303, 303, 403, 403, 303, 404)),
    ("POST", "/manage/e/A/messages/new",             (400, 400, 403, 403, 403, 400, 404)),
    ("POST", "/manage/e/A/team/invite",              (302, 403, 403, 403, 403, 302, 404)),
]
FORMS = {
    "/manage/e/A/rooms": {"name": "Sal C"},
    "/manage/e/A/items/new": {"title": ""},
    "/manage/e/A/team/invite": {"email": "ny@example.org", "role": "door"},
}


def invoice_order(conference):
    order = registration.place_order(
        conference["event"], "Eva Chef", "eva@region.example", "sv",
        [(conference["paid"], registration.Attendee("Eva Chef", "eva@region.example"))],
        payment_method="invoice",
        billing=registration.Billing(name="Region Örebro län", address="Box 1613\n701 16 Örebro",
                                     org_number="232100-0164", reference="Kst 4711"))
    return order


@pytest.fixture
def two_events(db, make_user):
    """Event A with a member of each role and an unpaid invoice; event B owned by "other"."""
    a = build_conference()
    b = build_conference(name="Höstkonferensen", slug=B)
    for person in PEOPLE.values():
        make_user(person["email"], role=person["role"], team_role=person["team_role"],
                  events=[a["event"]] if person["team_role"] else [])
    add_member(b["event"], find_user(PEOPLE["other"]["email"]), "owner")
    order = invoice_order(a)
    db.session.commit()
    return {"A": a, "B": b, "order": order.id, "attendee": order.registrations[0].id}


@pytest.mark.parametrize("person", list(PEOPLE))
def test_each_role_reaches_exactly_its_pages(app, two_events, person):
    client = login(app.test_client(), PEOPLE[person]["email"])
    column = list(PEOPLE).index(person)
    wrong = []
    for method, template, statuses in MATRIX:
        path = template.replace("/A", f"/{A}").format(order=two_events["order"],
                                                      attendee=two_events["attendee"])
        response = client.open(path, method=method, data=FORMS.get(template, {}))
        if response.status_code != statuses[column]:
            wrong.append(f"{method} {path}: {response.status_code}, not {statuses[column]}")
    assert wrong == []


def same_page(one: str, other: str) -> bool:
    """Equal but for the CSRF token, which is signed with the second it was made in."""
    token = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')
    return token.sub(r"\1\"", one) == token.sub(r"\1\"", other)


def test_the_organiser_of_one_event_is_not_told_the_other_exists(app, two_events):
    """Event B's pages answer an organiser of A exactly as an event that does not exist."""
    olle = login(app.test_client(), PEOPLE["owner"]["email"])
    for page in ["/", "/tickets", "/orders", f"/orders/{two_events['order']}", "/team"]:
        theirs = olle.get(f"/manage/e/{B}{page}")
        nowhere = olle.get(f"/manage/e/no-such-event{page}")
        assert theirs.status_code == nowhere.status_code == 404, page
        assert same_page(theirs.get_data(as_text=True).replace(B, "X"),
                         nowhere.get_data(as_text=True).replace("no-such-event", "X"))


def test_the_event_list_shows_only_ones_own_events(app, two_events):
    def listed(email):
        html = login(app.test_client(), email).get("/manage/").get_data(as_text=True)
        return [slug for slug in (A, B) if f"/manage/e/{slug}/" in html]

    assert listed(PEOPLE["owner"]["email"]) == [A]
    assert listed(PEOPLE["finance"]["email"]) == [A]
    assert listed(PEOPLE["readonly"]["email"]) == [A]
    assert listed(PEOPLE["other"]["email"]) == [B]
    assert sorted(listed(PEOPLE["admin"]["email"])) == sorted([A, B])
    door = login(app.test_client(), PEOPLE["door"]["email"])
    assert door.get("/manage/").status_code == 403  # the door has its own list
    assert A in door.get("/checkin/").get_data(as_text=True)


def test_admin_opens_every_page_of_both_events(app, two_events):
    admin = login(app.test_client(), PEOPLE["admin"]["email"])
    for slug in (A, B):
        for page in ["/", "/edit", "/orders", "/team", "/door-devices"]:
            assert admin.get(f"/manage/e/{slug}{page}").status_code == 200, (slug, page)


def test_read_only_is_told_why_a_change_is_refused(app, two_events, db):
    rut = login(app.test_client(), PEOPLE["readonly"]["email"])
    page = rut.get(f"/manage/e/{A}/edit").get_data(as_text=True)
    assert "Du har läsbehörighet till det här evenemanget" in page
    response = rut.post(f"/manage/e/{A}/rooms", data={"name": "Sal C"})
    assert response.status_code == 403
    assert "du kan titta på sidorna men inte ändra något" in response.get_data(as_text=True)
    assert [room.name for room in two_events["A"]["event"].rooms] == ["Stora salen", "Sal B"]


def test_finance_is_told_its_role_does_not_open_the_programme(app, two_events):
    fia = login(app.test_client(), PEOPLE["finance"]["email"])
    response = fia.get(f"/manage/e/{A}/grid")
    assert response.status_code == 403
    assert ("Din roll i evenemangets team (Ekonomi) ger inte tillgång till den här sidan"
            in response.get_data(as_text=True))
    # The event's page leads finance to its own pages only.
    home = fia.get(f"/manage/e/{A}/").get_data(as_text=True)
    assert f'href="/manage/e/{A}/orders"' in home and f'href="/manage/e/{A}/invoices"' in home
    assert f'href="/manage/e/{A}/edit"' not in home


def test_a_json_client_gets_the_refusal_as_json(app, two_events):
    fia = login(app.test_client(), PEOPLE["finance"]["email"])
    response = fia.get(f"/manage/e/{A}/tickets", headers={"Accept": "application/json"})
    assert response.status_code == 403 and "Ekonomi" in response.get_json()["message"]


def test_the_outbox_shows_the_mail_of_ones_own_events(app, two_events, db):
    """Failed mail holds attendees' addresses: an organiser sees their events' only."""
    ids = {}
    for key in ("A", "B"):
        email = OutgoingEmail(kind="test", to_address=f"{key.lower()}@deltagare.example",
                              subject=f"Mejl om {key}", body_text="", status="failed",
                              attempts=12, message_id=f"<{key}@samla.test>",
                              event_id=two_events[key]["event"].id)
        db.session.add(email)
        db.session.flush()
        ids[key] = email.id
    db.session.commit()
    olle = login(app.test_client(), PEOPLE["owner"]["email"])
    page = olle.get("/manage/outbox").get_data(as_text=True)
    assert "a@deltagare.example" in page and "b@deltagare.example" not in page
    assert olle.post(f"/manage/outbox/{ids['B']}/retry").status_code == 404
    assert olle.post(f"/manage/outbox/{ids['A']}/retry").status_code == 302
    admin = login(app.test_client(), PEOPLE["admin"]["email"])
    assert "b@deltagare.example" in admin.get("/manage/outbox").get_data(as_text=True)
    fia = login(app.test_client(), PEOPLE["finance"]["email"])
    assert "a@deltagare.example" not in fia.get("/manage/outbox").get_data(as_text=True)
