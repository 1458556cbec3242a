"""Emails people can use: every email is HTML with the same message as plain text beside it, in
the reader's language, and loads nothing from anywhere. The confirmation says when (date AND
start time) and where (venue and street address), has a button for each personal link, and
carries the badge as a PDF and the event as a calendar entry. Whoever cancels gets a
confirmation, and a colleague registered by someone else is told who did.

Read as a mail program reads them: the messages that arrived at the test SMTP server, parsed with
the email package, the calendar with icalendar, the PDF's first bytes, and the HTML parts checked
by the Nu HTML Checker."""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import icalendar
import pytest
from sqlalchemy import func, select

from app.accounts.services import find_user
from app.extensions import db
from app.feedback.services import create_survey, request_feedback
from app.mail.models import OutgoingEmail
from app.messages import services as messages
from app.orders.models import Order
from app.payments import reminders
from app.registration import attendee
from app.registration import services as registration
from app.speakers.services import answer, send_invitation
from app.teams import services as teams
from app.waitlist import services as waitlist
from tests.core.test_html_valid import vnu_errors
from tests.factories import DAY, build_conference, edit_talk, publish_programme, register

ADDRESS = "Olof Palmes plats 1\n413 04 Göteborg"
EXTERNAL = re.compile(r"""(?:\b(?:src|background|poster|srcset)\s*=\s*["']?\s*(?:https?:)?//"""
                      r"""|url\s*\(|@import|<link\b|<script\b|<img\b[^>]*\bsrc\s*=\s*["']?http)""",
                      re.IGNORECASE)
CANCELLED_SUBJECT = "Du är avanmäld: Vårkonferensen"
LINK = re.compile(r"https?://[^\s<>\"']+")


class Links(HTMLParser):
    """Each <a href>'s address and the text a reader sees on it."""

    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def links_of(html: str) -> dict[str, str]:
    parser = Links()
    parser.feed(html)
    return dict(parser.links)


def read(message) -> tuple[str, str, dict[str, tuple[str, bytes | str]]]:
    """(text, html, {content type: (filename, content)}) of a message, after checking it is
    built as mail programs expect: text and HTML as alternatives (text first, so a program that
    shows HTML shows the last), and the attachments beside them in multipart/mixed."""
    attachments = {part.get_content_type(): (part.get_filename(), part.get_content())
                   for part in message.iter_attachments()}
    if attachments:
        assert message.get_content_type() == "multipart/mixed"
        alternative = message.get_payload()[0]
    else:
        alternative = message
    assert alternative.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in alternative.iter_parts()] == [
        "text/plain", "text/html"]
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")
    return text, html, attachments


def check_both_versions(message, language: str) -> tuple[str, str, dict]:
    """Both versions tell the same links; the HTML names its language and loads nothing."""
    text, html, attachments = read(message)
    assert f'<html lang="{language}">' in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html).group(0)
    hrefs = {href for href in links_of(html) if href.startswith("http")}
    assert set(LINK.findall(text)) == hrefs
    for href, label in links_of(html).items():
        assert label, f"a link without visible text: {href}"
    return text, html, attachments


def by_recipient(mailbox, count: int) -> dict:
    return {m["To"]: m for m in mailbox.wait_for(count)}


@pytest.fixture
def venue(conference, db):
    event = conference["event"]
    event.venue_address = ADDRESS
    event.arrival_info = "Ingången ligger mot Järntorget."
    event.arrival_info_en = "The entrance faces Järntorget square."
    event.contact_email = "info@nsph.example"
    conference["ticket"].name_en = "Free entry"
    db.session.commit()
    return conference


# --- the confirmation ------------------------------------------------------------------------

def test_the_confirmation_says_when_and_where_with_buttons_badge_and_calendar(venue, mailbox):
    event = venue["event"]
    alva = register(event, venue["ticket"])
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Din anmälan: Vårkonferensen"
    text, html, attachments = check_both_versions(message, "sv")

    # The day and the time the programme starts (the first talk at 10:00), and the place.
    for version in (text, html):
        assert "18 mars 2027, kl. 10:00–13:00" in version
        assert "Folkets hus, Göteborg" in version
        assert "Olof Palmes plats 1" in version and "413 04 Göteborg" in version
        assert "Ingången ligger mot Järntorget." in version
        assert "Fri entré" in version
    assert "Olof Palmes plats 1<br>\n413 04 Göteborg" in html

    # A button for each personal link, its words on it.
    page = f"http://localhost/r/{alva.manage_token}"
    buttons = links_of(html)
    assert buttons[page] == "Öppna din sida"
    assert buttons[f"{page}/programme"] == "Välj i programmet"
    assert buttons[f"http://localhost/e/{event.slug}/event.ics"] == "Lägg till i kalendern"
    assert f"Öppna din sida: {page}\n" in text

    filename, badge = attachments["application/pdf"]
    assert filename == "namnbricka.pdf" and badge.startswith(b"%PDF")
    filename, ics = attachments["text/calendar"]
    assert filename == "kalender.ics"
    calendar = icalendar.Calendar.from_ical(ics)
    [entry] = calendar.walk("VEVENT")
    assert entry.decoded("dtstart").astimezone(UTC) == datetime(2027, 3, 18, 9, 0, tzinfo=UTC)
    assert entry.decoded("dtend").astimezone(UTC) == datetime(2027, 3, 18, 12, 0, tzinfo=UTC)
    assert str(entry["dtstart"].params["TZID"]) == "Europe/Stockholm"
    assert calendar.walk("VTIMEZONE"), "the zone the times are written in"
    assert str(entry["summary"]) == "Vårkonferensen"
    assert str(entry["location"]) == "Folkets hus, Olof Palmes plats 1, 413 04 Göteborg"
    assert page in str(entry["description"])


def test_without_a_published_programme_the_calendar_entry_takes_the_whole_day(conference, db,
                                                                              mailbox, client):
    other = build_conference(name="Höstmötet", slug="hostmotet-2027", publish=False)
    register(other["event"], other["ticket"])
    [message] = mailbox.wait_for(1)
    text, html, attachments = check_both_versions(message, "sv")
    assert "När: 18 mars 2027\n" in text and "kl." not in text
    [entry] = icalendar.Calendar.from_ical(attachments["text/calendar"][1]).walk("VEVENT")
    assert entry.decoded("dtstart") == DAY and entry.decoded("dtend") == DAY + timedelta(days=1)
    # The same entry from the button's link, for a reader who lost the attachment.
    response = client.get("/e/hostmotet-2027/event.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    [public] = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert public["uid"] == entry["uid"] and public.decoded("dtstart") == DAY
    assert client.get("/e/finns-inte/event.ics").status_code == 404


def test_an_english_reader_gets_english_words_and_english_content(venue, mailbox):
    event = venue["event"]
    register(event, venue["ticket"], name="Ann Smith", email="ann@example.org", language="en")
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Your registration: Vårkonferensen"
    text, html, attachments = check_both_versions(message, "en")
    for version in (text, html):
        assert "March 18, 2027, 10:00–13:00" in version
        assert "Free entry" in version and "Fri entré" not in version
        assert "The entrance faces Järntorget square." in version
        assert "Ingången" not in version
        assert "Hej" not in version and "Hello Ann Smith," in version
    # The event has no English name: the Swedish one, marked as Swedish for screen readers.
    assert '<span lang="sv">Vårkonferensen</span>' in html
    assert attachments["application/pdf"][0] == "badge.pdf"
    filename, ics = attachments["text/calendar"]
    assert filename == "calendar.ics"
    [entry] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert "The entrance faces Järntorget square." in str(entry["description"])


def test_text_from_people_is_text_in_the_html(venue, db, mailbox):
    register(venue["event"], venue["ticket"], name='<b>Bo</b> & "Co"', email="bo@example.org")
    [message] = mailbox.wait_for(1)
    text, html, _attachments = check_both_versions(message, "sv")
    assert 'Hej <b>Bo</b> & "Co",' in text
    assert "Hej &lt;b&gt;Bo&lt;/b&gt; &amp; &#34;Co&#34;," in html and "<b>Bo" not in html


# --- a colleague and the buyer ----------------------------------------------------------------

def group_order(conference) -> Order:
    """Eva Chef registers herself and her colleague Nils, both of Region Örebro län."""
    ticket = conference["ticket"]
    order = registration.place_order(
        conference["event"], "Eva Chef", "eva@region.example", "sv",
        [(ticket, registration.Attendee("Eva Chef", "eva@region.example",
                                        organisation="Region Örebro län")),
         (ticket, registration.Attendee("Nils Karlsson", "nils@example.org",
                                        organisation="Region Örebro län"))],
        payment_method="free")
    db.session.commit()
    return order


def test_a_colleagues_confirmation_says_who_registered_them(venue, mailbox):
    group_order(venue)
    mail = by_recipient(mailbox, 3)  # two confirmations and the order
    text, html, _attachments = check_both_versions(mail["nils@example.org"], "sv")
    for version in (text, html):
        assert "Eva Chef (Region Örebro län) har anmält dig." in version
    confirmations = [m for m in mailbox.messages if m["Subject"].startswith("Din anmälan")]
    eva = next(m for m in confirmations if m["To"] == "eva@region.example")
    assert "har anmält dig" not in read(eva)[0]


def test_the_order_email_is_html_and_text_with_when_and_where(venue, mailbox):
    order = group_order(venue)
    order_mail = next(m for m in mailbox.wait_for(3) if m["Subject"].startswith("Din beställning"))
    text, html, _attachments = check_both_versions(order_mail, "sv")
    for version in (text, html):
        assert "18 mars 2027, kl. 10:00–13:00" in version and "Olof Palmes plats 1" in version
        assert "Nils Karlsson" in version and order.code in version
    assert links_of(html)[f"http://localhost/o/{order.manage_token}"] == "Öppna din beställning"
    assert "<li>Nils Karlsson &lt;nils@example.org&gt;: Fri entré, kostnadsfri</li>" in html


# --- cancelling ----------------------------------------------------------------------------------

def test_an_attendee_who_cancels_gets_a_confirmation(venue, client, mailbox):
    alva = register(venue["event"], venue["ticket"])
    mailbox.wait_for(1)
    mailbox.clear()
    assert client.post(f"/r/{alva.manage_token}/cancel", data={"confirm": "y"}).status_code == 303
    [message] = mailbox.wait_for(1)
    assert message["To"] == "alva@example.org"
    assert message["Subject"] == CANCELLED_SUBJECT
    text, html, _attachments = check_both_versions(message, "sv")
    for version in (text, html):
        assert "Du har avanmält dig från Vårkonferensen." in version
        assert "http://localhost/e/varkonferensen-2027/" in version
    # Pressing again cancels nothing and sends nothing.
    assert client.post(f"/r/{alva.manage_token}/cancel", data={"confirm": "y"}).status_code == 303
    assert len(mailbox.messages) == 1


def test_a_buyer_who_cancels_the_order_is_told_and_so_is_each_colleague(venue, client, mailbox):
    order = group_order(venue)
    mailbox.wait_for(3)
    mailbox.clear()
    response = client.post(f"/o/{order.manage_token}/cancel", data={"confirm": "y"})
    assert response.status_code == 303
    mail = by_recipient(mailbox, 2)
    assert set(mail) == {"eva@region.example", "nils@example.org"}
    text, html, _attachments = check_both_versions(mail["eva@region.example"], "sv")
    assert mail["eva@region.example"]["Subject"] == (
        f"Din beställning {order.code} är avbokad: Vårkonferensen")
    for version in (text, html):
        assert f"Du har avbokat din beställning {order.code}" in version
        assert "Eva Chef" in version and "Nils Karlsson" in version
        assert "Vi har mejlat alla deltagare om det." in version
    text, html, _attachments = check_both_versions(mail["nils@example.org"], "sv")
    for version in (text, html):
        assert "Eva Chef (Region Örebro län), som anmälde dig till Vårkonferensen" in version
    assert client.post(f"/o/{order.manage_token}/cancel", data={"confirm": "y"}).status_code == 303
    assert len(mailbox.messages) == 2


def test_a_buyer_who_cancels_a_colleague_gets_a_confirmation(venue, client, mailbox):
    order = group_order(venue)
    mailbox.wait_for(3)
    mailbox.clear()
    nils = next(r for r in order.registrations if r.email == "nils@example.org")
    response = client.post(f"/o/{order.manage_token}/attendees/{nils.id}/cancel",
                           data={"confirm": "y"})
    assert response.status_code == 303
    mail = by_recipient(mailbox, 2)
    text, html, _attachments = check_both_versions(mail["eva@region.example"], "sv")
    for version in (text, html):
        assert "Du har avanmält Nils Karlsson från Vårkonferensen" in version
    text, _html, _attachments = check_both_versions(mail["nils@example.org"], "sv")
    assert "Eva Chef (Region Örebro län), som anmälde dig" in text


def test_a_colleague_who_cancels_is_confirmed_and_the_buyer_is_told(venue, client, mailbox):
    order = group_order(venue)
    mailbox.wait_for(3)
    mailbox.clear()
    nils = next(r for r in order.registrations if r.email == "nils@example.org")
    response = client.post(f"/r/{nils.manage_token}/cancel", data={"confirm": "y"})
    assert response.status_code == 303
    mail = by_recipient(mailbox, 2)
    assert mail["nils@example.org"]["Subject"] == CANCELLED_SUBJECT
    assert mail["eva@region.example"]["Subject"] == "Nils Karlsson avanmälde sig: Vårkonferensen"
    text, html, _attachments = check_both_versions(mail["eva@region.example"], "sv")
    for version in (text, html):
        assert f"Nils Karlsson har avanmält sig från Vårkonferensen (beställning {order.code})" \
            in version
        assert f"/o/{order.manage_token}" in version


# --- every kind of email ------------------------------------------------------------------------

def test_every_kind_of_email_is_html_and_text_and_valid(app, venue, organiser, make_user, db,
                                                        mailbox, tmp_path):
    """One of each: confirmation, order with invoice, waiting list (joined, offer), cancellation,
    transfer, speaker invitation, team invitation, feedback request, programme change, message
    to attendees, invoice reminder. Each has both versions with the same links, and every HTML
    part passes the Nu HTML Checker."""
    event, ticket = venue["event"], venue["ticket"]
    ticket.capacity = 1
    db.session.commit()
    alva = register(event, ticket)
    waitlist.join(event, ticket, "Bo Ek", "bo@example.org", "en")
    db.session.commit()
    registration.cancel(alva)  # the seat is offered to Bo
    invoice = registration.place_order(
        event, "Eva Chef", "eva@region.example", "sv",
        [(venue["paid"], registration.Attendee("Eva Chef", "eva@region.example"))],
        payment_method="invoice",
        billing=registration.Billing(name="Region Örebro län", address="Box 1613\n701 16 Örebro",
                                     org_number="232100-0164", reference="Kst 4711"))
    db.session.commit()
    attendee.transfer(invoice.registrations[0], name="Åke Anställd", email="ake@region.example")
    db.session.commit()
    [slot] = venue["speaker"].slots
    send_invitation(slot)
    answer(slot, accept=True)  # only a speaker who accepted is told of their item's changes
    make_user("olga@example.org", role="admin", name="Olga Organiser")
    teams.invite(event, "nina@example.org", "finance", find_user("olga@example.org"), "sv")
    create_survey(event, "conference")
    request_feedback(event, "registered", confirm_early=True)
    db.session.commit()
    assert edit_talk(organiser, venue, start="11:00", end="11:45").status_code == 302
    publish_programme(event)
    messages.send(event, find_user("olga@example.org"), messages.audience_for(event, "all"),
                  messages.Draft(subject_sv="Välkomna", body_sv="Hej [namn]!\n\nVi ses."),
                  messages.new_nonce())
    db.session.commit()
    reminders.remind_overdue(event, now=datetime.combine(
        invoice.invoice_due_on + timedelta(days=10), datetime.min.time(), tzinfo=UTC))
    db.session.commit()

    kinds = ["Din anmälan: ", "You are on the waiting list: ", "A seat is free for you: ",
             f"{CANCELLED_SUBJECT}", "Din beställning ", "Din biljett har lämnats över: ",
             "Inbjudan att tala på ", "Gå med i teamet för ", "Vad tyckte du om ",
             "Din programpunkt har flyttats: ", "Välkomna", "Påminnelse: faktura "]
    arrived = mailbox.wait_for(db.session.scalar(select(func.count(OutgoingEmail.id))))
    subjects = [m["Subject"] for m in arrived]
    assert [kind for kind in kinds if not any(s.startswith(kind) for s in subjects)] == []
    files = []
    for number, message in enumerate(arrived):
        language = "en" if message["To"] == "bo@example.org" else "sv"
        _text, html, _attachments = check_both_versions(message, language)
        path = tmp_path / f"mail-{number:02d}.html"
        path.write_text(html)
        files.append(path)
    assert vnu_errors(files) == []
