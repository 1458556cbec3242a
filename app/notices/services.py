"""Programme changes, collected as a draft and told on publish.

The organiser's edits are a draft: the public reads the newest published version's snapshot
(app.programme.published). Once a first version has been published, every move, cancellation,
new item and change of speakers is recorded as a pending Notice. Several changes of one item
before a publish collapse into one (first old values, latest new values; a move back to where
it was is dropped). publish() makes the next ProgrammeVersion, with the draft as its snapshot,
in one transaction and queues ONE email per affected person, listing every change that
concerns them in their own language, through the outbox (so a mail outage delays a notice but
never loses it, and never sends it twice). The first version only makes the programme public:
nobody has seen it before, so nobody is told."""

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import exists, func, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import signals
from app.audit.services import record
from app.db_types import utcnow
from app.extensions import db
from app.i18n import localized
from app.mail.models import OutgoingEmail
from app.mail.outbox import queue_email
from app.mail.render import absolute_url_maker, render_email
from app.programme.exports import calendar, sequences
from app.programme.models import SessionSignup
from app.programme.published import (
    changed_items,
    draft_snapshot,
    newest_version,
    shifted_snapshot,
    snapshot_of,
)
from app.registration.models import PersonalProgrammeEntry, Registration

from .models import Notice, ProgrammeVersion

# Changes to these kinds concern everyone registered; other kinds only those who starred them
# or signed up for them.
EVERYONE_KINDS = ("plenary", "break", "lunch")


def _room_name(room) -> str:
    return room.name if room else ""


def _speaker_names(item) -> str:
    """Who the public is told speaks: those who have accepted, never an invited speaker who
    may still say no."""
    return ", ".join(speaker.name for speaker in item.announced_speakers)


def has_published(event_id: int) -> bool:
    return db.session.scalar(
        select(ProgrammeVersion.id).where(ProgrammeVersion.event_id == event_id).limit(1)
    ) is not None


def _pending_for(item, kinds) -> Notice | None:
    if item.id is None:
        return None
    return db.session.scalar(
        select(Notice).where(Notice.item_id == item.id, Notice.version_id.is_(None),
                             Notice.kind.in_(kinds))
        .order_by(Notice.id).limit(1)
    )


def record_moved(item, *, old_starts_at, old_ends_at, old_room) -> Notice | None:
    """A new time or room; nothing is sent until the programme is published. Before the first
    version nobody has seen the programme, so there is nothing to tell."""
    if not has_published(item.event_id):
        return None
    new_room = _room_name(item.room)
    fresh = _pending_for(item, ("new",))
    if fresh is not None:  # not yet announced: the announcement simply carries the new place
        fresh.old_starts_at = fresh.new_starts_at = item.starts_at
        fresh.old_ends_at = fresh.new_ends_at = item.ends_at
        fresh.old_room = fresh.new_room = new_room
        fresh.item_title = item.title
        return fresh
    notice = _pending_for(item, ("moved",))
    if notice is None:
        notice = Notice(
            event_id=item.event_id, item=item, kind="moved", item_title=item.title,
            old_starts_at=old_starts_at, old_ends_at=old_ends_at, old_room=_room_name(old_room),
        )
        db.session.add(notice)
    notice.item_title = item.title
    notice.new_starts_at, notice.new_ends_at, notice.new_room = (
        item.starts_at, item.ends_at, new_room)
    if (notice.old_starts_at, notice.old_ends_at, notice.old_room) == (
            notice.new_starts_at, notice.new_ends_at, notice.new_room):
        if notice.id is not None:
            db.session.delete(notice)
        else:
            db.session.expunge(notice)
        db.session.flush()
        return None
    db.session.flush()
    return notice


def record_cancelled(item) -> Notice | None:
    if not has_published(item.event_id):
        return None
    fresh = _pending_for(item, ("new",))
    if fresh is not None:  # never announced, so nobody needs to hear it is gone
        db.session.delete(fresh)
        db.session.flush()
        return None
    old = (item.starts_at, item.ends_at, _room_name(item.room))
    for pending in db.session.scalars(
        select(Notice).where(Notice.item_id == item.id, Notice.version_id.is_(None),
                             Notice.kind.in_(("moved", "speakers")))
    ):
        if pending.kind == "moved":  # people still know the first place
            old = (pending.old_starts_at, pending.old_ends_at, pending.old_room)
        db.session.delete(pending)
    notice = Notice(
        event_id=item.event_id, item=item, kind="cancelled", item_title=item.title,
        old_starts_at=old[0], old_ends_at=old[1], old_room=old[2],
    )
    db.session.add(notice)
    db.session.flush()
    return notice


def record_new(item) -> Notice | None:
    """A new item is news only once a programme has been published."""
    if item.cancelled or not has_published(item.event_id):
        return None
    notice = Notice(
        event_id=item.event_id, item=item, kind="new", item_title=item.title,
        old_starts_at=item.starts_at, old_ends_at=item.ends_at, old_room=_room_name(item.room),
        new_starts_at=item.starts_at, new_ends_at=item.ends_at, new_room=_room_name(item.room),
    )
    db.session.add(notice)
    db.session.flush()
    return notice


def record_speakers(item, old_names: str) -> Notice | None:
    """The speakers changed (old_names as _speaker_names gave them before the change)."""
    db.session.flush()
    db.session.refresh(item, ["slots"])
    new_names = _speaker_names(item)
    if (item.cancelled or not has_published(item.event_id)
            or _pending_for(item, ("new",)) is not None):
        return None
    notice = _pending_for(item, ("speakers",))
    if notice is None:
        if new_names == old_names:
            return None
        notice = Notice(
            event_id=item.event_id, item=item, kind="speakers", item_title=item.title,
            old_starts_at=item.starts_at, old_ends_at=item.ends_at,
            old_room=_room_name(item.room), old_speakers=old_names,
        )
        db.session.add(notice)
    notice.new_speakers = new_names
    notice.new_starts_at, notice.new_ends_at = item.starts_at, item.ends_at
    notice.new_room = _room_name(item.room)
    if notice.old_speakers == notice.new_speakers:
        db.session.delete(notice)
        db.session.flush()
        return None
    db.session.flush()
    return notice


def speaker_names(item) -> str:
    return _speaker_names(item)


# --- who hears of what ----------------------------------------------------------------------

def pending(event) -> list[Notice]:
    return list(db.session.scalars(
        select(Notice).where(Notice.event_id == event.id, Notice.version_id.is_(None))
        .order_by(Notice.old_starts_at, Notice.id)
    ))


@dataclass
class Recipient:
    """One person to tell. `link` is their registration's page, or their speaker page if they
    have no registration; a speaker also has `speaker_link` and the ids of the items they
    speak at (`speaking`), which the email words as their own programme items."""

    email: str
    name: str
    language: str
    link: str
    notices: list = field(default_factory=list)
    speaker_link: str = ""
    speaking: set = field(default_factory=set)

    @property
    def speaker_only(self) -> bool:
        return bool(self.speaker_link) and self.link == self.speaker_link


def _registrants(event_id, item_ids=None):
    query = (
        select(Registration.email, Registration.name, Registration.language,
               Registration.manage_token, Registration.id)
        .where(Registration.event_id == event_id, Registration.status == "confirmed")
        .order_by(Registration.id)
    )
    if item_ids is not None:
        # Those who starred the item or signed up for it, each (person, item) once.
        chose = union(
            select(PersonalProgrammeEntry.registration_id, PersonalProgrammeEntry.item_id)
            .where(PersonalProgrammeEntry.item_id.in_(item_ids)),
            select(SessionSignup.registration_id, SessionSignup.item_id)
            .where(SessionSignup.item_id.in_(item_ids)),
        ).subquery()
        query = query.join(chose, chose.c.registration_id == Registration.id).add_columns(
            chose.c.item_id).order_by(chose.c.item_id)
    return db.session.execute(query).all()


def recipients(event, notices) -> list[Recipient]:
    """Each affected person once, with the changes that concern them, in programme order."""
    people: dict[str, Recipient] = {}

    def add(email, name, language, link, notice, speaker_link=""):
        person = people.get(email.lower())
        if person is None:
            person = people[email.lower()] = Recipient(email, name, language,
                                                       link or speaker_link)
        if speaker_link:
            person.speaker_link = speaker_link
            person.speaking.add(notice.item_id)
        if notice not in person.notices:
            person.notices.append(notice)

    manage_link = absolute_url_maker("registration.manage")
    speaker_link = absolute_url_maker("speakers.portal")
    everyone = [n for n in notices if n.item is None or n.item.kind in EVERYONE_KINDS]
    if everyone:
        for email, name, language, token, _id in _registrants(event.id):
            link = manage_link(token)
            for notice in everyone:
                add(email, name, language, link, notice)
    by_item = {n.item_id: [] for n in notices if n not in everyone and n.item_id}
    for n in notices:
        if n not in everyone and n.item_id:
            by_item[n.item_id].append(n)
    if by_item:
        for email, name, language, token, _id, item_id in _registrants(event.id, list(by_item)):
            link = manage_link(token)
            for notice in by_item[item_id]:
                add(email, name, language, link, notice)
    for notice in notices:
        if notice.item is None:
            continue
        for slot in notice.item.slots:
            speaker = slot.speaker
            if slot.state != "declined" and speaker.email:
                add(speaker.email, speaker.name, speaker.language, "", notice,
                    speaker_link=speaker_link(speaker.token))
    order = {n.id: i for i, n in enumerate(notices)}
    result = list(people.values())
    for person in result:
        person.notices.sort(key=lambda n: order.get(n.id, 0))
    return result


def _subject(event, notices, speaking=frozenset()):
    if len(notices) == 1:
        notice = notices[0]
        if notice.item_id in speaking and notice.kind == "cancelled":
            return _("Your programme item is cancelled: %(title)s", title=notice.item_title)
        if notice.item_id in speaking and notice.kind == "moved":
            return _("Your programme item has moved: %(title)s", title=notice.item_title)
        if notice.kind == "cancelled":
            return _("Cancelled: %(title)s", title=notice.item_title)
        if notice.kind == "new":
            return _("New in the programme: %(title)s", title=notice.item_title)
        if notice.kind == "speakers":
            return _("New speakers: %(title)s", title=notice.item_title)
        return _("New time: %(title)s", title=notice.item_title)
    return _("%(count)d programme changes at %(event)s", count=len(notices),
             event=localized(event, "name"))


def render_for(event, person: Recipient, number: int, message: str):
    return render_email(
        "notices/email_publish.txt", person.language,
        lambda: _subject(event, person.notices, person.speaking),
        notices=person.notices, event=event, name=person.name, link=person.link,
        number=number, message=message, speaking=person.speaking,
        speaker_link=person.speaker_link, speaker_only=person.speaker_only,
    )


_NAME, _LINK = "\x00samla-name\x00", "\x00samla-link\x00"
_SPEAKER_LINK = "\x00samla-speaker-link\x00"


def _personal_text(event, person: Recipient, version, cache: dict) -> tuple[str, str, str]:
    """People with the same language, the same changes and the same part in them (attendee,
    speaker, or both) read the same text but for their name and links: render it once per
    such group (thousands of recipients, a few groups)."""
    key = (person.language, tuple(n.id for n in person.notices),
           tuple(sorted(person.speaking)), bool(person.speaker_link), person.speaker_only)
    if key not in cache:
        speaker_link = _SPEAKER_LINK if person.speaker_link else ""
        shared = replace(person, name=_NAME, speaker_link=speaker_link,
                         link=speaker_link if person.speaker_only else _LINK)
        cache[key] = render_for(event, shared, version.number, version.message)
    subject, body, html = cache[key]
    body = body.replace(_NAME, person.name).replace(_SPEAKER_LINK, person.speaker_link)
    html = html.replace(_NAME, escape(person.name)).replace(
        _SPEAKER_LINK, escape(person.speaker_link))
    return subject, body.replace(_LINK, person.link), html.replace(_LINK, escape(person.link))


def calendar_attachments(event, person: Recipient, versions, cache=None) -> list[tuple]:
    """iCalendar files for the items that changed for this person, in their language: one
    METHOD:PUBLISH calendar with every changed item as it is now (same UID as the programme's
    calendars, SEQUENCE raised by the publish, STATUS:CANCELLED for cancelled items), and, as
    calendar clients only remove an event on METHOD:CANCEL, the cancelled items once more in
    a METHOD:CANCEL calendar. `versions` is exports.sequences(event) after the publish."""
    items = []
    for notice in person.notices:
        if notice.item is not None and notice.item not in items:
            items.append(notice.item)
    if not items:
        return []
    items.sort(key=lambda i: (i.starts_at, i.id))
    sender_name, sender = parseaddr(current_app.config["MAIL_FROM"])
    organizer = (event.organiser_name or sender_name, sender) if sender else None
    swedish = person.language == "sv"
    cache = {} if cache is None else cache
    key = (person.language, tuple(i.id for i in items))
    with force_locale(person.language):
        name = _("%(event)s – programme changes", event=localized(event, "name"))
        if key not in cache:
            cache[key] = calendar(event, items, name=name, versions=versions,
                                  organizer=organizer)
        files = [("andringar.ics" if swedish else "changes.ics",
                  "text/calendar; method=PUBLISH; charset=utf-8", cache[key])]
        cancelled = [i for i in items if i.cancelled]
        if cancelled:
            files.append((
                "installt.ics" if swedish else "cancelled.ics",
                "text/calendar; method=CANCEL; charset=utf-8",
                calendar(event, cancelled, name=name, method="CANCEL", versions=versions,
                         organizer=organizer, attendee=person.email),
            ))
    return files


def _next_number(event) -> int:
    return (db.session.scalar(
        select(func.max(ProgrammeVersion.number)).where(ProgrammeVersion.event_id == event.id)
    ) or 0) + 1


def _silent_edits(draft: dict, published, notices) -> list[str]:
    """Titles of the items the public would see differently after a publish although no
    pending change tells anyone of them (a new title or description, say). `notices` are the
    pending notices, or the ids of their items."""
    told = {getattr(notice, "item_id", notice) for notice in notices}
    snapshot = published.snapshot if published is not None else None
    return [title for item_id, title in changed_items(draft, snapshot) if item_id not in told]


def preview(event, message: str = "") -> dict:
    """What publishing now would do: the changes, who hears, and what they read. Sends nothing.
    The first version makes the programme public and tells nobody."""
    notices = pending(event)
    first = not has_published(event.id)
    draft = draft_snapshot(event)
    edits = _silent_edits(draft, newest_version(event.id), notices)
    people = [] if first else recipients(event, notices)
    number = _next_number(event)
    by_language: dict[str, int] = {}
    samples = {}
    for person in people:
        by_language[person.language] = by_language.get(person.language, 0) + 1
        # One sample per language for attendees and one for speakers: their texts differ.
        key = (person.language, "speaker" if person.speaker_only else "attendee")
        if key not in samples:
            samples[key] = render_for(event, person, number, message)[:2]
    return {"notices": notices, "recipients": people, "by_language": by_language,
            "samples": samples, "number": number, "first": first, "edits": edits,
            "item_count": len(draft["items"]),
            "anything": bool(first or notices or edits)}


def publish(event, user, message: str = "") -> ProgrammeVersion | None:
    """Publish the draft as the next version: its snapshot becomes what the public sees, and
    one email per affected person tells the pending changes.

    The first version (also of an empty programme) makes the programme public and tells
    nobody: nobody could see the programme before. Nothing to publish (no pending change and
    the draft is what is published already; also a double-submitted form): no version, nothing
    sent, None."""
    notices = pending(event)
    first = not has_published(event.id)
    draft = draft_snapshot(event)
    if not first and not notices and not _silent_edits(draft, newest_version(event.id), notices):
        db.session.rollback()
        return None
    version = ProgrammeVersion(
        event_id=event.id, number=_next_number(event), message=(message or "").strip(),
        published_at=utcnow(), published_by_id=user.id if user is not None else None,
        snapshot=draft,
    )
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError:  # another publish took this number at the same moment
        db.session.rollback()
        return None
    if notices:
        claimed = db.session.execute(
            update(Notice)
            .where(Notice.id.in_([n.id for n in notices]), Notice.version_id.is_(None))
            .values(version_id=version.id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != len(notices):  # another publish got some of them first
            db.session.rollback()
            return None
    record(event, user, "programme.published", {"version": version.number,
                                                "changes": len(notices)})
    if first:
        return version
    # After the claim, so this version's changes count: the same SEQUENCE as the feeds show.
    versions = sequences(event)
    calendars: dict = {}
    texts = {}
    for person in recipients(event, notices):
        subject, body, html = _personal_text(event, person, version, texts)
        queue_email(to=person.email, subject=subject, body=body, html=html, kind="notice-publish",
                    event_id=event.id, version_id=version.id,
                    attachments=calendar_attachments(event, person, versions, calendars))
    return version


# --- what the organiser and the public see ----------------------------------------------------

def notice_rows(event) -> list[tuple[int | None, int | None]]:
    """(version id or None while pending, item id) of each of the event's changes: one query
    that serves both the versions table and the publication status."""
    return [tuple(row) for row in db.session.execute(
        select(Notice.version_id, Notice.item_id).where(Notice.event_id == event.id)
    )]


def version_summaries(event, changed=None):
    """Each published version, newest first, with its change count and how many of its messages
    were sent, are waiting, or failed. `changed` is what notice_rows(event) gives, if at hand."""
    versions = db.session.scalars(
        select(ProgrammeVersion).where(ProgrammeVersion.event_id == event.id)
        .order_by(ProgrammeVersion.number.desc())
    ).all()
    counts: dict[int, dict[str, int]] = {}
    rows = db.session.execute(
        select(OutgoingEmail.version_id, OutgoingEmail.status, func.count())
        .where(OutgoingEmail.event_id == event.id, OutgoingEmail.version_id.is_not(None))
        .group_by(OutgoingEmail.version_id, OutgoingEmail.status)
    )
    for version_id, status, number in rows:
        counts.setdefault(version_id, {})[status] = number
    if changed is None:
        changed = notice_rows(event)
    changes = Counter(version_id for version_id, _item_id in changed if version_id is not None)
    return [(v, changes.get(v.id, 0), counts.get(v.id, {})) for v in versions]


@dataclass
class PublicationStatus:
    """What the organiser's programme pages say about the draft they show."""

    number: int | None  # the version the public sees; None before the first publish
    published_at: datetime | None
    notices: int  # pending changes, told to the people affected on publish
    edits: list[str]  # titles of items edited with nobody to tell (new title, say)
    changed: set = field(default_factory=set)  # ids of the items the public sees otherwise

    @property
    def first(self) -> bool:
        return self.number is None

    @property
    def unpublished(self) -> int:
        return self.notices + len(self.edits)

    @property
    def can_publish(self) -> bool:
        return self.first or self.unpublished > 0


def publication_status(event, items, changed=None) -> PublicationStatus:
    """`items` is the draft as programme.services.items_for(event, include_cancelled=True)
    loaded it, `changed` what notice_rows(event) gives (if at hand); two more queries (one
    with `changed`) however big the programme."""
    published = newest_version(event.id)
    if changed is None:
        changed = notice_rows(event)
    told = [item_id for version_id, item_id in changed if version_id is None]
    if published is None:
        return PublicationStatus(None, None, len(told), [])
    differs = changed_items(snapshot_of(event, items), published.snapshot)
    edits = [title for item_id, title in differs if item_id not in set(told)]
    return PublicationStatus(published.number, published.published_at, len(told), edits,
                             {item_id for item_id, _title in differs} | set(told))


def pending_count(event) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notice)
        .where(Notice.event_id == event.id, Notice.version_id.is_(None))
    ) or 0


def recent_versions(event, limit: int = 3) -> list[ProgrammeVersion]:
    """The latest versions that changed something people had seen (the first version and
    edits that told nobody have no changes to list), with their changes: two queries."""
    return list(db.session.scalars(
        select(ProgrammeVersion)
        .where(ProgrammeVersion.event_id == event.id,
               exists().where(Notice.version_id == ProgrammeVersion.id))
        .options(selectinload(ProgrammeVersion.notices))
        .order_by(ProgrammeVersion.number.desc()).limit(limit)
    ))


def shift(event, days: int, user=None) -> ProgrammeVersion | None:
    """A postponement moves the programme people have seen: pending changes keep describing
    the same moves, `days` later, and the published programme is republished as the next
    version with every time moved (what was published stays published, what waits for a
    publish still waits). Tells nobody: the postponement tells everyone at once. None when
    no programme has been published."""
    for notice in pending(event):
        for key in ("old_starts_at", "old_ends_at", "new_starts_at", "new_ends_at"):
            setattr(notice, key, event.shifted(getattr(notice, key), days))
    published = newest_version(event.id)
    if published is None:
        return None
    version = ProgrammeVersion(
        event_id=event.id, number=_next_number(event), message="", published_at=utcnow(),
        published_by_id=user.id if user is not None else None,
        snapshot=shifted_snapshot(event, published.snapshot, days),
    )
    db.session.add(version)
    db.session.flush()
    return version


@signals.event_shifted.connect
def _event_shifted(event, days):
    shift(event, days)


# The programme tells of its changes by signals (it does not import this module).
signals.programme_item_added.connect(record_new)
signals.programme_item_moved.connect(record_moved)
signals.programme_item_cancelled.connect(record_cancelled)
