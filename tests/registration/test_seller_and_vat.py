"""The organiser sets up invoicing as a public buyer expects: the seller's numbers are checked
(a typo in the organisation number is caught, not passed on to every invoice), F-tax is stated
when it applies, and a course exempt from VAT says why."""

import re

from sqlalchemy import select

from app.tickets.models import TicketType
from tests.registration.test_ticket_types import settings_form, ticket_form, url


def test_seller_numbers_are_checked(organiser, conference, db):
    response = organiser.post(url(conference, "registration-settings"), data=settings_form(
        seller_org_number="556732-1708", seller_vat_number="SE556732170801",
        seller_bankgiro="12-34"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Den sista siffran är en kontrollsiffra" in page
    assert "Ett svenskt momsregistreringsnummer ser ut så här" in page
    assert "Ett bankgironummer har 7 eller 8 siffror" in page
    db.session.refresh(conference["event"])
    assert conference["event"].seller_org_number != "556732-1708"


def test_f_tax_statement_is_a_setting(organiser, conference, db):
    response = organiser.post(url(conference, "registration-settings"), data=settings_form(
        seller_org_number="556732-1707", seller_vat_number="SE556732170701",
        seller_bankgiro="5555-1234", seller_f_tax="y"))
    assert response.status_code == 302
    event = conference["event"]
    db.session.refresh(event)
    assert event.seller_f_tax is True
    page = organiser.get(url(conference, "registration-settings")).get_data(as_text=True)
    assert re.search(r'<input[^>]* checked id="seller_f_tax"', page)
    organiser.post(url(conference, "registration-settings"), data=settings_form())
    db.session.refresh(event)
    assert event.seller_f_tax is False


def ticket(db, name):
    return db.session.scalar(select(TicketType).where(TicketType.name == name))


def test_an_exempt_course_needs_its_reason(organiser, conference, db):
    refused = organiser.post(url(conference, "tickets/new"), data=ticket_form(
        name="Kurs", vat_percent="0", vat_exempt="y"))
    assert refused.status_code == 400
    assert "Skriv varför biljetten är undantagen från moms" in refused.get_data(as_text=True)

    taxed = organiser.post(url(conference, "tickets/new"), data=ticket_form(
        name="Kurs", vat_percent="25", vat_exempt="y", vat_exemption_reason="Utbildning"))
    assert taxed.status_code == 400
    assert "har ingen moms" in taxed.get_data(as_text=True)

    saved = organiser.post(url(conference, "tickets/new"), data=ticket_form(
        name="Kurs", vat_percent="0", vat_exempt="y",
        vat_exemption_reason="Utbildning, undantagen från moms",
        vat_exemption_reason_en="Education, exempt from VAT"))
    assert saved.status_code == 302
    course = ticket(db, "Kurs")
    assert (course.vat_category, course.vat_exemption_reason_en) == (
        "E", "Education, exempt from VAT")


def test_zero_rate_without_exemption_is_zero_rated_and_taxed_is_standard(
        organiser, conference, db):
    organiser.post(url(conference, "tickets/new"), data=ticket_form(name="Noll", vat_percent="0"))
    organiser.post(url(conference, "tickets/new"), data=ticket_form(name="Bok", vat_percent="6"))
    assert ticket(db, "Noll").vat_category == "Z"
    assert ticket(db, "Bok").vat_category == "S"
    # Editing shows the exemption as saved.
    course = ticket(db, "Noll")
    page = organiser.get(url(conference, f"tickets/{course.id}")).get_data(as_text=True)
    assert 'name="vat_exemption_reason"' in page


def test_iban_is_checked_and_kept_without_spaces(organiser, conference, db):
    refused = organiser.post(url(conference, "registration-settings"), data=settings_form(
        seller_iban="SE45 5000 0000 0583 9825 7467"))
    assert refused.status_code == 400
    assert "Ett IBAN börjar med landskoden" in refused.get_data(as_text=True)
    saved = organiser.post(url(conference, "registration-settings"), data=settings_form(
        seller_iban="se45 5000 0000 0583 9825 7466"))
    assert saved.status_code == 302
    db.session.refresh(conference["event"])
    assert conference["event"].seller_iban == "SE4550000000058398257466"
