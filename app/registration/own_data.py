"""A person's own data: everything Samla holds about one registration, as the JSON file the
attendee downloads from their own page (/r/<token>, "Download your data"). The fields are
listed in the README ("Your own data").

Only what is about them: the registration, their answers and needs, their seat and the order's
state, their sign-ups, their own programme, their check-ins (a course session's is its
attendance), their certificates of attendance, the waiting-list entries and the emails of the
event sent to their address. Never another person's data: not the buyer's name
and address nor the billing details when someone else bought the ticket, not the order's other
attendees, not who at the door scanned them or what door staff typed when undoing a check-in.
Times are in the event's local time with their offset (ISO 8601), amounts in öre with the
currency."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.audit.services import record
from app.checkin.checkin_lists import ITEM_PREFIX, SESSION_PREFIX
from app.checkin.models import ENTRANCE, CheckIn
from app.courses.models import Certificate, CourseSession
from app.db_types import utcnow
from app.extensions import db
from app.payments import invoicing
from app.programme.models import ProgrammeItem, SessionSignup
from app.waitlist.models import WaitingListEntry

from . import retention, services
from .models import PersonalProgrammeEntry, Registration
from .person import mails_to
from .questions import display_value

FORMAT = "samla-personal-data/1"


def _time(event, instant: datetime | None) -> str | None:
    return event.local(instant).isoformat(timespec="seconds") if instant else None


def _day(day) -> str | None:
    return day.isoformat() if day else None


def _item(event, item: ProgrammeItem) -> dict:
    return {"title": item.title, "starts_at": _time(event, item.starts_at),
            "ends_at": _time(event, item.ends_at),
            "room": item.room.name if item.room is not None else None,
            "cancelled": item.cancelled}


def _answers(registration: Registration, language: str) -> list[dict]:
    questions = {question.id: question for question in services.questions_for(registration.event)}
    return [{"question": questions[answer.question_id].label_in(language),
             "answer": display_value(questions[answer.question_id], answer.value, language),
             "value": answer.value,
             "sensitive": questions[answer.question_id].sensitive}
            for answer in registration.answers if answer.question_id in questions]


def _order(registration: Registration) -> dict | None:
    """The order's state; who bought it and what the whole order cost only for its buyer (a
    colleague's ticket bought by an employer names the employer's contact, not them)."""
    order = registration.order
    if order is None:
        return None
    event = registration.event
    is_buyer = order.buyer_email == registration.email
    shown = {
        "code": order.code, "status": order.status, "payment_method": order.payment_method,
        "payment_status": order.payment_status, "placed_at": _time(event, order.created_at),
        "paid_at": _time(event, order.paid_at), "you_are_the_buyer": is_buyer,
    }
    if not is_buyer:
        return shown
    shown.update({
        "buyer": {"name": order.buyer_name, "email": order.buyer_email},
        "seats": db.session.scalar(select(func.count()).select_from(Registration)
                                   .where(Registration.order_id == order.id)),
        "total_ore": order.total_ore, "refunded_ore": order.refunded_ore,
        "currency": order.currency, "invoice_number": order.invoice_number,
        "invoice_due_on": _day(invoicing.due_date(order)) if order.invoice_number else None,
        "billing": {"name": order.billing_name, "organisation_number": order.billing_org_number,
                    "address": order.billing_address, "email": order.billing_email,
                    "reference": order.invoice_reference, "peppol_id": order.peppol_id},
        "refunds": [{"amount_ore": refund.amount_ore, "currency": refund.currency,
                     "status": refund.status, "at": _time(event, refund.created_at)}
                    for refund in invoicing.refunds_of(order)],
    })
    return shown


def _check_ins(registration: Registration) -> list[dict]:
    event = registration.event
    check_ins = db.session.scalars(
        select(CheckIn).where(CheckIn.registration_id == registration.id)
        .order_by(CheckIn.checked_in_at, CheckIn.id)).all()
    item_ids = {int(c.list_key.removeprefix(ITEM_PREFIX)) for c in check_ins
                if c.list_key.startswith(ITEM_PREFIX)
                and c.list_key.removeprefix(ITEM_PREFIX).isdigit()}
    titles = dict(db.session.execute(
        select(ProgrammeItem.id, ProgrammeItem.title).where(ProgrammeItem.id.in_(item_ids))
    ).all()) if item_ids else {}

    session_ids = {int(c.list_key.removeprefix(SESSION_PREFIX)) for c in check_ins
                   if c.list_key.startswith(SESSION_PREFIX)
                   and c.list_key.removeprefix(SESSION_PREFIX).isdigit()}
    sessions = {session.id: session for session in db.session.scalars(
        select(CourseSession).where(CourseSession.id.in_(session_ids)))} if session_ids else {}

    def where(key: str) -> str:
        if key == ENTRANCE:
            return "entrance"
        if key.startswith(SESSION_PREFIX):
            number = key.removeprefix(SESSION_PREFIX)
            session = sessions.get(int(number)) if number.isdigit() else None
            return (f"{session.title or 'session'} {_time(event, session.starts_at)}"
                    if session is not None else key)
        number = key.removeprefix(ITEM_PREFIX)
        return titles.get(int(number), key) if number.isdigit() else key

    return [{"at": _time(event, c.checked_in_at), "where": where(c.list_key),
             "undone_at": _time(event, c.annulled_at), "offline": c.offline,
             "by_hand": c.manual} for c in check_ins]


def _waiting(registration: Registration) -> list[WaitingListEntry]:
    """The event's waiting-list entries under their address."""
    return list(db.session.scalars(
        select(WaitingListEntry)
        .where(WaitingListEntry.event_id == registration.event_id,
               WaitingListEntry.email == registration.email.lower())
        .options(joinedload(WaitingListEntry.ticket_type)).order_by(WaitingListEntry.id)))


def personal_data(registration: Registration, language: str,
                  now: datetime | None = None) -> dict:
    """Everything Samla holds about the registration, as plain JSON values."""
    event = registration.event
    now = now or utcnow()
    schedule = retention.schedule(event)
    signups = db.session.execute(
        select(SessionSignup.created_at, ProgrammeItem)
        .join(ProgrammeItem, ProgrammeItem.id == SessionSignup.item_id)
        .where(SessionSignup.registration_id == registration.id)
        .options(joinedload(ProgrammeItem.room))
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)).all()
    chosen = db.session.execute(
        select(PersonalProgrammeEntry.created_at, ProgrammeItem)
        .join(ProgrammeItem, ProgrammeItem.id == PersonalProgrammeEntry.item_id)
        .where(PersonalProgrammeEntry.registration_id == registration.id)
        .options(joinedload(ProgrammeItem.room))
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)).all()
    ticket = registration.ticket_type
    return {
        "format": FORMAT,
        "generated_at": _time(event, now),
        "event": {"name": event.name, "slug": event.slug, "starts_on": _day(event.starts_on),
                  "ends_on": _day(event.ends_on), "organiser": event.organiser_name,
                  "contact_email": event.contact_email, "timezone": event.timezone},
        "registration": {
            "name": registration.name, "email": registration.email,
            "organisation": registration.organisation, "role": registration.role,
            "phone": registration.phone, "language": registration.language,
            "status": registration.status, "ticket_type": ticket.name_in(language),
            "price_ore": registration.price_ore, "vat_percent": registration.vat_percent,
            "currency": ticket.currency, "badge_code": registration.badge_token,
            "registered_at": _time(event, registration.created_at),
            "cancelled_at": _time(event, registration.cancelled_at),
        },
        "needs": {"dietary": registration.dietary_needs,
                  "accessibility": registration.accessibility_needs,
                  "consent": registration.sensitive_consent},
        "answers": _answers(registration, language),
        "order": _order(registration),
        "signups": [{**_item(event, item), "signed_up_at": _time(event, at)}
                    for at, item in signups],
        "personal_programme": [{**_item(event, item), "added_at": _time(event, at)}
                               for at, item in chosen],
        "check_ins": _check_ins(registration),
        "certificates": [{"id": c.code, "name": c.holder_name,
                          "sessions_attended": c.sessions_attended,
                          "sessions_total": c.sessions_total,
                          "minutes_attended": c.minutes_attended,
                          "issued_at": _time(event, c.issued_at),
                          "revoked_at": _time(event, c.revoked_at)}
                         for c in db.session.scalars(
                             select(Certificate).where(
                                 Certificate.registration_id == registration.id)
                             .order_by(Certificate.id))],
        "waiting_list": [{"ticket_type": entry.ticket_type.name_in(language),
                          "name": entry.name, "email": entry.email, "status": entry.status,
                          "joined_at": _time(event, entry.created_at),
                          "offered_at": _time(event, entry.offered_at)}
                         for entry in _waiting(registration)],
        "feedback": {"asked_at": _time(event, registration.feedback_requested_at),
                     "reminded_at": _time(event, registration.feedback_reminded_at),
                     "answered_on": _day(registration.feedback_answered_on)},
        "emails": [{"subject": mail.subject, "kind": mail.kind, "status": mail.status,
                    "written_at": _time(event, mail.created_at),
                    "sent_at": _time(event, mail.sent_at)}
                   for mail in mails_to(event, registration.email)],
        "retention": {
            "sensitive_answers_deleted_on": _day(schedule.sensitive_on),
            "personal_data_deleted_on": _day(schedule.personal_on),
            "sensitive_answers_deleted_at": _time(event, schedule.sensitive_done_at),
            "personal_data_deleted_at": _time(event, schedule.personal_done_at),
        },
    }


def export(registration: Registration, language: str, now: datetime | None = None) -> dict:
    """The attendee's data, with an entry in the event's audit log (the attendee did it,
    through their own link: no name is kept in the log)."""
    now = now or utcnow()
    data = personal_data(registration, language, now)
    record(registration.event, None, "attendee.data_exported",
           {"registration": registration.id}, now=now)
    return data
