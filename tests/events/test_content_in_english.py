"""The organiser writes the event in Swedish and English; a visitor who reads English gets the
English text, and the Swedish one, marked as Swedish, only where no English was written."""

from app.events.models import Event
from tests.events.test_venue_address import event_form
from tests.factories import ENGLISH, SWEDISH_GIVEN_IN_ENGLISH, give_english

SLUG = "varkonferensen-2027"


def test_the_organiser_writes_the_name_and_description_in_english(organiser, conference, db):
    event = conference["event"]
    page = organiser.get(f"/manage/e/{SLUG}/edit").get_data(as_text=True)
    assert 'name="name_en"' in page and 'name="description_en"' in page
    assert "Namn (engelska)" in page and "Beskrivning (engelska)" in page

    response = organiser.post(f"/manage/e/{SLUG}/edit", data=event_form(
        event, name_en="Spring Conference", description_en="A day about peer support."))
    assert response.status_code == 302
    saved = db.session.get(Event, event.id)
    db.session.refresh(saved)
    assert (saved.name_en, saved.description_en) == ("Spring Conference",
                                                    "A day about peer support.")


def test_a_room_gets_an_english_name(organiser, conference, db):
    response = organiser.post(f"/manage/e/{SLUG}/rooms", data={
        "name": "Lilla salen", "name_en": "Small hall", "capacity": "20",
        "accessibility_notes": "Hörslinga.", "accessibility_notes_en": "Hearing loop."})
    assert response.status_code == 302
    room = conference["event"].rooms[-1]
    db.session.refresh(room)
    assert (room.name, room.name_en, room.accessibility_notes_en) == (
        "Lilla salen", "Small hall", "Hearing loop.")


def test_swedish_visitors_read_swedish(client, conference):
    give_english(conference)
    page = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert "<h1>Vårkonferensen</h1>" in page and "Om peer support." in page
    assert "<strong>Fri entré</strong>" in page
    assert ENGLISH["event"] not in page and ENGLISH["ticket"] not in page


def test_english_visitors_read_the_english_texts(client, conference):
    give_english(conference)
    client.get("/language/en")
    page = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert f"<title>{ENGLISH['event']}" in page
    assert f"<h1>{ENGLISH['event']}</h1>" in page and ENGLISH["description"] in page
    assert f"<strong>{ENGLISH['ticket']}</strong>" in page and ENGLISH["ticket_description"] in page
    shown = [text for text in SWEDISH_GIVEN_IN_ENGLISH if text in page]
    assert shown == []
    # The paid ticket has no English name: shown in Swedish, marked so.
    assert '<strong><span lang="sv">Ordinarie</span></strong>' in page

    listing = client.get("/").get_data(as_text=True)
    assert ENGLISH["event"] in listing and "Vårkonferensen" not in listing


def test_without_english_the_english_page_shows_swedish_marked_as_swedish(client, conference):
    client.get("/language/en")
    page = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert '<h1><span lang="sv">Vårkonferensen</span></h1>' in page
    # A title cannot hold markup: the Swedish name as it is.
    assert "<title>Vårkonferensen" in page
