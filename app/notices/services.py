"""Rescheduling notices: everyone affected by a moved or cancelled item hears of it, once,
in their own language, through the outbox (so a mail outage delays a notice but never loses it)."""

from functools import partial

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.mail.models import OutgoingEmail
from app.mail.outbox import queue_email
from app.mail.render import absolute_url, render_email
from app.registration.models import Registration

from .models import Notice


def _recipients(item):
    """Confirmed registrants and the item's speakers, each address once."""
    seen = set()
    registrations = db.session.execute(
        select(Registration.email, Registration.name, Registration.language,
               Registration.manage_token)
        .where(Registration.event_id == item.event_id, Registration.status == "confirmed")
        .order_by(Registration.id)
    )
    for email, name, language, token in registrations:
        if email.lower() not in seen:
            seen.add(email.lower())
            yield email, name, language, absolute_url("registration.manage", token=token)
    for slot in item.slots:
        speaker = slot.speaker
        if slot.state != "declined" and speaker.email and speaker.email.lower() not in seen:
            seen.add(speaker.email.lower())
            yield (speaker.email, speaker.name, speaker.language,
                   absolute_url("speakers.portal", token=speaker.token))


def _subject(notice: Notice) -> str:
    if notice.kind == "cancelled":
        return _("Cancelled: %(title)s", title=notice.item_title)
    return _("New time: %(title)s", title=notice.item_title)


def _send(notice: Notice, item) -> int:
    event = item.event
    count = 0
    for email, name, language, link in _recipients(item):
        subject_text, body = render_email(
            "notices/email.txt", language, partial(_subject, notice),
            notice=notice, event=event, name=name, link=link,
        )
        queue_email(
            to=email, subject=subject_text, body=body, kind=f"notice-{notice.kind}",
            event_id=event.id, notice_id=notice.id,
        )
        count += 1
    return count


def _record(item, kind, old_starts_at, old_ends_at, old_room) -> Notice:
    notice = Notice(
        event_id=item.event_id, item_id=item.id, kind=kind, item_title=item.title,
        old_starts_at=old_starts_at, old_ends_at=old_ends_at,
        old_room=old_room.name if old_room else "",
    )
    if kind == "moved":
        notice.new_starts_at, notice.new_ends_at = item.starts_at, item.ends_at
        notice.new_room = item.room.name if item.room else ""
    db.session.add(notice)
    db.session.flush()
    return notice


def notify_moved(item, *, old_starts_at, old_ends_at, old_room) -> Notice:
    notice = _record(item, "moved", old_starts_at, old_ends_at, old_room)
    _send(notice, item)
    return notice


def notify_cancelled(item) -> Notice:
    notice = _record(item, "cancelled", item.starts_at, item.ends_at, item.room)
    _send(notice, item)
    return notice


def notice_summaries(event):
    """Each notice with how many of its messages were sent, are waiting, or failed."""
    notices = db.session.scalars(
        select(Notice).where(Notice.event_id == event.id).order_by(Notice.created_at.desc())
    ).all()
    counts = {}
    rows = db.session.execute(
        select(OutgoingEmail.notice_id, OutgoingEmail.status, func.count())
        .where(OutgoingEmail.event_id == event.id, OutgoingEmail.notice_id.is_not(None))
        .group_by(OutgoingEmail.notice_id, OutgoingEmail.status)
    )
    for notice_id, status, count in rows:
        counts.setdefault(notice_id, {})[status] = count
    return [(notice, counts.get(notice.id, {})) for notice in notices]
