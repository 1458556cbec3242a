"""The organiser's rules for ticket types and the event's registration settings, and what the
public is offered.

Prices are entered in kronor ("950", "950,00", "1 250,50") and stored as integer öre, VAT
included. Sales windows are entered as wall-clock times at the event's place and stored in UTC.
A ticket type somebody registered with is never deleted (their registration points at it); the
organiser can end its sales instead."""

import hmac
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import func, select, update

from app import money, seats, signals
from app.db_types import utcnow
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.i18n import current_language
from app.registration.models import Registration
from app.tickets.models import TicketType
from app.waitlist.models import WaitingListEntry

VAT_RATES = (25, 12, 6, 0)
VISIBILITIES = ("public", "code")
# What a price may be at most: 1 000 000 kr, far beyond any conference ticket.
MAX_PRICE_ORE = 100_000_000


class TicketRuleError(Refusal):
    """A change the rules refuse; the message is translated and meant for the organiser, and
    field names the form field it is about (None: the whole form)."""

    status = 400

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- what the public is offered --------------------------------------------------------------

@dataclass(frozen=True)
class Offer:
    """One ticket type as the register page shows it, in the visitor's language."""

    ticket_type: TicketType
    name: str
    description: str
    price_ore: int
    currency: str
    vat_percent: int
    # "on_sale", "not_yet", "ended" or "sold_out"
    state: str
    # What may still be booked, counting the event's overall capacity; None = no limit.
    seats_left: int | None
    sales_start: datetime | None
    sales_end: datetime | None

    @property
    def id(self) -> int:
        return self.ticket_type.id

    @property
    def on_sale(self) -> bool:
        return self.state == "on_sale"

    @property
    def is_free(self) -> bool:
        return self.price_ore == 0


def state_of(event: Event, ticket_type: TicketType,
             now: datetime | None = None) -> tuple[str, int | None]:
    """("on_sale" | "not_yet" | "ended" | "sold_out", seats left counting the event's capacity
    or None for no limit)."""
    left = seats.seats_left(event, ticket_type)
    state = sales_state(ticket_type, now or utcnow())
    if state == "open":
        state = "sold_out" if left == 0 else "on_sale"
    return state, left


def public_offer(event: Event, access_code: str = "", now: datetime | None = None,
                 language: str | None = None) -> list[Offer]:
    """Every ticket type the visitor may see (public ones, and those unlocked by access_code,
    compared case-insensitively), in the organiser's order, with its sales state."""
    now = now or utcnow()
    language = language or current_language()
    offers = []
    for ticket_type in ticket_types_for(event):
        if not is_visible(ticket_type, access_code):
            continue
        state, left = state_of(event, ticket_type, now)
        offers.append(Offer(
            ticket_type=ticket_type, name=ticket_type.name_in(language),
            description=ticket_type.description_in(language), price_ore=ticket_type.price_ore,
            currency=ticket_type.currency, vat_percent=ticket_type.vat_percent, state=state,
            seats_left=left, sales_start=ticket_type.sales_start,
            sales_end=ticket_type.sales_end,
        ))
    return offers


# --- prices ----------------------------------------------------------------------------------

# What app.money.parse refuses, in the words of the ticket form.
PRICE_REFUSALS = {
    "empty": _l("Enter a price, 0 for a free ticket."),
    "negative": _l("The price cannot be negative."),
    "not_a_number": _l("Enter the price in kronor, for example 950 or 1 250,50."),
    "decimals": _l("A price has at most two decimals (öre), for example 1 250,50."),
}


def parse_price(text: str) -> int:
    """Kronor as people type them (app.money.parse) in öre, at most MAX_PRICE_ORE."""
    try:
        price = money.parse(text)
    except money.AmountError as refused:
        raise TicketRuleError(PRICE_REFUSALS[refused.reason]) from None
    if price > MAX_PRICE_ORE:
        raise TicketRuleError(_l("That price is too high."))
    return price


# --- sales windows ---------------------------------------------------------------------------

def local_to_utc(event: Event, value: datetime | None,
                 field: str | None = None) -> datetime | None:
    """A wall-clock date and time at the event's place (as typed) as the instant stored."""
    if value is None:
        return None
    if not 2000 <= value.year <= 2100:
        raise TicketRuleError(_l("Give a date between the years 2000 and 2100."), field)
    return event.to_utc(value.date(), value.time())


def utc_to_local(event: Event, value: datetime | None) -> datetime | None:
    """A stored instant as the wall-clock time the organiser typed (naive, for the form)."""
    if value is None:
        return None
    return event.local(value).replace(tzinfo=None)


# --- counting seats --------------------------------------------------------------------------

@dataclass(frozen=True)
class SeatCount:
    """Where a ticket type's taken seats are: confirmed registrations, seats held for card
    payments in progress, and seats kept for open waiting-list offers."""

    confirmed: int = 0
    held: int = 0
    offered: int = 0
    waiting: int = 0

    @property
    def taken(self) -> int:
        return self.confirmed + self.held + self.offered


def seat_counts(event: Event) -> dict[int, SeatCount]:
    """Ticket type id -> SeatCount, two grouped queries for the whole event."""
    registrations = db.session.execute(
        select(Registration.ticket_type_id, Registration.status, func.count())
        .where(Registration.event_id == event.id,
               Registration.status.in_(("confirmed", "pending")))
        .group_by(Registration.ticket_type_id, Registration.status)
    ).all()
    waiting = db.session.execute(
        select(WaitingListEntry.ticket_type_id, WaitingListEntry.status, func.count())
        .where(WaitingListEntry.event_id == event.id,
               WaitingListEntry.status.in_(("waiting", "offered")))
        .group_by(WaitingListEntry.ticket_type_id, WaitingListEntry.status)
    ).all()
    tally: dict[int, dict[str, int]] = {}
    for ticket_type_id, status, count in [*registrations, *waiting]:
        tally.setdefault(ticket_type_id, {})[status] = count
    return {
        ticket_type_id: SeatCount(
            confirmed=counts.get("confirmed", 0), held=counts.get("pending", 0),
            offered=counts.get("offered", 0), waiting=counts.get("waiting", 0),
        )
        for ticket_type_id, counts in tally.items()
    }


# --- ticket types ----------------------------------------------------------------------------

VAT_EXEMPT_RATE = _l("A ticket exempt from VAT carries no VAT: choose the rate 0 per cent, or "
                     "untick the exemption.")


@dataclass
class TicketDetails:
    """What the organiser's form gives; times are UTC instants already."""

    name: str
    price_ore: int
    vat_percent: int = 25
    vat_exempt: bool = False
    vat_exemption_reason: str = ""
    vat_exemption_reason_en: str = ""
    name_en: str = ""
    description: str = ""
    description_en: str = ""
    capacity: int | None = None
    sales_start: datetime | None = None
    sales_end: datetime | None = None
    visibility: str = "public"
    access_code: str = ""
    for_speakers: bool = False


def _check(details: TicketDetails) -> None:
    if not details.name.strip():
        raise TicketRuleError(_l("Give the ticket a name."), "name")
    if details.price_ore < 0:
        raise TicketRuleError(_l("The price cannot be negative."), "price")
    if details.vat_percent not in VAT_RATES:
        raise TicketRuleError(_l("Choose a VAT rate of 25, 12, 6 or 0 per cent."), "vat_percent")
    if details.vat_exempt and details.vat_percent != 0:
        raise TicketRuleError(VAT_EXEMPT_RATE, "vat_exempt")
    if details.vat_exempt and not details.vat_exemption_reason.strip():
        raise TicketRuleError(_l("Say why the ticket is exempt from VAT. The invoice must say "
                                 "it."), "vat_exemption_reason")
    if details.capacity is not None and details.capacity < 0:
        raise TicketRuleError(_l("The number of seats cannot be negative."), "capacity")
    if details.visibility not in VISIBILITIES:
        raise TicketRuleError(_l("Choose who can see the ticket."), "visibility")
    if details.visibility == "code" and not details.access_code.strip():
        raise TicketRuleError(_l("Enter the access code people need to see this ticket."),
                              "access_code")
    if (details.sales_start is not None and details.sales_end is not None
            and details.sales_end <= details.sales_start):
        raise TicketRuleError(_l("Sales must end after they start."), "sales_end")
    if details.for_speakers and details.price_ore != 0:
        raise TicketRuleError(_l("Speakers get their ticket for free: set the price to 0 to "
                                 "give this ticket to speakers."), "for_speakers")


def _capacity_refused(taken: int) -> TicketRuleError:
    return TicketRuleError(_ln(
        "%(num)d seat is already taken (registered, being paid for or offered to the waiting "
        "list), so the capacity cannot be lower than that.",
        "%(num)d seats are already taken (registered, being paid for or offered to the "
        "waiting list), so the capacity cannot be lower than that.", taken), "capacity")


def create_ticket_type(event: Event, details: TicketDetails) -> TicketType:
    """Add a ticket type at the end of the event's list."""
    _check(details)
    last = db.session.scalar(
        select(func.max(TicketType.position)).where(TicketType.event_id == event.id))
    ticket_type = TicketType(event=event, currency="SEK",
                             position=(last + 1) if last is not None else 0)
    _claim_for_speakers(event, None, details)
    _apply(ticket_type, details)
    ticket_type.capacity = details.capacity
    db.session.add(ticket_type)
    db.session.flush()
    return ticket_type


def _set_capacity(row, capacity: int | None) -> None:
    try:
        seats.set_capacity(row, capacity)
    except seats.CapacityBelowTaken as refused:
        db.session.rollback()
        raise _capacity_refused(refused.taken) from refused


def update_ticket_type(ticket_type: TicketType, details: TicketDetails) -> None:
    """Save the organiser's changes, or refuse and change nothing. The capacity is set by one
    conditional UPDATE, so a seat taken at the same moment cannot slip under it. People who
    already registered keep the price they paid."""
    _check(details)
    _set_capacity(ticket_type, details.capacity)
    raised = _raises(ticket_type.capacity, details.capacity)
    _claim_for_speakers(ticket_type.event, ticket_type.id, details)
    _apply(ticket_type, details)
    db.session.flush()
    db.session.refresh(ticket_type)
    if raised:
        _offer_new_seats(ticket_type.event)


def _raises(old: int | None, new: int | None) -> bool:
    return old is not None and (new is None or new > old)


def _offer_new_seats(event: Event) -> None:
    """Seats added while people wait go to them first, not to whoever is quickest."""
    signals.capacity_raised.send(event)


def _claim_for_speakers(event: Event, ticket_type_id: int | None,
                        details: TicketDetails) -> None:
    """One speakers' ticket per event: marking this one unmarks the one before (first, so the
    unique index never sees two)."""
    if not details.for_speakers:
        return
    query = update(TicketType).where(TicketType.event_id == event.id,
                                     TicketType.for_speakers.is_(True))
    if ticket_type_id is not None:
        query = query.where(TicketType.id != ticket_type_id)
    db.session.execute(query.values(for_speakers=False)
                       .execution_options(synchronize_session="fetch"))


def speakers_ticket(event: Event) -> TicketType | None:
    """The free ticket a speaker gets on accepting, if the organiser chose one."""
    return db.session.scalar(select(TicketType).where(TicketType.event_id == event.id,
                                                      TicketType.for_speakers.is_(True)))


def _apply(ticket_type: TicketType, details: TicketDetails) -> None:
    ticket_type.name = details.name.strip()
    ticket_type.name_en = details.name_en.strip()
    ticket_type.description = details.description.strip()
    ticket_type.description_en = details.description_en.strip()
    ticket_type.price_ore = details.price_ore
    ticket_type.vat_percent = details.vat_percent
    # EN 16931's VAT category: taxed, exempt (with the reason) or zero rated.
    ticket_type.vat_category = ("S" if details.vat_percent else
                                "E" if details.vat_exempt else "Z")
    exempt = ticket_type.vat_category == "E"
    ticket_type.vat_exemption_reason = details.vat_exemption_reason.strip() if exempt else ""
    ticket_type.vat_exemption_reason_en = (details.vat_exemption_reason_en.strip()
                                           if exempt else "")
    ticket_type.sales_start = details.sales_start
    ticket_type.sales_end = details.sales_end
    ticket_type.visibility = details.visibility
    ticket_type.access_code = (details.access_code.strip()
                               if details.visibility == "code" else "")
    ticket_type.for_speakers = details.for_speakers


def move(ticket_type: TicketType, direction: str) -> bool:
    """Swap the ticket type with its neighbour ("up" or "down"); positions are renumbered
    0, 1, 2 ... on the way. False when it is already first or last."""
    if direction not in ("up", "down"):
        raise TicketRuleError(_l("Move a ticket up or down."))
    siblings = ticket_types_for(ticket_type.event)
    index = siblings.index(ticket_type)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return False
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    db.session.flush()
    return True


def in_use(ticket_type: TicketType) -> bool:
    """Somebody registered with it (in any state: their record points at it) or waits for
    it, or a seat of it is taken."""
    registered = db.session.scalar(
        select(Registration.id).where(Registration.ticket_type_id == ticket_type.id).limit(1))
    waiting = db.session.scalar(
        select(WaitingListEntry.id).where(
            WaitingListEntry.ticket_type_id == ticket_type.id,
            WaitingListEntry.status.in_(("waiting", "offered")),
        ).limit(1))
    return registered is not None or waiting is not None or ticket_type.seats_taken > 0


def delete_ticket_type(ticket_type: TicketType) -> None:
    """Delete a ticket type nobody has used; otherwise refuse (end its sales instead, see
    end_sales)."""
    if in_use(ticket_type):
        raise TicketRuleError(_l(
            "People have registered with this ticket, so it cannot be deleted: their "
            "registrations, receipts and badges refer to it. End its sales instead; it then "
            "disappears from the registration page and everyone keeps their seat."))
    db.session.delete(ticket_type)
    db.session.flush()


def end_sales(ticket_type: TicketType, now: datetime | None = None) -> None:
    """Stop selling the ticket type now (unless its sales already ended)."""
    now = now or utcnow()
    if ticket_type.sales_end is None or ticket_type.sales_end > now:
        ticket_type.sales_end = now
        if ticket_type.sales_start is not None and ticket_type.sales_start >= now:
            ticket_type.sales_start = None
    db.session.flush()


# --- the event's registration settings -------------------------------------------------------

@dataclass
class RegistrationSettings:
    capacity: int | None = None
    registration_open: bool = False
    refund_until: date | None = None
    allow_invoice: bool = True
    invoice_due_days: int = 30
    organiser_name: str = ""
    contact_email: str = ""
    seller_org_number: str = ""
    seller_vat_number: str = ""
    seller_address: str = ""
    seller_bankgiro: str = ""
    seller_f_tax: bool = False
    seller_iban: str = ""


def update_settings(event: Event, settings: RegistrationSettings) -> None:
    """Save the event's registration settings, or refuse and change nothing. Like a ticket
    type's, the overall capacity is set by one conditional UPDATE."""
    if settings.capacity is not None and settings.capacity < 0:
        raise TicketRuleError(_l("The number of seats cannot be negative."), "capacity")
    if not 0 <= settings.invoice_due_days <= 365:
        raise TicketRuleError(_l("Invoices are due within 0 to 365 days."), "invoice_due_days")
    _set_capacity(event, settings.capacity)
    raised = _raises(event.capacity, settings.capacity)
    event.registration_open = settings.registration_open
    event.refund_until = settings.refund_until
    event.allow_invoice = settings.allow_invoice
    event.invoice_due_days = settings.invoice_due_days
    event.organiser_name = settings.organiser_name.strip()
    event.contact_email = settings.contact_email.strip().lower()
    event.seller_org_number = settings.seller_org_number.strip()
    event.seller_vat_number = settings.seller_vat_number.strip().upper().replace(" ", "")
    event.seller_address = settings.seller_address.strip()
    event.seller_bankgiro = settings.seller_bankgiro.strip()
    event.seller_f_tax = settings.seller_f_tax
    event.seller_iban = settings.seller_iban.strip().upper().replace(" ", "")
    db.session.flush()
    db.session.refresh(event)
    if raised:
        _offer_new_seats(event)


def ticket_types_for(event: Event) -> list[TicketType]:
    return list(
        db.session.scalars(
            select(TicketType).where(TicketType.event_id == event.id)
            .order_by(TicketType.position, TicketType.id)
        )
    )


def code_matches(ticket_type: TicketType, code: str) -> bool:
    wanted = (ticket_type.access_code or "").strip().lower()
    given = (code or "").strip().lower()
    return bool(wanted) and hmac.compare_digest(wanted.encode(), given.encode())


def is_visible(ticket_type: TicketType, access_code: str = "") -> bool:
    return ticket_type.visibility == "public" or code_matches(ticket_type, access_code)


def sales_state(ticket_type: TicketType, now: datetime | None = None) -> str:
    """"not_yet", "ended" or "open"."""
    now = now or utcnow()
    if ticket_type.sales_start is not None and now < ticket_type.sales_start:
        return "not_yet"
    if ticket_type.sales_end is not None and now >= ticket_type.sales_end:
        return "ended"
    return "open"


def visible_ticket_types(event: Event, access_code: str = "") -> list[TicketType]:
    return [t for t in ticket_types_for(event) if is_visible(t, access_code)]
