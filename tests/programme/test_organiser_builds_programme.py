"""An organiser sets up an event, its rooms and its programme; the public sees local times."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.events.models import Event, Room
from app.programme.models import ProgrammeItem
from app.speakers.models import Speaker, SpeakerSlot
from tests.conftest import login
from tests.factories import build_conference

SLUG = "sommarkursen-2027"


def event_form(**changes):
    data = {"name": "Sommarkursen", "description": "Tre dagar om återhämtning.",
            "organiser_name": "NSPH", "contact_email": "kurs@nsph.example",
            "venue": "Folkets hus", "city": "Umeå", "starts_on": "2027-06-14",
            "ends_on": "2027-06-16", "timezone": "Europe/Stockholm", "published": "y",
            "registration_open": "y"}
    data.update(changes)
    return data


def item_form(**changes):
    data = {"title": "Återhämtning i praktiken", "kind": "talk",
            "description": "Om vardagen efter vården.", "day": "2027-06-15",
            "start": "09:30", "end": "10:15", "room": "0", "speakers": []}
    data.update(changes)
    return data


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def summer_course(organiser, db):
    """The organiser's new course with one room, made through the pages."""
    response = organiser.post("/manage/events/new", data=event_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/e/{SLUG}/")
    room = organiser.post(f"/manage/e/{SLUG}/rooms", data={
        "name": "Aulan", "capacity": "120", "accessibility_notes": "Hörslinga finns."})
    assert room.status_code == 302
    event = db.session.scalar(select(Event).where(Event.slug == SLUG))
    return event, event.rooms[0]


def test_organiser_creates_an_event_with_a_room(summer_course, organiser):
    event, room = summer_course
    assert (event.name, event.city, event.timezone) == ("Sommarkursen", "Umeå", "Europe/Stockholm")
    assert event.published and event.registration_open
    assert [d.isoformat() for d in event.days] == ["2027-06-14", "2027-06-15", "2027-06-16"]
    assert (room.name, room.capacity, room.accessibility_notes) == (
        "Aulan", 120, "Hörslinga finns.")
    page = organiser.get(f"/manage/e/{SLUG}/programme").get_data(as_text=True)
    assert "Aulan" in page and "120 platser" in page


def test_item_with_a_new_speaker_invites_them_and_shows_in_local_time(
        summer_course, organiser, client, mailbox, db):
    event, room = summer_course
    response = organiser.post(f"/manage/e/{SLUG}/items/new", data=item_form(
        room=room.id, new_speaker_name="Johan Ekström", new_speaker_role="Peer supporter",
        new_speaker_organisation="Region Örebro län", new_speaker_email="johan@talare.example",
        invite="y"))
    assert response.status_code == 302

    item = db.session.scalar(select(ProgrammeItem))
    # 09:30 in Stockholm in June is summer time (UTC+2).
    assert item.starts_at == datetime(2027, 6, 15, 7, 30, tzinfo=UTC)
    assert item.ends_at == datetime(2027, 6, 15, 8, 15, tzinfo=UTC)
    assert item.room_id == room.id
    [slot] = item.slots
    assert slot.speaker.name == "Johan Ekström" and slot.state == "invited"
    assert slot.invited_at is not None

    [invitation] = mailbox.wait_for(1)
    assert invitation["To"] == "johan@talare.example"
    assert invitation["Subject"] == "Inbjudan att tala på Sommarkursen"
    body = mailbox.body(invitation)
    assert "Återhämtning i praktiken" in body and "09:30–10:15" in body and "Aulan" in body
    assert mailbox.link(invitation, "/s/") == f"/s/{slot.speaker.token}"

    # The public sees the programme once the organiser publishes it.
    assert "Återhämtning i praktiken" not in client.get(f"/e/{SLUG}/programme").get_data(
        as_text=True)
    assert organiser.post(f"/manage/e/{SLUG}/publish", data={}).status_code == 302
    programme = client.get(f"/e/{SLUG}/programme")
    assert programme.status_code == 200
    html = programme.get_data(as_text=True)
    assert "Återhämtning i praktiken" in html
    assert "09:30</time>–<time" in html and "10:15</time>" in html
    assert "Johan Ekström" not in html, "not announced before he says yes"
    assert client.post(f"/s/{slot.speaker.token}/slots/{slot.id}",
                       data={"answer": "accept"}).status_code == 302
    html = client.get(f"/e/{SLUG}/programme").get_data(as_text=True)
    assert "Johan Ekström, Peer supporter (Region Örebro län)" in html
    assert "Aulan" in html


def test_item_can_use_an_existing_speaker_without_invitation(
        summer_course, organiser, mailbox, db):
    event, _room = summer_course
    organiser.post(f"/manage/e/{SLUG}/speakers", data={
        "name": "Maria Holm", "role_title": "Forskare", "organisation": "",
        "email": "maria@talare.example", "language": "sv"})
    maria = db.session.scalar(select(Speaker).where(Speaker.name == "Maria Holm"))
    response = organiser.post(f"/manage/e/{SLUG}/items/new", data=item_form(
        speakers=[maria.id]))
    assert response.status_code == 302
    [slot] = db.session.scalars(select(SpeakerSlot)).all()
    assert slot.speaker_id == maria.id and slot.item.room is None
    assert slot.invited_at is None
    assert mailbox.messages == []


def test_end_before_start_is_refused_and_nothing_stored(summer_course, organiser, db, mailbox):
    response = organiser.post(f"/manage/e/{SLUG}/items/new", data=item_form(
        start="11:00", end="10:00", new_speaker_name="Eva Lund",
        new_speaker_email="eva@talare.example", invite="y"))
    assert response.status_code == 400
    assert "Programpunkten måste sluta efter att den börjar." in response.get_data(as_text=True)
    assert count(db, ProgrammeItem) == 0
    assert count(db, Speaker) == 0
    assert mailbox.messages == []


def test_day_outside_the_event_is_refused(summer_course, organiser, db):
    response = organiser.post(f"/manage/e/{SLUG}/items/new", data=item_form(day="2027-06-20"))
    assert response.status_code == 400
    assert 'id="day-error"' in response.get_data(as_text=True)
    assert count(db, ProgrammeItem) == 0


def test_unknown_item_and_item_of_another_event_are_not_found(conference, organiser):
    other = build_conference(name="Höstkursen", slug="hostkursen-2027")
    slug = conference["event"].slug
    assert organiser.get(f"/manage/e/{slug}/items/999999").status_code == 404
    foreign = other["talk"].id
    assert organiser.get(f"/manage/e/{slug}/items/{foreign}").status_code == 404
    response = organiser.post(f"/manage/e/{slug}/items/{foreign}", data=item_form(
        day="2027-03-18", title="Kapad"))
    assert response.status_code == 404
    assert organiser.post(f"/manage/e/{slug}/items/{foreign}/cancel",
                          data={"confirm": "y"}).status_code == 404
    assert other["talk"].title == "Peer support i vården" and not other["talk"].cancelled


def test_invalid_room_form_is_refused(summer_course, organiser, db):
    response = organiser.post(f"/manage/e/{SLUG}/rooms", data={
        "name": "", "capacity": "0", "accessibility_notes": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="capacity-error"' in html
    assert count(db, Room) == 1


def test_the_address_name_has_the_year_once(organiser, db):
    """A name that already says the year does not get it twice; one without gets it added."""
    with_year = organiser.post("/manage/events/new", data=event_form(
        name="Höstkurs i peer support 2027", starts_on="2027-10-04", ends_on="2027-10-05"))
    assert with_year.headers["Location"].endswith("/manage/e/hostkurs-i-peer-support-2027/")
    without = organiser.post("/manage/events/new", data=event_form(
        name="Vinterkurs i peer support", starts_on="2027-12-06", ends_on="2027-12-07"))
    assert without.headers["Location"].endswith("/manage/e/vinterkurs-i-peer-support-2027/")
    assert organiser.get("/manage/e/hostkurs-i-peer-support-2027/").status_code == 200


def test_event_ending_before_it_starts_is_refused(organiser, db):
    response = organiser.post("/manage/events/new", data=event_form(
        starts_on="2027-06-16", ends_on="2027-06-14"))
    assert response.status_code == 400
    assert "Sista dagen kan inte vara före första dagen." in response.get_data(as_text=True)
    assert count(db, Event) == 0


def test_visitor_without_login_is_sent_to_login(client, conference, db):
    slug = conference["event"].slug
    for path in ("/manage/events/new", f"/manage/e/{slug}/items/new"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post("/manage/events/new", data=event_form())
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert count(db, Event) == 1


def test_door_staff_may_not_build_programmes(app, make_user, conference, db):
    event = conference["event"]
    make_user("dorr@example.org", role="door", events=[event])
    door = login(app.test_client(), "dorr@example.org")
    assert door.get("/manage/events/new").status_code == 403
    assert door.post("/manage/events/new", data=event_form()).status_code == 403
    response = door.post(f"/manage/e/{event.slug}/items/new", data=item_form(day="2027-03-18"))
    assert response.status_code == 403
    assert door.post(f"/manage/e/{event.slug}/rooms", data={"name": "Kapprummet"}).status_code \
        == 403
    assert count(db, Event) == 1 and count(db, ProgrammeItem) == 2 and count(db, Room) == 2
