"""The invoices and credit notes of a period in one zip for the bookkeeping system: each as
PDF and, where it can be made, as e-invoice (UBL)."""

import io
import zipfile
from dataclasses import dataclass
from datetime import date

from app.audit.services import record

from . import credit_notes, documents, einvoice, invoicing


@dataclass(frozen=True)
class Batch:
    data: bytes
    invoices: int
    credit_notes: int


def period_zip(event, start: date, end: date, user=None) -> Batch:
    """Invoices issued and credit notes dated from `start` to `end` (the event's local days,
    both included). It names buyers, so it is logged like the other exports."""
    out = io.BytesIO()
    invoices = notes = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for order in invoicing.invoice_orders(event):
            issued = invoicing.invoice_date(order)
            if not invoicing.has_invoice(order) or issued is None or not start <= issued <= end:
                continue
            invoices += 1
            archive.writestr(documents.invoice_filename(order), documents.invoice_pdf(order))
            if einvoice.can_make(order):
                archive.writestr(einvoice.invoice_filename(order), einvoice.invoice_xml(order))
        for note in credit_notes.of_event(event):
            day = invoicing.local_date(note.order, note.issued_at)
            if not start <= day <= end:
                continue
            notes += 1
            archive.writestr(documents.credit_note_filename(note), documents.credit_note_pdf(note))
            if einvoice.can_make(note.order):
                archive.writestr(einvoice.credit_note_filename(note),
                                 einvoice.credit_note_xml(note))
    record(event, user, "export.invoices", {"format": "zip", "first_day": start.isoformat(),
                                            "last_day": end.isoformat(), "invoices": invoices,
                                            "credit_notes": notes})
    return Batch(out.getvalue(), invoices, notes)
