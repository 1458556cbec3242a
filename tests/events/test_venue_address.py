"""The organiser says where the event is and how to get in; visitors read it on the event page,
in English where the organiser wrote it in English."""

from app.events.models import Event
from tests.factories import event_form

SLUG = "varkonferensen-2027"




def test_the_organiser_writes_the_address_and_the_way_in(organiser, client, conference, db):
    event = conference["event"]
    response = organiser.post(f"/manage/e/{SLUG}/edit", data=event_form(
        event, venue_address="Sveavägen 1, 111 57 Stockholm",
        arrival_info="Ingången utan trappsteg är på gårdssidan.",
        arrival_info_en="The step-free entrance is on the courtyard side."))
    assert response.status_code == 302
    saved = db.session.get(Event, event.id)
    db.session.refresh(saved)
    assert saved.venue_address == "Sveavägen 1, 111 57 Stockholm"

    swedish = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert "Sveavägen 1, 111 57 Stockholm" in swedish
    assert "Ingången utan trappsteg är på gårdssidan." in swedish

    client.get("/language/en")
    english = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert "The step-free entrance is on the courtyard side." in english
    assert "gårdssidan" not in english


def test_without_english_the_english_page_shows_the_swedish_way_in_marked_swedish(
        organiser, client, conference, db):
    event = conference["event"]
    organiser.post(f"/manage/e/{SLUG}/edit", data=event_form(
        event, arrival_info="Ingången är på gårdssidan."))
    client.get("/language/en")
    english = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert '<span lang="sv">Ingången är på gårdssidan.</span>' in english
