"""Credit notes: each credit of an invoice is a document of its own, numbered in the invoice
series (gap-free), referring to the invoice it credits, with one line per credited attendee
copied from the invoice line when it is credited, so it never changes afterwards."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db_types import utcnow
from app.extensions import db
from app.orders import services as orders
from app.orders.models import Order

from . import invoicing
from .models import CreditNote, CreditNoteLine, Refund

REASONS = ("cancelled", "postponed", "organiser")


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
    note = CreditNote(order_id=order.id, refund_id=refund.id, reason=reason,
                      number=orders.next_number("invoice"), issued_at=now or utcnow(),
                      amount_ore=refund.amount_ore)
    for registration in registrations:
        line = by_id[registration.id]
        note.lines.append(CreditNoteLine(
            registration_id=registration.id, ticket=line.ticket, attendee=line.attendee,
            vat_percent=line.vat_percent, vat_category=line.vat_category,
            exemption_reason=line.exemption_reason, gross_ore=line.gross_ore))
    db.session.add(note)
    db.session.flush()
    return note


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
