"""The organiser finds anyone among the attendees: searching without caring about case or
accents, filtering by ticket, status, payment, check-in, workshop and needs, sorting and
paging with links that keep the filters, and opening a person's page; other events' people
stay out of reach, and a hand-edited address never breaks the page."""

import re
from datetime import time

import pytest

from app.checkin.services import Door, scan
from app.programme import signups
from app.programme.services import ItemPlacement, create_item
from app.registration import attendee_list, services
from tests.conftest import login
from tests.factories import DAY, build_conference, card_order, publish_programme, register
from tests.queries import recorded_queries

SLUG = "varkonferensen-2027"
LIST = f"/manage/e/{SLUG}/attendees"
NAME = re.compile(r'<h3 class="attendee-name"><a href="([^"]+)">([^<]+)</a></h3>')


@pytest.fixture
def people(conference, db):
    """Five people: Åsa (free ticket, checked in, in the workshop, a dietary need), Nils (free),
    Eva (an unpaid invoice), Kim (a card payment not completed) and Bo (cancelled)."""
    event, free, paid = conference["event"], conference["ticket"], conference["paid"]
    workshop = create_item(event, title="Workshop om återhämtning", kind="workshop",
                           description="", signup=(True, 10),
                           placement=ItemPlacement(DAY, time(14, 0), time(15, 30),
                                                   conference["side"]))
    db.session.commit()
    publish_programme(event)
    asa = register(event, free, name="Åsa Öström", email="asa.ostrom@example.org",
                   organisation="Föreningen Sjöbris", dietary_needs="Glutenfri",
                   sensitive_consent=True)
    nils = register(event, free, name="Nils Karlsson", email="nils@example.se",
                    organisation="RSMH Göteborg")
    eva = services.place_order(
        event, "Eva Berg", "eva@region.example", "sv",
        [(paid, services.Attendee(name="Eva Berg", email="eva@region.example"))],
        payment_method="invoice",
        billing=services.Billing(name="Region Örebro län", address="Box 1\n701 16 Örebro"),
    ).registrations[0]
    db.session.commit()
    kim = card_order(conference, name="Kim Kort", email="kim@example.org").registrations[0]
    bo = register(event, free, name="Bo Ek", email="bo@example.org")
    services.cancel(bo)
    signups.sign_up(asa, workshop)
    scan(Door(event), asa.badge_token)
    db.session.commit()
    return {"asa": asa, "nils": nils, "eva": eva, "kim": kim, "bo": bo, "workshop": workshop}


def listed(client, **args):
    response = client.get(LIST, query_string=args)
    assert response.status_code == 200, response.status_code
    return [name for _link, name in NAME.findall(response.get_data(as_text=True))]


def test_search_forgives_case_and_accents(organiser, people):
    assert listed(organiser, q="ostrom") == ["Åsa Öström"]
    assert listed(organiser, q="ÅSA") == ["Åsa Öström"]
    assert listed(organiser, q="sjobris") == ["Åsa Öström"]
    assert listed(organiser, q="rsmh goteborg") == ["Nils Karlsson"]
    assert listed(organiser, q="region.example") == ["Eva Berg"]
    assert listed(organiser, q=people["eva"].order.code.lower()) == ["Eva Berg"]
    html = organiser.get(LIST, query_string={"q": "nobody"}).get_data(as_text=True)
    assert "Inga anmälningar matchar." in html and "0 anmälningar matchar" in html


def test_filters_by_ticket_status_payment_check_in_workshop_and_needs(organiser, people,
                                                                      conference):
    free, paid = conference["ticket"], conference["paid"]
    assert listed(organiser) == ["Bo Ek", "Eva Berg", "Kim Kort", "Nils Karlsson",
                                 "Åsa Öström"]  # by name, Å after Z
    assert listed(organiser, ticket=paid.id) == ["Eva Berg", "Kim Kort"]
    assert listed(organiser, status="cancelled") == ["Bo Ek"]
    assert listed(organiser, status="pending") == ["Kim Kort"]
    assert listed(organiser, payment="to_invoice") == ["Eva Berg"]
    assert listed(organiser, payment="awaiting") == ["Kim Kort"]
    assert listed(organiser, checked_in="yes") == ["Åsa Öström"]
    assert listed(organiser, checked_in="no", ticket=free.id, status="confirmed") == [
        "Nils Karlsson"]
    assert listed(organiser, item=people["workshop"].id) == ["Åsa Öström"]
    assert listed(organiser, needs="dietary") == ["Åsa Öström"]
    assert listed(organiser, needs="accessibility") == []
    assert "Åsa Öström" not in listed(organiser, needs="none")
    assert listed(organiser, q="example.org", ticket=free.id) == ["Bo Ek", "Åsa Öström"]


def test_each_card_shows_ticket_status_payment_and_check_in(organiser, people):
    organiser.get("/language/en")
    html = organiser.get(LIST, query_string={"q": "ostrom"}).get_data(as_text=True)
    assert "Checked in " in html and "Fri entré" in html and "Glutenfri" in html
    assert "Nothing to pay" in html and people["asa"].order.code in html
    eva = organiser.get(LIST, query_string={"q": "eva berg"}).get_data(as_text=True)
    assert "Invoice not paid" in eva and "Not checked in" in eva and "Ordinarie" in eva


def test_sorted_by_name_surname_date_and_ticket(organiser, people, conference, mailbox):
    register(conference["event"], conference["ticket"], name="Anna Öberg",
             email="anna@example.org")
    assert listed(organiser, sort="name") == ["Anna Öberg", "Bo Ek", "Eva Berg", "Kim Kort",
                                              "Nils Karlsson", "Åsa Öström"]
    # In the Swedish alphabet: Öberg before Öström, both after Z.
    assert listed(organiser, sort="surname") == ["Eva Berg", "Bo Ek", "Nils Karlsson",
                                                 "Kim Kort", "Anna Öberg", "Åsa Öström"]
    assert listed(organiser, sort="newest")[:2] == ["Anna Öberg", "Bo Ek"]
    assert listed(organiser, sort="oldest")[:2] == ["Åsa Öström", "Nils Karlsson"]
    assert listed(organiser, sort="ticket") == ["Bo Ek", "Nils Karlsson", "Anna Öberg",
                                                "Åsa Öström", "Eva Berg", "Kim Kort"]


def test_pages_keep_the_filters_and_every_person_appears_once(organiser, people, monkeypatch):
    everyone = listed(organiser, q="example", sort="surname")
    assert len(everyone) == 5
    monkeypatch.setattr(attendee_list, "PAGE_SIZE", 2)
    seen, link, pages = [], f"{LIST}?q=example&sort=surname", 0
    while link:
        html = organiser.get(link).get_data(as_text=True)
        pages += 1
        assert f"Sida {pages} av 3" in html
        seen += [name for _link, name in NAME.findall(html)]
        following = re.findall(r'<a class="button" rel="next" href="([^"]+)"', html)
        link = following[0].replace("&amp;", "&") if following else None
        if link:
            assert "q=example" in link and "sort=surname" in link and f"page={pages + 1}" in link
    assert pages == 3 and seen == everyone
    # A page past the end shows the last one.
    last = organiser.get(LIST, query_string={"q": "example", "sort": "surname", "page": 9})
    assert "Sida 3 av 3" in last.get_data(as_text=True)


def test_every_name_leads_to_the_persons_page(organiser, people):
    html = organiser.get(LIST, query_string={"q": "eva berg"}).get_data(as_text=True)
    [(link, name)] = NAME.findall(html)
    assert link == f"{LIST}/{people['eva'].id}" and name == "Eva Berg"
    page = organiser.get(link)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Eva Berg" in text and "Ordinarie" in text and "eva@region.example" in text


def test_another_events_people_are_not_found(organiser, people, mailbox):
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    stranger = register(other["event"], other["ticket"], name="Åke Öström",
                        email="ake@example.org")
    assert listed(organiser, q="ostrom") == ["Åsa Öström"]
    assert organiser.get(f"{LIST}/{stranger.id}").status_code == 404
    assert organiser.get(f"{LIST}/999999").status_code == 404
    assert listed(organiser, ticket=other["ticket"].id) == listed(organiser)  # not offered
    assert [name for _link, name in NAME.findall(organiser.get(
        "/manage/e/hostkursen-2027/attendees").get_data(as_text=True))] == ["Åke Öström"]


@pytest.mark.parametrize("args", [
    {"ticket": "abc"}, {"ticket": "-1"}, {"ticket": "1" * 40}, {"page": "abc"},
    {"page": "-3"}, {"page": "0"}, {"page": "99999999999999999999"}, {"sort": "DROP TABLE"},
    {"status": "everyone"}, {"payment": "free"}, {"checked_in": "maybe"}, {"item": "٣"},
    {"needs": "1"}, {"q": "x" * 5000}, {"q": "%"}, {"q": "_"}, {"q": "\\"}, {"q": "   "},
    {"ticket": ["1", "2"]}, "q=%FF%C3%28",
])
def test_a_hand_edited_address_is_ignored_rather_than_an_error(organiser, people, args):
    response = organiser.get(LIST, query_string=args)
    assert response.status_code == 200


def test_a_nul_character_is_refused_with_a_message(organiser, people):
    response = organiser.get(f"{LIST}?q=a%00b")
    assert response.status_code == 400
    assert "<h1>" in response.get_data(as_text=True)


def test_a_bad_parameter_leaves_the_rest_of_the_filters(organiser, people, conference):
    assert listed(organiser, ticket="abc", status="cancelled") == ["Bo Ek"]
    assert listed(organiser, sort="sideways", q="ostrom") == ["Åsa Öström"]


def test_only_organisers_see_the_list(app, client, people, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]])
    door = login(app.test_client(), "dorr@example.org")
    for path in (LIST, f"{LIST}/{people['asa'].id}"):
        assert door.get(path).status_code == 403, path
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_the_old_address_of_the_list_leads_here(organiser, people):
    response = organiser.get(f"/manage/e/{SLUG}/registrations")
    assert response.status_code == 301 and response.headers["Location"].endswith(LIST)


def test_reading_the_list_writes_nothing_and_costs_the_same_for_more_people(
        organiser, people, conference, mailbox):
    def statements(path):
        with recorded_queries() as sent:
            assert organiser.get(path).status_code == 200
        return sent

    filtered = f"{LIST}?q=e&payment=none&checked_in=no&needs=none&sort=ticket"
    before = [len(statements(path)) for path in (LIST, filtered)]
    for i in range(4):
        register(conference["event"], conference["ticket"], name=f"Extra Person{i}",
                 email=f"extra{i}@example.org")
    sent = statements(LIST)
    assert [len(sent), len(statements(filtered))] == before
    assert not [s for s in sent if s.lstrip().upper().startswith(("INSERT", "UPDATE",
                                                                  "DELETE"))]
