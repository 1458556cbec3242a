"""Credit notes: each credit of an invoice is a document of its own, numbered in the invoice
series (gap-free), referring to the invoice it credits, with one line per credited attendee
copied from the invoice line when it is credited, so it never changes afterwards."""

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db_types import utcnow
from app.extensions import db
from app.mail.outbox import Deferred, queue_email
from app.mail.render import absolute_url, render_email
from app.orders import services as orders
from app.orders.models import Order

from . import documents, invoicing
from .models import CreditNote, CreditNoteLine, Refund

REASONS = ("cancelled", "postponed", "organiser", "refunded")


def credited_registration_ids(order: Order) -> set[int]:
    return set(db.session.scalars(
        select(CreditNoteLine.registration_id)
        .join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
        .where(CreditNote.order_id == order.id, CreditNoteLine.registration_id.is_not(None))
    ))


def uncredited(order: Order, registrations) -> list:
    """The registrations of the order not credited on an earlier credit note."""
    done = credited_registration_ids(order)
    return [r for r in registrations if r.order_id == order.id and r.id not in done]


def issue(order: Order, registrations, refund: Refund, reason: str = "cancelled",
          now: datetime | None = None) -> CreditNote:
    """Write the credit note for `refund` (a "credit_note" Refund): its number, and its lines
    as the invoice shows them. Part of the caller's transaction."""
    by_id = {line.registration_id: line for line in invoicing.lines(order)}
    return _write(order, refund, reason, now, [CreditNoteLine(
        registration_id=registration.id, ticket=line.ticket, attendee=line.attendee,
        vat_percent=line.vat_percent, vat_category=line.vat_category,
        exemption_reason=line.exemption_reason, gross_ore=line.gross_ore)
        for registration in registrations for line in [by_id[registration.id]]])


def issue_for_amount(order: Order, refund: Refund, reason: str = "refunded",
                     now: datetime | None = None) -> CreditNote:
    """Write the credit note for money paid back on a paid invoice (by bank, any amount, not
    seat by seat): one line per VAT rate of the invoice's seats not credited before, sharing
    the amount in proportion to what each rate came to (largest remainder, so the lines add
    up to the amount to the öre), named "Amount paid back" in the order's language. Swedish
    VAT law wants a credit note for every reduction of an invoiced price. Part of the
    caller's transaction."""
    done = credited_registration_ids(order)
    charged = [line for line in invoicing.lines(order) if line.gross_ore > 0]
    invoiced = [line for line in charged if line.registration_id not in done] or charged
    rates: dict[tuple[int, str, str], int] = {}
    for line in invoiced:
        key = (line.vat_percent, line.vat_category, line.exemption_reason)
        rates[key] = rates.get(key, 0) + line.gross_ore
    with force_locale(order.language):
        name = _("Amount paid back")
    return _write(order, refund, reason, now, [CreditNoteLine(
        ticket=name, attendee="", vat_percent=percent, vat_category=category,
        exemption_reason=exemption, gross_ore=share)
        for (percent, category, exemption), share in zip(
            rates, shares(refund.amount_ore, list(rates.values())), strict=True) if share])


def _write(order: Order, refund: Refund, reason: str, now: datetime | None,
           lines: list[CreditNoteLine]) -> CreditNote:
    """The credit note, numbered in the invoice series, stored and mailed to the buyer."""
    note = CreditNote(order_id=order.id, refund_id=refund.id, reason=reason,
                      number=orders.next_number("invoice"), issued_at=now or utcnow(),
                      amount_ore=refund.amount_ore, lines=lines)
    db.session.add(note)
    db.session.flush()
    _queue_email(order, note)
    return note


def shares(amount: int, weights: list[int]) -> list[int]:
    """`amount` split in proportion to `weights`, in whole öre adding up to `amount`."""
    total = sum(weights)
    split = [divmod(amount * weight, total) for weight in weights]
    parts = [whole for whole, _rest in split]
    by_remainder = sorted(range(len(weights)), key=lambda i: split[i][1], reverse=True)
    for i in by_remainder[:amount - sum(parts)]:
        parts[i] += 1
    return parts


def _queue_email(order: Order, note: CreditNote) -> None:
    """The buyer, and the invoice's address when it is another, get the credit note (drawn
    when the email is sent), in the order's language."""
    event = order.event
    db.session.refresh(order, attribute_names=["refunded_ore"])  # set by an UPDATE
    left = max(order.total_ore - order.refunded_ore, 0)
    subject, body, html = render_email(
        "payments/email_credit_note.txt", order.language,
        lambda: _("Credit note %(number)s for invoice %(invoice)s", number=note.number,
                  invoice=order.invoice_number),
        order=order, event=event, note=note, left_ore=left,
        order_url=absolute_url("registration.order", token=order.manage_token),
    )
    name = documents.credit_note_filename(note)
    addresses = [order.buyer_email]
    if order.billing_email and order.billing_email.lower() != order.buyer_email.lower():
        addresses.append(order.billing_email)
    for address in addresses:
        queue_email(to=address, subject=subject, body=body, html=html, kind="credit-note",
                    event_id=event.id,
                    attachments=[(name, "application/pdf", Deferred(f"credit_note:{note.id}"))])


def of_order(order: Order) -> list[CreditNote]:
    return list(db.session.scalars(
        select(CreditNote).where(CreditNote.order_id == order.id).order_by(CreditNote.number)))


def in_event(event, number: int) -> CreditNote | None:
    note = db.session.scalar(select(CreditNote).where(CreditNote.number == number))
    if note is None or note.order.event_id != event.id:
        return None
    return note


def of_event(event) -> list[CreditNote]:
    """The event's credit notes by number, each with its order and lines loaded."""
    return list(db.session.scalars(
        select(CreditNote).join(Order, Order.id == CreditNote.order_id)
        .where(Order.event_id == event.id)
        .options(selectinload(CreditNote.order), selectinload(CreditNote.lines))
        .order_by(CreditNote.number)))
