"""Speakers and their slots: invitations, answers, their ticket, profiles.

A speaker is announced (public programme, speaker pages, schedule.json, calendars) only for
the slots they have accepted: app.programme.published reads the answers live. A speaker who
accepts gets the event's speakers' ticket, if the organiser marked one (app.tickets): a
registration made for them through app.registration, with its badge and personal link."""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager, selectinload, undefer

from app.db_types import utcnow
from app.events.models import Event
from app.extensions import db
from app.i18n import localized
from app.mail.outbox import queue_email
from app.mail.render import absolute_url, render_email
from app.programme.models import ProgrammeItem
from app.programme.published import published_programme
from app.registration import services as registrations
from app.registration.models import Registration
from app.tickets import services as tickets
from app.tickets.models import TicketType
from app.tokens import link_token

from .models import Speaker, SpeakerSlot
from .photos import process as process_photo


def speakers_for(event) -> list[Speaker]:
    return list(
        db.session.scalars(
            select(Speaker).where(Speaker.event_id == event.id)
            .options(selectinload(Speaker.slots).selectinload(SpeakerSlot.item),
                     selectinload(Speaker.registration))
            .order_by(Speaker.name)
        )
    )


def add_speaker(event, *, name, role_title="", organisation="", email="", bio="", language="sv",
                role_title_en="", bio_en=""):
    speaker = Speaker(
        event=event, name=name.strip(), role_title=role_title.strip(),
        organisation=organisation.strip(), email=email.strip(), bio=bio.strip(),
        language=language, token=link_token(),
        role_title_en=role_title_en.strip(), bio_en=bio_en.strip(),
    )
    db.session.add(speaker)
    return speaker


def by_token(token: str) -> Speaker | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Speaker).where(Speaker.token == token))


def assign(item, speakers, invite: bool) -> list[SpeakerSlot]:
    """Give each speaker a slot on the item; those with an email get an invitation if asked."""
    held = {slot.speaker_id for slot in item.slots}
    slots = []
    for speaker in speakers:
        if speaker.id in held:
            continue
        slot = SpeakerSlot(item=item, speaker=speaker)
        db.session.add(slot)
        slots.append(slot)
        if invite and speaker.email:
            send_invitation(slot)
    return slots


def send_invitation(slot: SpeakerSlot) -> None:
    speaker, item = slot.speaker, slot.item
    subject, body, html = render_email(
        "speakers/email_invitation.txt", speaker.language,
        lambda: _("Invitation to speak at %(event)s", event=localized(item.event, "name")),
        speaker=speaker, item=item, event=item.event,
        link=absolute_url("speakers.portal", token=speaker.token),
    )
    queue_email(to=speaker.email, subject=subject, body=body, html=html, kind="speaker-invitation",
                event_id=item.event_id)
    slot.invited_at = utcnow()


def answer(slot: SpeakerSlot, accept: bool) -> None:
    """The speaker's answer; accepting also gives them their ticket (give_ticket)."""
    slot.state = "accepted" if accept else "declined"
    slot.answered_at = utcnow()
    db.session.flush()
    if accept:
        give_ticket(slot.speaker)


def give_ticket(speaker: Speaker) -> Registration | None:
    """Link the speaker's registration, made once: their own if their address is registered
    already, else a new one with the event's speakers' ticket (none without such a ticket, an
    email address or a free seat; their page then says how to get in). Answering again, or
    twice at once, never makes a second one: the first is linked, and a second registration
    of the same address is refused by the database."""
    if speaker.registration_id is not None or not speaker.email:
        return speaker.registration
    event = speaker.event
    registration = registrations.find_live(event, speaker.email)
    if registration is None:
        ticket_type = tickets.speakers_ticket(event)
        if ticket_type is None:
            return None
        registration = registrations.register_speaker(event, ticket_type, registrations.Attendee(
            name=speaker.name, email=speaker.email, organisation=speaker.organisation,
            role=speaker.role_title, language=speaker.language,
        )) or registrations.find_live(event, speaker.email)  # made at the same moment
    speaker.registration = registration
    db.session.flush()
    return registration


# --- the speaker's own page ---------------------------------------------------------------------

@dataclass(frozen=True)
class SlotView:
    slot: SpeakerSlot
    # The others on the item who have not declined, with their answers (slots).
    co_speakers: list


@dataclass(frozen=True)
class TicketView:
    """How the speaker gets in: "registered" (their registration), "on_accept" (they get the
    speakers' ticket when they accept), "code" (register with the ticket's access code) or
    "ask" (the organiser tells them)."""

    kind: str
    registration: Registration | None = None
    ticket_type: TicketType | None = None
    # A registration was made or linked for them, and it has been cancelled since.
    cancelled: bool = False


@dataclass(frozen=True)
class PortalView:
    speaker: Speaker
    # "accepted" if any slot on an item that takes place is accepted, else "invited" if any
    # waits for an answer, else "declined" if any was declined, else "none": the heading.
    answer: str
    # Some slot on an item that takes place still waits for an answer.
    unanswered: bool
    slots: list
    ticket: TicketView


def overall_answer(slots) -> str:
    states = {slot.state for slot in slots if not slot.item.cancelled}
    for state in ("accepted", "invited", "declined"):
        if state in states:
            return state
    return "none"


def _ticket_view(speaker: Speaker, answered: str) -> TicketView:
    registration = speaker.registration
    if registration is not None and registration.status in ("confirmed", "pending"):
        return TicketView("registered", registration, registration.ticket_type)
    cancelled = registration is not None
    ticket_type = tickets.speakers_ticket(speaker.event)
    if ticket_type is None:
        return TicketView("ask", cancelled=cancelled)
    if answered != "accepted" and not cancelled and speaker.email:
        return TicketView("on_accept", ticket_type=ticket_type)
    if answered == "accepted" and ticket_type.visibility == "code" and ticket_type.access_code:
        return TicketView("code", ticket_type=ticket_type, cancelled=cancelled)
    return TicketView("ask", ticket_type=ticket_type, cancelled=cancelled)


def portal_view(speaker: Speaker) -> PortalView:
    """What the speaker's page shows: their slots with the items, rooms and co-speakers (one
    query for all of them), the heading that follows their answers, and their ticket."""
    slots = list(db.session.scalars(
        select(SpeakerSlot).join(SpeakerSlot.item)
        .where(SpeakerSlot.speaker_id == speaker.id)
        .options(contains_eager(SpeakerSlot.item).selectinload(ProgrammeItem.room),
                 contains_eager(SpeakerSlot.item).selectinload(ProgrammeItem.slots)
                 .selectinload(SpeakerSlot.speaker))
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.id)
    ).unique())
    views = [SlotView(slot, [other for other in slot.item.slots
                             if other.speaker_id != speaker.id and other.state != "declined"])
             for slot in slots]
    answered = overall_answer(slots)
    return PortalView(
        speaker=speaker, answer=answered, slots=views,
        unanswered=any(s.state == "invited" and not s.item.cancelled for s in slots),
        ticket=_ticket_view(speaker, answered),
    )


def update_profile(speaker: Speaker, *, name, role_title, organisation, bio,
                   role_title_en="", bio_en="") -> None:
    speaker.name, speaker.role_title = name.strip(), role_title.strip()
    speaker.organisation, speaker.bio = organisation.strip(), bio.strip()
    speaker.role_title_en, speaker.bio_en = role_title_en.strip(), bio_en.strip()
    db.session.flush()


# --- photos -------------------------------------------------------------------------------------

def set_photo(speaker: Speaker, data: bytes) -> None:
    """Store the upload as a clean JPEG; raises photos.PhotoError (nothing stored) if refused."""
    speaker.photo = process_photo(data)
    speaker.photo_updated_at = utcnow()
    db.session.flush()


def remove_photo(speaker: Speaker) -> None:
    speaker.photo = None
    speaker.photo_updated_at = None
    db.session.flush()


def photo_version(speaker: Speaker) -> int | None:
    """Changes whenever the photo does, so its address can be cached for long."""
    if speaker.photo_updated_at is None:
        return None
    return int(speaker.photo_updated_at.timestamp())


def public_photo(speaker_id: int, *, include_drafts: bool = False) -> Speaker | None:
    """A speaker whose photo may be shown: of a published event (unless include_drafts) and in
    its published programme, on a slot they have not declined. The photo bytes are loaded
    with it."""
    query = (
        select(Speaker).join(Speaker.event)
        .where(Speaker.id == speaker_id, Speaker.photo.is_not(None))
        .options(undefer(Speaker.photo), contains_eager(Speaker.event))
    )
    if not include_drafts:
        query = query.where(Event.published.is_(True))
    speaker = db.session.scalar(query)
    if speaker is None:
        return None
    held = published_programme(speaker.event).speaker_ids(include_cancelled=True)
    return speaker if speaker.id in held else None


# --- public speaker pages -----------------------------------------------------------------------
# They show the published programme (app.programme.published): who speaks, and where, as the
# organiser last published it; each speaker's profile as the speaker keeps it now.

def public_speakers(event) -> list:
    """The profiles (app.programme.published.SpeakerProfile) of the speakers with at least one
    slot in the published programme on an item that takes place and that they have not
    declined, by name; a fixed number of queries."""
    programme = published_programme(event)
    held = programme.speaker_ids()
    return sorted((speaker for speaker_id, speaker in programme.speakers.items()
                   if speaker_id in held), key=lambda speaker: (speaker.name, speaker.id))


def public_speaker(event, speaker_id: int) -> tuple | None:
    """(the speaker's profile, the published items they hold that take place, in time order),
    or None if the speaker is not public."""
    programme = published_programme(event)
    speaker = programme.speakers.get(speaker_id)
    items = programme.items_of(speaker_id)
    return (speaker, items) if speaker is not None and items else None


# --- reminders ----------------------------------------------------------------------------------

def reminder_days() -> int:
    return int(current_app.config.get("SPEAKER_REMINDER_DAYS", 5))


def unanswered_before(now=None, after_days: int | None = None):
    """Invitations sent before this instant and still unanswered are overdue."""
    days = reminder_days() if after_days is None else after_days
    return (now or utcnow()) - timedelta(days=days)


def remind_unanswered(event=None, now=None, after_days: int | None = None) -> int:
    """Email each speaker who has left an invitation unanswered for `after_days` days (the
    SPEAKER_REMINDER_DAYS setting by default) once, listing all such slots, in their language.
    Only for items that have not started and are not cancelled. Returns how many emails were
    queued; the slots are marked as reminded in the same transaction, which is committed."""
    now = now or utcnow()
    query = (
        select(SpeakerSlot)
        .join(SpeakerSlot.speaker).join(SpeakerSlot.item)
        .where(
            SpeakerSlot.state == "invited",
            SpeakerSlot.invited_at.is_not(None),
            SpeakerSlot.invited_at <= unanswered_before(now, after_days),
            SpeakerSlot.reminded_at.is_(None),
            Speaker.email != "",
            ProgrammeItem.cancelled.is_(False),
            ProgrammeItem.starts_at > now,
        )
        .options(
            contains_eager(SpeakerSlot.speaker).joinedload(Speaker.event),
            contains_eager(SpeakerSlot.item).joinedload(ProgrammeItem.room),
        )
        .order_by(Speaker.id, ProgrammeItem.starts_at, SpeakerSlot.id)
    )
    if event is not None:
        query = query.where(Speaker.event_id == event.id)
    by_speaker: dict[int, list[SpeakerSlot]] = {}
    for slot in db.session.scalars(query).unique():
        by_speaker.setdefault(slot.speaker_id, []).append(slot)
    sent = 0
    for slots in by_speaker.values():
        # Mark first, and only slots nobody marked meanwhile: a run at the same time that got
        # there first has sent the reminder, so this one sends nothing.
        claimed = db.session.execute(
            update(SpeakerSlot)
            .where(SpeakerSlot.id.in_([slot.id for slot in slots]),
                   SpeakerSlot.reminded_at.is_(None))
            .values(reminded_at=now)
            .execution_options(synchronize_session="fetch")
        ).rowcount
        if claimed:
            _send_reminder(slots)
            sent += 1
    db.session.flush()
    return sent


def _send_reminder(slots: list[SpeakerSlot]) -> None:
    speaker = slots[0].speaker
    event = speaker.event
    subject, body, html = render_email(
        "speakers/email_reminder.txt", speaker.language,
        lambda: _("Reminder: please answer the invitation to %(event)s",
                  event=localized(event, "name")),
        speaker=speaker, event=event, items=[slot.item for slot in slots],
        link=absolute_url("speakers.portal", token=speaker.token),
    )
    queue_email(to=speaker.email, subject=subject, body=body, html=html, kind="speaker-reminder",
                event_id=event.id)
