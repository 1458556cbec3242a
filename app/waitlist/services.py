"""The waiting list: first come, first served; a freed seat goes to the next person as an offer
that holds the seat for a while (WAITING_LIST_OFFER_HOURS).

An open offer keeps its seat counted in TicketType.seats_taken and Event.seats_taken, so the
public cannot buy it meanwhile. Every change of an entry's status is one conditional UPDATE
(waiting -> offered, offered -> accepted/expired/withdrawn), so two freed seats, two workers or
a double submit can never make or use one offer twice, on SQLite or PostgreSQL."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import seats
from app.db_types import utcnow
from app.errors import AlreadyRegistered, Refusal
from app.events.models import Event
from app.extensions import db
from app.i18n import localized
from app.mail.outbox import queue_email
from app.mail.render import absolute_url, render_email
from app.orders.models import Order
from app.registration.models import Registration
from app.tickets import services as tickets
from app.tickets.models import TicketType
from app.tokens import link_token
from app.waitlist.models import WaitingListEntry

LIVE = ("waiting", "offered")


class WaitingListError(Refusal):
    """A refusal; the message is translated and meant for the person joining."""


class NotSoldOut(WaitingListError):
    pass


class OfferNotOpen(WaitingListError):
    """The offer ran out, was used, or is for another ticket than the order's."""


class AlreadyWaiting(WaitingListError):
    def __init__(self, message, entry: WaitingListEntry):
        super().__init__(message)
        self.entry = entry


# --- reading ---------------------------------------------------------------------------------

def by_token(token: str) -> WaitingListEntry | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(WaitingListEntry).where(WaitingListEntry.token == token))


def live_by_token(token: str) -> WaitingListEntry | None:
    """The entry of a person still on the list (waiting, or holding an offer)."""
    entry = by_token(token)
    return entry if entry is not None and entry.status in LIVE else None


def open_offer(token: str, now: datetime | None = None) -> WaitingListEntry | None:
    """The offer behind an accept link if it is still open: offered and not run out."""
    now = now or utcnow()
    entry = by_token(token)
    if entry is None or entry.status != "offered" or entry.offer_expires_at is None:
        return None
    return entry if entry.offer_expires_at > now else None


def position(entry: WaitingListEntry) -> int | None:
    """1 for the next person to get an offer; None unless waiting. With an overall event
    capacity the line runs across ticket types (see pass_seat_on), so everyone ahead counts."""
    if entry.status != "waiting":
        return None
    same_line = (WaitingListEntry.event_id == entry.event_id if entry.event.capacity is not None
                 else WaitingListEntry.ticket_type_id == entry.ticket_type_id)
    ahead = db.session.scalar(
        select(func.count()).select_from(WaitingListEntry).where(
            same_line, WaitingListEntry.status == "waiting", WaitingListEntry.id < entry.id,
        )
    )
    return ahead + 1


def entries_for(event: Event) -> list[WaitingListEntry]:
    """Everyone who ever joined the event's waiting list, first come first."""
    return list(db.session.scalars(
        select(WaitingListEntry).where(WaitingListEntry.event_id == event.id)
        .order_by(WaitingListEntry.id)
    ))


@dataclass(frozen=True)
class QueueRow:
    entry: WaitingListEntry
    # Place in line while waiting, else None.
    place: int | None
    # The order placed with an accepted offer (its status says whether it was paid in time).
    order: Order | None


@dataclass
class TicketQueue:
    """One ticket type's waiting list as the organiser sees it."""

    ticket_type: TicketType
    # What the public could book now (None: no limit); the organiser can offer these.
    free: int | None
    rows: list[QueueRow] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        return sum(1 for row in self.rows if row.entry.status == "waiting")


def overview(event: Event) -> list[TicketQueue]:
    """Each ticket type somebody waits or waited for, with everyone who joined it, first come
    first. A fixed number of queries however long the list."""
    queues = {t.id: TicketQueue(t, seats.seats_left(event, t))
              for t in tickets.ticket_types_for(event)}
    entries = entries_for(event)
    order_ids = {entry.order_id for entry in entries if entry.order_id is not None}
    orders = {order.id: order for order in db.session.scalars(
        select(Order).where(Order.id.in_(order_ids)))} if order_ids else {}
    places: dict[int, int] = {}
    for entry in entries:
        place = None
        if entry.status == "waiting":
            place = places[entry.ticket_type_id] = places.get(entry.ticket_type_id, 0) + 1
        queues[entry.ticket_type_id].rows.append(
            QueueRow(entry, place, orders.get(entry.order_id)))
    return [queue for queue in queues.values() if queue.rows]


def _live_registration(event_id: int, email: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event_id, Registration.email == email.strip().lower(),
            Registration.status.in_(("confirmed", "pending")),
        ).limit(1)
    )


def _live_entry(event_id: int, email: str) -> WaitingListEntry | None:
    return db.session.scalar(
        select(WaitingListEntry).where(
            WaitingListEntry.event_id == event_id,
            WaitingListEntry.email == email.strip().lower(),
            WaitingListEntry.status.in_(LIVE),
        )
    )


# --- joining and leaving ---------------------------------------------------------------------

def join(event: Event, ticket_type: TicketType, name: str, email: str,
         language: str) -> WaitingListEntry:
    """Put someone at the end of the line for a sold-out ticket type and send them their
    place and private link; on refusal nothing is stored."""
    email = email.strip().lower()
    if not event.registration_open or ticket_type.event_id != event.id:
        raise WaitingListError(_l("Registration for this event is closed."))
    if seats.seats_left(event, ticket_type) != 0:
        raise NotSoldOut(_l("There are still seats left for this ticket: register instead."))
    registration = _live_registration(event.id, email)
    if registration is not None:
        raise AlreadyRegistered(
            _l("%(email)s is already registered for the event.", email=email), email=email,
            registration=registration)
    existing = _live_entry(event.id, email)
    if existing is not None:
        raise AlreadyWaiting(
            _l("%(email)s is already on the waiting list for this event.", email=email),
            existing)
    entry = WaitingListEntry(
        event_id=event.id, ticket_type_id=ticket_type.id, name=name.strip(), email=email,
        language=language, status="waiting", token=link_token(),
    )
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError as error:
        # The same address joined at the same moment (a double submit).
        db.session.rollback()
        existing = _live_entry(event.id, email)
        raise AlreadyWaiting(
            _l("%(email)s is already on the waiting list for this event.", email=email),
            existing) from error
    queue_joined(entry)
    db.session.flush()
    return entry


def withdraw(entry: WaitingListEntry, now: datetime | None = None) -> bool:
    """Take someone off the list (they asked, or the organiser did). A seat their open offer
    held passes to the next person. False if they were no longer on it."""
    now = now or utcnow()
    held = _set_status(entry, "offered", "withdrawn")
    if held:
        release_seat(entry.event_id, entry.ticket_type_id)
    changed = held or _set_status(entry, "waiting", "withdrawn")
    db.session.flush()
    db.session.refresh(entry)
    return changed


def _set_status(entry: WaitingListEntry, old: str, new: str, **values) -> bool:
    return db.session.execute(
        update(WaitingListEntry)
        .where(WaitingListEntry.id == entry.id, WaitingListEntry.status == old)
        .values(status=new, **values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1


# --- offers ----------------------------------------------------------------------------------

def _next_waiting(ticket_type_ids, exclude: set[int]) -> WaitingListEntry | None:
    query = (
        select(WaitingListEntry)
        .where(WaitingListEntry.ticket_type_id.in_(list(ticket_type_ids)),
               WaitingListEntry.status == "waiting")
        .order_by(WaitingListEntry.id).limit(1)
    )
    if exclude:
        query = query.where(WaitingListEntry.id.notin_(exclude))
    if db.session.get_bind().dialect.name == "postgresql":
        # Two seats freed at once go to the first two in line instead of queueing on one row.
        query = query.with_for_update(skip_locked=True)
    return db.session.scalars(query).first()


def _offer(entry: WaitingListEntry, now: datetime) -> bool:
    """waiting -> offered, if nobody else got there first; queues the offer email."""
    hours = current_app.config["WAITING_LIST_OFFER_HOURS"]
    if not _set_status(entry, "waiting", "offered", offered_at=now,
                       offer_expires_at=now + timedelta(hours=hours)):
        return False
    db.session.refresh(entry)
    queue_offer(entry)
    return True


def _offer_first(ticket_type_ids, now: datetime, take=None,
                 undo=None) -> WaitingListEntry | None:
    """Offer a seat to the first person waiting for one of these ticket types. `take` may
    refuse a candidate (returns False), e.g. when no seat can be taken for their ticket type;
    `undo` hands back what it took if the offer is lost to someone faster. People who
    registered meanwhile leave the list instead of holding a seat they do not need."""
    tried: set[int] = set()
    while True:
        entry = _next_waiting(ticket_type_ids, tried)
        if entry is None:
            return None
        tried.add(entry.id)
        if _live_registration(entry.event_id, entry.email) is not None:
            _set_status(entry, "waiting", "withdrawn")
            continue
        if take is not None and not take(entry):
            continue
        if _offer(entry, now):
            return entry
        if undo is not None:
            undo(entry)


def pass_seat_on(event_id: int, ticket_type_id: int, now: datetime | None = None) -> bool:
    """Give a freed seat to the next person waiting for it. True if an offer now holds the seat
    (the seat counters stay as they are); False if nobody waits (the caller gives it back).

    When the event itself has a capacity, people may wait for another ticket type because the
    event was full: the seat goes to whoever has waited longest and whose own ticket type has
    room, first come first served across ticket types. Part of the caller's transaction."""
    now = now or utcnow()
    event = db.session.get(Event, event_id)
    if event is None or event.capacity is None:
        return _offer_first([ticket_type_id], now) is not None
    # With an overall capacity, the line is one line across ticket types: the first person
    # waiting gets the seat if their own ticket type has room.
    full: set[int] = set()

    def room_on_its_ticket(entry) -> bool:
        if entry.ticket_type_id == ticket_type_id:
            return True  # the freed seat itself
        if entry.ticket_type_id in full:
            return False
        if seats.take_ticket(entry.ticket_type_id):
            return True
        full.add(entry.ticket_type_id)
        return False

    def undo(entry) -> None:
        if entry.ticket_type_id != ticket_type_id:
            seats.give_back_ticket(entry.ticket_type_id)

    ticket_type_ids = [t.id for t in tickets.ticket_types_for(event)]
    entry = _offer_first(ticket_type_ids, now, take=room_on_its_ticket, undo=undo)
    if entry is None:
        return False
    if entry.ticket_type_id != ticket_type_id:
        # The event seat stays taken (now by the offer); the freed ticket type's seat is free.
        seats.give_back_ticket(ticket_type_id)
    return True


def mark_taken(offer: WaitingListEntry, order) -> None:
    """The offer's holder placed their order with the held seat. Part of place_order's
    transaction: refuses (RegistrationError, so nothing is stored) if the offer is no longer
    open or the order does not use its seat."""
    if offer.event_id != order.event_id or not any(
            r.ticket_type_id == offer.ticket_type_id for r in order.registrations):
        raise OfferNotOpen(_l("This waiting-list offer is for another ticket."))
    if not _set_status(offer, "offered", "accepted", order_id=order.id):
        raise OfferNotOpen(
            _l("This waiting-list offer is no longer open. It may have run out."))


def expire_offers(now: datetime | None = None, event_id: int | None = None) -> int:
    """Offers that ran out: each seat passes to the next person waiting, or back to sale with
    nobody waiting, and the person whose offer lapsed is told. Part of the caller's
    transaction (the caller commits); returns how many offers ran out."""
    now = now or utcnow()
    query = select(WaitingListEntry).where(
        WaitingListEntry.status == "offered", WaitingListEntry.offer_expires_at <= now)
    if event_id is not None:
        query = query.where(WaitingListEntry.event_id == event_id)
    lapsed = 0
    for entry in db.session.scalars(query.order_by(WaitingListEntry.id)).all():
        if not _set_status(entry, "offered", "expired"):
            continue  # taken or expired by someone else just now
        lapsed += 1
        db.session.refresh(entry)
        queue_lapsed(entry)
        release_seat(entry.event_id, entry.ticket_type_id)
    return lapsed


def offer_free_seats(event: Event, now: datetime | None = None) -> int:
    """After the organiser raised a capacity: offer every seat that is free now to the people
    waiting, first come first, each seat taken by the same conditional UPDATEs as a sale.
    Returns how many offers were made."""
    now = now or utcnow()
    expire_offers(now, event_id=event.id)
    ticket_type_ids = [t.id for t in tickets.ticket_types_for(event)]
    full: set[int] = set()
    event_full = False

    def take_a_seat(entry) -> bool:
        nonlocal event_full
        if event_full or entry.ticket_type_id in full:
            return False
        if not seats.take_ticket(entry.ticket_type_id):
            full.add(entry.ticket_type_id)
            return False
        if not seats.take_event(event.id):
            seats.give_back_ticket(entry.ticket_type_id)
            event_full = True
            return False
        return True

    def undo(entry) -> None:
        seats.give_back(event.id, entry.ticket_type_id)

    offered = 0
    while _offer_first(ticket_type_ids, now, take=take_a_seat, undo=undo) is not None:
        offered += 1
    db.session.flush()
    return offered


# --- emails ----------------------------------------------------------------------------------

def _links(entry: WaitingListEntry) -> dict:
    return {
        "leave_url": absolute_url("waitlist.entry", token=entry.token),
        "accept_url": absolute_url("waitlist.accept", token=entry.token),
    }


def queue_joined(entry: WaitingListEntry) -> None:
    """Their place in line and the private link to leave the list."""
    event = entry.event or db.session.get(Event, entry.event_id)
    ticket_type = entry.ticket_type or db.session.get(TicketType, entry.ticket_type_id)
    subject, body, html = render_email(
        "waitlist/email_joined.txt", entry.language,
        lambda: _("You are on the waiting list: %(event)s", event=localized(event, "name")),
        entry=entry, event=event, ticket=ticket_type.name_in(entry.language),
        position=position(entry), hours=current_app.config["WAITING_LIST_OFFER_HOURS"],
        **_links(entry),
    )
    queue_email(to=entry.email, subject=subject, body=body, html=html, kind="waitlist",
                event_id=entry.event_id)


def queue_offer(entry: WaitingListEntry) -> None:
    """A seat is held for them until the offer runs out: the link to take it."""
    event = entry.event
    subject, body, html = render_email(
        "waitlist/email_offer.txt", entry.language,
        lambda: _("A seat is free for you: %(event)s", event=localized(event, "name")),
        entry=entry, event=event, ticket_type=entry.ticket_type,
        ticket=entry.ticket_type.name_in(entry.language), **_links(entry),
    )
    queue_email(to=entry.email, subject=subject, body=body, html=html, kind="waitlist_offer",
                event_id=entry.event_id)


def queue_lapsed(entry: WaitingListEntry) -> None:
    """Their offer ran out and the seat went on; they may join again."""
    event = entry.event
    subject, body, html = render_email(
        "waitlist/email_lapsed.txt", entry.language,
        lambda: _("Your waiting-list offer has run out: %(event)s", event=localized(event, "name")),
        entry=entry, event=event, ticket=entry.ticket_type.name_in(entry.language),
        join_url=absolute_url("waitlist.join", slug=event.slug, ticket=entry.ticket_type_id),
    )
    queue_email(to=entry.email, subject=subject, body=body, html=html, kind="waitlist_lapsed",
                event_id=entry.event_id)


def release_seat(event_id: int, ticket_type_id: int) -> None:
    """A seat is free again: the next person on the waiting list gets an offer that keeps it;
    with nobody waiting it goes back to sale. Part of the caller's transaction."""
    if not pass_seat_on(event_id, ticket_type_id):
        seats.give_back(event_id, ticket_type_id)
