"""A door can check people into one workshop instead of the entrance. The list says who is
entitled: registered, and signed up where the workshop takes sign-ups. Coming in again is
recorded, never counted twice; the entrance and the workshop count apart."""

import pytest
from sqlalchemy import func, select

from app.checkin.models import CheckIn, ScanRecord
from app.programme import signups
from tests.conftest import login
from tests.factories import add_workshop, publish_programme, register

SLUG = "varkonferensen-2027"
JSON = {"Accept": "application/json"}


@pytest.fixture
def workshop(conference):
    item = add_workshop(conference["event"], room=conference["side"], seats=10)
    publish_programme(conference["event"])
    return item


@pytest.fixture
def people(conference, workshop, db):
    alva = register(conference["event"], conference["ticket"])
    nils = register(conference["event"], conference["ticket"], name="Nils Karlsson",
                    email="nils@example.org")
    signups.sign_up(alva, workshop)
    db.session.commit()
    return {"alva": alva, "nils": nils}


@pytest.fixture
def door(app, make_user, conference):
    make_user("dorr@example.org", role="door", events=[conference["event"]], name="Dora Door")
    return login(app.test_client(), "dorr@example.org")


def scan(client, code, key):
    return client.post(f"/checkin/{SLUG}/scan.json?list={key}", data={"code": code},
                       headers=JSON)


def test_the_door_offers_the_entrance_and_each_workshop(door, workshop):
    lists = door.get(f"/checkin/{SLUG}/lists.json").get_json()["lists"]
    assert lists == [{"key": "", "name": "Entré"},
                     {"key": f"item:{workshop.id}", "name": "Workshop om återhämtning"}]
    page = door.get(f"/checkin/{SLUG}?list=item:{workshop.id}").get_data(as_text=True)
    assert "Checkar in till: Workshop om återhämtning" in page
    assert f'data-list="item:{workshop.id}"' in page


def test_only_those_signed_up_come_into_the_workshop(door, workshop, people):
    key = f"item:{workshop.id}"
    admitted = scan(door, people["alva"].badge_token, key)
    assert admitted.status_code == 200 and admitted.get_json()["outcome"] == "checked_in"
    assert admitted.get_json()["expected"] == 1 and admitted.get_json()["checked_in"] == 1
    refused = scan(door, people["nils"].badge_token, key).get_json()
    assert refused["outcome"] == "not_entitled" and refused["status"] == "Inte anmäld till passet"
    assert "inte till Workshop om återhämtning" in refused["detail"]


def test_coming_in_again_is_recorded_and_counted_once(door, workshop, people, db):
    key = f"item:{workshop.id}"
    scan(door, people["alva"].badge_token, key)
    again = scan(door, people["alva"].badge_token, key)
    assert again.status_code == 409 and again.get_json()["outcome"] == "already"
    assert "räknas inte två gånger" in again.get_json()["detail"]
    workshop_check_ins = select(func.count()).select_from(CheckIn).where(
        CheckIn.list_key == key, CheckIn.counts())
    assert db.session.scalar(workshop_check_ins) == 1
    outcomes = db.session.scalars(select(ScanRecord.outcome).where(ScanRecord.list_key == key)
                                  .order_by(ScanRecord.id)).all()
    assert outcomes == ["checked_in", "already"]


def test_the_entrance_and_the_workshop_count_apart(door, workshop, people, db):
    key = f"item:{workshop.id}"
    assert scan(door, people["alva"].badge_token, key).status_code == 200
    entrance = scan(door, people["alva"].badge_token, "").get_json()
    assert entrance["outcome"] == "checked_in" and entrance["expected"] == 2
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 2


def test_an_unknown_or_cancelled_list_is_404(door, conference, workshop, people):
    assert scan(door, people["alva"].badge_token, "item:999999").status_code == 404
    assert scan(door, people["alva"].badge_token, "nonsense").status_code == 404
    assert door.get(f"/checkin/{SLUG}?list=item:{conference['talk'].id}").status_code == 404


def test_the_form_without_javascript_checks_into_the_workshop(door, workshop, people, db):
    page = door.get(f"/checkin/{SLUG}?list=item:{workshop.id}")
    assert page.status_code == 200
    response = door.post(f"/checkin/{SLUG}?list=item:{workshop.id}",
                         data={"code": people["alva"].badge_token})
    assert response.status_code == 200 and "Incheckad" in response.get_data(as_text=True)
    assert db.session.scalar(select(CheckIn.list_key)) == f"item:{workshop.id}"


def test_a_check_in_found_by_name_is_recorded_as_manual(door, people, db):
    response = door.post(f"/checkin/{SLUG}/registrations/{people['nils'].id}/check-in",
                         headers=JSON)
    assert response.status_code == 200
    assert db.session.scalar(select(CheckIn.manual)) is True


def test_a_workshop_check_in_is_not_an_entrance_check_in(door, workshop, people):
    scan(door, people["alva"].badge_token, f"item:{workshop.id}")
    missing = door.get(f"/checkin/{SLUG}/missing").get_data(as_text=True)
    assert "Alva Persson" in missing
    found = door.get(f"/checkin/{SLUG}/search.json?q=alva").get_json()
    assert found["total"] == 1 and found["results"][0]["status"] == "not_yet"
    assert door.get(f"/checkin/{SLUG}/counts.json").get_json()["checked_in"] == 0


def test_the_organiser_sees_where_and_how_a_person_came_in(door, organiser, workshop, people):
    alva = people["alva"]
    scan(door, alva.badge_token, f"item:{workshop.id}")
    door.post(f"/checkin/{SLUG}/registrations/{alva.id}/check-in", headers=JSON)
    page = organiser.get(f"/manage/e/{SLUG}/attendees/{alva.id}").get_data(as_text=True)
    assert "<li>Workshop om återhämtning: Incheckad " in page
    assert "<li>Entré: Incheckad " in page and "(hittad på namn)" in page


def test_a_workshops_missing_list_names_only_those_signed_up(door, workshop, people):
    key = f"item:{workshop.id}"
    page = door.get(f"/checkin/{SLUG}/missing?list={key}").get_data(as_text=True)
    assert "Anmäld till: Workshop om återhämtning" in page
    assert "Alva Persson" in page and "Nils Karlsson" not in page
    assert f'name="list" value="{key}"' in page
    scan(door, people["alva"].badge_token, key)
    page = door.get(f"/checkin/{SLUG}/missing?list={key}").get_data(as_text=True)
    assert "Alva Persson" not in page
    counted = door.get(f"/checkin/{SLUG}/counts.json?list={key}").get_json()
    assert (counted["checked_in"], counted["expected"]) == (1, 1)
    assert door.get(f"/checkin/{SLUG}/missing?list=item:0").status_code == 404
