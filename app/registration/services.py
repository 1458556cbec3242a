"""Registration rules: a seat is taken by one atomic UPDATE, so two people can never get the
last seat, on SQLite (writes are serialised) or PostgreSQL (the row lock re-checks the WHERE)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.db_types import utcnow
from app.events.models import Event
from app.extensions import db
from app.mail.outbox import queue_email
from app.mail.render import absolute_url, render_email
from app.tokens import badge_token, link_token

from .models import Registration, TicketType


class RegistrationError(ValueError):
    pass


class AlreadyRegistered(RegistrationError):
    pass


@dataclass
class Attendee:
    name: str
    email: str
    organisation: str = ""
    dietary_needs: str = ""
    accessibility_needs: str = ""
    sensitive_consent: bool = False
    language: str = "sv"


def ticket_types_for(event: Event) -> list[TicketType]:
    return list(
        db.session.scalars(
            select(TicketType).where(TicketType.event_id == event.id)
            .order_by(TicketType.position, TicketType.id)
        )
    )


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


def _take_seat(ticket_type: TicketType) -> bool:
    taken = db.session.execute(
        update(TicketType)
        .where(
            TicketType.id == ticket_type.id,
            (TicketType.capacity.is_(None)) | (TicketType.seats_taken < TicketType.capacity),
        )
        .values(seats_taken=TicketType.seats_taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return taken == 1


def _release_seat(ticket_type_id: int) -> None:
    db.session.execute(
        update(TicketType)
        .where(TicketType.id == ticket_type_id, TicketType.seats_taken > 0)
        .values(seats_taken=TicketType.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def register(event: Event, ticket_type: TicketType, attendee: Attendee) -> Registration:
    """Register one attendee for a free ticket and queue the confirmation with the badge.
    Commits; on any refusal nothing is stored."""
    if not event.registration_open:
        raise RegistrationError(_l("Registration for this event is closed."))
    if ticket_type.event_id != event.id:
        raise RegistrationError(_l("That ticket does not belong to this event."))
    if not ticket_type.is_free:
        raise RegistrationError(_l("This ticket has to be paid for, and card payment is not "
                                   "available yet. Contact the organiser."))
    if (attendee.dietary_needs or attendee.accessibility_needs) and not attendee.sensitive_consent:
        raise RegistrationError(_l("To save dietary or accessibility needs we need your consent. "
                                   "Tick the consent box or leave those fields empty."))
    if find_active(event, attendee.email):
        raise AlreadyRegistered(_l("This email address is already registered for the event."))
    try:
        if not _take_seat(ticket_type):
            raise RegistrationError(_l("Sorry, this ticket is sold out."))
        registration = Registration(
            event=event, ticket_type=ticket_type, name=attendee.name.strip(),
            email=attendee.email.strip().lower(), organisation=attendee.organisation.strip(),
            dietary_needs=attendee.dietary_needs.strip() if attendee.sensitive_consent else "",
            accessibility_needs=(attendee.accessibility_needs.strip()
                                 if attendee.sensitive_consent else ""),
            sensitive_consent=attendee.sensitive_consent, language=attendee.language,
            manage_token=link_token(), badge_token=badge_token(),
        )
        db.session.add(registration)
        db.session.flush()
        queue_confirmation(registration)
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise AlreadyRegistered(
            _l("This email address is already registered for the event.")
        ) from error
    except Exception:
        db.session.rollback()
        raise
    return registration


def queue_confirmation(registration: Registration) -> None:
    from app.badges.services import badge_pdf

    subject, body = render_email(
        "registration/email_confirmation.txt", registration.language,
        lambda: _("Your registration: %(event)s", event=registration.event.name),
        registration=registration, event=registration.event,
        manage_url=absolute_url("registration.manage", token=registration.manage_token),
        programme_url=absolute_url("registration.my_programme", token=registration.manage_token),
    )
    queue_email(
        to=registration.email, subject=subject, body=body, kind="confirmation",
        event_id=registration.event_id,
        attachments=[("namnbricka.pdf" if registration.language == "sv" else "badge.pdf",
                      "application/pdf", badge_pdf([registration]))],
    )


def resend_confirmation(registration: Registration) -> None:
    queue_confirmation(registration)
    db.session.commit()


def by_token(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Registration).where(Registration.manage_token == token))


def cancel(registration: Registration) -> bool:
    """Cancel and free the seat at once. False if it was already cancelled (a double submit)."""
    changed = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.status == "confirmed")
        .values(status="cancelled", cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        _release_seat(registration.ticket_type_id)
    db.session.commit()
    db.session.refresh(registration)
    return bool(changed)


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

