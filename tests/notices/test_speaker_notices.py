"""A speaker whose programme item moves or is cancelled is told that their programme item
changed, with their speaker page, never about a registration they may not have; an attendee
reads of the programme and their registration."""

import re

import pytest

from app.registration.personal import star
from app.speakers.services import add_speaker, assign
from tests.factories import edit_talk, register

SLUG = "varkonferensen-2027"
ALVA, SARA, ANNE = "alva@example.org", "sara@talare.example", "anne@speaker.example"


@pytest.fixture
def alva(conference, mailbox, db):
    """Alva registered and put the talk in her own programme."""
    registration = register(conference["event"], conference["ticket"])
    star(registration, conference["talk"])
    db.session.commit()
    mailbox.wait_for(1)
    mailbox.clear()
    return registration


@pytest.fixture
def anne(conference, db):
    """Anne, who reads English, is invited to the talk too and has not answered yet."""
    speaker = add_speaker(conference["event"], name="Anne Smith", email=ANNE, language="en")
    db.session.flush()
    assign(conference["talk"], [speaker], invite=False)
    db.session.commit()
    return speaker


def publish(organiser):
    assert organiser.post(f"/manage/e/{SLUG}/publish", data={}).status_code == 302


def mail_to(mailbox, count) -> dict:
    messages = mailbox.wait_for(count)
    assert len(messages) == count
    return {m["To"]: (m["Subject"], mailbox.body(m)) for m in messages}


def speakers_of_the_talk(conference, anne):
    return [conference["speaker"].id, anne.id]


def test_a_speaker_reads_that_their_programme_item_moved(organiser, conference, alva, anne,
                                                          mailbox):
    moved = edit_talk(organiser, conference, start="14:00", end="14:45",
                      room=conference["side"].id, speakers=speakers_of_the_talk(conference, anne))
    assert moved.status_code == 302
    publish(organiser)
    mail = mail_to(mailbox, 3)

    subject, body = mail[SARA]
    assert subject == "Din programpunkt har flyttats: Peer support i vården"
    assert "Din programpunkt har flyttats." in body
    assert "Före: 18 mars 2027 10:00–10:45, Stora salen" in body
    assert "Nu:    18 mars 2027 14:00–14:45, Sal B" in body
    assert "Din sida som talare, med dina programpunkter och hur du hittar dit:" in body
    assert f"/s/{conference['speaker'].token}" in body
    assert "anmälan" not in body.lower() and "/r/" not in body

    subject, body = mail[ANNE]
    assert subject == "Your programme item has moved: Peer support i vården"
    assert "Your programme item has moved." in body
    assert "Your speaker page, with your programme items and how to get there:" in body
    assert f"/s/{anne.token}" in body
    assert "registration" not in body.lower()

    subject, body = mail[ALVA]
    assert subject == "Ändrad tid: Peer support i vården"
    assert "Hela programmet och din anmälan:" in body and f"/r/{alva.manage_token}" in body
    assert "Din programpunkt" not in body and "/s/" not in body


def test_a_speaker_reads_that_their_programme_item_is_cancelled(organiser, conference, alva,
                                                                mailbox):
    cancelled = organiser.post(f"/manage/e/{SLUG}/items/{conference['talk'].id}/cancel",
                               data={"confirm": "y"})
    assert cancelled.status_code == 302
    publish(organiser)
    mail = mail_to(mailbox, 2)
    subject, body = mail[SARA]
    assert subject == "Din programpunkt är inställd: Peer support i vården"
    assert "Din programpunkt är inställd." in body
    assert "anmälan" not in body.lower()
    subject, body = mail[ALVA]
    assert subject == "Inställt: Peer support i vården"
    assert "Programpunkten är inställd." in body and "Din programpunkt" not in body


def test_a_speaker_who_is_also_registered_gets_one_email_with_both_pages(
        organiser, conference, mailbox, db):
    sara = conference["speaker"]
    own = register(conference["event"], conference["ticket"], name="Sara Nilsson", email=SARA)
    star(own, conference["talk"])
    db.session.commit()
    mailbox.wait_for(1)
    mailbox.clear()
    assert edit_talk(organiser, conference, start="11:00", end="11:45").status_code == 302
    publish(organiser)
    subject, body = mail_to(mailbox, 1)[SARA]
    assert subject == "Din programpunkt har flyttats: Peer support i vården"
    assert re.search(rf"Hela programmet och din anmälan:\s+.*\S+/r/{own.manage_token}", body)
    assert re.search(rf"Din sida som talare:\s+.*\S+/s/{sara.token}", body)


def test_the_preview_shows_what_an_attendee_and_a_speaker_read(organiser, conference, alva,
                                                              mailbox):
    assert edit_talk(organiser, conference, start="11:00", end="11:45").status_code == 302
    html = organiser.get(f"/manage/e/{SLUG}/publish").get_data(as_text=True)
    attendee = html.split('id="sample-sv-attendee"')[1].split("</section>")[0]
    speaker = html.split('id="sample-sv-speaker"')[1].split("</section>")[0]
    assert "Hej Alva Persson," in attendee and "Hela programmet och din anmälan:" in attendee
    assert "Vad en talare läser (sv)" in speaker
    assert "Hej Sara Nilsson," in speaker and "Din programpunkt har flyttats." in speaker
    assert "anmälan" not in speaker
    assert mailbox.messages == []
