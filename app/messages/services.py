"""Messages to an event's attendees: who is in an audience, which version each person reads,
the preview, and sending through the outbox.

An audience is everyone registered (confirmed registrations; cancelled ones, seats held for a
card payment and expired ones never get a message), or of them: those with one ticket type,
those not checked in at the entrance (an undone check-in counts as not checked in), or those
signed up for one programme item that takes sign-ups (a workshop).

A message has a subject and a text in Swedish and in English; each person reads the version of
their registration's language, or the other when that one is empty. `{namn}` and `{name}` in
either become the person's name; nothing else in the text is interpreted (it is plain text,
never HTML). Sending writes the Message, one email per recipient through the outbox and one
MessageRecipient linking them, in the caller's transaction; the form's nonce (unique per
event) makes a second submit of the same form find the first message instead of sending
again."""

import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.checkin.models import CheckIn
from app.db_types import utcnow
from app.errors import Refusal
from app.events.models import Event
from app.extensions import db
from app.mail.models import OutgoingEmail
from app.mail.outbox import queue_email
from app.mail.render import absolute_url_maker, render_email
from app.programme.models import SessionSignup
from app.programme.signups import signup_items
from app.registration.models import Registration
from app.tickets.models import TicketType

from .models import Message, MessageRecipient

LANGUAGES = ("sv", "en")
LANGUAGE_NAMES = {"sv": _l("Swedish"), "en": _l("English")}
# Written where the person's name goes; both spellings, whichever language the text is in.
PLACEHOLDERS = ("{namn}", "{name}")
NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
SUBJECT_MAX = 200
BODY_MAX = 20_000
PAGE_SIZE = 100
# Markers for the name and the personal link while a version is rendered once for everyone: a
# NUL cannot be in what the organiser wrote (the form refuses control characters).
_NAME, _LINK = "\x00name\x00", "\x00link\x00"
_EMAIL_SUBJECT_MAX = 300  # OutgoingEmail.subject


class MessageError(Refusal):
    status = 400


class MessageNotFound(Refusal):
    status = 404


# --- audiences -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Audience:
    kind: str  # one of models.AUDIENCES
    ref: int | None = None  # the ticket type's or programme item's id
    name: str = ""  # its name

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.ref}" if self.ref is not None else self.kind

    @property
    def label(self) -> str:
        return audience_label(self.kind, self.name)


def audience_label(kind: str, name: str = "") -> str:
    if kind == "ticket":
        return _("Ticket type: %(name)s", name=name)
    if kind == "not_checked_in":
        return _("Registered, not checked in at the entrance")
    if kind == "item":
        return _("Signed up for: %(title)s", title=name)
    return _("Everyone registered")


def audiences(event: Event) -> list[Audience]:
    """What the organiser may write to: everyone, each ticket type, those not checked in, and
    each item that takes sign-ups (cancelled ones too: their people may need to hear)."""
    tickets = db.session.scalars(
        select(TicketType).where(TicketType.event_id == event.id)
        .order_by(TicketType.position, TicketType.id))
    return (
        [Audience("all")]
        + [Audience("ticket", ticket.id, ticket.name) for ticket in tickets]
        + [Audience("not_checked_in")]
        + [Audience("item", item.id, item.title) for item in signup_items(event)]
    )


def audience_for(event: Event, value: str) -> Audience:
    """The audience a form sent (its value, "ticket:3"); one of another event is refused as an
    unknown one."""
    for audience in audiences(event):
        if audience.value == value:
            return audience
    raise MessageError(_l("Choose who gets the message from the list."))


def _recipients(event: Event, audience: Audience):
    """The audience's confirmed registrations as a query of their rows."""
    query = select(Registration.id, Registration.name, Registration.email,
                   Registration.language, Registration.manage_token).where(
        Registration.event_id == event.id, Registration.status == "confirmed")
    if audience.kind == "ticket":
        query = query.where(Registration.ticket_type_id == audience.ref)
    elif audience.kind == "not_checked_in":
        query = query.where(~exists().where(CheckIn.registration_id == Registration.id,
                                            CheckIn.arrived()))
    elif audience.kind == "item":
        query = query.where(exists().where(SessionSignup.registration_id == Registration.id,
                                           SessionSignup.item_id == audience.ref))
    elif audience.kind != "all":
        raise MessageError(_l("Choose who gets the message from the list."))
    return query


def recipients(event: Event, audience: Audience) -> list:
    """(id, name, email, language, manage_token) of each person in the audience, by name."""
    return db.session.execute(
        _recipients(event, audience).order_by(Registration.name, Registration.id)).all()


# --- versions ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Draft:
    """What the organiser wrote: a subject and a text per language, either may be empty."""

    subject_sv: str = ""
    body_sv: str = ""
    subject_en: str = ""
    body_en: str = ""

    def subject(self, language: str) -> str:
        return getattr(self, f"subject_{language}")

    def body(self, language: str) -> str:
        return getattr(self, f"body_{language}")

    def written(self, language: str) -> bool:
        return bool(self.subject(language).strip() and self.body(language).strip())

    @property
    def languages(self) -> list[str]:
        """The languages with a whole version (subject and text)."""
        return [language for language in LANGUAGES if self.written(language)]

    def version_for(self, language: str) -> str:
        """The version a person registered in `language` reads: their own, or else the other."""
        language = language if language in LANGUAGES else "sv"
        if self.written(language):
            return language
        other = [written for written in self.languages if written != language]
        if not other:
            raise MessageError(_l("Write a subject and a text in Swedish, in English or in "
                                  "both."))
        return other[0]


def personal(text: str, name: str) -> str:
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, name)
    return text


@dataclass(frozen=True)
class Version:
    """One language's email, rendered once: the name and the personal link are filled in per
    person (escaped in the HTML)."""

    subject: str
    body: str
    html: str

    def for_person(self, name: str, link: str) -> tuple[str, str, str]:
        subject = self.subject.replace(_NAME, name)[:_EMAIL_SUBJECT_MAX]
        return (subject, self.body.replace(_NAME, name).replace(_LINK, link),
                self.html.replace(_NAME, escape(name)).replace(_LINK, escape(link)))


def render_version(event: Event, draft: Draft, language: str) -> Version:
    subject, body, html = render_email(
        "messages/email_message.txt", language, lambda: personal(draft.subject(language), _NAME),
        event=event, text=personal(draft.body(language), _NAME), link=_LINK,
    )
    return Version(subject, body, html)


# --- preview -------------------------------------------------------------------------------------

@dataclass
class Preview:
    audience: Audience
    count: int
    # Recipients per version they read, and per language they registered in.
    by_version: dict[str, int] = field(default_factory=dict)
    by_registration: dict[str, int] = field(default_factory=dict)
    # Version -> (subject, text) as its first recipient reads it.
    samples: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def fallbacks(self) -> dict[str, int]:
        """Language registered in -> how many of them read the other version."""
        return {language: count for language, count in self.by_registration.items()
                if count and language not in self.samples}


def preview(event: Event, audience: Audience, draft: Draft) -> Preview:
    """How many get the message, in which version, and what it says: each written version
    rendered as its first recipient reads it (an example name when nobody reads it). The
    personal link is shown shortened. Reads only."""
    rows = recipients(event, audience)
    by_registration = Counter(row.language if row.language in LANGUAGES else "sv"
                              for row in rows)
    by_version = Counter()
    for language, count in by_registration.items():
        by_version[draft.version_for(language)] += count
    link = absolute_url_maker("registration.manage")("…")
    samples = {}
    for language in draft.languages:
        first = next((row for row in rows if draft.version_for(row.language) == language), None)
        with force_locale(language):
            name = first.name if first is not None else _("Alva Persson")
        samples[language] = render_version(event, draft, language).for_person(name, link)[:2]
    return Preview(audience, len(rows), dict(by_version), dict(by_registration), samples)


# --- sending -------------------------------------------------------------------------------------

def new_nonce() -> str:
    """The form's one-time key, made when the empty form is shown."""
    return secrets.token_urlsafe(24)


def check_nonce(nonce: str) -> str:
    if not isinstance(nonce, str) or not NONCE.fullmatch(nonce):
        raise MessageError(_l("The form is incomplete. Reload the page and write the message "
                              "again."))
    return nonce


def _by_nonce(event: Event, nonce: str) -> Message | None:
    return db.session.scalar(
        select(Message).where(Message.event_id == event.id, Message.nonce == nonce))


def _author(user) -> tuple[int | None, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    return user.id, f"{user.name} <{user.email}>"


def send(event: Event, user, audience: Audience, draft: Draft, nonce: str,
         now: datetime | None = None) -> tuple[Message, bool]:
    """Send the message to everyone in the audience, each in their version, through the
    outbox. Returns (message, True), or (the message this form already sent, False) for a
    second submit of the same form. Refuses an empty audience and a message with no version."""
    check_nonce(nonce)
    already = _by_nonce(event, nonce)
    if already is not None:
        return already, False
    if not draft.languages:
        raise MessageError(_l("Write a subject and a text in Swedish, in English or in both."))
    rows = recipients(event, audience)
    if not rows:
        raise MessageError(_l("Nobody is in this group right now, so there is nobody to send "
                              "the message to."))
    author_id, author = _author(user)
    message = Message(
        event_id=event.id, author_id=author_id, author=author, audience=audience.kind,
        audience_ref=audience.ref, audience_name=audience.name, nonce=nonce,
        subject_sv=draft.subject_sv, body_sv=draft.body_sv, subject_en=draft.subject_en,
        body_en=draft.body_en, recipient_count=len(rows), created_at=now or utcnow())
    try:
        # Two submits at the same moment: the unique nonce lets one in; the other finds it.
        with db.session.begin_nested():
            db.session.add(message)
            db.session.flush()
    except IntegrityError:
        already = _by_nonce(event, nonce)
        if already is None:
            raise
        return already, False
    versions = {language: render_version(event, draft, language)
                for language in draft.languages}
    link = absolute_url_maker("registration.manage")
    for row in rows:
        language = draft.version_for(row.language)
        subject, body, html = versions[language].for_person(row.name, link(row.manage_token))
        email = queue_email(to=row.email, subject=subject, body=body, html=html, kind="message",
                            event_id=event.id)
        db.session.add(MessageRecipient(message=message, registration_id=row.id, email=email,
                                        language=language))
    record(event, user, "message.sent", {
        "message": message.id, "audience": audience.label, "recipients": len(rows),
        "languages": {language: count for language, count in
                      Counter(draft.version_for(row.language) for row in rows).items()},
    })
    db.session.flush()
    return message, True


# --- what was sent -------------------------------------------------------------------------------

def messages_of(event: Event) -> list[Message]:
    return list(db.session.scalars(
        select(Message).where(Message.event_id == event.id)
        .order_by(Message.created_at.desc(), Message.id.desc())))


def delivery_counts(message_ids: list[int]) -> dict[int, dict[str, int]]:
    """Message id -> {email status: how many}, for a list of messages: one query."""
    counts: dict[int, dict[str, int]] = {message_id: {} for message_id in message_ids}
    if not message_ids:
        return counts
    rows = db.session.execute(
        select(MessageRecipient.message_id, OutgoingEmail.status, func.count())
        .join(OutgoingEmail, OutgoingEmail.id == MessageRecipient.email_id)
        .where(MessageRecipient.message_id.in_(message_ids))
        .group_by(MessageRecipient.message_id, OutgoingEmail.status))
    for message_id, status, count in rows:
        counts[message_id][status] = count
    return counts


def message_in(event: Event, message_id: int) -> Message:
    message = db.session.get(Message, message_id)
    if message is None or message.event_id != event.id:
        raise MessageNotFound(_l("There is no such message."))
    return message


@dataclass
class RecipientPage:
    rows: list  # (MessageRecipient, Registration or None, OutgoingEmail or None)
    number: int
    pages: int


def recipient_page(message: Message, number: int = 1) -> RecipientPage:
    """Who got the message, by name, a page at a time, with their email's delivery status."""
    pages = max(1, -(-message.recipient_count // PAGE_SIZE))
    if not 1 <= number <= pages:
        raise MessageNotFound(_l("There is no such page."))
    rows = db.session.execute(
        select(MessageRecipient, Registration, OutgoingEmail)
        .outerjoin(Registration, Registration.id == MessageRecipient.registration_id)
        .outerjoin(OutgoingEmail, OutgoingEmail.id == MessageRecipient.email_id)
        .where(MessageRecipient.message_id == message.id)
        .order_by(Registration.name, MessageRecipient.id)
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()
    return RecipientPage(rows, number, pages)

