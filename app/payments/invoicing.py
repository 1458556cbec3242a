"""Invoice rules: what an invoice or receipt says, VAT per rate, marking an invoice paid, the
CSV for the bookkeeping system, and the organiser's lists of orders.

Prices include VAT, so each line's amount excluding VAT is its price less the VAT it contains
(orders.services.vat_of); the VAT of each VAT category and rate is worked out on the
category's total excluding VAT, as EN 16931 asks, and the öre that may leave between the
prices and net + VAT is the rounding amount. An invoice always shows every attendee it was
issued for: cancelling someone later does not rewrite an issued invoice. A cancellation on or
before the event's last refund day credits an unpaid invoice
(app.payments.services.credit_invoice): a Refund with reason "credit_note" and a credit note
(app/payments/credit_notes.py), shown here and in the CSV."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel import Locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from app import money
from app.audit.services import record
from app.db_types import utcnow
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.orders.models import Order
from app.orders.services import vat_of
from app.registration.models import Registration
from app.spreadsheets import cell

from .models import Refund


class InvoiceError(Refusal):
    status = 400


STATUS_LABELS = {
    "pending": _l("Awaiting payment"),
    "confirmed": _l("Confirmed"),
    "expired": _l("Expired"),
    "cancelled": _l("Order cancelled"),
}
PAYMENT_STATUS_LABELS = {
    "none": _l("Nothing to pay"),
    "awaiting": _l("Card payment not completed"),
    "to_invoice": _l("Invoice not paid"),
    "paid": _l("Paid"),
    "refunded": _l("Refunded"),
    "partially_refunded": _l("Partly refunded"),
    "credited": _l("Invoice credited"),
}
METHOD_LABELS = {"free": _l("Free of charge"), "card": _l("Card"), "invoice": _l("Invoice")}
REGISTRATION_STATUS_LABELS = {
    "pending": _l("Seat held"),
    "confirmed": _l("Registered"),
    "cancelled": _l("Registration cancelled"),
    "expired": _l("Not completed"),
}
REFUND_STATUS_LABELS = {
    "pending": _l("Pending"),
    "succeeded": _l("Refunded"),
    "failed": _l("Did not go through"),
}

PAID_STATUSES = ("paid", "partially_refunded", "refunded")


# --- what a document says ----------------------------------------------------------------------

VAT_CATEGORIES = ("S", "Z", "E")


@dataclass(frozen=True)
class Line:
    ticket: str
    attendee: str
    vat_percent: int
    gross_ore: int  # the price paid, VAT included
    # EN 16931's VAT category: S taxed, Z zero rated, E exempt (with the reason).
    vat_category: str = "S"
    exemption_reason: str = ""
    registration_id: int | None = None

    @property
    def vat_ore(self) -> int:
        return vat_of(self.gross_ore, self.vat_percent)

    @property
    def net_ore(self) -> int:
        """The line's amount excluding VAT: its price less the VAT the price contains."""
        return self.gross_ore - self.vat_ore


@dataclass(frozen=True)
class VatRow:
    percent: int
    net_ore: int
    vat_ore: int
    category: str = "S"
    exemption_reason: str = ""

    @property
    def gross_ore(self) -> int:
        return self.net_ore + self.vat_ore


@dataclass(frozen=True)
class Totals:
    net_ore: int
    vat_ore: int
    gross_ore: int  # what is to be paid: the prices paid, VAT included
    # The öre between the prices and net + VAT per category (the VAT of a category is worked
    # out on its total, as EN 16931 asks): shown as "öresavrundning".
    rounding_ore: int = 0

    @property
    def with_vat_ore(self) -> int:
        return self.net_ore + self.vat_ore


def category_of(registration) -> str:
    """The VAT category of a seat: taxed when it carries VAT, else the ticket's zero rated or
    exempt."""
    if registration.vat_percent:
        return "S"
    category = registration.ticket_type.vat_category
    return category if category in ("Z", "E") else "Z"


DEFAULT_EXEMPTION = {"sv": "Undantaget från mervärdesskatt", "en": "Exempt from VAT"}


def exemption_reason(ticket_type, language: str) -> str:
    """Why an exempt ticket carries no VAT, in the order's language; an invoice must say."""
    return (ticket_type.exemption_reason_in(language).strip()
            or DEFAULT_EXEMPTION.get(language, DEFAULT_EXEMPTION["sv"]))


def lines(order: Order) -> list[Line]:
    """One line per attendee, the ticket named in the order's language."""
    result = []
    for r in order.registrations:
        category = category_of(r)
        result.append(Line(
            ticket=r.ticket_type.name_in(order.language), attendee=r.name,
            vat_percent=r.vat_percent, gross_ore=r.price_ore, vat_category=category,
            exemption_reason=(exemption_reason(r.ticket_type, order.language)
                              if category == "E" else ""),
            registration_id=r.id,
        ))
    return result


def vat_summary(order_lines: list[Line]) -> list[VatRow]:
    """The lines' amounts excluding VAT summed per VAT category and rate, and the VAT of each
    worked out on that sum (rounded half up to the öre), as EN 16931 asks; highest rate
    first."""
    groups: dict[tuple[str, int], list[Line]] = {}
    for line in order_lines:
        groups.setdefault((line.vat_category, line.vat_percent), []).append(line)
    rows = []
    for (category, percent), members in groups.items():
        net = sum(line.net_ore for line in members)
        vat = money.percent_of(net, percent) if category == "S" else 0
        reason = next((line.exemption_reason for line in members if line.exemption_reason), "")
        rows.append(VatRow(percent, net, vat, category, reason))
    return sorted(rows, key=lambda row: (-row.percent, VAT_CATEGORIES.index(row.category)
                                         if row.category in VAT_CATEGORIES else 9))


def totals(order_lines: list[Line]) -> Totals:
    rows = vat_summary(order_lines)
    net = sum(r.net_ore for r in rows)
    vat = sum(r.vat_ore for r in rows)
    gross = sum(line.gross_ore for line in order_lines)
    return Totals(net_ore=net, vat_ore=vat, gross_ore=gross, rounding_ore=gross - net - vat)


def foreign_country(order: Order, language: str | None = None) -> str:
    """The buyer's country named in `language` (the order's), or "" for a Swedish buyer."""
    code = (order.billing_country or "SE").upper()
    if code == "SE":
        return ""
    return Locale.parse(language or order.language).territories.get(code, code)


def has_invoice(order: Order) -> bool:
    return order.payment_method == "invoice" and order.invoice_number is not None


def has_receipt(order: Order) -> bool:
    """Something was paid: a card payment, or an invoice the organiser marked paid."""
    return order.total_ore > 0 and order.payment_status in PAID_STATUSES


def local_date(order: Order, moment: datetime | None) -> date | None:
    """The day of `moment` at the event's place, or None."""
    return order.event.local_day(moment) if moment is not None else None


def invoice_date(order: Order) -> date | None:
    return local_date(order, order.invoiced_at or order.created_at)


def due_date(order: Order) -> date | None:
    if order.invoice_due_on is not None:
        return order.invoice_due_on
    issued = invoice_date(order)
    return issued + timedelta(days=order.event.invoice_due_days) if issued else None


def paid_date(order: Order) -> date | None:
    return local_date(order, order.paid_at or order.confirmed_at)


def is_overdue(order: Order, today: date | None = None) -> bool:
    today = today or order.event.today()
    due = due_date(order)
    return order.payment_status == "to_invoice" and due is not None and due < today


def credited_ore(order: Order) -> int:
    """What was credited on the order's invoice (cancellations by the last refund day)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Refund.amount_ore), 0))
        .where(Refund.order_id == order.id, Refund.reason == "credit_note",
               Refund.status == "succeeded")
    ) or 0


def credited_by_order(event: Event) -> dict[int, int]:
    """Order id -> amount credited, for the event's credited invoices."""
    rows = db.session.execute(
        select(Refund.order_id, func.sum(Refund.amount_ore))
        .join(Order, Order.id == Refund.order_id)
        .where(Order.event_id == event.id, Refund.reason == "credit_note",
               Refund.status == "succeeded")
        .group_by(Refund.order_id)
    ).all()
    return {order_id: amount or 0 for order_id, amount in rows}


def cancelled_still_due(order: Order, credited: int) -> int:
    """The price of the invoice's cancelled seats that was not credited (they were cancelled
    after the last refund day): still to be paid, and worth pointing out to the organiser."""
    cancelled = sum(r.price_ore for r in order.registrations if r.status == "cancelled")
    return max(cancelled - credited, 0)


def refunds_of(order: Order) -> list[Refund]:
    return list(db.session.scalars(
        select(Refund).where(Refund.order_id == order.id).order_by(Refund.created_at, Refund.id)
    ))


def missing_seller_details(event: Event) -> list:
    """What a Swedish invoice needs from the seller that the event does not say yet."""
    wanted = (
        (event.organiser_name, _l("the organiser's name")),
        (event.seller_address, _l("the seller's address")),
        (event.seller_org_number, _l("the organisation number")),
        (event.seller_vat_number, _l("the VAT registration number")),
        (event.seller_bankgiro, _l("the bankgiro number")),
    )
    return [label for value, label in wanted if not (value or "").strip()]


def invoice_available(event: Event) -> bool:
    """Invoice payment is offered only when the organiser allows it and the invoice can carry
    everything Swedish law asks of the seller."""
    return bool(event.allow_invoice) and not missing_seller_details(event)


# --- marking an invoice paid -------------------------------------------------------------------

def mark_paid(order: Order, now: datetime | None = None) -> bool:
    """The money for an invoice arrived. True if this marked it paid, False if it already was
    (a double click or a second organiser)."""
    if order.payment_method != "invoice":
        raise InvoiceError(_l("This order is not paid by invoice."))
    if order.payment_status == "credited":
        raise InvoiceError(_l("This invoice was credited in full: there is nothing to pay."))
    changed = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.payment_method == "invoice",
               Order.payment_status == "to_invoice")
        .values(payment_status="paid", paid_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    db.session.refresh(order)
    if not changed and order.payment_status == "credited":
        raise InvoiceError(_l("This invoice was credited in full: there is nothing to pay."))
    if not changed and order.payment_status not in PAID_STATUSES:
        raise InvoiceError(_l("This invoice cannot be marked paid."))
    return bool(changed)


# --- the organiser's lists ---------------------------------------------------------------------

PAGE_SIZE = 100


def _contains(column, text: str):
    """Case-insensitive "contains", with LIKE's wildcards taken literally. PostgreSQL's ILIKE
    folds å, ä and ö too; SQLite's LIKE folds only ASCII, so there the usual spellings of the
    text (as typed, lower, upper, capitalised words) are tried."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    if db.session.get_bind().dialect.name == "postgresql":
        return column.ilike(f"%{escaped}%", escape="\\")
    spellings = dict.fromkeys((escaped, escaped.lower(), escaped.upper(), escaped.title()))
    return or_(*(column.like(f"%{spelling}%", escape="\\") for spelling in spellings))


def search_orders(event: Event, status: str = "", payment_status: str = "", q: str = "",
                  page: int = 1) -> tuple[list[tuple[Order, int]], int]:
    """(order, number of attendees) newest first, and how many orders match in all. `q` finds
    the order code, the buyer's or an attendee's name or email, or the billing name."""
    attendees = (
        select(Registration.order_id, func.count().label("n"))
        .where(Registration.event_id == event.id).group_by(Registration.order_id).subquery()
    )
    query = select(Order, func.coalesce(attendees.c.n, 0)).outerjoin(
        attendees, attendees.c.order_id == Order.id
    ).where(Order.event_id == event.id)
    if status:
        query = query.where(Order.status == status)
    if payment_status:
        query = query.where(Order.payment_status == payment_status)
    q = (q or "").strip()
    if q:
        query = query.where(or_(
            func.upper(Order.code) == q.upper(),
            _contains(Order.buyer_name, q),
            _contains(Order.buyer_email, q),
            _contains(Order.billing_name, q),
            Order.id.in_(
                select(Registration.order_id).where(
                    Registration.event_id == event.id,
                    or_(_contains(Registration.name, q), _contains(Registration.email, q)),
                )
            ),
        ))
    count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(Order.created_at.desc(), Order.id.desc())
        .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return [(order, n) for order, n in rows], count


def order_in_event(event: Event, order_id: int) -> Order | None:
    order = db.session.get(Order, order_id)
    if order is None or order.event_id != event.id:
        return None
    return order


def invoice_orders(event: Event) -> list[Order]:
    """Every invoice of the event, by invoice number, attendees loaded."""
    return list(db.session.scalars(
        select(Order)
        .where(Order.event_id == event.id, Order.payment_method == "invoice")
        .options(selectinload(Order.registrations).selectinload(Registration.ticket_type),
                 selectinload(Order.event))
        .order_by(Order.invoice_number.is_(None), Order.invoice_number, Order.id)
    ))


# --- CSV for the bookkeeping system ------------------------------------------------------------

CSV_RATES = (25, 12, 6, 0)
CSV_COLUMNS = (
    ["invoice_number", "invoice_date", "due_date", "order_code", "buyer_org_number",
     "billing_name", "billing_address", "billing_email", "reference", "peppol_id",
     "amount_excl_vat"]
    + [f"excl_vat_{rate}" for rate in CSV_RATES]
    + [f"vat_{rate}" for rate in CSV_RATES if rate]
    + ["vat_total", "total", "currency", "status", "paid_date", "order_status", "credited"]
)
def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _one_line(text: str) -> str:
    return ", ".join(part.strip() for part in (text or "").splitlines() if part.strip())


def csv_rows(event: Event) -> list[dict]:
    rows = []
    credited = credited_by_order(event)
    for order in invoice_orders(event):
        order_lines = lines(order)
        summary: dict[int, VatRow] = {}
        for row in vat_summary(order_lines):  # zero rated and exempt share the 0 % columns
            found = summary.get(row.percent)
            summary[row.percent] = row if found is None else VatRow(
                row.percent, found.net_ore + row.net_ore, found.vat_ore + row.vat_ore)
        total = totals(order_lines)
        row = {
            "invoice_number": order.invoice_number or "",
            "invoice_date": _iso(invoice_date(order)),
            "due_date": _iso(due_date(order)),
            "order_code": order.code,
            "buyer_org_number": cell(order.billing_org_number),
            "billing_name": cell(order.billing_name),
            "billing_address": cell(_one_line(order.billing_address)),
            "billing_email": cell(order.billing_email),
            "reference": cell(order.invoice_reference),
            "peppol_id": cell(order.peppol_id),
            "amount_excl_vat": money.for_csv(total.net_ore),
            "vat_total": money.for_csv(total.vat_ore),
            "total": money.for_csv(total.gross_ore),
            "currency": order.currency,
            "status": "unpaid" if order.payment_status == "to_invoice" else order.payment_status,
            "paid_date": _iso(paid_date(order)) if order.payment_status in PAID_STATUSES else "",
            "order_status": order.status,
            "credited": money.for_csv(credited.get(order.id, 0)),
        }
        for rate in CSV_RATES:
            found = summary.get(rate)
            row[f"excl_vat_{rate}"] = money.for_csv(found.net_ore if found else 0)
            if rate:
                row[f"vat_{rate}"] = money.for_csv(found.vat_ore if found else 0)
        rows.append(row)
    return rows


def invoices_csv(event: Event, user=None) -> bytes:
    """Semicolon-separated with decimal commas, UTF-8 with a byte order mark: what Excel with
    Swedish settings opens in columns, with å ä ö and amounts as numbers, on a double click.
    It names buyers, so the export is logged (who, how many rows)."""
    rows = csv_rows(event)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    record(event, user, "export.invoices", {"format": "CSV", "rows": len(rows)})
    return buffer.getvalue().encode("utf-8-sig")
