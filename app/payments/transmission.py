"""Handing e-invoices over: a small interface (Transmitter) and its one real implementation,
a folder the organisation's Peppol access point or bookkeeping system picks the documents up
from (EINVOICE_FOLDER). A document is "sent" once it was written there in full.

A file is written under a temporary name and renamed into place, so the system picking it up
never sees half a document. The file is written before the request commits: if the commit
then fails, the document is still "not sent" and the next run writes the same file (same
name, same content) again, so nothing is lost and nothing is sent twice under two names."""

import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import select, update

from app.audit.services import record
from app.db_types import utcnow
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order

from . import credit_notes, einvoice, invoicing
from .models import CreditNote


class Transmitter(Protocol):
    """Where e-invoices go. `deliver` raises OSError when the document could not be handed
    over (it is then not marked sent)."""

    description: str

    def deliver(self, filename: str, content: bytes) -> None: ...


class FolderTransmitter:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.description = str(self.folder)

    def deliver(self, filename: str, content: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.folder / filename)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def configured() -> Transmitter | None:
    """The transmission set up for this installation, or None."""
    folder = current_app.config.get("EINVOICE_FOLDER") or ""
    return FolderTransmitter(folder) if folder else None


@dataclass(frozen=True)
class Sent:
    count: int
    failed: list[str]


def filename(event, name: str) -> str:
    """Documents of several events share the folder: the event's slug keeps them apart."""
    return f"{event.slug}-{name}"


def unsent(event, orders=None, notes=None) -> tuple[list[Order], list[CreditNote]]:
    """The event's e-invoices not handed over yet that can be made (of `orders` and `notes`
    when the caller has them already)."""
    orders = invoicing.invoice_orders(event) if orders is None else orders
    notes = credit_notes.of_event(event) if notes is None else notes
    return ([o for o in orders if o.einvoice_sent_at is None and einvoice.can_make(o)],
            [n for n in notes if n.sent_at is None and einvoice.can_make(n.order)])


def send_unsent(event, transmitter: Transmitter, user=None, now: datetime | None = None) -> Sent:
    """Hand over every e-invoice and credit note of the event not sent yet, and mark each one
    sent (a conditional UPDATE, so two runs at once mark it once). Flushes."""
    now = now or utcnow()
    orders, notes = unsent(event)
    count, failed = 0, []
    documents = [(einvoice.invoice_filename(order), einvoice.invoice_xml, order,
                  update(Order).where(Order.id == order.id, Order.einvoice_sent_at.is_(None))
                  .values(einvoice_sent_at=now)) for order in orders]
    documents += [(einvoice.credit_note_filename(note), einvoice.credit_note_xml, note,
                   update(CreditNote).where(CreditNote.id == note.id, CreditNote.sent_at.is_(None))
                   .values(sent_at=now)) for note in notes]
    for document_name, draw, source, mark_sent in documents:
        name = filename(event, document_name)
        try:
            transmitter.deliver(name, draw(source))
        except OSError as error:
            failed.append(f"{name}: {error.strerror or error}")
            continue
        count += db.session.execute(
            mark_sent.execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    db.session.expire_all()
    if count or failed:
        record(event, user, "einvoices.sent", {"documents": count, "failed": len(failed),
                                                "folder": transmitter.description})
    return Sent(count, failed)


def events_with_unsent() -> list:
    """Events with an invoice or credit note not handed over (for the command line)."""
    from_orders = select(Order.event_id).where(
        Order.payment_method == "invoice", Order.invoice_number.is_not(None),
        Order.einvoice_sent_at.is_(None))
    from_notes = select(Order.event_id).join(CreditNote, CreditNote.order_id == Order.id).where(
        CreditNote.sent_at.is_(None))
    ids = set(db.session.scalars(from_orders)) | set(db.session.scalars(from_notes))
    return list(db.session.scalars(select(Event).where(Event.id.in_(ids)).order_by(Event.id)))
