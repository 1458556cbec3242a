"""Reminders of overdue invoices: by hand from the invoices page, and every day by themselves
(Celery beat, task samla.remind_invoices, or `flask remind-invoices` from cron).

An invoice is due a reminder when it is unpaid (payment status to_invoice), its due date has
passed at the event's place (invoicing.is_overdue), and it was never reminded or last reminded
at least INVOICE_REMINDER_DAYS (7) days earlier, counted in the event's days: so a daily run
reminds an invoice on the day after its due date and then every seven days, whatever the hour
of the run. Each reminder is claimed by one conditional UPDATE on the order's reminder_count
(the count read must still be there), so two runs at once, a run twice a day and a double
click send it once; the reminder goes through the outbox in the same transaction, to the buyer
and to the invoice's email address when it is another, in the order's language, with the
invoice attached again. Every run by hand is written in the event's audit log, and an
automatic run for each event it reminded."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.db_types import utcnow
from app.events.models import Event
from app.extensions import db
from app.i18n import localized
from app.mail.outbox import Deferred, queue_email
from app.mail.render import absolute_url, render_email
from app.orders.models import Order

from . import invoicing
from .documents import invoice_filename


def reminder_days() -> int:
    return max(int(current_app.config.get("INVOICE_REMINDER_DAYS", 7)), 1)


def next_reminder_on(order: Order, days: int | None = None) -> date | None:
    """The first day (at the event's place) this unpaid invoice may be reminded of: the day
    after its due date, then `days` after the last reminder. None when nothing is due."""
    if order.payment_status != "to_invoice" or order.invoice_number is None:
        return None
    due = invoicing.due_date(order)
    if due is None:
        return None
    first = due + timedelta(days=1)
    if order.last_reminded_at is None:
        return first
    later = order.event.local_day(order.last_reminded_at) + timedelta(
        days=reminder_days() if days is None else days)
    return max(first, later)


def is_due(order: Order, today: date | None = None, days: int | None = None) -> bool:
    today = today or order.event.today()
    next_on = next_reminder_on(order, days)
    return next_on is not None and next_on <= today and invoicing.is_overdue(order, today)


def _unpaid_invoices(event: Event | None):
    query = (
        select(Order)
        .where(Order.payment_method == "invoice", Order.payment_status == "to_invoice",
               Order.invoice_number.is_not(None))
        .options(selectinload(Order.event))
        .order_by(Order.event_id, Order.invoice_number)
    )
    if event is not None:
        query = query.where(Order.event_id == event.id)
    return db.session.scalars(query).all()


def _claim(order: Order, now: datetime) -> bool:
    """Mark the reminder sent, if nobody did since the order was read."""
    claimed = bool(db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.reminder_count == order.reminder_count,
               Order.payment_status == "to_invoice")
        .values(reminder_count=Order.reminder_count + 1, last_reminded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount)
    if claimed:
        db.session.expire(order, ["reminder_count", "last_reminded_at"])
    return claimed


def _send(order: Order) -> None:
    event = order.event
    due_ore = max(order.total_ore - order.refunded_ore, 0)
    subject, body, html = render_email(
        "payments/email_invoice_reminder.txt", order.language,
        lambda: _("Reminder: invoice %(number)s for %(event)s", number=order.invoice_number,
                  event=localized(event, "name")),
        order=order, event=event, due_date=invoicing.due_date(order), due_ore=due_ore,
        order_url=absolute_url("registration.order", token=order.manage_token),
    )
    attachment = [(invoice_filename(order), "application/pdf", Deferred(f"invoice:{order.id}"))]
    addresses = [order.buyer_email]
    if order.billing_email and order.billing_email.lower() != order.buyer_email.lower():
        addresses.append(order.billing_email)
    for address in addresses:
        queue_email(to=address, subject=subject, body=body, html=html, kind="invoice-reminder",
                    event_id=event.id, attachments=attachment)


@dataclass
class Reminded:
    """What one run did: the invoice numbers reminded, per event."""

    by_event: dict[int, list[int]]

    @property
    def count(self) -> int:
        return sum(len(numbers) for numbers in self.by_event.values())


def remind_overdue(event: Event | None = None, user=None, now: datetime | None = None,
                   days: int | None = None) -> Reminded:
    """Remind the buyer of every overdue invoice that is due a reminder: of one event (by hand,
    `user` who pressed the button) or of every event (automatically). In the caller's unit of
    work; running it again the same day sends nothing more."""
    now = now or utcnow()
    by_event: dict[int, list[int]] = {}
    events: dict[int, Event] = {}
    for order in _unpaid_invoices(event):
        if not is_due(order, order.event.today(now), days) or not _claim(order, now):
            continue
        _send(order)
        by_event.setdefault(order.event_id, []).append(order.invoice_number)
        events[order.event_id] = order.event
    if event is not None:
        numbers = by_event.get(event.id, [])
        detail = {"reminders": len(numbers), "invoices": numbers}
        if user is None:
            detail["automatic"] = True
        record(event, user, "invoices.reminded", detail, now=now)
    else:
        for event_id, numbers in by_event.items():
            record(events[event_id], None, "invoices.reminded",
                   {"reminders": len(numbers), "invoices": numbers, "automatic": True},
                   now=now)
    db.session.flush()
    return Reminded(by_event)
