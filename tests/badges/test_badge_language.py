"""A badge is printed in its attendee's language: an English attendee's badge names the event
and the ticket in English (where the organiser wrote them) and gives the date in English."""

from tests.factories import ENGLISH, give_english, register
from tests.readback import pdf_text


def badge_text(client, attendee) -> str:
    response = client.get(f"/r/{attendee.manage_token}/badge.pdf")
    assert response.status_code == 200
    [page] = pdf_text(response.get_data())
    return " ".join(page.split())


def test_an_english_attendees_badge_is_in_english(client, conference, mailbox):
    give_english(conference)
    attendee = register(conference["event"], conference["ticket"], name="Robin Smith",
                        email="robin@example.org", language="en")
    text = badge_text(client, attendee)
    assert ENGLISH["event"] in text and ENGLISH["ticket"] in text
    assert "March 18, 2027" in text
    assert "Vårkonferensen" not in text and "Fri entré" not in text and "mars" not in text


def test_a_swedish_attendees_badge_stays_swedish(client, conference, mailbox):
    give_english(conference)
    attendee = register(conference["event"], conference["ticket"])
    text = badge_text(client, attendee)
    assert "Vårkonferensen" in text and "Fri entré" in text and "18 mars 2027" in text
    assert ENGLISH["event"] not in text


def test_without_an_english_ticket_name_the_badge_gives_the_swedish_one(
        client, conference, mailbox):
    attendee = register(conference["event"], conference["ticket"], name="Robin Smith",
                        email="robin@example.org", language="en")
    text = badge_text(client, attendee)
    assert "Fri entré" in text and "Vårkonferensen" in text and "March 18, 2027" in text
