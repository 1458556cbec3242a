"""An attendee's own programme: the items they starred from the link in their confirmation
email, without an account. The unique key (registration, item) makes starring idempotent: a
double submit, or two at once, never stores the item twice.

It is made from the published programme (app.programme.published), as the public programme
page is: an item the organiser has only drafted cannot be starred, and a starred item shows as
last published (a cancellation shows once it is published)."""

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from app.db_types import utcnow
from app.errors import Refusal
from app.extensions import db
from app.i18n import localized
from app.programme.exports import calendar
from app.programme.models import SHARED_KINDS
from app.programme.published import PublishedItem, PublishedProgramme, published_programme

from .models import PersonalProgrammeEntry, Registration


class PersonalProgrammeError(Refusal):
    pass


class SharedItem(PersonalProgrammeError):
    """A break or lunch: it is in everyone's day already, so it is not chosen."""

    status = 400


def _check(registration: Registration, item) -> None:
    if not registration.is_active:
        raise PersonalProgrammeError("the registration is cancelled")
    if item.event_id != registration.event_id:
        raise PersonalProgrammeError("the item belongs to another event")


def star(registration: Registration, item, programme: PublishedProgramme | None = None) -> bool:
    """Add the item (a published or a live one: only its id counts) to the attendee's
    programme. True if it was added now, False if it was there already. Only items of
    the published programme that are not cancelled in it can be added (a cancelled one can
    still be removed). `programme` is published_programme(event), when the caller has it."""
    _check(registration, item)
    if programme is None:
        programme = published_programme(registration.event, live_speakers=False)
    published = programme.item(item.id)
    if published is None:
        raise PersonalProgrammeError("the item is not in the published programme")
    if published.cancelled:
        raise PersonalProgrammeError("the item is cancelled")
    if published.kind in SHARED_KINDS:
        raise SharedItem(_l("Breaks and lunch are for everyone, so you do not add them to "
                            "your programme."))
    if is_starred(registration, item):
        return False
    try:
        with db.session.begin_nested():
            db.session.execute(insert(PersonalProgrammeEntry).values(
                registration_id=registration.id, item_id=item.id, created_at=utcnow(),
            ))
    except IntegrityError:
        # Another request stored the same row in between: the item is starred, as wanted.
        return False
    return True


def unstar(registration: Registration, item) -> bool:
    """Remove the item; True if it was there. Removing twice is harmless."""
    _check(registration, item)
    removed = db.session.execute(
        delete(PersonalProgrammeEntry)
        .where(PersonalProgrammeEntry.registration_id == registration.id,
               PersonalProgrammeEntry.item_id == item.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(removed)


def is_starred(registration: Registration, item) -> bool:
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


def personal_items(registration: Registration,
                   programme: PublishedProgramme | None = None) -> list[PublishedItem]:
    """The starred items as published, in programme order, with rooms and speakers. Items
    cancelled after they were starred are included (shown, and sent as STATUS:CANCELLED).
    A fixed number of queries: the published programme (unless given) and the choices."""
    if programme is None:
        programme = published_programme(registration.event)
    starred = starred_ids(registration)
    return [item for item in programme.items if item.id in starred]


def item_or_none(registration: Registration, item_id: int,
                 programme: PublishedProgramme | None = None) -> PublishedItem | None:
    """An item of the published programme of the registration's event, or None (never another
    event's, nor one the organiser has only drafted)."""
    if programme is None:
        programme = published_programme(registration.event, live_speakers=False)
    return programme.item(item_id)


def personal_ical(registration: Registration) -> bytes:
    """The attendee's calendar to subscribe to, in their language: only the starred items,
    each exactly as in the whole-event calendar (same UID, times and zone)."""
    event = registration.event
    with force_locale(registration.language):
        name = _("%(event)s – my programme", event=localized(event, "name"))
        return calendar(event, personal_items(registration), name=name)
