"""A speaker is announced only once they say yes; their page tells them what they need for the
day, under a heading that follows their answer; saying yes gives them their ticket once."""

import json

import icalendar
import pytest
from jsonschema import Draft6Validator
from sqlalchemy import func, select

from app.events.models import Event
from app.extensions import db as _db
from app.programme.published import published_programme
from app.registration.models import Registration
from app.registration.personal import star
from app.speakers.models import SpeakerSlot
from app.speakers.services import add_speaker, answer, assign
from app.tickets.models import TicketType
from tests.concurrency import run_at_once
from tests.factories import edit_talk, publish_programme, register
from tests.programme.test_exports import format_checker, load_schema, problems

SLUG = "varkonferensen-2027"
PROGRAMME, SPEAKERS = f"/e/{SLUG}/programme", f"/e/{SLUG}/speakers"
CALENDAR, SCHEDULE = f"/e/{SLUG}/programme.ics", f"/e/{SLUG}/schedule.json"
TICKETS = f"/manage/e/{SLUG}/tickets"
JOHAN = "johan@talare.example"


@pytest.fixture
def johan(conference, db):
    """Johan is invited to the talk with Sara (who has said yes) and has not answered; the
    programme with both of them on the talk is published."""
    speaker = add_speaker(conference["event"], name="Johan Ekström", role_title="Forskare",
                          organisation="Karolinska institutet", email=JOHAN,
                          bio="Forskar om återhämtning.")
    db.session.flush()
    [slot] = assign(conference["talk"], [speaker], invite=False)
    db.session.commit()
    publish_programme(conference["event"])
    return speaker, slot


def portal_of(speaker) -> str:
    return f"/s/{speaker.token}"


def say(client, speaker, slot, choice):
    """Press Accept or Decline on the speaker's page (and read the page it leads back to)."""
    response = client.post(f"{portal_of(speaker)}/slots/{slot.id}", data={"answer": choice})
    assert response.status_code == 302
    return client.get(portal_of(speaker)).get_data(as_text=True)


def public_views(client) -> dict[str, str]:
    """What anyone can read: the programme, the speaker list, schedule.json (checked against
    the c3voc schema) and the programme's calendar."""
    document = json.loads(client.get(SCHEDULE).get_data(as_text=True))
    assert problems(Draft6Validator(load_schema(), format_checker=format_checker()),
                    document) == []
    persons = [person["name"] for day in document["schedule"]["conference"]["days"]
               for entries in day["rooms"].values() for entry in entries
               for person in entry["persons"]]
    feed = icalendar.Calendar.from_ical(client.get(CALENDAR).get_data())
    descriptions = [str(entry.get("DESCRIPTION", "")) for entry in feed.walk("VEVENT")]
    return {
        "programme": client.get(PROGRAMME).get_data(as_text=True),
        "speakers": client.get(SPEAKERS).get_data(as_text=True),
        "schedule.json": "\n".join(persons),
        "programme.ics": "\n".join(descriptions),
    }


# --- who the public sees ----------------------------------------------------------------------

def test_an_invited_speaker_is_announced_only_after_saying_yes(client, conference, johan, db):
    speaker, slot = johan
    for where, text in public_views(client).items():
        assert "Johan Ekström" not in text, f"invited, not yet announced in {where}"
        assert "Sara Nilsson" in text, f"Sara said yes: named in {where}"
    assert client.get(f"{SPEAKERS}/{speaker.id}").status_code == 404

    say(client, speaker, slot, "accept")
    for where, text in public_views(client).items():
        assert "Johan Ekström" in text, f"announced in {where} once he said yes"
    assert client.get(f"{SPEAKERS}/{speaker.id}").status_code == 200


def test_a_snapshot_read_without_live_answers_names_only_those_who_had_accepted(
        conference, johan, db):
    """Readers of a published version that do not look up the answers now (a postponement's
    calendar, say) name nobody who was only invited when it was published."""
    programme = published_programme(db.session.get(Event, conference["event"].id),
                                     live_speakers=False)
    talk = programme.item(conference["talk"].id)
    assert [speaker.name for speaker in talk.speakers] == ["Sara Nilsson"]


def test_a_speaker_who_declines_never_appears(client, conference, johan, db):
    speaker, slot = johan
    say(client, speaker, slot, "decline")
    publish_programme(conference["event"])
    for where, text in public_views(client).items():
        assert "Johan Ekström" not in text, where
    assert client.get(f"{SPEAKERS}/{speaker.id}").status_code == 404


def test_a_published_programme_change_does_not_name_a_speaker_who_has_not_answered(
        organiser, conference, johan, mailbox, db):
    """Attendees who starred the talk are told of a new speaker only once that speaker said
    yes; the invitation alone names nobody."""
    alva = register(conference["event"], conference["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    star(alva, conference["talk"])
    db.session.commit()
    moved = edit_talk(organiser, conference, start="11:00", end="11:45",
                      speakers=[conference["speaker"].id, johan[0].id])
    assert moved.status_code == 302
    assert organiser.post(f"/manage/e/{SLUG}/publish", data={}).status_code == 302
    messages = mailbox.wait_for(3)  # Alva, Sara and Johan: the talk moved
    assert sorted(m["To"] for m in messages) == ["alva@example.org", JOHAN,
                                                 "sara@talare.example"]
    for message in (m for m in messages if m["To"] != JOHAN):
        assert "Johan Ekström" not in mailbox.body(message)
        for part in message.iter_attachments():
            if part.get_content_type() == "text/calendar":
                assert "Johan" not in part.get_content()


# --- the speaker's page -----------------------------------------------------------------------

@pytest.fixture
def practical(conference, db):
    """The facts a speaker needs for the day, as the organiser entered them."""
    event = db.session.get(Event, conference["event"].id)
    event.venue_address = "Järntorget 3\n413 04 Göteborg"
    event.arrival_info = "Spårvagn till Järntorget. Entrén med ramp ligger på baksidan."
    event.arrival_info_en = "Tram to Järntorget. The entrance with a ramp is at the back."
    event.contact_email = "konferens@nsph.example"
    conference["talk"].description = "Hur peer support fungerar i vården."
    conference["hall"].accessibility_notes = "Hörslinga."
    db.session.commit()
    return event


def test_the_speakers_page_has_what_they_need_for_the_day(client, conference, johan,
                                                          practical):
    speaker, _slot = johan
    html = client.get(portal_of(speaker)).get_data(as_text=True)
    assert "Hej Johan Ekström" in html
    assert "Peer support i vården" in html and "Hur peer support fungerar i vården." in html
    assert "18 mars 2027 10:00–10:45" in html and "Stora salen" in html
    assert "Stora salen: Hörslinga." in html
    assert "Tillsammans med dig: Sara Nilsson, Peer supporter" in html
    assert "Hitta hit" in html
    assert "Folkets hus<br>Järntorget 3\n413 04 Göteborg</address>" in html
    assert "Spårvagn till Järntorget." in html
    assert "Kontakta arrangören: NSPH" in html
    assert '<a href="mailto:konferens@nsph.example">konferens@nsph.example</a>' in html

    # Sara sees Johan as a co-speaker who has not answered yet.
    sara_page = client.get(portal_of(conference["speaker"])).get_data(as_text=True)
    assert "Tillsammans med dig: Johan Ekström, Forskare (har inte svarat än)" in sara_page

    english = client.get("/language/en")
    assert english.status_code == 302
    html = client.get(portal_of(speaker)).get_data(as_text=True)
    assert "Tram to Järntorget. The entrance with a ramp is at the back." in html
    assert "Spårvagn" not in html
    assert "Contact the organiser: NSPH" in html


def test_the_heading_follows_the_answer(client, conference, johan, db):
    speaker, slot = johan
    html = client.get(portal_of(speaker)).get_data(as_text=True)
    assert "<h1>Du är inbjuden att tala på Vårkonferensen</h1>" in html
    assert "Svara ja eller nej här nedanför." in html

    html = say(client, speaker, slot, "accept")
    assert "<h1>Du talar på Vårkonferensen</h1>" in html
    assert "Du har tackat ja." in html

    html = say(client, speaker, slot, "decline")
    assert "<h1>Du har tackat nej till att tala på Vårkonferensen</h1>" in html
    assert "om du ändrar dig" in html.lower()

    client.get("/language/en")
    html = say(client, speaker, slot, "accept")
    # The event has no English name: the Swedish one is marked as Swedish.
    assert '<h1>You are speaking at <span lang="sv">Vårkonferensen</span></h1>' in html


# --- the ticket -------------------------------------------------------------------------------

def speakers_ticket(organiser, conference, db, **changes) -> TicketType:
    """The organiser adds a hidden, free ticket and gives it to speakers (its sales have
    ended: speakers get it all the same)."""
    form = {"name": "Talare", "name_en": "Speaker", "price": "0", "vat_percent": "0",
            "capacity": "", "sales_start": "", "sales_end": "2027-01-01T00:00",
            "visibility": "code", "access_code": "TALARE2027", "for_speakers": "y", **changes}
    response = organiser.post(f"{TICKETS}/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(TicketType).where(TicketType.name == form["name"]))


def registrations_of(email) -> list[Registration]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(Registration).where(Registration.email == email)))


def test_saying_yes_registers_the_speaker_once_with_the_speakers_ticket(
        client, organiser, conference, johan, mailbox, db):
    speaker, slot = johan
    ticket = speakers_ticket(organiser, conference, db)
    html = client.get(portal_of(speaker)).get_data(as_text=True)
    assert "När du tackar ja får du en gratis biljett (Talare)." in html
    assert registrations_of(JOHAN) == []

    html = say(client, speaker, slot, "accept")
    [registration] = registrations_of(JOHAN)
    assert (registration.status, registration.ticket_type_id) == ("confirmed", ticket.id)
    assert (registration.name, registration.organisation) == (
        "Johan Ekström", "Karolinska institutet")
    assert registration.price_ore == 0 and registration.order.payment_method == "free"
    assert "Du är anmäld med biljetten Talare." in html
    assert f'href="/r/{registration.manage_token}"' in html
    badge = client.get(f"/r/{registration.manage_token}/badge.pdf")
    assert badge.status_code == 200 and badge.mimetype == "application/pdf"

    [confirmation] = mailbox.wait_for(1)
    assert confirmation["To"] == JOHAN
    assert mailbox.link(confirmation, "/r/") == f"/r/{registration.manage_token}"
    assert any(part.get_content_type() == "application/pdf"
               for part in confirmation.iter_attachments())

    # Pressing Accept twice, or again after a change of mind, makes no second registration.
    response = client.post(f"{portal_of(speaker)}/slots/{slot.id}", data={"answer": "accept"})
    assert response.status_code == 302
    say(client, speaker, slot, "decline")
    say(client, speaker, slot, "accept")
    assert len(registrations_of(JOHAN)) == 1
    db.session.refresh(ticket)
    assert ticket.seats_taken == 1
    assert len(mailbox.messages) == 1


def test_pressing_accept_many_times_at_once_makes_one_registration(
        app, organiser, conference, johan, mailbox, db):
    _speaker, slot = johan
    ticket = speakers_ticket(organiser, conference, db)
    slot_id = slot.id

    def press_accept(_i):
        answer(_db.session.get(SpeakerSlot, slot_id), accept=True)

    outcomes = run_at_once(app, 4, press_accept)
    assert [result for _i, result in outcomes if result is not None] == []
    assert len(registrations_of(JOHAN)) == 1
    db.session.refresh(ticket)
    assert ticket.seats_taken == 1
    assert len(mailbox.wait_for(1)) == 1


def test_a_speaker_registered_already_keeps_that_registration(
        client, organiser, conference, johan, mailbox, db):
    speaker, slot = johan
    speakers_ticket(organiser, conference, db)
    own = register(conference["event"], conference["ticket"], name="Johan Ekström", email=JOHAN)
    html = say(client, speaker, slot, "accept")
    assert [r.id for r in registrations_of(JOHAN)] == [own.id]
    assert "Du är anmäld med biljetten Fri entré." in html


def test_a_speaker_whose_registration_was_cancelled_is_told_how_to_register_again(
        client, organiser, conference, johan, mailbox, db):
    speaker, slot = johan
    speakers_ticket(organiser, conference, db)
    say(client, speaker, slot, "accept")
    [registration] = registrations_of(JOHAN)
    cancelled = client.post(f"/r/{registration.manage_token}/cancel", data={"confirm": "y"},
                            follow_redirects=True)
    assert cancelled.status_code == 200
    assert registrations_of(JOHAN)[0].status == "cancelled"
    html = client.get(portal_of(speaker)).get_data(as_text=True)
    assert "Du är avanmäld." in html
    assert f'href="/e/{SLUG}/register?code=TALARE2027"' in html
    say(client, speaker, slot, "accept")
    assert len(registrations_of(JOHAN)) == 1, "no new registration behind the speaker's back"


def test_with_no_seat_left_the_answer_stands_and_the_access_code_is_shown(
        client, organiser, conference, johan, db):
    speaker, slot = johan
    speakers_ticket(organiser, conference, db, capacity="0")
    html = say(client, speaker, slot, "accept")
    db.session.refresh(slot)
    assert slot.state == "accepted", "the yes is kept though no ticket could be made"
    assert registrations_of(JOHAN) == []
    assert "Anmäl dig med koden TALARE2027" in html or "koden TALARE2027" in html
    assert f'href="/e/{SLUG}/register?code=TALARE2027"' in html


def test_without_a_speakers_ticket_the_speaker_is_told_to_ask(client, conference, johan,
                                                               practical):
    speaker, slot = johan
    html = say(client, speaker, slot, "accept")
    assert registrations_of(JOHAN) == []
    assert "Arrangören berättar hur du får din biljett." in html


def test_answering_with_an_unknown_link_registers_nobody(client, organiser, conference, johan,
                                                          db):
    _speaker, slot = johan
    speakers_ticket(organiser, conference, db)
    response = client.post(f"/s/{'x' * 43}/slots/{slot.id}", data={"answer": "accept"})
    assert response.status_code == 404
    assert registrations_of(JOHAN) == []
    db.session.refresh(slot)
    assert slot.state == "invited"


def test_the_speakers_ticket_is_free_and_one_per_event(organiser, conference, db):
    refused = organiser.post(f"{TICKETS}/new", data={
        "name": "Talare betald", "price": "100", "vat_percent": "25", "visibility": "public",
        "for_speakers": "y"})
    assert refused.status_code == 400
    assert "Talare får sin biljett gratis." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TicketType)
                             .where(TicketType.for_speakers.is_(True))) == 0

    first = speakers_ticket(organiser, conference, db)
    second = speakers_ticket(organiser, conference, db, name="Talare och moderatorer")
    db.session.expire_all()
    assert [t.id for t in db.session.scalars(
        select(TicketType).where(TicketType.for_speakers.is_(True)))] == [second.id]
    assert db.session.get(TicketType, first.id).for_speakers is False
    listing = organiser.get(TICKETS).get_data(as_text=True)
    assert listing.count("Talarnas biljett") == 1


def test_the_organiser_sees_which_speakers_are_registered(client, organiser, conference, johan,
                                                          db):
    speaker, slot = johan
    speakers_ticket(organiser, conference, db)
    say(client, speaker, slot, "accept")
    [registration] = registrations_of(JOHAN)
    html = organiser.get(f"/manage/e/{SLUG}/speakers").get_data(as_text=True)
    row = html.split("Johan Ekström")[1].split("</tr>")[0]
    assert f'<a href="/manage/e/{SLUG}/attendees/{registration.id}">Anmäld</a>' in row
    assert "Anmäld" not in html.split("Sara Nilsson")[1].split("</tr>")[0]
