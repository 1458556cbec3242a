"""The organiser's page of one attendee: everything Samla knows and did about them, and what
the organiser can do for them (send the confirmation again, cancel, change the ticket type,
pass the ticket on to someone else). No request in sight: each action is one function here,
which flushes (the request commits) or, on refusal, stores nothing.

Every action locks the registration's row first (PostgreSQL; SQLite serialises every write
anyway) and looks again, so a form sent twice, or by two organisers at once, does its work
once: the second finds it done and says so."""

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import defer, joinedload, selectinload

from app import money, seats
from app.audit import services as audit
from app.checkin import checkin_lists
from app.checkin.models import CheckIn
from app.events.models import Event
from app.extensions import db
from app.i18n import current_language
from app.mail.models import OutgoingEmail
from app.orders.models import Order
from app.payments import invoicing
from app.payments.models import Refund
from app.programme.models import ProgrammeItem, SessionSignup
from app.tickets import services as tickets
from app.tickets.models import TicketType
from app.waitlist import services as waitlist
from app.waitlist.models import WaitingListEntry

from . import attendee, services
from .models import Registration
from .questions import display_value

# The page lists the newest mails first; a person gets a handful, this is only a bound.
MAIL_LIMIT = 200


class PersonError(services.RegistrationError):
    """An action on an attendee that cannot be done; the message is for the organiser."""


# --- reading ---------------------------------------------------------------------------------


@dataclass
class TicketChoice:
    ticket_type: TicketType
    # Seats left on the ticket type itself (None: no limit). A change keeps the attendee's
    # seat in the event, so the event's own capacity does not limit it.
    left: int | None


@dataclass
class Person:
    registration: Registration
    # (question in the page's language, the answer as text or None when not answered)
    answers: list[tuple[str, str | None]]
    order: Order | None
    order_lines: list
    refunds: list[Refund]
    has_invoice: bool
    has_receipt: bool
    due_date: date | None
    overdue: bool
    signups: list[ProgrammeItem]
    mails: list[OutgoingEmail]
    check_ins: list[CheckIn]
    places: dict[str, str]  # where each check-in list lets people in, by its key
    waiting: list[WaitingListEntry]
    tickets: list[TicketChoice]

    @property
    def last_mail_id(self) -> int:
        """The newest mail to them when the page was made: a resend form carries it, so a
        second press of the same form sends nothing more."""
        return max((mail.id for mail in self.mails), default=0)


def in_event(event: Event, registration_id: int) -> Registration | None:
    """The event's registration with this id; another event's is None, as an unknown one."""
    return db.session.scalar(
        select(Registration)
        .where(Registration.id == registration_id, Registration.event_id == event.id)
        .options(
            joinedload(Registration.ticket_type), joinedload(Registration.order),
            selectinload(Registration.answers),
            # Who scanned and undid, without the door events an account loads with it.
            selectinload(Registration.check_ins).options(
                joinedload(CheckIn.checked_in_by).lazyload("*"),
                joinedload(CheckIn.annulled_by).lazyload("*"), joinedload(CheckIn.device),
                joinedload(CheckIn.annulled_by_device)),
        )
    )


def person(event: Event, registration: Registration, language: str) -> Person:
    """Everything about one attendee for the organiser's page, in a fixed number of queries."""
    order = registration.order
    values = {answer.question_id: answer.value for answer in registration.answers}
    answers = [
        (question.label_in(language),
         display_value(question, values[question.id], language) if question.id in values
         else None)
        for question in services.questions_for(event)
        if question.id in values or question.applies_to(registration.ticket_type_id)
    ]
    return Person(
        registration=registration, answers=answers, order=order,
        order_lines=invoicing.lines(order) if order is not None else [],
        refunds=invoicing.refunds_of(order) if order is not None else [],
        has_invoice=order is not None and invoicing.has_invoice(order),
        has_receipt=order is not None and invoicing.has_receipt(order),
        due_date=invoicing.due_date(order) if order is not None and invoicing.has_invoice(
            order) else None,
        overdue=order is not None and invoicing.is_overdue(order),
        signups=_signups(registration), mails=mails_to(event, registration.email),
        check_ins=list(registration.check_ins),
        places={place.key: str(place.name) for place in checkin_lists.lists_of(event)},
        waiting=_waiting(event, registration.email),
        tickets=[TicketChoice(t, t.seats_left) for t in tickets.ticket_types_for(event)],
    )


def _signups(registration: Registration) -> list[ProgrammeItem]:
    return list(db.session.scalars(
        select(ProgrammeItem)
        .join(SessionSignup, SessionSignup.item_id == ProgrammeItem.id)
        .where(SessionSignup.registration_id == registration.id)
        .options(joinedload(ProgrammeItem.room))
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
    ))


def mails_to(event: Event, email: str) -> list[OutgoingEmail]:
    """Every message about the event the outbox holds for this address (their confirmations,
    orders they bought, waiting-list mails, programme changes ...), newest first."""
    return list(db.session.scalars(
        select(OutgoingEmail)
        .where(OutgoingEmail.event_id == event.id, OutgoingEmail.to_address == email.lower())
        .options(defer(OutgoingEmail.body_text), defer(OutgoingEmail.body_html))  # subjects only
        .order_by(OutgoingEmail.id.desc()).limit(MAIL_LIMIT)
    ))


def _waiting(event: Event, email: str) -> list[WaitingListEntry]:
    return list(db.session.scalars(
        select(WaitingListEntry)
        .where(WaitingListEntry.event_id == event.id, WaitingListEntry.email == email.lower())
        .options(joinedload(WaitingListEntry.ticket_type))
        .order_by(WaitingListEntry.id)
    ))


# --- acting ----------------------------------------------------------------------------------


def _lock(registration: Registration) -> None:
    """Serialise actions on one attendee, then read them afresh."""
    db.session.execute(
        select(Registration.id).where(Registration.id == registration.id).with_for_update()
    )
    db.session.refresh(registration)


def _only_confirmed(registration: Registration, what) -> None:
    if registration.status == "pending":
        raise PersonError(_("%(name)s’s seat is held while their card payment is waited for. "
                            "Wait for the payment, or for the hold to run out.",
                            name=registration.name) + " " + str(what))
    if registration.status != "confirmed":
        raise PersonError(_("%(name)s has no confirmed registration.",
                            name=registration.name) + " " + str(what))


def resend_confirmation(registration: Registration, seen_mail_id: int) -> bool:
    """Their confirmation again (badge and personal link), through the outbox, as registering
    sent it. False when one was sent after the page that asked was made (a double submit)."""
    _lock(registration)
    _only_confirmed(registration, _l("There is nothing to send."))
    newer = db.session.scalar(
        select(OutgoingEmail.id).where(
            OutgoingEmail.event_id == registration.event_id,
            OutgoingEmail.to_address == registration.email,
            OutgoingEmail.kind == "confirmation", OutgoingEmail.id > seen_mail_id,
        ).limit(1)
    )
    if newer is not None:
        return False
    services.resend_confirmation(registration)
    db.session.flush()
    return True


def cancel(registration: Registration, user=None) -> bool:
    """Cancel by the same rule as the attendee (app.registration.services.cancel): the seat
    goes back at once, to the waiting list first, workshop seats too, and a paid seat is
    refunded or credited by the event's rule (the registrations_cancelled signal). The
    attendee is told by email, and the audit log says who did it. False when it was already
    cancelled (a double submit).
    Commits, as services.cancel does."""
    if registration.status == "pending":
        _only_confirmed(registration, _l("It cannot be cancelled here."))
    if not services.cancel(registration, by="organiser"):
        if registration.status == "cancelled":
            return False
        _only_confirmed(registration, _l("It cannot be cancelled here."))
    event = registration.event
    audit.record(event, user, "registration.cancelled",
                 {"registration": registration.id, "name": registration.name})
    db.session.flush()
    return True


def change_ticket(registration: Registration, ticket_type_id: int) -> bool:
    """Move the attendee to another ticket type of the event: its seat is taken and the old
    one given back in one step (app.seats.swap_ticket); the old type's seat goes to its waiting
    list first. Refused when the new type is sold out. Only between tickets of the same price
    and VAT rate: Samla does not charge or pay back a difference, and the order, receipt and
    invoice stay as they were. The attendee gets the confirmation again with the new ticket.
    False when they already have that ticket (a double submit)."""
    event = registration.event
    new = db.session.get(TicketType, ticket_type_id)
    if new is None or new.event_id != registration.event_id:
        raise PersonError(_l("That ticket does not belong to this event."), 400)
    _lock(registration)
    if registration.ticket_type_id == new.id:
        return False
    _only_confirmed(registration, _l("Its ticket cannot be changed."))
    _same_price(registration, new)
    old_id = registration.ticket_type_id
    if not seats.swap_ticket(old_id, new.id):
        raise services.SoldOut(_("%(ticket)s is sold out. Raise its number of seats first if "
                                 "%(name)s should have one anyway.",
                                 ticket=new.name_in(current_language()),
                                 name=registration.name), new)
    db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.ticket_type_id == old_id)
        .values(ticket_type_id=new.id, price_ore=new.price_ore, vat_percent=new.vat_percent)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(registration)
    # The old type's seat is free for sale again: first to whoever waits for it.
    waitlist.offer_free_seats(event)
    services.queue_confirmation(registration)
    db.session.flush()
    return True


def _same_price(registration: Registration, new: TicketType) -> None:
    paid, currency = registration.price_ore, new.currency
    ticket = new.name_in(current_language())
    if new.price_ore != paid:
        raise PersonError(_(
            "%(ticket)s costs %(new)s and %(name)s’s ticket cost %(old)s. Samla changes a "
            "ticket only for one of the same price, so that the order, receipt and invoice "
            "stay right. Cancel the registration instead (the refund rule applies) and let "
            "them register for %(ticket)s.", ticket=ticket, name=registration.name,
            new=money.format(new.price_ore, currency), old=money.format(paid, currency)))
    if paid and new.vat_percent != registration.vat_percent:
        raise PersonError(_(
            "%(ticket)s has %(new)d %% VAT and %(name)s’s ticket %(old)d %%: the receipt and "
            "invoice would no longer be right. Cancel the registration instead and let them "
            "register for %(ticket)s.", ticket=ticket, name=registration.name,
            new=new.vat_percent, old=registration.vat_percent))


def transfer(registration: Registration, *, name: str, email: str, language: str) -> bool:
    """Pass the ticket on to another person (app.registration.attendee.transfer): new name and
    address, new personal link and badge code (the old badge no longer lets anyone in), the
    confirmation to the new person through the outbox and a notice to the old address.
    Refused for an address already registered for the event (AlreadyRegistered) and after
    check-in. False when the ticket already is theirs (a double submit)."""
    name, email = (name or "").strip(), (email or "").strip().lower()
    _lock(registration)
    _only_confirmed(registration, _l("There is no ticket to pass on."))
    if registration.email == email and registration.name == name:
        return False
    if registration.check_in is not None:
        raise PersonError(_("%(name)s has been checked in, so the ticket has been used and "
                            "cannot be passed on. If the scan was a mistake, undo the "
                            "check-in first.", name=registration.name))
    if registration.email == email:
        raise PersonError(_("%(email)s already has this ticket. Give the new person’s email "
                            "address.", email=email), 400)
    attendee.transfer(registration, name=name, email=email, language=language,
                      by_organiser=True)
    return True
