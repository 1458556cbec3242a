"""Post-event feedback. Answers are stored apart from who gave them (anonymous by design);
the registration only records that its one answer has been given."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.checkin.models import CheckIn
from app.db_types import utcnow
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.i18n import localized
from app.mail.outbox import queue_email
from app.mail.render import absolute_url, render_email
from app.registration.models import Registration

from .models import FeedbackResponse


class FeedbackError(Refusal):
    pass


def may_answer(registration: Registration, today: date | None = None) -> bool:
    """After the event's last day at the event's place, or once feedback was asked for."""
    today = today or registration.event.today()
    return registration.is_active and (
        registration.feedback_requested_at is not None or registration.event.ends_on < today
    )


def request_feedback(event: Event, checked_in_only: bool = True) -> int:
    """Email a feedback link to each attendee who has not been asked yet."""
    query = select(Registration).where(
        Registration.event_id == event.id,
        Registration.status == "confirmed",
        Registration.feedback_requested_at.is_(None),
    )
    if checked_in_only:
        query = query.where(
            Registration.id.in_(select(CheckIn.registration_id).where(
                CheckIn.event_id == event.id, CheckIn.counts()))
        )
    registrations = db.session.scalars(query.order_by(Registration.id)).all()
    now = utcnow()
    for registration in registrations:
        subject, body, html = render_email(
            "feedback/email_request.txt", registration.language,
            lambda: _("What did you think of %(event)s?", event=localized(event, "name")),
            registration=registration, event=event,
            link=absolute_url("feedback.give", token=registration.manage_token),
        )
        queue_email(
            to=registration.email, subject=subject, body=body, html=html, kind="feedback-request",
            event_id=event.id,
        )
        registration.feedback_requested_at = now
    db.session.flush()
    return len(registrations)


def give_feedback(registration: Registration, rating: int, comment: str,
                  now: datetime | None = None) -> None:
    """Store the answer apart from the registration, dated by the event's calendar."""
    now = now or utcnow()
    if not 1 <= rating <= 5:
        raise FeedbackError("rating out of range")
    claimed = db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.feedback_given_at.is_(None))
        .values(feedback_given_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.rollback()
        raise FeedbackError("already answered")
    db.session.add(
        FeedbackResponse(
            event_id=registration.event_id, rating=rating, comment=(comment or "").strip(),
            submitted_on=registration.event.today(now),
        )
    )
    db.session.flush()


def results(event: Event) -> dict:
    distribution = dict.fromkeys(range(1, 6), 0)
    for rating, count in db.session.execute(
        select(FeedbackResponse.rating, func.count())
        .where(FeedbackResponse.event_id == event.id).group_by(FeedbackResponse.rating)
    ):
        distribution[rating] = count
    total = sum(distribution.values())
    average = sum(r * c for r, c in distribution.items()) / total if total else None
    comments = db.session.scalars(
        select(FeedbackResponse.comment)
        .where(FeedbackResponse.event_id == event.id, FeedbackResponse.comment != "")
        .order_by(FeedbackResponse.id)
    ).all()
    asked = db.session.scalar(
        select(func.count()).select_from(Registration).where(
            Registration.event_id == event.id, Registration.feedback_requested_at.is_not(None)
        )
    )
    return {"total": total, "average": average, "distribution": distribution,
            "comments": comments, "asked": asked}
