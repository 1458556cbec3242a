"""The door finds a person without their badge, checks them in or prints the badge again, sees
who is still missing, and watches the counts per door and quarter hour."""

from datetime import time

import pytest
from sqlalchemy import func, select

from app.checkin.models import CheckIn
from app.checkin.services import Door, scan
from app.extensions import db as _db
from app.registration import services as registration_services
from tests.conftest import login
from tests.factories import DAY, build_conference, register
from tests.queries import recorded_queries

SLUG = "varkonferensen-2027"


@pytest.fixture
def door(app, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]], name="Dora Door")
    return login(app.test_client(), "dorr@example.org")


@pytest.fixture
def people(conference):
    event, ticket = conference["event"], conference["ticket"]
    return {
        "asa": register(event, ticket, name="Åsa Öström", email="asa.ostrom@example.org",
                        organisation="Föreningen Sjöbris",
                        dietary_needs="Glutenfri kost", accessibility_needs="Rullstol",
                        sensitive_consent=True),
        "nils": register(event, ticket, name="Nils Karlsson", email="nils@exempel.se",
                         organisation="RSMH Göteborg"),
        "eva": register(event, ticket, name="Eva Berg", email="eva@example.org"),
    }


def search(client, query, slug=SLUG, **headers):
    return client.get(f"/checkin/{slug}/search", query_string={"q": query}, headers=headers)


def found_names(client, query):
    response = search(client, query, Accept="application/json")
    assert response.status_code == 200
    return [row["name"] for row in response.get_json()["results"]]


def test_search_forgives_case_and_accents_in_name_email_and_organisation(door, people):
    assert found_names(door, "ostrom") == ["Åsa Öström"]
    assert found_names(door, "ASA") == ["Åsa Öström"]
    assert found_names(door, "nils@exempel") == ["Nils Karlsson"]
    assert found_names(door, "sjobris") == ["Åsa Öström"]
    assert found_names(door, "rsmh goteborg") == ["Nils Karlsson"]
    assert found_names(door, "nobody") == []


def test_search_by_order_code(door, people):
    code = people["eva"].order.code
    assert found_names(door, code.lower()) == ["Eva Berg"]


def test_search_html_shows_the_person_and_their_status(door, people):
    html = search(door, "ostrom").get_data(as_text=True)
    assert "Åsa Öström" in html and "Föreningen Sjöbris" in html and "Fri entré" in html
    assert "Inte incheckad än" in html
    assert "as…@example.org" in html and "asa.ostrom@example.org" not in html


def test_search_shows_no_dietary_or_accessibility_answers(door, people):
    for response in (search(door, "ostrom"), search(door, "ostrom", Accept="application/json"),
                     door.get(f"/checkin/{SLUG}/search.json?q=ostrom")):
        text = response.get_data(as_text=True)
        assert "Öström" in text or "\\u00d6str" in text
        assert "Glutenfri" not in text and "Rullstol" not in text
        assert "asa.ostrom@" not in text


def test_search_leaves_out_other_events(door, people, mailbox):
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    register(other["event"], other["ticket"], name="Åke Öström", email="ake@example.org")
    assert found_names(door, "ostrom") == ["Åsa Öström"]


def test_confirmed_come_first_and_cancelled_say_so(door, people, conference, mailbox):
    registration_services.cancel(people["asa"])
    _db.session.commit()
    register(conference["event"], conference["ticket"], name="Åsa Öström",
             email="asa.ny@example.org")
    rows = search(door, "ostrom", Accept="application/json").get_json()["results"]
    assert [row["status"] for row in rows] == ["not_yet", "cancelled"]
    assert "Avanmäld" in search(door, "ostrom").get_data(as_text=True)


def test_only_the_events_door_staff_and_organisers_may_search(app, door, people, make_user,
                                                              organiser):
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    make_user("annan@example.org", role="door", events=[other["event"]])
    stranger = login(app.test_client(), "annan@example.org")
    for path in (f"/checkin/{SLUG}/search?q=asa", f"/checkin/{SLUG}/missing",
                 f"/checkin/{SLUG}/counts.json",
                 f"/checkin/{SLUG}/registrations/{people['asa'].id}/badge.pdf"):
        assert stranger.get(path).status_code == 403, path
        anonymous = app.test_client().get(path)
        assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"], path
    assert organiser.get(f"/checkin/{SLUG}/search?q=asa").status_code == 200


def test_check_in_from_a_result_counts_once(door, people, db):
    asa = people["asa"]
    url = f"/checkin/{SLUG}/registrations/{asa.id}/check-in"
    first = door.post(url, data={"q": "ostrom"})
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "Incheckad" in html and "Incheckad kl." in html
    again = door.post(url, data={"q": "ostrom"})
    assert again.status_code == 409 and "Redan incheckad" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
    check_in = db.session.scalar(select(CheckIn))
    assert check_in.registration_id == asa.id and check_in.checked_in_by.name == "Dora Door"


def test_check_in_of_another_events_registration_is_not_found(door, people, mailbox):
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    stranger = register(other["event"], other["ticket"], email="ake@example.org")
    url = f"/checkin/{SLUG}/registrations/{stranger.id}/check-in"
    assert door.post(url).status_code == 404


def test_cancelled_person_is_not_checked_in_from_the_list(door, people, db):
    registration_services.cancel(people["nils"])
    db.session.commit()
    response = door.post(f"/checkin/{SLUG}/registrations/{people['nils'].id}/check-in")
    assert response.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_badge_reprinted_at_the_door(door, people, mailbox):
    response = door.get(f"/checkin/{SLUG}/registrations/{people['asa'].id}/badge.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    stranger = register(other["event"], other["ticket"], email="ake@example.org")
    assert door.get(f"/checkin/{SLUG}/registrations/{stranger.id}/badge.pdf").status_code == 404


def test_missing_list_by_surname_without_the_checked_in_and_cancelled(door, people, conference,
                                                                      db, mailbox):
    register(conference["event"], conference["ticket"], name="Anders Ahlström",
             email="anders@example.org")
    scan(Door(conference["event"]), people["eva"].badge_token)
    registration_services.cancel(people["nils"])
    db.session.commit()
    html = door.get(f"/checkin/{SLUG}/missing").get_data(as_text=True)
    assert "Eva Berg" not in html and "Nils Karlsson" not in html
    assert html.index("Anders Ahlström") < html.index("Åsa Öström")
    assert "2 anmälda har inte checkat in än." in html
    filtered = door.get(f"/checkin/{SLUG}/missing?q=ostrom").get_data(as_text=True)
    assert "Åsa Öström" in filtered and "Anders Ahlström" not in filtered


def test_counts_per_door_and_quarter_hour(app, door, people, conference, make_user, db):
    event = conference["event"]
    kim = make_user("kim@example.org", role="door", events=[event], name="Kim Kassa")
    dora = db.session.scalar(select(type(kim)).where(type(kim).name == "Dora Door"))
    scan(Door(event, user=dora), people["asa"].badge_token)
    scan(Door(event, user=dora), people["nils"].badge_token)
    scan(Door(event, user=kim), people["eva"].badge_token)
    # At 08:05, 08:14 and 08:31 by the event's clock: two in the first quarter, one at half past.
    at = [event.to_utc(DAY, time(8, 5)), event.to_utc(DAY, time(8, 14)),
          event.to_utc(DAY, time(8, 31))]
    for check_in, when in zip(db.session.scalars(select(CheckIn).order_by(CheckIn.id)), at,
                              strict=True):
        check_in.checked_in_at = when
    db.session.commit()
    counts = door.get(f"/checkin/{SLUG}/counts.json").get_json()
    assert counts["checked_in"] == 3 and counts["expected"] == 3
    assert counts["doors"] == [{"name": "Dora Door", "count": 2},
                               {"name": "Kim Kassa", "count": 1}]
    assert [(q["start"], q["count"]) for q in counts["quarters"]] == [("08:00", 2), ("08:30", 1)]
    html = door.get(f"/checkin/{SLUG}/missing").get_data(as_text=True)
    assert "Incheckade: 3 av 3" in html and "Kim Kassa" in html and 'aria-live="polite"' in html


def test_reading_the_door_lists_writes_nothing(door, people):
    for path in (f"/checkin/{SLUG}/search.json?q=ostrom", f"/checkin/{SLUG}/counts.json",
                 f"/checkin/{SLUG}/missing", f"/checkin/{SLUG}/search?q=asa"):
        with recorded_queries() as statements:
            assert door.get(path).status_code == 200, path
        writes = [s for s in statements
                  if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
        assert writes == [], path


def test_the_door_script_checks_in_with_json(door, people):
    url = f"/checkin/{SLUG}/registrations/{people['eva'].id}/check-in"
    first = door.post(url, headers={"Accept": "application/json"})
    assert first.status_code == 200 and first.get_json()["outcome"] == "checked_in"
    again = door.post(url, headers={"Accept": "application/json"})
    assert again.status_code == 409 and again.get_json()["outcome"] == "already"
