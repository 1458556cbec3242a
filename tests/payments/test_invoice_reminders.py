"""Reminders of overdue invoices: the organiser (or finance) presses *Skicka påminnelser* on the
invoices page, and every morning Samla reminds by itself (Celery beat, or `flask
remind-invoices` from cron). Each overdue invoice is reminded the day after its due date and then
every INVOICE_REMINDER_DAYS days, however often the button is pressed or the job runs, in the
buyer's language with the invoice attached again, through the outbox."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db as _db
from app.mail.models import OutgoingEmail
from app.orders.models import Order
from app.payments import invoicing, reminders
from app.registration import services
from tests.concurrency import run_at_once
from tests.conftest import login
from tests.factories import build_conference
from tests.readback import attachment, pdf_text
from tests.redis_db import REDIS_URL

SLUG = "varkonferensen-2027"
INVOICES = f"/manage/e/{SLUG}/invoices"


def invoice_order(conference, email, language="sv", days_overdue=1, billing_email=""):
    """An unpaid invoice whose due date was `days_overdue` days ago at the event's place (0:
    due today, negative: not due yet)."""
    event = conference["event"]
    order = services.place_order(
        event, "Eva Chef", email, language,
        [(conference["paid"], services.Attendee("Per Son", f"per.{email}"))],
        payment_method="invoice",
        billing=services.Billing(name="Region Örebro län", address="Box 1613\n701 16 Örebro",
                                 org_number="232100-0164", reference="Kst 4711",
                                 email=billing_email))
    order.invoice_due_on = event.today() - timedelta(days=days_overdue)
    _db.session.commit()
    return order


def reload(db, order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def reminders_sent(db) -> list[OutgoingEmail]:
    db.session.rollback()
    return db.session.scalars(select(OutgoingEmail).where(
        OutgoingEmail.kind == "invoice-reminder").order_by(OutgoingEmail.id)).all()


def days_pass(db, order, days):
    """The last reminder was `days` days earlier than it was."""
    order = reload(db, order)
    order.last_reminded_at -= timedelta(days=days)
    db.session.commit()


def remind_cli(app, *args):
    result = app.test_cli_runner().invoke(args=["remind-invoices", *args])
    assert result.exit_code == 0, result.output
    return int(re.search(r"reminded: (\d+)", result.output).group(1))


@pytest.fixture
def invoices(conference, db, mailbox):
    """Overdue: a Swedish buyer whose employer's accounts get the invoice too, and an English
    buyer; not overdue: one due today and one due next month; settled: an overdue one paid."""
    made = {
        "swedish": invoice_order(conference, "eva@region.example",
                                 billing_email="faktura@region.example"),
        "english": invoice_order(conference, "anna@company.example", language="en",
                                 days_overdue=10),
        "today": invoice_order(conference, "idag@region.example", days_overdue=0),
        "later": invoice_order(conference, "sen@region.example", days_overdue=-30),
        "paid": invoice_order(conference, "betald@region.example", days_overdue=5),
    }
    invoicing.mark_paid(made["paid"])
    db.session.commit()
    mailbox.wait_for(10)  # the orders' confirmations and invoices
    mailbox.clear()
    return made


def test_the_button_reminds_each_overdue_invoice_once(organiser, conference, invoices, db,
                                                      mailbox):
    swedish, english = invoices["swedish"], invoices["english"]
    page = organiser.get(INVOICES).get_data(as_text=True)
    assert "Ska påminnas nu: 2" in page

    response = organiser.post(f"{INVOICES}/remind")
    assert response.status_code == 303 and response.headers["Location"].endswith(INVOICES)
    page = organiser.get(INVOICES).get_data(as_text=True)
    assert "Skickade påminnelser: 2." in page
    today = conference["event"].today()
    assert f"Påmind 1 gång, {today.day} " in page
    next_day = today + timedelta(days=7)
    assert f"Nästa påminnelse: {next_day.day} " in page
    assert "Ska påminnas nu: 0" in page

    # The buyer and the employer's invoice address, in Swedish; the English buyer in English.
    received = mailbox.wait_for(3)
    assert sorted(m["To"] for m in received) == [
        "anna@company.example", "eva@region.example", "faktura@region.example"]
    [eva] = mailbox.to("eva@region.example")
    assert eva["Subject"] == (f"Påminnelse: faktura {swedish.invoice_number} för "
                              "Vårkonferensen")
    text = mailbox.body(eva)
    assert "Att betala: 950\xa0kr" in text and "Bankgiro: 5555-1234" in text
    assert f"Ange fakturanummer {swedish.invoice_number} vid betalning." in text
    assert f"/o/{swedish.manage_token}" in text
    invoice_pdf = " ".join(pdf_text(attachment(eva)))
    assert str(swedish.invoice_number) in invoice_pdf and "Faktura" in invoice_pdf
    [anna] = mailbox.to("anna@company.example")
    assert anna["Subject"] == (f"Reminder: invoice {english.invoice_number} for "
                               "Vårkonferensen")
    assert "To pay: SEK" in mailbox.body(anna)
    assert "Invoice" in " ".join(pdf_text(attachment(anna)))

    counts = {name: reload(db, order).reminder_count for name, order in invoices.items()}
    assert counts == {"swedish": 1, "english": 1, "today": 0, "later": 0, "paid": 0}

    # Pressed again the same day: nothing more.
    mailbox.clear()
    organiser.post(f"{INVOICES}/remind")
    assert "Inga påminnelser behövdes" in organiser.get(INVOICES).get_data(as_text=True)
    assert len(reminders_sent(db)) == 3 and mailbox.messages == []
    assert reload(db, swedish).reminder_count == 1

    # Both presses are in the audit log, with who and which invoices.
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "invoices.reminded").order_by(AuditEntry.id)).all()
    assert [entry.detail for entry in entries] == [
        {"reminders": 2, "invoices": [swedish.invoice_number, english.invoice_number]},
        {"reminders": 0, "invoices": []}]
    assert entries[0].actor.endswith("<arrangor@example.org>")
    log = organiser.get(f"/manage/e/{SLUG}/audit").get_data(as_text=True)
    assert "Skickade påminnelser om förfallna fakturor" in log


def test_the_daily_run_reminds_once_a_day_and_again_after_seven_days(app, invoices, db,
                                                                      mailbox):
    swedish = invoices["swedish"]
    assert remind_cli(app) == 2
    assert remind_cli(app) == 0
    assert remind_cli(app) == 0
    assert len(reminders_sent(db)) == 3

    days_pass(db, swedish, 6)
    assert remind_cli(app) == 0
    days_pass(db, swedish, 1)  # seven days since the first reminder
    assert remind_cli(app) == 1
    assert remind_cli(app) == 0
    again = reload(db, swedish)
    assert again.reminder_count == 2
    assert abs(again.last_reminded_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert reload(db, invoices["english"]).reminder_count == 1

    # What Samla did by itself is in the log as such.
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "invoices.reminded").order_by(AuditEntry.id)).all()
    assert len(entries) == 2  # only the runs that reminded someone
    assert entries[0].actor == "" and entries[0].detail["automatic"] is True


def test_the_interval_and_the_event_can_be_chosen(app, conference, invoices, db, mailbox):
    other = build_conference(name="Höstkonferensen", slug="hostkonferensen-2027")
    elsewhere = invoice_order(other, "bo@region.example")
    assert remind_cli(app, "--event", "hostkonferensen-2027") == 1
    assert reload(db, invoices["swedish"]).reminder_count == 0
    assert remind_cli(app, "--event", SLUG) == 2
    days_pass(db, elsewhere, 3)
    assert remind_cli(app, "--days", "3") == 1
    assert reload(db, elsewhere).reminder_count == 2

    app.config["INVOICE_REMINDER_DAYS"] = 2
    try:
        days_pass(db, invoices["english"], 2)
        assert remind_cli(app) == 1
    finally:
        app.config["INVOICE_REMINDER_DAYS"] = 7

    unknown = app.test_cli_runner().invoke(args=["remind-invoices", "--event", "finns-inte"])
    assert unknown.exit_code != 0 and "unknown event" in unknown.output
    zero = app.test_cli_runner().invoke(args=["remind-invoices", "--days", "0"])
    assert zero.exit_code != 0


def test_the_beat_task_is_scheduled_daily_and_reminds_once(invoices, db, mailbox):
    """The beat schedule has the daily task (a bare app; no broker is contacted)."""
    from celery import _state as celery_state
    from flask import Flask

    from app.tasks import celery_init_app

    previous_default, previous_current = celery_state.default_app, celery_state._tls.current_app
    bare = Flask("beat-check")
    bare.config["REDIS_URL"] = REDIS_URL
    celery_app = celery_init_app(bare)
    try:
        [entry] = [e for e in celery_app.conf.beat_schedule.values()
                   if e["task"] == "samla.remind_invoices"]
        assert entry["schedule"].remaining_estimate(datetime.now(UTC)) <= timedelta(days=1)
        task = celery_app.tasks["samla.remind_invoices"]
        assert task.run() == 2
        assert task.run() == 0
        assert len(mailbox.wait_for(3)) == 3
        assert len(reminders_sent(db)) == 3
    finally:
        celery_app.close()
        celery_state.set_default_app(previous_default)
        celery_state._set_current_app(previous_current)


def test_a_paid_invoice_is_not_reminded_again(organiser, invoices, db, mailbox):
    swedish = invoices["swedish"]
    organiser.post(f"{INVOICES}/remind")
    organiser.post(f"/manage/e/{SLUG}/orders/{swedish.id}/mark-paid")
    days_pass(db, swedish, 30)
    days_pass(db, invoices["english"], 30)
    organiser.post(f"{INVOICES}/remind")
    assert reload(db, swedish).reminder_count == 1
    assert reload(db, invoices["english"]).reminder_count == 2
    page = organiser.get(INVOICES).get_data(as_text=True)
    # The paid one still says it was reminded; only unpaid ones have a next reminder.
    assert page.count("Påmind 1 gång") == 1 and page.count("Påmind 2 gånger") == 1
    assert page.count("Nästa påminnelse") == 1


def test_reminding_needs_the_money_roles(app, conference, invoices, db, make_user, mailbox):
    for role, status in (("finance", 303), ("door", 403), ("readonly", 403)):
        make_user(f"{role}@team.example", role="door", events=[conference["event"]],
                  team_role=role)
        client = login(app.test_client(), f"{role}@team.example")
        assert client.post(f"{INVOICES}/remind").status_code == status, role
    assert reload(db, invoices["swedish"]).reminder_count == 1  # finance reminded


def test_two_runs_at_the_same_instant_remind_each_invoice_once(app, invoices, db, mailbox):
    """The beat and a cron job (or two organisers' clicks) at once: the claim on the order's
    reminder count lets one run remind each invoice."""
    outcomes = run_at_once(app, 3, lambda _i: reminders.remind_overdue().count)
    assert sorted(result for _i, result in outcomes) == [0, 0, 2]
    assert len(reminders_sent(db)) == 3
    assert reload(db, invoices["swedish"]).reminder_count == 1
