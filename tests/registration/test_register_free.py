"""An attendee registers for a free ticket and gets a confirmation with the badge."""

import re

from sqlalchemy import select

from app.registration.models import Registration
from tests.readback import attachment, pdf_text, qr_codes


def form(ticket, **changes):
    data = {"ticket_type": ticket.id, "name": "Alva Persson", "email": "alva@example.org",
            "organisation": "RSMH Stockholm", "dietary_needs": "", "accessibility_needs": ""}
    data.update(changes)
    return data


def test_registration_page_lists_tickets(client, conference):
    page = client.get("/e/varkonferensen-2027/register")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Fri entré" in html and "Anmäl dig till Vårkonferensen" in html


def test_attendee_registers_and_receives_confirmation_with_badge(client, conference, mailbox, db):
    response = client.post("/e/varkonferensen-2027/register", data=form(
        conference["ticket"], dietary_needs="Vegetarisk", accessibility_needs="Hörslinga",
        sensitive_consent="y"))
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert response.headers["Location"].endswith(f"/r/{registration.manage_token}")
    assert registration.dietary_needs == "Vegetarisk"
    assert registration.accessibility_needs == "Hörslinga"
    assert registration.language == "sv"

    [message] = mailbox.wait_for(1)
    assert message["To"] == "alva@example.org"
    assert message["Subject"] == "Din anmälan: Vårkonferensen"
    assert mailbox.link(message, "/r/") == f"/r/{registration.manage_token}"

    badge = attachment(message)
    [text] = pdf_text(badge)
    assert "Alva Persson" in text and "RSMH Stockholm" in text and "Vårkonferensen" in text
    [code] = qr_codes(badge)
    assert code == registration.badge_token
    assert re.fullmatch(r"[A-Z2-7]{26}", code)
    assert str(registration.id) != code


def test_registration_in_english_gives_english_email(client, conference, mailbox):
    client.get("/language/en")
    page = client.get("/e/varkonferensen-2027/register")
    assert "Register for Vårkonferensen" in page.get_data(as_text=True)
    client.post("/e/varkonferensen-2027/register", data=form(conference["ticket"]))
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Your registration: Vårkonferensen"
    assert "You are registered for Vårkonferensen" in mailbox.body(message)


def test_sensitive_needs_without_consent_are_refused_and_nothing_stored(client, conference, db):
    response = client.post("/e/varkonferensen-2027/register", data=form(
        conference["ticket"], dietary_needs="Glutenfri"))
    assert response.status_code == 409
    assert "samtycke" in response.get_data(as_text=True)
    assert db.session.scalar(select(Registration)) is None
    assert conference["ticket"].seats_taken == 0


def test_malformed_form_is_a_400_with_messages(client, conference, db):
    response = client.post("/e/varkonferensen-2027/register", data=form(
        conference["ticket"], email="inte-en-adress", name=""))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Skriv en hel e-postadress" in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(Registration)) is None


def test_unknown_ticket_id_is_refused(client, conference, db):
    response = client.post("/e/varkonferensen-2027/register", data=form(
        conference["ticket"], ticket_type="999999"))
    assert response.status_code == 400
    assert db.session.scalar(select(Registration)) is None


def test_double_submit_registers_once_and_resends_the_link(client, conference, mailbox, db):
    first = client.post("/e/varkonferensen-2027/register", data=form(conference["ticket"]))
    second = client.post("/e/varkonferensen-2027/register", data=form(
        conference["ticket"], email="ALVA@example.org"))
    assert first.status_code == 302 and second.status_code == 303
    assert len(db.session.scalars(select(Registration)).all()) == 1
    messages = mailbox.wait_for(2)
    assert {m["To"] for m in messages} == {"alva@example.org"}


def test_paid_ticket_cannot_be_taken_without_payment(client, conference, db):
    response = client.post("/e/varkonferensen-2027/register", data=form(conference["paid"]))
    assert response.status_code == 409
    assert db.session.scalar(select(Registration)) is None


def test_honeypot_filled_by_a_bot_is_refused(client, conference, db):
    response = client.post("/e/varkonferensen-2027/register", data=form(
        conference["ticket"], website="http://spam.example"))
    assert response.status_code == 400
    assert db.session.scalar(select(Registration)) is None


def test_sold_out_ticket_is_refused_clearly(client, db, mailbox):
    from tests.factories import build_conference

    conference = build_conference(capacity=1)
    assert client.post("/e/varkonferensen-2027/register",
                       data=form(conference["ticket"])).status_code == 302
    response = client.post("/e/varkonferensen-2027/register",
                           data=form(conference["ticket"], email="nils@example.org"))
    assert response.status_code == 409
    assert "slutsåld" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Registration)).all()) == 1


def test_closed_registration_is_refused(client, conference, db):
    conference["event"].registration_open = False
    db.session.commit()
    response = client.post("/e/varkonferensen-2027/register", data=form(conference["ticket"]))
    assert response.status_code == 409
    assert db.session.scalar(select(Registration)) is None


def test_unpublished_event_is_not_found_for_the_public(client, conference, db):
    conference["event"].published = False
    db.session.commit()
    assert client.get("/e/varkonferensen-2027/").status_code == 404
    assert client.get("/e/varkonferensen-2027/register").status_code == 404
