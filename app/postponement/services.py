"""Postponing or cancelling a whole event in one step. No request in sight.

Postponing moves the event to a new start date: its dates and every time other areas keep of
it (the programme's items, pending changes, the published programme; a course's sessions) move
by the same number of days at the same wall-clock time (app.events.services.shift). In the same
transaction every registrant, everyone on the waiting list and every speaker gets ONE email in
their language with the calendar entries moved (same UIDs, SEQUENCE raised through
Event.calendar_sequence, which app.programme.exports adds to every entry). For the decision
window (14 days by default) anyone may cancel from their own link with a full refund, whatever
the refund rule says (app.orders.services.refund_window_open).

Cancelling the event tells the same people, sends the calendar entries as METHOD:CANCEL
(STATUS:CANCELLED, SEQUENCE raised), cancels every registration and gives its seat back; a
worker pays back every seat (card through Stripe, unpaid invoices credited) once the
cancellation is committed (app.postponement.refunds).

Mail to thousands: the text is rendered once per language and kind of recipient with markers
for the name and link (as app.messages does), and the calendar file once per language, stored
as a CalendarFile that each email draws when it is sent (a deferred attachment)."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar.parser import Contentline, Parameters
from markupsafe import escape
from sqlalchemy import func, select, update

from app import seats, signals
from app.audit.services import record
from app.courses.calendar import session_entries, session_entry
from app.courses.services import enrolled, sessions_of
from app.db_types import utcnow
from app.errors import Refusal
from app.events import services as events
from app.events.models import Event
from app.extensions import db
from app.i18n import localized
from app.mail.outbox import Deferred, Mail, attachment_renderer, queue_email, queue_emails
from app.mail.render import absolute_url_maker, render_email
from app.orders.models import Order
from app.programme import signups
from app.programme.exports import CalendarEntry, calendar, entries_calendar
from app.programme.published import published_programme
from app.registration.models import Registration
from app.speakers.models import Speaker, SpeakerSlot
from app.waitlist.models import WaitingListEntry

from . import refunds
from .models import CalendarFile, Postponement

DECISION_DAYS = 14
MAX_DECISION_DAYS = 90
LANGUAGES = ("sv", "en")
# Markers for the name and the personal link while a text is rendered once for many people.
_NAME, _LINK = "\x00samla-name\x00", "\x00samla-link\x00"


class PostponementError(Refusal):
    status = 400


# --- who is told ------------------------------------------------------------------------------

@dataclass
class Person:
    email: str
    name: str
    language: str
    link: str
    role: str  # "registrant", "waiting" or "speaker"
    ref: int  # the registration's, waiting-list entry's or speaker's id


def _language(value: str) -> str:
    return value if value in LANGUAGES else "sv"


def people(event: Event) -> list[Person]:
    """Everyone registered (confirmed), everyone on the waiting list (waiting or offered a
    seat) and every speaker with a slot they have not declined, each address once (as a
    registrant first): three queries however many."""
    found: dict[str, Person] = {}

    def add(email, name, language, link, role, ref):
        key = (email or "").lower()
        if key and key not in found:
            found[key] = Person(email, name, _language(language), link, role, ref)

    manage = absolute_url_maker("registration.manage")
    for row in db.session.execute(
        select(Registration.email, Registration.name, Registration.language,
               Registration.manage_token, Registration.id)
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
        .order_by(Registration.id)
    ):
        add(row.email, row.name, row.language, manage(row.manage_token), "registrant", row.id)
    waiting = absolute_url_maker("waitlist.entry")
    for row in db.session.execute(
        select(WaitingListEntry.email, WaitingListEntry.name, WaitingListEntry.language,
               WaitingListEntry.token, WaitingListEntry.id)
        .where(WaitingListEntry.event_id == event.id,
               WaitingListEntry.status.in_(("waiting", "offered")))
        .order_by(WaitingListEntry.id)
    ):
        add(row.email, row.name, row.language, waiting(row.token), "waiting", row.id)
    portal = absolute_url_maker("speakers.portal")
    speaking = select(SpeakerSlot.speaker_id).where(SpeakerSlot.state != "declined")
    for row in db.session.execute(
        select(Speaker.email, Speaker.name, Speaker.language, Speaker.token, Speaker.id)
        .where(Speaker.event_id == event.id, Speaker.email != "", Speaker.id.in_(speaking))
        .order_by(Speaker.id)
    ):
        add(row.email, row.name, row.language, portal(row.token), "speaker", row.id)
    return list(found.values())


# --- postponing -------------------------------------------------------------------------------

@dataclass
class Move:
    """One calendar entry before and after (the preview's table)."""

    title: str
    old_starts_at: datetime
    old_ends_at: datetime
    new_starts_at: datetime
    new_ends_at: datetime
    cancelled: bool = False


@dataclass
class Plan:
    event: Event
    days: int
    old_starts_on: date
    old_ends_on: date
    new_starts_on: date
    new_ends_on: date
    decision_until: date
    moves: list[Move]
    people: list[Person]
    by_role: dict[str, int] = field(default_factory=dict)
    by_language: dict[str, int] = field(default_factory=dict)
    samples: dict[str, tuple[str, str, str]] = field(default_factory=dict)


def _check(event: Event, new_starts_on: date | None, decision_days: int | None,
           now: datetime | None) -> tuple[int, int]:
    if event.is_cancelled:
        raise PostponementError(_l("The event is cancelled, so it cannot be postponed."))
    if new_starts_on is None:
        raise PostponementError(_l("Give the new first day of the event."))
    days = (new_starts_on - event.starts_on).days
    if days == 0:
        raise PostponementError(_l("The new first day is the day the event starts already. "
                                   "Choose another day."))
    if new_starts_on < event.today(now):
        raise PostponementError(_l("The new first day has passed. Choose a day from today "
                                   "on."))
    decision_days = DECISION_DAYS if decision_days is None else decision_days
    if not 0 <= decision_days <= MAX_DECISION_DAYS:
        raise PostponementError(_l("The decision window is 0 to %(max)d days.",
                                   max=MAX_DECISION_DAYS))
    return days, decision_days


def _moves(event: Event, days: int) -> list[Move]:
    """The published programme's items before and after (what people have in their
    calendars); nothing before the first publish."""
    return [Move(item.title, item.starts_at, item.ends_at, event.shifted(item.starts_at, days),
                 event.shifted(item.ends_at, days), item.cancelled)
            for item in published_programme(event, live_speakers=False).items]


def _texts(event: Event, template: str, subject, roles, **context) -> dict:
    """(language, role) -> (subject, body) with the name and link markers."""
    texts = {}
    for language, role in roles:
        texts[(language, role)] = render_email(
            template, language, subject, event=event, name=_NAME, link=_LINK, role=role,
            **context)
    return texts


def _postponed_texts(event, roles, *, old_starts_on, old_ends_on, decision_until, message):
    return _texts(
        event, "postponement/email_postponed.txt",
        lambda: _("Postponed: %(event)s", event=event.name), roles,
        old_starts_on=old_starts_on, old_ends_on=old_ends_on, decision_until=decision_until,
        message=message)


def _personal(texts, person: Person) -> tuple[str, str, str]:
    subject, body, html = texts[(person.language, person.role)]
    return (subject, body.replace(_NAME, person.name).replace(_LINK, person.link),
            html.replace(_NAME, escape(person.name)).replace(_LINK, escape(person.link)))


def plan(event: Event, new_starts_on: date | None, decision_days: int | None = None,
         message: str = "", now: datetime | None = None) -> Plan:
    """What postponing to `new_starts_on` would do: the dates and entries before and after,
    who is told and what they read. Changes nothing."""
    days, decision_days = _check(event, new_starts_on, decision_days, now)
    decision_until = event.today(now) + timedelta(days=decision_days)
    everyone = people(event)
    found = Plan(
        event=event, days=days, old_starts_on=event.starts_on, old_ends_on=event.ends_on,
        new_starts_on=event.starts_on + timedelta(days=days),
        new_ends_on=event.ends_on + timedelta(days=days), decision_until=decision_until,
        moves=_moves(event, days), people=everyone,
        by_role=dict(Counter(p.role for p in everyone)),
        by_language=dict(Counter(p.language for p in everyone)))
    firsts = {}
    for person in everyone:
        firsts.setdefault(person.language, person)
    if firsts:
        # As the first of each language reads it, with the dates as they will be.
        saved = event.starts_on, event.ends_on
        event.starts_on, event.ends_on = found.new_starts_on, found.new_ends_on
        try:
            roles = {(p.language, p.role) for p in firsts.values()}
            texts = _postponed_texts(event, roles, old_starts_on=saved[0], old_ends_on=saved[1],
                                     decision_until=decision_until, message=message.strip())
        finally:
            event.starts_on, event.ends_on = saved
        found.samples = {language: _personal(texts, person)
                         for language, person in firsts.items()}
    return found


def _organizer(event: Event):
    sender_name, sender = parseaddr(current_app.config["MAIL_FROM"])
    return (event.organiser_name or sender_name, sender) if sender else None


def _calendar_files(event: Event, method: str) -> dict[str, int]:
    """The published programme as a calendar (every item, the same UIDs, the SEQUENCE the
    event's change raised) in each language, stored once: language -> CalendarFile id. Empty
    before the first publish, when nobody has an entry in their calendar."""
    items = published_programme(event, live_speakers=False).items
    sessions = sessions_of(event)
    if not items and not sessions:
        return {}
    files = {}
    for language in LANGUAGES:
        with force_locale(language):
            name = _("%(event)s – programme", event=localized(event, "name", language))
            if sessions:  # a course: its sessions are the entries people have
                data = entries_calendar(event, session_entries(event, sessions), name=name,
                                        method=method, now=event.calendar_changed_at,
                                        organizer=_organizer(event))
            else:
                data = calendar(event, items, name=name, method=method,
                                now=event.calendar_changed_at, organizer=_organizer(event))
        stored = CalendarFile(event_id=event.id, method=method, language=language, data=data)
        db.session.add(stored)
        db.session.flush()
        files[language] = stored.id
    return files


def _queue(event: Event, everyone: list[Person], texts, files: dict[str, int], kind: str,
           method: str) -> int:
    filename = {"PUBLISH": ("programmet.ics", "programme.ics"),
                "CANCEL": ("installt.ics", "cancelled.ics")}[method]
    content_type = f"text/calendar; method={method}; charset=utf-8"
    mails = []
    for person in everyone:
        subject, body, html = _personal(texts, person)
        attachments = ()
        if person.language in files:
            source = f"calendar-file:{files[person.language]}"
            if method == "CANCEL":  # RFC 5546 wants the attendee in a cancellation
                source += f":{person.role[0]}{person.ref}"
            attachments = [(filename[0] if person.language == "sv" else filename[1],
                            content_type, Deferred(source))]
        mails.append(Mail(person.email, subject, body, kind, event.id, tuple(attachments),
                          html))
    return len(queue_emails(mails))


def _lock(event: Event) -> None:
    """Serialise changes to the whole event (a double submit, two organisers), then read it
    afresh."""
    db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())
    db.session.refresh(event)


def postpone(event: Event, user, new_starts_on: date | None, *, seen_starts_on: date,
             decision_days: int | None = None, message: str = "",
             now: datetime | None = None) -> Postponement | None:
    """Postpone the event to start on `new_starts_on`, tell everyone and open the decision
    window. `seen_starts_on` is the first day the organiser's preview showed: if the event has
    moved since (a second submit of the same form), nothing is done and None is returned.
    Flushes; the request commits once."""
    now = now or utcnow()
    _lock(event)
    if event.starts_on != seen_starts_on:
        return None
    days, decision_days = _check(event, new_starts_on, decision_days, now)
    old_starts_on, old_ends_on = event.starts_on, event.ends_on
    everyone = people(event)
    registrants = sum(1 for p in everyone if p.role == "registrant")
    events.shift(event, days)
    event.postponed_at = event.calendar_changed_at = now
    event.postponed_from_starts_on, event.postponed_from_ends_on = old_starts_on, old_ends_on
    event.decision_until = event.today(now) + timedelta(days=decision_days)
    event.calendar_sequence += 1
    postponement = Postponement(
        event_id=event.id, old_starts_on=old_starts_on, old_ends_on=old_ends_on,
        new_starts_on=event.starts_on, new_ends_on=event.ends_on, days=days,
        decision_until=event.decision_until, registrants=registrants,
        message=(message or "").strip(), created_at=now,
        created_by_id=user.id if user is not None and user.is_authenticated else None)
    db.session.add(postponement)
    db.session.flush()
    roles = {(p.language, p.role) for p in everyone}
    texts = _postponed_texts(event, roles, old_starts_on=old_starts_on, old_ends_on=old_ends_on,
                             decision_until=event.decision_until, message=postponement.message)
    told = _queue(event, everyone, texts, _calendar_files(event, "PUBLISH"),
                  "event-postponed", "PUBLISH")
    record(event, user, "event.postponed", {
        "from": old_starts_on.isoformat(), "to": event.starts_on.isoformat(), "days": days,
        "decision_until": event.decision_until.isoformat(), "told": told})
    db.session.flush()
    return postponement


@dataclass
class Decisions:
    """After the latest postponement: how many registered then still come, how many
    cancelled since."""

    postponement: Postponement | None
    kept: int = 0
    cancelled: int = 0


def decisions(event: Event) -> Decisions:
    latest = db.session.scalar(
        select(Postponement).where(Postponement.event_id == event.id)
        .order_by(Postponement.id.desc()).limit(1))
    if latest is None:
        return Decisions(None)
    rows = dict(db.session.execute(
        select(Registration.status, func.count())
        .where(Registration.event_id == event.id,
               Registration.created_at <= latest.created_at,
               (Registration.status == "confirmed")
               | ((Registration.status == "cancelled")
                  & (Registration.cancelled_at >= latest.created_at)))
        .group_by(Registration.status)).all())
    return Decisions(latest, rows.get("confirmed", 0), rows.get("cancelled", 0))


def history(event: Event) -> list[Postponement]:
    return list(db.session.scalars(
        select(Postponement).where(Postponement.event_id == event.id)
        .order_by(Postponement.id.desc())))


# --- cancelling -------------------------------------------------------------------------------

@dataclass
class Cancellation:
    told: int
    registrations: int
    refunds: int  # orders to pay back, by a worker once the cancellation is committed


def _cancelled_texts(event, roles, message):
    return _texts(event, "postponement/email_cancelled.txt",
                  lambda: _("Cancelled: %(event)s", event=event.name), roles, message=message)


def cancel_preview(event: Event, message: str = "") -> Plan:
    """Who would be told of a cancellation and what they read. Changes nothing."""
    if event.is_cancelled:
        raise PostponementError(_l("The event is cancelled already."))
    everyone = people(event)
    firsts = {}
    for person in everyone:
        firsts.setdefault(person.language, person)
    texts = _cancelled_texts(event, {(p.language, p.role) for p in firsts.values()},
                             message.strip())
    return Plan(event=event, days=0, old_starts_on=event.starts_on, old_ends_on=event.ends_on,
                new_starts_on=event.starts_on, new_ends_on=event.ends_on,
                decision_until=event.starts_on, moves=[], people=everyone,
                by_role=dict(Counter(p.role for p in everyone)),
                by_language=dict(Counter(p.language for p in everyone)),
                samples={language: _personal(texts, person)
                         for language, person in firsts.items()})


def cancel_event(event: Event, user, message: str = "",
                 now: datetime | None = None) -> Cancellation | None:
    """Cancel the whole event: everyone is told (calendar entries as METHOD:CANCEL), every
    registration and order is cancelled (card orders still being paid for too), their seats and
    workshop seats go back, nobody is offered a seat any more, registration closes, and what
    each paid or invoiced order is owed is written for the worker that pays it back after
    commit (app.postponement.refunds; everything, by the rule for a cancelled event). None when
    it was cancelled already (a double submit). In bulk, a few queries however many people.
    Flushes; the request commits once."""
    now = now or utcnow()
    seats.lock_event(event.id)
    _lock(event)
    if event.is_cancelled:
        return None
    everyone = people(event)
    event.cancelled_at = event.calendar_changed_at = now
    event.registration_open = False
    event.decision_until = None
    event.calendar_sequence += 1
    db.session.flush()
    texts = _cancelled_texts(event, {(p.language, p.role) for p in everyone},
                             (message or "").strip())
    told = _queue(event, everyone, texts, _calendar_files(event, "CANCEL"),
                  "event-cancelled", "CANCEL")
    owed = refunds.owe(event, now)
    live = (Registration.event_id == event.id,
            Registration.status.in_(("confirmed", "pending")))
    # Seats held now: confirmed ones, card orders still being paid for, open offers.
    held = Counter(dict(db.session.execute(
        select(Registration.ticket_type_id, func.count()).where(*live)
        .group_by(Registration.ticket_type_id)).all()))
    held.update(dict(db.session.execute(
        select(WaitingListEntry.ticket_type_id, func.count())
        .where(WaitingListEntry.event_id == event.id, WaitingListEntry.status == "offered")
        .group_by(WaitingListEntry.ticket_type_id)).all()))
    cancelled = db.session.execute(
        update(Registration).where(*live).values(status="cancelled", cancelled_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.execute(
        update(Order).where(Order.event_id == event.id,
                            Order.status.in_(("confirmed", "pending")))
        .values(status="cancelled", cancelled_at=now, hold_expires_at=None)
        .execution_options(synchronize_session=False))
    # Nobody waits for a seat at an event that will not take place.
    db.session.execute(
        update(WaitingListEntry)
        .where(WaitingListEntry.event_id == event.id,
               WaitingListEntry.status.in_(("waiting", "offered")))
        .values(status="withdrawn")
        .execution_options(synchronize_session=False))
    for ticket_type_id in sorted(held):
        seats.give_back(event.id, ticket_type_id, held[ticket_type_id])
    signups.leave_all_of_event(event.id)
    record(event, user, "event.cancelled",
           {"registrations": cancelled, "told": told, "refunds": owed})
    db.session.flush()
    return Cancellation(told, cancelled, owed)


# --- the calendar files, drawn when each email is sent ------------------------------------------

def _attendee_address(session, who: str) -> str | None:
    model = {"r": Registration, "w": WaitingListEntry, "s": Speaker}.get(who[:1])
    if model is None or not who[1:].isdigit():
        return None
    return session.scalar(select(model.email).where(model.id == int(who[1:])))


@attachment_renderer("calendar-file")
def _calendar_file(argument: str, session) -> bytes | None:
    """"<file id>" or, for a cancellation, "<file id>:<r|w|s><id>" of the person it goes to,
    who is added as each entry's ATTENDEE. One read of a stored file: nothing is drawn."""
    file_id, _, who = argument.partition(":")
    if not file_id.isdigit():
        return None
    data = session.scalar(select(CalendarFile.data).where(CalendarFile.id == int(file_id)))
    if data is None or not who:
        return data
    address = _attendee_address(session, who)
    if not address:
        return data
    line = Contentline.from_parts("ATTENDEE", Parameters(), f"mailto:{address}").to_ical()
    line += b"\r\n"
    return data.replace(b"END:VEVENT\r\n", line + b"END:VEVENT\r\n")


# --- course sessions and other entries moved one by one ------------------------------------------

def tell_entries_moved(event: Event, recipients, moves: list[tuple[CalendarEntry, datetime,
                                                                    datetime]],
                       what: str = "") -> int:
    """Tell people that some calendar entries of the event moved, like a programme change:
    one email each in their language listing the moves, with the entries as a METHOD:PUBLISH
    calendar (same UIDs, SEQUENCE as entry_sequence gives it). For areas that keep entries of
    their own (a course's sessions): `recipients` are (email, name, language, link), `moves`
    (entry as it is now, old start, old end), `what` a line saying what moved. Flushes."""
    entries = [entry for entry, _start, _end in moves]
    count, calendars = 0, {}
    for email, name, language, link in recipients:
        language = _language(language)
        subject, body, html = render_email(
            "postponement/email_entries_moved.txt", language,
            lambda: _("New time: %(event)s", event=event.name),
            event=event, name=name, link=link, moves=moves, what=what)
        if language not in calendars:
            with force_locale(language):
                calendars[language] = entries_calendar(
                    event, entries, name=_("%(event)s – changes", event=event.name),
                    organizer=_organizer(event))
        queue_email(to=email, subject=subject, body=body, html=html, kind="entries-moved",
                    event_id=event.id,
                    attachments=[("andringar.ics" if language == "sv" else "changes.ics",
                                  "text/calendar; method=PUBLISH; charset=utf-8",
                                  calendars[language])])
        count += 1
    db.session.flush()
    return count


@signals.course_session_moved.connect
def _course_session_moved(session, old_starts_at, old_ends_at, old_place, old_online_url):
    """A course session moved: everyone enrolled is told, with the entry moved in their
    calendar (same UID, SEQUENCE raised)."""
    event = session.event
    sessions = sessions_of(event)
    number = next((n for n, s in enumerate(sessions, start=1) if s.id == session.id), 1)
    manage = absolute_url_maker("registration.manage")
    recipients = [(r.email, r.name, r.language, manage(r.manage_token))
                  for r in enrolled(event)]
    tell_entries_moved(event, recipients,
                       [(session_entry(event, session, number), old_starts_at, old_ends_at)])
