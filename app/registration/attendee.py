"""What an attendee changes on their own page (/r/<token>): their details and answers, and
passing the ticket to someone else. No request in sight; each function flushes (the request commits)
or, on refusal, stores nothing."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.i18n import localized
from app.mail.outbox import queue_email
from app.mail.render import render_email
from app.programme.models import SessionSignup
from app.tokens import badge_token, link_token

from . import services
from .models import PersonalProgrammeEntry, Registration
from .questions import set_answers


def can_change(registration: Registration) -> bool:
    """Details can be changed, and the ticket passed on, while the registration is confirmed
    and nobody has been checked in on it."""
    return registration.status == "confirmed" and registration.check_in is None


def missing_answers(registration: Registration) -> list:
    """Required questions of the registration's ticket type it has no answer to (after the
    ticket was passed on, or when the organiser added a question later)."""
    answered = {a.question_id for a in registration.answers if a.value not in (None, "", [])}
    return [q for q in services.asked_questions(registration.event, registration.ticket_type_id)
            if q.required and q.kind != "yesno" and q.id not in answered]


def update_details(registration: Registration, *, name: str, organisation: str | None = None,
                   role: str | None = None, phone: str | None = None,
                   dietary_needs: str | None = None, accessibility_needs: str | None = None,
                   sensitive_consent: bool | None = None, answers: dict | None = None) -> None:
    """Change the attendee's own details. None leaves a field as it is (it was not on the
    form). Sensitive needs are kept only with consent; withdrawing consent deletes them."""
    if not can_change(registration):
        raise services.RegistrationError(_l("This registration can no longer be changed."))
    event = registration.event
    if not (name or "").strip():
        raise services.RegistrationError(_l("Your name is needed."))
    purged = event.personal_data_purged_at is not None
    sensitive_purged = event.sensitive_data_purged_at is not None
    diet = (dietary_needs or "").strip()
    access = (accessibility_needs or "").strip()
    if sensitive_consent is not None and (diet or access) and not sensitive_consent:
        raise services.RegistrationError(
            _l("To save dietary or accessibility needs we need your consent. Tick the "
               "consent box or leave those fields empty."))
    if answers is not None and not purged:
        services.check_answers(event, registration.ticket_type_id, answers,
                               services.asked_questions(event))
    # Checked: now change.
    if sensitive_consent is not None and not sensitive_purged:
        registration.dietary_needs = diet
        registration.accessibility_needs = access
        registration.sensitive_consent = bool(sensitive_consent) and bool(diet or access)
    if answers is not None and not purged:
        set_answers(registration, answers)
    registration.name = name.strip()
    for field_name, value in (("organisation", organisation), ("role", role), ("phone", phone)):
        if value is not None:
            setattr(registration, field_name, value.strip())
    db.session.flush()


def transfer(registration: Registration, *, name: str, email: str, language: str | None = None,
             by_organiser: bool = False, by_buyer: bool = False) -> Registration:
    """Give the ticket to someone else. The registration gets the new holder's name and
    address and a new personal link and badge code (the old link and badge stop working); what
    was personal to the old holder (phone, role, sensitive needs and consent, answers) goes.
    The new holder gets the confirmation with the badge (in `language`, else the old holder's),
    the old address a short notice saying who passed the ticket on (`by_organiser`, or
    `by_buyer`: the buyer replaced a colleague from the order page).
    Refused for an address already registered for the event."""
    if not can_change(registration):
        raise services.RegistrationError(_l("This registration can no longer be changed."))
    event = registration.event
    name = (name or "").strip()
    email = (email or "").strip().lower()
    if not name or not email:
        raise services.RegistrationError(_l("Give the name and email of the new attendee."))
    if email == registration.email:
        raise services.RegistrationError(
            _l("That is the address the ticket already has. Give your colleague's address."))
    taken = db.session.scalar(
        select(func.count()).select_from(Registration).where(
            Registration.event_id == event.id, func.lower(Registration.email) == email,
            Registration.status.in_(("confirmed", "pending")),
        )
    )
    if taken:
        raise services.AlreadyRegistered(
            _l("%(email)s is already registered for the event.", email=email), email=email)
    old_email, old_language = registration.email, registration.language
    registration.name = name
    registration.email = email
    registration.phone = ""
    registration.role = ""
    registration.dietary_needs = ""
    registration.accessibility_needs = ""
    registration.sensitive_consent = False
    registration.answers.clear()
    _forget_stars(registration)
    registration.manage_token = link_token()
    registration.badge_token = badge_token()
    if language:
        registration.language = language
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise services.AlreadyRegistered(
            _l("%(email)s is already registered for the event.", email=email),
            email=email) from error
    by_buyer = by_buyer and registration.order is not None and (
        old_email != registration.order.buyer_email)
    _queue_transfer_notice(registration, old_email, old_language, by_organiser, by_buyer)
    services.queue_confirmation(registration)
    db.session.flush()
    return registration


def _forget_stars(registration: Registration) -> None:
    """The old holder's personal programme is theirs; workshop seats go with the ticket (their
    stars stay, so the new holder hears of changes to them)."""
    kept = select(SessionSignup.item_id).where(SessionSignup.registration_id == registration.id)
    db.session.execute(
        delete(PersonalProgrammeEntry).where(
            PersonalProgrammeEntry.registration_id == registration.id,
            PersonalProgrammeEntry.item_id.not_in(kept))
        .execution_options(synchronize_session=False)
    )


def _queue_transfer_notice(registration: Registration, old_email: str, language: str,
                           by_organiser: bool = False, by_buyer: bool = False) -> None:
    event = registration.event
    template = ("registration/email_transferred_by_organiser.txt" if by_organiser
                else "registration/email_transferred_by_buyer.txt" if by_buyer
                else "registration/email_transferred.txt")
    subject, body, html = render_email(
        template, language,
        lambda: _("Your ticket was passed on: %(event)s", event=localized(event, "name")),
        registration=registration, event=event, order=registration.order,
    )
    queue_email(to=old_email, subject=subject, body=body, html=html,
                kind="transfer", event_id=event.id)


def cancel_by_buyer(registration: Registration) -> bool:
    """The buyer cancels a colleague from the order page: the same rule, seat and refund as
    the colleague cancelling themselves (services.cancel). The colleague is told and the buyer
    gets a confirmation (services.queue_cancellation). False when nothing was left to cancel
    (a double submit). Commits."""
    return services.cancel(registration, by="buyer")
