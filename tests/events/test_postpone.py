"""The organiser postpones the whole event in one step: a preview of before and after, then one
notice to every registrant, everyone on the waiting list and every speaker, in their language,
with the calendar entries moved (same UIDs, SEQUENCE raised); for the decision window anyone may
cancel with a full refund; the public page shows the new date with the old one struck through.
Or cancels it: notices with METHOD:CANCEL, every seat paid back."""

from datetime import UTC, date, datetime, timedelta

import icalendar
from sqlalchemy import func, select

from app.events.models import Event
from app.installation import uid_domain
from app.mail.models import OutgoingEmail
from app.mail.outbox import deliver_due
from app.orders.models import Order
from app.payments.models import Refund
from app.postponement.services import tell_entries_moved
from app.programme.exports import CalendarEntry, entry_uid
from app.programme.models import ProgrammeItem
from app.registration.models import Registration
from app.waitlist.models import WaitingListEntry
from tests.factories import DAY, register
from tests.payments.test_card_payment import paid_order
from tests.payments.test_invoices import invoice_order

SLUG = "varkonferensen-2027"
NEW_DAY = DAY + timedelta(days=56)  # eight weeks later, after the change to summer time
BASE = f"/manage/e/{SLUG}"


def calendar_parts(message):
    return [icalendar.Calendar.from_ical(part.get_payload(decode=True))
            for part in message.iter_attachments()
            if part.get_content_type() == "text/calendar"]


def entries(calendar):
    return {str(entry["UID"]): entry for entry in calendar.walk("VEVENT")}


def whole_calendar(client):
    return icalendar.Calendar.from_ical(client.get(f"/e/{SLUG}/programme.ics").get_data())


def preview(organiser, day=NEW_DAY, **extra):
    return organiser.post(f"{BASE}/postpone/preview",
                          data={"new_starts_on": day.isoformat(), "decision_days": "14",
                                **extra})


def confirm(organiser, day=NEW_DAY, seen=DAY, **extra):
    return organiser.post(f"{BASE}/postpone",
                          data={"new_starts_on": day.isoformat(), "decision_days": "14",
                                "seen_starts_on": seen.isoformat(), **extra})


def waiting(db, conference, email="vanta@example.org", language="en"):
    entry = WaitingListEntry(event_id=conference["event"].id,
                             ticket_type_id=conference["ticket"].id, name="Vera Väntar",
                             email=email, language=language, token="w" * 40)
    db.session.add(entry)
    db.session.commit()
    return entry


def test_postponing_moves_everything_and_tells_everyone_with_their_calendars(
        organiser, client, conference, db, mailbox):
    alva = register(conference["event"], conference["ticket"])
    john = register(conference["event"], conference["ticket"], name="John Smith",
                    email="john@example.org", language="en")
    waiting(db, conference)
    talk = conference["talk"]
    uid = f"item-{talk.id}@{uid_domain()}"
    before = entries(whole_calendar(client))[uid]
    mailbox.clear()

    page = preview(organiser, message="Lokalen blev översvämmad.")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<del>" in text and "Vilka som får besked: 4" in text
    assert "Anmälda: 2" in text and "På väntelistan: 1" in text and "Talare: 1" in text
    assert "Lokalen blev översvämmad." in text
    assert db.session.get(Event, conference["event"].id).starts_on == DAY  # nothing moved yet

    assert confirm(organiser, message="Lokalen blev översvämmad.").status_code == 303
    event = db.session.get(Event, conference["event"].id)
    assert event.starts_on == NEW_DAY and event.postponed_from_starts_on == DAY
    moved = db.session.get(ProgrammeItem, talk.id)
    assert event.local(moved.starts_at).time().isoformat() == "10:00:00"  # same local time
    assert event.local(moved.starts_at).date() == NEW_DAY

    deliver_due()
    mail = mailbox.wait_for(4)
    assert sorted(m["To"] for m in mail) == sorted(
        [alva.email, john.email, "vanta@example.org", "sara@talare.example"])
    to_john = [m for m in mail if m["To"] == john.email][0]
    assert to_john["Subject"] == "Postponed: Vårkonferensen"
    assert "cancel until" in mailbox.body(to_john)
    to_alva = [m for m in mail if m["To"] == alva.email][0]
    assert to_alva["Subject"] == "Uppskjutet: Vårkonferensen"
    assert "Lokalen blev översvämmad." in mailbox.body(to_alva)
    for message in mail:
        [cal] = calendar_parts(message)
        assert str(cal["METHOD"]) == "PUBLISH"
        entry = entries(cal)[uid]
        assert int(entry["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
        assert entry.decoded("DTSTART").date() == NEW_DAY
    # The public calendar agrees with what was sent.
    after = entries(whole_calendar(client))[uid]
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART").date() == NEW_DAY

    public = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert "<del>" in public and "<ins>" in public
    assert "18 mars 2027" in public.split("<del>")[1].split("</del>")[0]


def test_a_second_confirm_of_the_same_form_changes_nothing(organiser, conference, db,
                                                           mailbox):
    register(conference["event"], conference["ticket"])
    assert confirm(organiser).status_code == 303
    assert confirm(organiser).status_code == 303  # the form seen before the move
    event = db.session.get(Event, conference["event"].id)
    assert event.starts_on == NEW_DAY and event.calendar_sequence == 1
    assert db.session.scalar(select(func.count()).select_from(OutgoingEmail).where(
        OutgoingEmail.kind == "event-postponed")) == 2  # Alva and the speaker, once


def test_bad_input_is_refused_with_a_message(organiser, conference, db):
    assert preview(organiser, day=DAY).status_code == 400  # the same day
    assert preview(organiser, day=date(2020, 1, 1)).status_code == 400  # passed
    assert organiser.post(f"{BASE}/postpone/preview",
                          data={"new_starts_on": "not a date"}).status_code == 400
    assert organiser.post(f"{BASE}/postpone",
                          data={"new_starts_on": NEW_DAY.isoformat(), "decision_days": "14",
                                "seen_starts_on": "\x00"}).status_code == 400
    assert db.session.get(Event, conference["event"].id).starts_on == DAY


def test_in_the_decision_window_a_card_payment_is_refunded_in_full(
        organiser, client, conference, db, mailbox, stripe_standin):
    order = paid_order(client, conference, db, stripe_standin)
    assert conference["event"].refund_until is None  # normally: no refund at all
    assert confirm(organiser).status_code == 303
    [registration] = order.registrations
    page = client.get(f"/r/{registration.manage_token}").get_data(as_text=True)
    assert "får du tillbaka allt du betalat" in page

    assert client.post(f"/r/{registration.manage_token}/cancel",
                       data={"confirm": "y"}).status_code in (302, 303)
    [refund] = stripe_standin.refunds
    assert refund["amount"] == 95000
    db.session.refresh(order)
    assert order.payment_status == "refunded"

    organiser_page = organiser.get(f"{BASE}/postpone").get_data(as_text=True)
    assert '<dd id="kept">0</dd>' in organiser_page
    assert '<dd id="cancelled">1</dd>' in organiser_page


def test_in_the_decision_window_an_invoice_is_credited(organiser, client, conference, db,
                                                       mailbox):
    order = invoice_order(conference)
    db.session.commit()
    assert confirm(organiser).status_code == 303
    assert client.post(f"/o/{order.manage_token}/cancel",
                       data={"confirm": "y"}).status_code == 303
    order = db.session.get(Order, order.id)
    assert order.payment_status == "credited" and order.refunded_ore == 95000
    [credit] = db.session.scalars(select(Refund)).all()
    assert credit.reason == "credit_note"


def test_after_the_decision_window_the_usual_rule_applies(organiser, client, conference, db,
                                                          stripe_standin, mailbox):
    order = paid_order(client, conference, db, stripe_standin)
    assert confirm(organiser).status_code == 303
    event = db.session.get(Event, conference["event"].id)
    event.decision_until = event.today() - timedelta(days=1)  # the window has ended
    db.session.commit()
    [registration] = order.registrations
    client.post(f"/r/{registration.manage_token}/cancel", data={"confirm": "y"})
    assert stripe_standin.refunds == []
    db.session.refresh(order)
    assert order.payment_status == "paid"


def test_cancelling_the_event_tells_everyone_and_removes_their_calendar_entries(
        organiser, client, conference, db, mailbox, stripe_standin):
    order = paid_order(client, conference, db, stripe_standin)
    alva = register(conference["event"], conference["ticket"])
    talk = conference["talk"]
    uid = f"item-{talk.id}@{uid_domain()}"
    before = int(entries(whole_calendar(client))[uid]["SEQUENCE"])
    mailbox.clear()

    page = organiser.get(f"{BASE}/cancel")
    assert page.status_code == 200 and "Anmälda: 2" in page.get_data(as_text=True)
    assert organiser.post(f"{BASE}/cancel", data={}).status_code == 400  # not confirmed
    assert organiser.post(f"{BASE}/cancel", data={"confirm": "y"}).status_code == 303
    assert organiser.post(f"{BASE}/cancel", data={"confirm": "y"}).status_code == 303

    deliver_due()
    mail = mailbox.wait_for(3)
    assert sorted(m["To"] for m in mail) == sorted(
        [order.buyer_email, alva.email, "sara@talare.example"])
    for message in mail:
        [cal] = calendar_parts(message)
        assert str(cal["METHOD"]) == "CANCEL"
        entry = entries(cal)[uid]
        assert str(entry["STATUS"]) == "CANCELLED"
        assert int(entry["SEQUENCE"]) == before + 1
        assert str(entry["ATTENDEE"]) == f"mailto:{message['To']}"
    assert db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.status == "confirmed")) == 0
    [refund] = stripe_standin.refunds
    assert refund["amount"] == 95000
    public = client.get(f"/e/{SLUG}/").get_data(as_text=True)
    assert "inställt" in public.lower()


def test_a_moved_course_session_is_told_with_its_calendar_entry(conference, db, mailbox):
    """The notice other areas (a course's sessions) call for entries of their own."""
    event = db.session.get(Event, conference["event"].id)
    starts = datetime(2027, 4, 8, 7, 0, tzinfo=UTC)
    session = CalendarEntry(uid=entry_uid("session", 3), title="Träff 3",
                            starts_at=starts, ends_at=starts + timedelta(hours=3),
                            location="Sal B", own_changes=1)
    told = tell_entries_moved(event, [("kim@example.org", "Kim", "en", "https://x/r/abc")],
                              [(session, starts - timedelta(days=7),
                                starts - timedelta(days=7) + timedelta(hours=3))])
    db.session.commit()
    assert told == 1
    deliver_due()
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "New time: Vårkonferensen"
    assert "Träff 3" in mailbox.body(message)
    [cal] = calendar_parts(message)
    entry = entries(cal)[f"session-3@{uid_domain()}"]
    assert int(entry["SEQUENCE"]) == 1 and str(entry["STATUS"]) == "CONFIRMED"
