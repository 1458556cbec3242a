"""An attendee's own programme: the items they starred from the link in their confirmation
email, without an account. The unique key (registration, item) makes starring idempotent: a
double submit, or two at once, never stores the item twice."""

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.db_types import utcnow
from app.extensions import db
from app.programme.models import ProgrammeItem
from app.speakers.models import SpeakerSlot

from .models import PersonalProgrammeEntry, Registration


class PersonalProgrammeError(ValueError):
    pass


def _check(registration: Registration, item: ProgrammeItem) -> None:
    if not registration.is_active:
        raise PersonalProgrammeError("the registration is cancelled")
    if item.event_id != registration.event_id:
        raise PersonalProgrammeError("the item belongs to another event")


def star(registration: Registration, item: ProgrammeItem) -> bool:
    """Add the item to the attendee's programme. True if it was added now, False if it was
    there already. Commits. Cancelled items cannot be added (they can still be removed)."""
    _check(registration, item)
    if item.cancelled:
        raise PersonalProgrammeError("the item is cancelled")
    if is_starred(registration, item):
        return False
    try:
        db.session.execute(insert(PersonalProgrammeEntry).values(
            registration_id=registration.id, item_id=item.id, created_at=utcnow(),
        ))
        db.session.commit()
    except IntegrityError:
        # Another request stored the same row in between: the item is starred, as wanted.
        db.session.rollback()
        return False
    return True


def unstar(registration: Registration, item: ProgrammeItem) -> bool:
    """Remove the item; True if it was there. Commits. Removing twice is harmless."""
    _check(registration, item)
    removed = db.session.execute(
        delete(PersonalProgrammeEntry)
        .where(PersonalProgrammeEntry.registration_id == registration.id,
               PersonalProgrammeEntry.item_id == item.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(removed)


def is_starred(registration: Registration, item: ProgrammeItem) -> bool:
    return db.session.scalar(
        select(PersonalProgrammeEntry.id).where(
            PersonalProgrammeEntry.registration_id == registration.id,
            PersonalProgrammeEntry.item_id == item.id,
        )
    ) is not None


def starred_ids(registration: Registration) -> set[int]:
    return set(db.session.scalars(
        select(PersonalProgrammeEntry.item_id)
        .where(PersonalProgrammeEntry.registration_id == registration.id)
    ))


def personal_items(registration: Registration) -> list[ProgrammeItem]:
    """The starred items in programme order, with rooms and speakers, in one query. Items
    cancelled after they were starred are included (shown, and sent as STATUS:CANCELLED)."""
    query = (
        select(ProgrammeItem)
        .join(PersonalProgrammeEntry, PersonalProgrammeEntry.item_id == ProgrammeItem.id)
        .where(PersonalProgrammeEntry.registration_id == registration.id,
               ProgrammeItem.event_id == registration.event_id)
        .options(
            joinedload(ProgrammeItem.room),
            joinedload(ProgrammeItem.slots).joinedload(SpeakerSlot.speaker),
        )
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.room_id, ProgrammeItem.id)
    )
    return list(db.session.scalars(query).unique())


def item_or_none(registration: Registration, item_id: int) -> ProgrammeItem | None:
    """An item of the registration's event, or None (never another event's)."""
    return db.session.scalar(
        select(ProgrammeItem).where(
            ProgrammeItem.id == item_id, ProgrammeItem.event_id == registration.event_id
        )
    )


def personal_ical(registration: Registration) -> bytes:
    """The attendee's calendar to subscribe to, in their language: only the starred items,
    each exactly as in the whole-event calendar (same UID, times and zone)."""
    from app.programme.exports import calendar

    event = registration.event
    with force_locale(registration.language):
        name = _("%(event)s – my programme", event=event.name)
        return calendar(event, personal_items(registration), name=name)
