"""A name, title or room is one line: a line break or an invisible character typed (or pasted)
into one is refused with a message and nothing is stored, since such text ends up in mail
headers, badges and exports. Descriptions, addresses and biographies keep their line breaks."""

import pytest
from sqlalchemy import func, select

from app.events.models import Event, Room
from app.orders.models import Order
from app.programme.models import ProgrammeItem
from app.registration.models import Question, Registration
from app.speakers.models import Speaker
from app.tickets.models import TicketType

SLUG = "varkonferensen-2027"
MESSAGE = "Skriv på en rad, utan radbrytningar eller osynliga tecken."

# (NUL never gets this far: app.security refuses any request carrying one.)
BREAKING = ["Vår\nkonferens", "Vår\r\nkonferens", "Vår\rkonferens", "Vår\tkonferens",
            "Vår\x01konferens", "Vår\x1bkonferens", "Vår\x7fkonferens", "Vår\u0085konferens",
            "Vår\u200bkonferens", "Vår\u200ekonferens", "Vår\u200fkonferens",
            "Vår\u2028konferens", "Vår\u2029konferens", "\ufeffVårkonferens",
            "Vår\u00adkonferens", "\u200b", "\u3164", " \u2800 "]


def count(db, model, *where):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def refused(response):
    assert response.status_code == 400, response.status_code
    html = response.get_data(as_text=True)
    assert MESSAGE in html
    assert 'aria-invalid="true"' in html


def event_form(**changes):
    data = {"name": "Sommarkursen", "description": "Tre dagar.", "organiser_name": "NSPH",
            "contact_email": "kurs@nsph.example", "venue": "Folkets hus", "city": "Umeå",
            "starts_on": "2027-06-14", "ends_on": "2027-06-16", "timezone": "Europe/Stockholm"}
    data.update(changes)
    return data


@pytest.mark.parametrize("value", BREAKING)
def test_an_event_name_on_more_than_one_line_is_refused(organiser, db, value):
    refused(organiser.post("/manage/events/new", data=event_form(name=value)))
    assert count(db, Event) == 0


@pytest.mark.parametrize("field", ["organiser_name", "venue", "city"])
def test_the_events_other_one_line_fields_are_refused_too(organiser, conference, db, field):
    response = organiser.post(f"/manage/e/{SLUG}/edit", data=event_form(**{field: "A\nB"}))
    refused(response)
    assert count(db, Event, getattr(Event, field) == "A\nB") == 0


def test_an_event_description_keeps_its_line_breaks(organiser, db):
    response = organiser.post("/manage/events/new",
                              data=event_form(description="Rad ett.\r\nRad två.\tSlut."))
    assert response.status_code == 302
    db.session.rollback()
    assert "\n" in db.session.scalar(select(Event.description))


def test_a_room_name_on_two_lines_is_refused(organiser, conference, db):
    refused(organiser.post(f"/manage/e/{SLUG}/rooms", data={"name": "Sal\nC"}))
    assert count(db, Room) == 2


def item_form(**changes):
    data = {"title": "Återhämtning", "kind": "talk", "description": "Rad ett.\nRad två.",
            "day": "2027-03-18", "start": "14:00", "end": "14:45", "room": "0"}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes", [
    {"title": "Återhämtning\ni praktiken"},
    {"title": "\u200b\u200b"},
    {"audience": "Alla\u2028andra"},
    {"new_speaker_name": "Nils\rNilsson"},
    {"new_speaker_role": "Forskare\x0b"},
    {"new_speaker_organisation": "RSMH\ufeff"},
])
def test_a_programme_item_with_a_broken_line_is_refused(organiser, conference, db, changes):
    items, speakers = count(db, ProgrammeItem), count(db, Speaker)
    refused(organiser.post(f"/manage/e/{SLUG}/items/new", data=item_form(**changes)))
    assert count(db, ProgrammeItem) == items and count(db, Speaker) == speakers


def test_a_programme_item_description_keeps_its_line_breaks(organiser, conference, db):
    response = organiser.post(f"/manage/e/{SLUG}/items/new", data=item_form())
    assert response.status_code == 302
    assert count(db, ProgrammeItem, ProgrammeItem.description == "Rad ett.\nRad två.") == 1


def ticket_form(**changes):
    data = {"name": "Student", "name_en": "Student", "description": "Rad ett.\nRad två.",
            "description_en": "", "price": "450", "vat_percent": "6", "visibility": "public"}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes", [
    {"name": "Student\nrabatt"}, {"name_en": "Student\u200bdiscount"},
    {"name": "\u3164"}, {"price": "4\n50"}, {"visibility": "code", "access_code": "KOD\t1"},
])
def test_a_ticket_with_a_broken_line_is_refused(organiser, conference, db, changes):
    refused(organiser.post(f"/manage/e/{SLUG}/tickets/new", data=ticket_form(**changes)))
    assert count(db, TicketType) == 2


def test_a_ticket_description_keeps_its_line_breaks(organiser, conference, db):
    response = organiser.post(f"/manage/e/{SLUG}/tickets/new", data=ticket_form())
    assert response.status_code in (302, 303)
    assert count(db, TicketType, TicketType.description == "Rad ett.\nRad två.") == 1


def test_a_question_label_on_two_lines_is_refused(organiser, conference, db):
    response = organiser.post(f"/manage/e/{SLUG}/questions/new", data={
        "label": "Vad\narbetar du med?", "kind": "text"})
    refused(response)
    assert count(db, Question) == 0


def register_form(conference, **changes):
    data = {"a0-name": "Alva Persson", "a0-email": "alva@example.org",
            "a0-organisation": "RSMH Stockholm", "a0-dietary_needs": "Vegetarisk\nInga nötter"}
    data.update(changes)
    return data


@pytest.mark.parametrize("changes", [
    {"a0-name": "Alva\nPersson"},
    {"a0-name": "Alva\u2029Persson"},
    {"a0-name": "\u200b"},
    {"a0-name": "\u3164\u3164"},
    {"a0-organisation": "RSMH\r\nBcc: someone@example.org"},
])
def test_an_attendee_name_on_two_lines_is_refused_and_nothing_stored(client, conference, db,
                                                                      changes):
    ticket = conference["ticket"]
    response = client.post(f"/e/{SLUG}/register?t{ticket.id}=1",
                           data=register_form(conference, **changes))
    refused(response)
    assert count(db, Registration) == 0 and count(db, Order) == 0


@pytest.mark.parametrize("changes", [
    {"buyer_name": "Eva\nChef"},
    {"payment_method": "invoice", "billing_name": "Region\u200bVäst",
     "billing_address": "Box 1\nGöteborg"},
])
def test_a_buyer_or_billing_name_on_two_lines_is_refused(client, conference, db, changes):
    paid = conference["paid"]
    data = {"buyer_name": "Eva Chef", "buyer_email": "eva@example.org",
            "a0-name": "Kim Ek", "a0-email": "kim@example.org",
            "a1-name": "Lo Berg", "a1-email": "lo@example.org", **changes}
    refused(client.post(f"/e/{SLUG}/register?t{paid.id}=2", data=data))
    assert count(db, Registration) == 0 and count(db, Order) == 0


def test_a_name_joined_with_a_zero_width_non_joiner_is_a_name(client, conference, db):
    """Persian (and other scripts) use the zero-width (non-)joiner inside words: such a name is
    registered as typed, while the joiner alone is still an empty name."""
    ticket = conference["ticket"]
    name = "مهر\u200cناز Rahimi"
    response = client.post(f"/e/{SLUG}/register?t{ticket.id}=1",
                           data=register_form(conference, **{"a0-name": name,
                                                              "a0-sensitive_consent": "y"}))
    assert response.status_code == 303
    assert count(db, Registration, Registration.name == name) == 1
    refused(client.post(f"/e/{SLUG}/register?t{ticket.id}=1",
                        data=register_form(conference, **{"a0-name": "\u200d",
                                                          "a0-email": "z@example.org"})))


def test_needs_and_invoice_addresses_keep_their_line_breaks(client, conference, db):
    ticket = conference["ticket"]
    response = client.post(f"/e/{SLUG}/register?t{ticket.id}=1",
                           data=register_form(conference, **{"a0-sensitive_consent": "y"}))
    assert response.status_code == 303
    assert count(db, Registration,
                 Registration.dietary_needs == "Vegetarisk\nInga nötter") == 1


def test_a_speaker_cannot_put_a_line_break_in_their_name(client, conference, db):
    speaker = conference["speaker"]
    response = client.post(f"/s/{speaker.token}", data={
        "name": "Sara\nNilsson", "role_title": "", "organisation": "", "bio": "Rad 1\nRad 2"})
    refused(response)
    db.session.rollback()
    assert db.session.get(Speaker, speaker.id).name == "Sara Nilsson"
