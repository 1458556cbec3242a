"""Sign-ups for workshops and sessions with limited seats.

A seat is taken by one atomic conditional UPDATE on ProgrammeItem.signups_taken, against the
item's own limit (signup_capacity) or else its room's capacity (unlimited when both are empty),
exactly as ticket seats are: two people can never get the last seat, on SQLite (writes are
serialised) or PostgreSQL (the row lock re-checks the WHERE). The unique key (registration,
item) of SessionSignup makes a double submit harmless, and one attendee's sign-ups are
serialised by locking their registration row, so two overlapping sessions cannot both be
taken at once.

Attendees sign up for what the published programme shows: an item only in the organiser's
draft cannot be signed up for yet."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import seats
from app.db_types import utcnow
from app.errors import Refusal
from app.extensions import db
from app.i18n import fmt_time
from app.registration.models import PersonalProgrammeEntry, Registration

from .models import ProgrammeItem, SessionSignup
from .published import published_programme


class SignupError(Refusal):
    """Why a sign-up was refused, in the attendee's language; status is the HTTP answer."""


class SessionFull(SignupError):
    pass


class SessionClash(SignupError):
    def __init__(self, message, other: ProgrammeItem):
        super().__init__(message)
        self.other = other


class NotForSignup(SignupError):
    status = 400


# --- reading ---------------------------------------------------------------------------------

def limit_of(item: ProgrammeItem) -> int | None:
    """How many may sign up: the item's own limit, else its room's capacity, else no limit."""
    if item.signup_capacity is not None:
        return item.signup_capacity
    return item.room.capacity if item.room is not None else None


def seats_left(item: ProgrammeItem) -> int | None:
    limit = limit_of(item)
    return None if limit is None else max(limit - item.signups_taken, 0)


def signed_up_ids(registration) -> set[int]:
    return set(db.session.scalars(
        select(SessionSignup.item_id).where(SessionSignup.registration_id == registration.id)
    ))


def published_ids(event) -> set[int]:
    """The items taking place in the newest published version (none before the first)."""
    programme = published_programme(event, live_speakers=False)
    return {item.id for item in programme.taking_place()}


def signup_items(event) -> list[ProgrammeItem]:
    """The event's items that take sign-ups (cancelled ones too), with their rooms: one query."""
    return list(db.session.scalars(
        select(ProgrammeItem)
        .where(ProgrammeItem.event_id == event.id, ProgrammeItem.signup_required.is_(True))
        .options(joinedload(ProgrammeItem.room))
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
    ))


@dataclass
class Offer:
    """One session on the attendee's page: as the published programme shows it, with the live
    seat count and whether this attendee has a seat."""

    item: ProgrammeItem
    shown: object  # the published item (title, time and room as the public sees them)
    seats_left: int | None
    signed_up: bool


def offers_for(registration) -> list[Offer]:
    """The sign-up sessions an attendee can see: in the published programme, not cancelled,
    and any they signed up for (even if since cancelled, so they can see it). A fixed number
    of queries however many sessions there are."""
    event = registration.event
    programme = published_programme(event, live_speakers=False)
    shown = {item.id: item for item in programme.taking_place()}
    mine = signed_up_ids(registration)
    offers = []
    for item in signup_items(event):
        if item.id not in mine and (item.cancelled or item.id not in shown):
            continue
        offers.append(Offer(item, shown.get(item.id, item), seats_left(item), item.id in mine))
    return offers


def signups_of(item: ProgrammeItem) -> list:
    """Who signed up for the item, in the order they did, with their registrations."""
    return list(db.session.scalars(
        select(SessionSignup).where(SessionSignup.item_id == item.id)
        .options(joinedload(SessionSignup.registration))
        .order_by(SessionSignup.created_at, SessionSignup.id)
    ))


def counts_for(event) -> dict[int, tuple[int, int | None]]:
    """item id -> (signed up, limit) for every sign-up item of the event: one query."""
    return {item.id: (item.signups_taken, limit_of(item)) for item in signup_items(event)}


# --- signing up and leaving ----------------------------------------------------------------

def _lock(registration) -> None:
    """Serialise one attendee's sign-ups (PostgreSQL; SQLite serialises every write anyway)."""
    db.session.execute(
        select(Registration.id).where(Registration.id == registration.id).with_for_update()
    )


def _check(registration, item: ProgrammeItem) -> None:
    if item.event_id != registration.event_id:
        raise NotForSignup(_("That session belongs to another event."))
    if not registration.is_active:
        raise SignupError(_("Only a confirmed registration can sign up for sessions."))
    if not item.signup_required:
        raise NotForSignup(_("“%(title)s” needs no sign-up.", title=item.title))
    if item.cancelled:
        raise SignupError(_("“%(title)s” is cancelled.", title=item.title))


def _clash(registration, item: ProgrammeItem) -> ProgrammeItem | None:
    return db.session.scalar(
        select(ProgrammeItem)
        .join(SessionSignup, SessionSignup.item_id == ProgrammeItem.id)
        .where(
            SessionSignup.registration_id == registration.id,
            ProgrammeItem.id != item.id,
            ProgrammeItem.cancelled.is_(False),
            ProgrammeItem.starts_at < item.ends_at,
            ProgrammeItem.ends_at > item.starts_at,
        )
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.id).limit(1)
    )


def _star(registration, item: ProgrammeItem) -> None:
    """Put the item in the attendee's own programme (and so its calendar), once."""
    starred = db.session.scalar(select(PersonalProgrammeEntry.id).where(
        PersonalProgrammeEntry.registration_id == registration.id,
        PersonalProgrammeEntry.item_id == item.id,
    ))
    if starred is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(PersonalProgrammeEntry).values(
                registration_id=registration.id, item_id=item.id, created_at=utcnow(),
            ))
    except IntegrityError:
        pass  # starred at the same moment from "my programme": it is there, as wanted


def sign_up(registration, item: ProgrammeItem) -> bool:
    """Take a seat in the session for the attendee. True if taken now, False if they already
    had one (a double submit: no second seat). Raises SignupError (SessionFull,
    SessionClash, NotForSignup) with a message for the attendee; then nothing is stored."""
    _check(registration, item)
    if item.id not in published_ids(item.event):
        raise SignupError(_("“%(title)s” is not in the published programme.", title=item.title))
    _lock(registration)
    if item.id in signed_up_ids(registration):
        db.session.rollback()
        return False
    other = _clash(registration, item)
    if other is not None:
        db.session.rollback()
        tz = item.event.timezone
        raise SessionClash(_(
            "You have signed up for “%(title)s” at %(start)s–%(end)s, at the same time. Leave "
            "it first if you want this one instead.", title=other.title,
            start=fmt_time(other.starts_at, tz), end=fmt_time(other.ends_at, tz),
        ), other)
    taken = seats.take_signup(item.id)
    if not taken:
        db.session.rollback()
        raise SessionFull(_("Sorry, “%(title)s” is full.", title=item.title))
    try:
        db.session.execute(insert(SessionSignup).values(
            registration_id=registration.id, item_id=item.id, created_at=utcnow(),
        ))
    except IntegrityError:
        # The same sign-up stored by another request in between: the seat taken above goes
        # back with the rollback, and the attendee has the one seat they wanted.
        db.session.rollback()
        return False
    _star(registration, item)
    db.session.flush()
    db.session.refresh(item)
    return True


def leave(registration, item: ProgrammeItem) -> bool:
    """Give the seat back and take the session out of the attendee's own programme. True if
    they had a seat; leaving twice is harmless."""
    if item.event_id != registration.event_id:
        raise NotForSignup(_("That session belongs to another event."))
    removed = db.session.execute(
        delete(SessionSignup)
        .where(SessionSignup.registration_id == registration.id, SessionSignup.item_id == item.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if removed:
        seats.give_back_signup(item.id)
        db.session.execute(
            delete(PersonalProgrammeEntry)
            .where(PersonalProgrammeEntry.registration_id == registration.id,
                   PersonalProgrammeEntry.item_id == item.id)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    db.session.refresh(item)
    return bool(removed)


def leave_all(registration) -> None:
    """A cancelled attendee's workshop seats go back. Part of the caller's transaction."""
    item_ids = db.session.scalars(
        select(SessionSignup.item_id).where(SessionSignup.registration_id == registration.id)
    ).all()
    if not item_ids:
        return
    db.session.execute(
        delete(SessionSignup).where(SessionSignup.registration_id == registration.id)
    )
    for item_id in item_ids:
        seats.give_back_signup(item_id)


def leave_all_of_event(event_id: int) -> int:
    """The event is cancelled: every workshop seat in it goes back at once, a query per item
    however many attendees. Part of the caller's transaction; returns how many went back."""
    items = select(ProgrammeItem.id).where(ProgrammeItem.event_id == event_id)
    taken = db.session.execute(
        select(SessionSignup.item_id, func.count()).where(SessionSignup.item_id.in_(items))
        .group_by(SessionSignup.item_id).order_by(SessionSignup.item_id)
    ).all()
    if not taken:
        return 0
    db.session.execute(delete(SessionSignup).where(SessionSignup.item_id.in_(items)))
    for item_id, count in taken:
        seats.give_back_signup(item_id, count)
    return sum(count for _item, count in taken)
