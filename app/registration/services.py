"""Registration rules: placing an order for one or more attendees, cancelling, and the
attendees' confirmations.

Seats are taken through app.seats (the only writer of seat counters) in the order's own
transaction, last, so their row locks are held only until the commit. A cancellation tells
payments by the registrations_cancelled signal, which refunds by the event's rule."""

from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import seats, signals
from app.db_types import utcnow
from app.errors import AlreadyRegistered, Refusal
from app.events.models import Event
from app.extensions import db
from app.i18n import current_language, localized
from app.mail.outbox import Deferred, queue_email
from app.mail.render import absolute_url, render_email
from app.orders import services as orders
from app.orders.models import Order
from app.payments import documents, einvoice, gateway
from app.payments.invoicing import invoice_available
from app.programme import exports, signups
from app.tickets import services as tickets
from app.tickets.models import TicketType
from app.tokens import badge_token, link_token
from app.waitlist import services as waitlist

from .models import Answer, Question, Registration


class RegistrationError(Refusal):
    pass


class SoldOut(RegistrationError):
    def __init__(self, message, ticket_type: TicketType | None = None):
        super().__init__(message)
        self.ticket_type = ticket_type


@dataclass
class Attendee:
    name: str
    email: str
    organisation: str = ""
    role: str = ""
    phone: str = ""
    dietary_needs: str = ""
    accessibility_needs: str = ""
    sensitive_consent: bool = False
    language: str = "sv"
    # question id -> value (str, list of str, or bool), as Answer.value stores it
    answers: dict = field(default_factory=dict)


@dataclass
class Billing:
    """Who the invoice goes to: an employer, usually."""

    name: str
    address: str
    org_number: str = ""
    email: str = ""
    reference: str = ""
    peppol_id: str = ""
    country: str = "SE"  # ISO 3166 code


# --- reading ---------------------------------------------------------------------------------


seats_left = seats.seats_left


def questions_for(event: Event, ticket_type_id: int | None = None) -> list[Question]:
    questions = db.session.scalars(
        select(Question).where(Question.event_id == event.id)
        .order_by(Question.position, Question.id)
    ).all()
    if ticket_type_id is None:
        return list(questions)
    return [q for q in questions if q.applies_to(ticket_type_id)]


def asked_questions(event: Event, ticket_type_id: int | None = None) -> list[Question]:
    """The questions the forms still ask: none once the event's personal data was purged, and
    no sensitive one once its sensitive answers were (app/registration/privacy.py)."""
    if event.personal_data_purged_at is not None:
        return []
    questions = questions_for(event, ticket_type_id)
    if event.sensitive_data_purged_at is not None:
        questions = [question for question in questions if not question.sensitive]
    return questions


def registration_counts(event: Event) -> dict[str, int]:
    rows = db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event.id).group_by(Registration.status)
    )
    return dict(rows.all())


def find_active(event: Event, email: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id,
            func.lower(Registration.email) == email.strip().lower(),
            Registration.status == "confirmed",
        )
    )


def find_live(event: Event, email: str) -> Registration | None:
    """The registration holding this address at the event: confirmed, or a seat held while
    its order waits for a card payment."""
    return db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id,
            func.lower(Registration.email) == email.strip().lower(),
            Registration.status.in_(("confirmed", "pending")),
        ).order_by(Registration.id.desc()).limit(1)
    )


def _live_emails(event: Event, emails: list[str]) -> set[str]:
    return set(db.session.scalars(
        select(Registration.email).where(
            Registration.event_id == event.id, Registration.email.in_(emails),
            Registration.status.in_(("confirmed", "pending")),
        )
    ))


def by_token(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Registration).where(Registration.manage_token == token))


# --- seats ---------------------------------------------------------------------------------


# --- placing an order ------------------------------------------------------------------------


def check_answers(event: Event, ticket_type_id: int, answers: dict,
                   questions: list[Question] | None = None) -> None:
    """Refuse missing required answers and choices that were never offered. `questions` (all
    of the event's) spares a query per attendee of a group order."""
    if questions is None:
        questions = questions_for(event)
    for question in (q for q in questions if q.applies_to(ticket_type_id)):
        value = answers.get(question.id)
        if question.required and value in (None, "", []) and question.kind != "yesno":
            raise RegistrationError(
                _l("Please answer: %(question)s", question=question.label_in(current_language())))
        allowed = {option.get("sv") for option in question.options or []}
        if question.kind == "choice" and value not in (None, "") and value not in allowed:
            raise RegistrationError(_l("That is not one of the choices."))
        if question.kind == "multiple" and value and not set(value) <= allowed:
            raise RegistrationError(_l("That is not one of the choices."))


def _validate(event: Event, wanted: list[tuple[TicketType, Attendee]], access_code: str,
              offer_ticket_id: int | None) -> None:
    if not event.registration_open:
        raise RegistrationError(_l("Registration for this event is closed."))
    if not wanted:
        raise RegistrationError(_l("Choose at least one ticket."))
    if len(wanted) > current_app.config["MAX_TICKETS_PER_ORDER"]:
        raise RegistrationError(_l("At most %(count)d tickets per order.",
                                   count=current_app.config["MAX_TICKETS_PER_ORDER"]))
    emails = [attendee.email.strip().lower() for _t, attendee in wanted]
    if len(set(emails)) != len(emails):
        raise RegistrationError(_l("Each attendee needs an email address of their own."))
    questions = asked_questions(event)
    for ticket_type, attendee in wanted:
        if ticket_type.event_id != event.id:
            raise RegistrationError(_l("That ticket does not belong to this event."))
        if ticket_type.id != offer_ticket_id:
            if not tickets.is_visible(ticket_type, access_code):
                raise RegistrationError(_l("That ticket needs a valid access code."))
            state = tickets.sales_state(ticket_type)
            if state == "not_yet":
                raise RegistrationError(_l("Sales of this ticket have not started yet."))
            if state == "ended":
                raise RegistrationError(_l("Sales of this ticket have ended."))
        if ((attendee.dietary_needs or attendee.accessibility_needs)
                and not attendee.sensitive_consent):
            raise RegistrationError(_l("To save dietary or accessibility needs we need your "
                                       "consent. Tick the consent box or leave those fields "
                                       "empty."))
        check_answers(event, ticket_type.id, attendee.answers, questions)


def place_order(event: Event, buyer_name: str, buyer_email: str, language: str,
                wanted: list[tuple[TicketType, Attendee]], *, payment_method: str | None = None,
                billing: Billing | None = None, access_code: str = "", offer=None,
                now: datetime | None = None) -> Order:
    """Take the seats and store the order in one transaction, or refuse and store nothing.

    Free and invoice orders are confirmed at once (confirmations queued); a card order is
    "pending" with its seats held until hold_expires_at, and is confirmed by Stripe's webhook.
    `offer` is an open waiting-list offer whose held seat this order uses."""
    now = now or utcnow()
    offer_ticket_id = offer.ticket_type_id if offer is not None else None
    _validate(event, wanted, access_code, offer_ticket_id)
    total = sum(ticket_type.price_ore for ticket_type, _a in wanted)
    if total == 0:
        payment_method = "free"
    elif payment_method == "invoice":
        if not invoice_available(event):
            raise RegistrationError(_l("This event does not take invoice payment."))
        if billing is None or not billing.name.strip() or not billing.address.strip():
            raise RegistrationError(_l("An invoice needs the name and address to send it to."))
        problems = einvoice.buyer_problems(
            country=billing.country, org_number=billing.org_number,
            address_text=billing.address, reference=billing.reference,
            peppol_id=billing.peppol_id)
        if problems:
            raise RegistrationError(next(iter(problems.values())))
    elif payment_method == "card":
        if not gateway.card_available():
            raise RegistrationError(_l("Card payment is not available right now. Choose "
                                       "invoice or try again later."))
    else:
        raise RegistrationError(_l("Choose how you want to pay."))

    orders.expire_holds(now=now, event_id=event.id)
    emails = [attendee.email.strip().lower() for _t, attendee in wanted]
    taken = _live_emails(event, emails)
    if taken:
        db.session.rollback()
        email = sorted(taken)[0]
        raise AlreadyRegistered(
            _l("%(email)s is already registered for the event.", email=email), email=email)

    counts = Tally(ticket_type.id for ticket_type, _a in wanted)
    if offer_ticket_id is not None and counts.get(offer_ticket_id):
        counts[offer_ticket_id] -= 1  # the offer already holds this seat
    by_id = {ticket_type.id: ticket_type for ticket_type, _a in wanted}
    # A quick look first, so a sold-out event refuses at once without rendering anything.
    for ticket_type_id, count in counts.items():
        left = seats_left(event, by_id[ticket_type_id])
        if count and left is not None and left < count:
            db.session.rollback()
            raise _sold_out(event, by_id, ticket_type_id, language)
    try:
        confirmed = payment_method in ("free", "invoice")
        order = Order(
            event=event, code=orders.new_order_code(), buyer_name=buyer_name.strip(),
            buyer_email=buyer_email.strip().lower(), language=language,
            status="confirmed" if confirmed else "pending", payment_method=payment_method,
            payment_status={"free": "none", "invoice": "to_invoice", "card": "awaiting"}[
                payment_method],
            total_ore=total, currency="SEK", manage_token=link_token(),
            hold_expires_at=None if confirmed else now + timedelta(
                minutes=current_app.config["SEAT_HOLD_MINUTES"]),
            confirmed_at=now if confirmed else None,
        )
        if payment_method == "invoice":
            order.billing_name = billing.name.strip()
            order.billing_address = billing.address.strip()
            order.billing_org_number = billing.org_number.strip()
            order.billing_email = (billing.email or buyer_email).strip().lower()
            order.invoice_reference = billing.reference.strip()
            order.peppol_id = billing.peppol_id.strip()
            order.billing_country = (billing.country or "SE").upper()
            order.invoiced_at = now
            order.invoice_due_on = event.today(now) + timedelta(days=event.invoice_due_days)
        db.session.add(order)
        for ticket_type, attendee in wanted:
            order.registrations.append(_new_registration(
                event, ticket_type, attendee, "confirmed" if confirmed else "pending"))
        db.session.flush()
        if offer is not None:
            try:
                waitlist.mark_taken(offer, order)
            except waitlist.OfferNotOpen as refused:
                raise RegistrationError(refused.args[0]) from refused
        if payment_method == "invoice":
            order.invoice_number = orders.next_number("invoice")
        if confirmed:
            queue_order_confirmation(order)
        # The seats last: their row locks are held only from here to the commit, not while
        # badges and emails are rendered above.
        full = seats.take_for_order(event.id, counts)
        if full == 0:
            raise SoldOut(_l("Sorry, the event is fully booked."),
                          wanted[0][0] if len(by_id) == 1 else None)
        if full is not None:
            raise _sold_out(event, by_id, full, language)
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        # Someone registered one of these addresses at the same moment: say which, so the
        # link can be sent to it again.
        taken = _live_emails(event, emails)
        db.session.rollback()
        raise AlreadyRegistered(
            _l("This email address is already registered for the event."),
            email=sorted(taken)[0] if taken else "") from error
    except Exception:
        db.session.rollback()
        raise
    return order


def _sold_out(event, by_id, ticket_type_id, language) -> SoldOut:
    ticket_type = by_id[ticket_type_id]
    if ticket_type.seats_left != 0 and event.seats_left == 0:
        return SoldOut(_l("Sorry, the event is fully booked."), ticket_type)
    return SoldOut(_l("Sorry, %(ticket)s is sold out.", ticket=ticket_type.name_in(language)),
                   ticket_type)


def _new_registration(event, ticket_type, attendee: Attendee, status: str) -> Registration:
    consent = attendee.sensitive_consent
    registration = Registration(
        event=event, ticket_type=ticket_type, name=attendee.name.strip(),
        email=attendee.email.strip().lower(), organisation=attendee.organisation.strip(),
        role=attendee.role.strip(), phone=attendee.phone.strip(),
        dietary_needs=attendee.dietary_needs.strip() if consent else "",
        accessibility_needs=attendee.accessibility_needs.strip() if consent else "",
        sensitive_consent=consent, language=attendee.language, status=status,
        price_ore=ticket_type.price_ore, vat_percent=ticket_type.vat_percent,
        manage_token=link_token(), badge_token=badge_token(),
    )
    for question_id, value in attendee.answers.items():
        if value not in (None, "", []):
            registration.answers.append(Answer(question_id=question_id, value=value))
    return registration


def register(event: Event, ticket_type: TicketType, attendee: Attendee) -> Registration:
    """One attendee registering themselves for a free ticket; on refusal nothing is
    stored."""
    if not ticket_type.is_free:
        raise RegistrationError(_l("This ticket has to be paid for."))
    order = place_order(event, attendee.name, attendee.email, attendee.language,
                        [(ticket_type, attendee)])
    return order.registrations[0]


class _NoSeat(Exception):
    """Leaves the savepoint of register_speaker."""


def register_speaker(event: Event, ticket_type: TicketType,
                     attendee: Attendee) -> Registration | None:
    """Give a speaker who accepted the organiser's free speakers' ticket: confirmed at once,
    with the usual confirmation (badge and personal link). The organiser chose to give it, so
    neither its access code, its sales window nor closed registration stops it; seats do. None,
    and nothing of it stored, when the address is registered already or no seat is left; the
    caller's other changes in the transaction stay (a savepoint, never a rollback)."""
    if ticket_type.event_id != event.id or not ticket_type.is_free:
        raise RegistrationError(_l("The speakers' ticket must be a free ticket of this event."))
    email = attendee.email.strip().lower()
    if not email or find_live(event, email) is not None:
        return None
    now = utcnow()
    try:
        with db.session.begin_nested():
            order = Order(
                event=event, code=orders.new_order_code(), buyer_name=attendee.name.strip(),
                buyer_email=email, language=attendee.language, status="confirmed",
                payment_method="free", payment_status="none", total_ore=0, currency="SEK",
                manage_token=link_token(), confirmed_at=now,
            )
            db.session.add(order)
            registration = _new_registration(event, ticket_type, attendee, "confirmed")
            order.registrations.append(registration)
            db.session.flush()
            if seats.take_for_order(event.id, {ticket_type.id: 1}) is not None:
                raise _NoSeat
    except (_NoSeat, IntegrityError):
        return None
    queue_order_confirmation(order)
    return registration


# --- confirming, expiring, cancelling --------------------------------------------------------


CANCELLED_BY = ("attendee", "buyer", "organiser")


def cancel(registration: Registration, *, refund: bool = True, by: str = "attendee") -> bool:
    """Cancel one attendee and free the seat at once (to the waiting list if anyone waits);
    a paid seat is refunded according to the event's rule. Who cancelled (`by`: the attendee,
    the buyer of their order, the organiser) decides the emails, written in the same
    transaction. False if it was already cancelled (a double submit). Commits (payments then
    refund with no transaction open)."""
    changed = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.status == "confirmed")
        .values(status="cancelled", cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        waitlist.release_seat(registration.event_id, registration.ticket_type_id)
        _leave_sessions(registration)
        if registration.order_id is not None:
            _cancel_order_if_empty(registration.order_id)
        queue_cancellation(registration, by)
    db.session.commit()
    if changed and refund and registration.order is not None:
        signals.registrations_cancelled.send(registration.order, registrations=[registration])
    db.session.refresh(registration)
    return bool(changed)


def _cancel_order_if_empty(order_id: int) -> None:
    """The order is cancelled once none of its attendees is left, decided by the database so
    two attendees cancelling at the same moment cannot both leave it "confirmed"."""
    live = select(Registration.id).where(
        Registration.order_id == order_id, Registration.status.in_(("confirmed", "pending")))
    db.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status == "confirmed", ~live.exists())
        .values(status="cancelled", cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def cancel_order(order: Order) -> int:
    """Cancel every attendee in the order; returns how many were cancelled now. Commits
    (payments then refund with no transaction open)."""
    cancelled = []
    for registration in order.registrations:
        changed = db.session.execute(
            update(Registration)
            .where(Registration.id == registration.id, Registration.status == "confirmed")
            .values(status="cancelled", cancelled_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed:
            waitlist.release_seat(registration.event_id, registration.ticket_type_id)
            _leave_sessions(registration)
            cancelled.append(registration)
    db.session.execute(
        update(Order).where(Order.id == order.id, Order.status == "confirmed")
        .values(status="cancelled", cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if cancelled:
        queue_order_cancellation(order, cancelled)
    db.session.commit()
    if cancelled:
        signals.registrations_cancelled.send(order, registrations=cancelled)
    db.session.refresh(order)
    return len(cancelled)


def _leave_sessions(registration: Registration) -> None:
    signups.leave_all(registration)


# --- emails ----------------------------------------------------------------------------------

_LOOK_UP = object()


def queue_confirmation(registration: Registration, times=_LOOK_UP) -> None:
    """The attendee's own confirmation: when and where, their badge (drawn when the email is
    sent, by the renderer in app.badges.services), the event as a calendar entry, and their
    personal links. A colleague registered by someone else is told who did."""
    event, language = registration.event, registration.language
    if times is _LOOK_UP:  # a caller with many confirmations looks it up once
        times = exports.event_times(event)
    manage_url = absolute_url("registration.manage", token=registration.manage_token)
    swedish = language == "sv"
    subject, body, html = render_email(
        "registration/email_confirmation.txt", language,
        lambda: _("Your registration: %(event)s", event=localized(event, "name", language)),
        registration=registration, event=event, times=times,
        registered_by=registered_by(registration),
        manage_url=manage_url,
        programme_url=absolute_url("registration.my_programme", token=registration.manage_token),
        calendar_url=absolute_url("programme.event_entry", slug=event.slug),
    )
    queue_email(
        to=registration.email, subject=subject, body=body, html=html, kind="confirmation",
        event_id=registration.event_id,
        attachments=[
            ("namnbricka.pdf" if swedish else "badge.pdf", "application/pdf",
             Deferred(f"badge:{registration.id}")),
            ("kalender.ics" if swedish else "calendar.ics", "text/calendar; charset=utf-8",
             exports.event_entry(event, language=language, url=manage_url, times=times)),
        ],
    )


def registered_by(registration: Registration) -> str:
    """'Name (Organisation)' of the buyer who registered this attendee; empty when they
    registered themselves. The organisation is the buyer's own registration's, or the invoice's
    addressee."""
    order = registration.order
    if order is None or order.buyer_email == registration.email:
        return ""
    own = next((r for r in order.registrations if r.email == order.buyer_email), None)
    organisation = own.organisation if own is not None and own.organisation else order.billing_name
    return f"{order.buyer_name} ({organisation})" if organisation else order.buyer_name


def queue_order_confirmation(order: Order) -> None:
    """Each attendee gets their own confirmation; a buyer who registered others (or who pays)
    also gets the order: what was bought, the receipt or invoice, and the order's link."""
    times = exports.event_times(order.event)
    for registration in order.registrations:
        if registration.status == "confirmed":
            queue_confirmation(registration, times)
    alone = (len(order.registrations) == 1
             and order.registrations[0].email == order.buyer_email)
    if alone and order.payment_method == "free":
        return
    subject, body, html = render_email(
        "registration/email_order.txt", order.language,
        lambda: _("Your order %(code)s: %(event)s",
                  code=order.code, event=localized(order.event, "name")),
        order=order, event=order.event, times=times,
        order_url=absolute_url("registration.order", token=order.manage_token),
    )
    attachments = documents.attachments_for(order)
    queue_email(to=order.buyer_email, subject=subject, body=body, html=html, kind="order",
                event_id=order.event_id, attachments=attachments)
    if order.payment_method == "invoice" and order.billing_email not in ("", order.buyer_email):
        # The employer's accounts department gets the invoice too.
        queue_email(to=order.billing_email, subject=subject, body=body, html=html, kind="invoice",
                    event_id=order.event_id, attachments=attachments)


def resend_confirmation(registration: Registration) -> None:
    queue_confirmation(registration)


def resend_order_link(order: Order) -> None:
    """The buyer of an order waiting for payment gets its link again: on the order's page they
    can pay (someone tried to register an address the order holds a seat for)."""
    subject, body, html = render_email(
        "registration/email_order_link.txt", order.language,
        lambda: _("Your order %(code)s: %(event)s",
                  code=order.code, event=localized(order.event, "name")),
        order=order, event=order.event,
        order_url=absolute_url("registration.order", token=order.manage_token),
    )
    queue_email(to=order.buyer_email, subject=subject, body=body, html=html, kind="order",
                event_id=order.event_id)


def resend_link(event: Event, email: str) -> None:
    """Someone tried to register an address that already has a seat: a confirmed attendee gets
    their confirmation again, and the buyer of an order waiting for payment its link. Nothing
    is sent for an address that has neither (the caller's message says the same either way)."""
    registration = find_live(event, email) if email else None
    if registration is None:
        db.session.rollback()
    elif registration.status == "confirmed":
        resend_confirmation(registration)
    elif registration.order is not None:
        resend_order_link(registration.order)
    else:
        db.session.rollback()


def sensitive_counts(event: Event) -> dict[str, int]:
    """Counts for the caterer and the venue: how many, never who."""
    rows = db.session.execute(
        select(Registration.dietary_needs, Registration.accessibility_needs).where(
            Registration.event_id == event.id, Registration.status == "confirmed"
        )
    ).all()
    return {
        "dietary": sum(1 for diet, _access in rows if diet),
        "accessibility": sum(1 for _diet, access in rows if access),
    }


# Orders confirmed by a payment (the Stripe webhook) are told here, by orders.confirm_order.
signals.order_confirmed.connect(queue_order_confirmation)


# --- cancellation emails -----------------------------------------------------------------------

def _cancel_mail(template: str, to: str, language: str, subject, **context) -> None:
    event = context["event"]
    subject, body, html = render_email(
        template, language, subject,
        event_url=absolute_url("events.show", slug=event.slug), **context,
    )
    queue_email(to=to, subject=subject, body=body, html=html, kind="cancellation",
                event_id=event.id)


def queue_cancellation(registration: Registration, by: str) -> None:
    """Whoever cancels gets a confirmation; an attendee whose registration someone else
    cancelled is told, as their link and badge stop working without their doing."""
    event, order = registration.event, registration.order
    if by not in CANCELLED_BY:
        raise ValueError(by)
    registered_self = order is None or registration.email == order.buyer_email
    if by == "organiser":
        _cancel_mail(
            "registration/email_cancelled_by_organiser.txt", registration.email,
            registration.language,
            lambda: _("Your registration was cancelled: %(event)s",
                      event=localized(event, "name")),
            registration=registration, event=event)
    elif by == "attendee" or registered_self:
        _cancel_mail(
            "registration/email_cancelled.txt", registration.email, registration.language,
            lambda: _("Your registration was cancelled: %(event)s",
                      event=localized(event, "name")),
            registration=registration, event=event)
        if not registered_self:  # a colleague left: the buyer who registered them is told
            _cancel_mail(
                "registration/email_colleague_left.txt", order.buyer_email, order.language,
                lambda: _("%(name)s cancelled: %(event)s", name=registration.name,
                          event=localized(event, "name")),
                registration=registration, order=order, event=event,
                order_url=absolute_url("registration.order", token=order.manage_token))
    else:
        _cancel_mail(
            "registration/email_cancelled_by_buyer.txt", registration.email,
            registration.language,
            lambda: _("Your registration was cancelled: %(event)s",
                      event=localized(event, "name")),
            registration=registration, order=order, event=event,
            registered_by=registered_by(registration))
        _cancel_mail(
            "registration/email_cancelled_colleague.txt", order.buyer_email, order.language,
            lambda: _("You cancelled %(name)s: %(event)s", name=registration.name,
                      event=localized(event, "name")),
            registration=registration, order=order, event=event,
            order_url=absolute_url("registration.order", token=order.manage_token))


def queue_order_cancellation(order: Order, cancelled: list[Registration]) -> None:
    """The buyer who cancelled the whole order gets a confirmation naming everyone cancelled;
    each colleague in it is told that the buyer cancelled them."""
    event = order.event
    _cancel_mail(
        "registration/email_order_cancelled.txt", order.buyer_email, order.language,
        lambda: _("Your order %(code)s is cancelled: %(event)s", code=order.code,
                  event=localized(event, "name")),
        order=order, event=event, cancelled=cancelled,
        order_url=absolute_url("registration.order", token=order.manage_token))
    for registration in cancelled:
        if registration.email != order.buyer_email:
            _cancel_mail(
                "registration/email_cancelled_by_buyer.txt", registration.email,
                registration.language,
                lambda: _(
                    "Your registration was cancelled: %(event)s",
                    event=localized(event, "name")),
                registration=registration, order=order, event=event,
                registered_by=registered_by(registration))

