"""An attendee registers for a free ticket and gets a confirmation with the badge."""

import re

from sqlalchemy import select

from app.orders.models import Order
from app.registration.models import Registration
from tests.readback import attachment, pdf_text, qr_codes

NEUTRAL = ("Om adressen är anmäld eller har en beställning som väntar på betalning har vi "
           "skickat länken till den igen.")


def url(ticket, count=1):
    return f"/e/varkonferensen-2027/register?t{ticket.id}={count}"


def form(**changes):
    data = {"a0-name": "Alva Persson", "a0-email": "alva@example.org",
            "a0-organisation": "RSMH Stockholm", "a0-dietary_needs": "",
            "a0-accessibility_needs": ""}
    data.update({(key if "-" in key or key == "website" else f"a0-{key}"): value
                 for key, value in changes.items()})
    return data


def test_registration_page_lists_tickets(client, conference):
    page = client.get("/e/varkonferensen-2027/register")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Fri entré" in html and "Anmäl dig till Vårkonferensen" in html
    assert "950\u00a0kr" in html and "inkl. 25 % moms" in html


def test_one_ticket_type_on_sale_goes_straight_to_the_details(client, conference, db):
    db.session.delete(conference["paid"])
    db.session.commit()
    page = client.get("/e/varkonferensen-2027/register")
    assert page.status_code == 302
    assert page.headers["Location"].endswith(f"?t{conference['ticket'].id}=1")


def test_attendee_registers_and_receives_confirmation_with_badge(client, conference, mailbox, db):
    details = client.get(url(conference["ticket"]))
    assert details.status_code == 200 and 'name="a0-email"' in details.get_data(as_text=True)
    response = client.post(url(conference["ticket"]), data=form(
        dietary_needs="Vegetarisk", accessibility_needs="Hörslinga", sensitive_consent="y"))
    assert response.status_code == 303
    registration = db.session.scalar(select(Registration))
    order = db.session.scalar(select(Order))
    # Registered alone: straight to their own page, with the badge.
    assert response.headers["Location"].endswith(f"/r/{registration.manage_token}")
    assert order.status == "confirmed" and order.payment_method == "free"
    assert registration.order_id == order.id and registration.status == "confirmed"
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
    # The badge was drawn when the email was sent, not while the attendee waited.
    from app.mail.models import EmailAttachment

    stored = db.session.scalar(select(EmailAttachment))
    assert stored.source == f"badge:{registration.id}" and stored.data == b""
    assert re.fullmatch(r"[A-Z2-7]{26}", code)
    assert str(registration.id) != code


def test_registration_in_english_gives_english_email(client, conference, mailbox):
    client.get("/language/en")
    page = client.get("/e/varkonferensen-2027/register")
    # The event has no English name: the Swedish one, marked as Swedish.
    assert 'Register for <span lang="sv">Vårkonferensen</span>' in page.get_data(as_text=True)
    client.post(url(conference["ticket"]), data=form())
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Your registration: Vårkonferensen"
    assert "You are registered for Vårkonferensen" in mailbox.body(message)


def test_sensitive_needs_without_consent_are_refused_and_nothing_stored(client, conference, db):
    response = client.post(url(conference["ticket"]), data=form(dietary_needs="Glutenfri"))
    assert response.status_code == 409
    assert "samtycke" in response.get_data(as_text=True)
    assert db.session.scalar(select(Registration)) is None
    assert conference["ticket"].seats_taken == 0


def test_malformed_form_is_a_400_with_messages(client, conference, db):
    response = client.post(url(conference["ticket"]), data=form(email="inte-en-adress", name=""))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Skriv en hel e-postadress" in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(Registration)) is None


def test_unknown_or_malformed_ticket_choice_is_refused(client, conference, db):
    assert client.post("/e/varkonferensen-2027/register?t999999=1",
                       data=form()).status_code == 404
    assert client.post("/e/varkonferensen-2027/register?tx=1", data=form()).status_code == 400
    assert client.post(f"/e/varkonferensen-2027/register?t{conference['ticket'].id}=nej",
                       data=form()).status_code == 400
    assert client.post("/e/varkonferensen-2027/register", data=form()).status_code == 400
    assert db.session.scalar(select(Registration)) is None


def test_double_submit_registers_once_and_resends_the_link(client, conference, mailbox, db):
    first = client.post(url(conference["ticket"]), data=form())
    second = client.post(url(conference["ticket"]), data=form(email="ALVA@example.org"))
    assert first.status_code == 303 and second.status_code == 409
    assert NEUTRAL in second.get_data(as_text=True)
    assert len(db.session.scalars(select(Registration)).all()) == 1
    messages = mailbox.wait_for(2)
    assert {m["To"] for m in messages} == {"alva@example.org"}


def test_an_address_registered_at_the_same_moment_gets_its_link_again(
        client, conference, mailbox, db, monkeypatch):
    """The second request looked before the first had committed: only the database's unique
    index stops it, and the address it collided on still gets the confirmation again."""
    from app.registration import services

    assert client.post(url(conference["ticket"]), data=form()).status_code == 303
    mailbox.wait_for(1)
    mailbox.clear()
    looked = []
    checked = services._live_emails

    def too_early(event, emails):
        looked.append(emails)
        return set() if len(looked) == 1 else checked(event, emails)

    monkeypatch.setattr(services, "_live_emails", too_early)
    second = client.post(url(conference["ticket"]), data=form())
    assert second.status_code == 409 and NEUTRAL in second.get_data(as_text=True)
    assert len(looked) == 2
    [message] = mailbox.wait_for(1)
    assert message["To"] == "alva@example.org"
    assert "namnbricka.pdf" in [a.get_filename() for a in message.iter_attachments()]
    assert len(db.session.scalars(select(Registration)).all()) == 1


def test_paid_ticket_cannot_be_taken_without_a_way_to_pay(client, conference, db):
    # Invoice is the only method here (no Stripe keys), so it is chosen: its details are needed.
    response = client.post(url(conference["paid"]), data=form())
    assert response.status_code == 400
    assert 'id="billing_name-error"' in response.get_data(as_text=True)
    # Without invoice payment and without card payment there is no way to pay at all.
    conference["event"].allow_invoice = False
    db.session.commit()
    page = client.get(url(conference["paid"])).get_data(as_text=True)
    assert "inget sätt att betala" in page
    response = client.post(url(conference["paid"]), data=form())
    assert response.status_code == 400
    assert "inget sätt att betala" in response.get_data(as_text=True)
    assert db.session.scalar(select(Registration)) is None


def test_honeypot_filled_by_a_bot_is_refused(client, conference, db):
    response = client.post(url(conference["ticket"]), data=form(website="http://spam.example"))
    assert response.status_code == 400
    assert db.session.scalar(select(Registration)) is None


def test_sold_out_ticket_is_refused_clearly(client, db, mailbox):
    from tests.factories import build_conference

    conference = build_conference(capacity=1)
    assert client.post(url(conference["ticket"]), data=form()).status_code == 303
    response = client.post(url(conference["ticket"]), data=form(email="nils@example.org"))
    assert response.status_code == 409
    assert "slutsåld" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Registration)).all()) == 1


def test_closed_registration_is_refused(client, conference, db):
    conference["event"].registration_open = False
    db.session.commit()
    response = client.post(url(conference["ticket"]), data=form())
    assert response.status_code == 409
    assert "stängd" in response.get_data(as_text=True)
    assert db.session.scalar(select(Registration)) is None


def test_unpublished_event_is_not_found_for_the_public(client, conference, db):
    conference["event"].published = False
    db.session.commit()
    assert client.get("/e/varkonferensen-2027/").status_code == 404
    assert client.get("/e/varkonferensen-2027/register").status_code == 404
