"""Queue mail in the caller's transaction; deliver it after commit, exactly once, with retries.

A message is claimed by an atomic UPDATE (pending -> sending) before it is handed to the
transport, so two workers, a retry and a re-dispatch can never both send it. A message whose
sender died mid-send is reclaimed after CLAIM_TIMEOUT (longer than any SMTP timeout).

Delivery goes in batches: one UPDATE ... RETURNING claims up to DELIVERY_BATCH messages, they
go out over one SMTP session, a deferred attachment is drawn once per batch however many
messages carry it, and one UPDATE marks them all sent. Each message still fails on its own
(retried with back-off) and a batch stops taking messages well before its claim runs out."""

import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, make_msgid
from typing import NamedTuple

from flask import Flask, current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import and_, event, insert, or_, select, text, update
from sqlalchemy.orm import Session, object_session, selectinload

from app.database import sqlite_lock_on_begin
from app.db_types import utcnow
from app.extensions import db
from app.validators import one_line

from .models import EmailAttachment, OutgoingEmail
from .transport import SharedPart, Unreachable, get_transport

log = logging.getLogger(__name__)
CLAIM_TIMEOUT = timedelta(minutes=10)
# A batch takes no further message after this long (the rest go back to pending), so that it
# never still sends what another worker could reclaim.
SEND_WITHIN = CLAIM_TIMEOUT / 2
# Messages claimed (and sent over one connection) at a time; the sweep goes on claiming until
# nothing due is left.
DELIVERY_BATCH = 200
PURGED = "purged"  # the address of a message whose personal content was deleted
_NEW = "samla_outbox_new"
_COMMITTED = "samla_outbox_committed"
_BULK = "samla_outbox_bulk"


class Deferred(NamedTuple):
    """An attachment drawn when the message is sent: `source` is "<renderer>:<argument>"."""

    source: str


_RENDERERS: dict[str, Callable[[str, Session], bytes | None]] = {}


def attachment_renderer(name: str):
    """Register how a deferred attachment of this kind is drawn: function(argument, session)
    with the delivering session (not db.session, which may be mid-commit); None leaves it
    out."""
    def register(function):
        _RENDERERS[name] = function
        return function
    return register


def _attachment_data(attachment: EmailAttachment) -> bytes | None:
    if not attachment.source:
        return attachment.data
    name, _, argument = attachment.source.partition(":")
    return _RENDERERS[name](argument, object_session(attachment))


class SharedAttachments:
    """The deferred attachments of one batch that several of its messages carry (a
    postponement's calendar file, the same in thousands of notices): each is drawn and encoded
    once, as a SharedPart that the transport also turns into bytes once."""

    def __init__(self, emails: list[OutgoingEmail]):
        counts = Counter(attachment.source for email in emails
                         for attachment in email.attachments if attachment.source)
        self.repeated = {source for source, count in counts.items() if count > 1}
        self.parts: dict[tuple[str, str, str], SharedPart | None] = {}

    def part(self, attachment: EmailAttachment) -> SharedPart | None:
        key = (attachment.source, attachment.filename, attachment.content_type)
        if key not in self.parts:
            data = _attachment_data(attachment)
            self.parts[key] = None if data is None else _attachment_part(
                SharedPart(), attachment, data)
        return self.parts[key]


def _attachment_part(part, attachment: EmailAttachment, data: bytes):
    maintype, subtype, params = _content_type(attachment.content_type)
    part.set_content(data, maintype=maintype, subtype=subtype, filename=attachment.filename,
                     params=params)
    return part


def queue_email(*, to, subject, body, kind, html="", attachments=(), event_id=None,
                version_id=None):
    """Add a message to the current transaction. It is sent only if that transaction commits.
    `body` is the plain text and `html` the same message as HTML (render_email gives both).
    An attachment's data may be Deferred, to be drawn when the message is sent."""
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2].strip(">") or "samla.localhost"
    email = OutgoingEmail(
        kind=kind, to_address=to, subject=subject, body_text=body, body_html=html,
        message_id=make_msgid(domain=domain), event_id=event_id, version_id=version_id,
    )
    for filename, content_type, data in attachments:
        deferred = isinstance(data, Deferred)
        email.attachments.append(EmailAttachment(
            filename=filename, content_type=content_type, data=b"" if deferred else data,
            source=data.source if deferred else "",
        ))
    db.session.add(email)
    return email


class Mail(NamedTuple):
    """One message for queue_emails: what queue_email takes, as a row."""

    to: str
    subject: str
    body: str
    kind: str
    event_id: int | None = None
    attachments: tuple = ()
    html: str = ""


def queue_emails(mails: list[Mail]) -> list[int]:
    """Queue thousands of messages at once (a postponement's notices) in two bulk INSERTs
    instead of an ORM object each: the same rows queue_email writes, in the current
    transaction, handed to the workers after commit. Returns their ids."""
    if not mails:
        return []
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2].strip(">") or "samla.localhost"
    now = utcnow()
    rows = [dict(kind=mail.kind, to_address=mail.to, subject=mail.subject, body_text=mail.body,
                 body_html=mail.html, message_id=make_msgid(domain=domain), status="pending",
                 attempts=0, next_attempt_at=now, last_error="", created_at=now,
                 event_id=mail.event_id)
            for mail in mails]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ids = _copy_emails(connection, rows)
    else:
        ids = list(db.session.scalars(
            insert(OutgoingEmail).returning(OutgoingEmail.id, sort_by_parameter_order=True),
            rows))
    attachments = [
        dict(email_id=email_id, filename=filename, content_type=content_type,
             data=b"" if isinstance(data, Deferred) else data,
             source=data.source if isinstance(data, Deferred) else "")
        for email_id, mail in zip(ids, mails, strict=True)
        for filename, content_type, data in mail.attachments]
    if attachments and connection.dialect.name == "postgresql":
        _copy_attachments(connection, attachments)
    elif attachments:
        db.session.execute(insert(EmailAttachment), attachments)
    db.session.info.setdefault(_BULK, []).extend(ids)
    return ids


_COPIED = ("id", "kind", "to_address", "subject", "body_text", "body_html", "message_id",
           "status", "attempts", "next_attempt_at", "last_error", "created_at", "event_id")


def _copy_emails(connection, rows: list[dict]) -> list[int]:
    """PostgreSQL: the rows streamed by COPY (psycopg's copy), their ids drawn from the table's
    sequence first in one query. A many-VALUES INSERT ... RETURNING of thousands of messages
    spent seconds having each batch's statement parsed again on the client."""
    ids = sorted(connection.scalars(
        text("SELECT nextval(pg_get_serial_sequence('outgoing_email', 'id')) "
             "FROM generate_series(1, :count)"), {"count": len(rows)}))
    stamp = OutgoingEmail.__table__.c.created_at.type.process_bind_param
    columns = ", ".join(_COPIED)
    with connection.connection.cursor() as cursor, cursor.copy(
            f"COPY outgoing_email ({columns}) FROM STDIN") as copy:
        for email_id, row in zip(ids, rows, strict=True):
            copy.write_row([email_id, *(
                stamp(row[name], None) if name in ("next_attempt_at", "created_at")
                else row[name] for name in _COPIED[1:])])
    return ids


def _copy_attachments(connection, rows: list[dict]) -> None:
    """PostgreSQL: a postponement's thousands of (deferred) attachment rows by COPY too."""
    columns = ("email_id", "filename", "content_type", "data", "source")
    with connection.connection.cursor() as cursor, cursor.copy(
            f"COPY email_attachment ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def build_message(email: OutgoingEmail, shared: SharedAttachments | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    # A header is one line, and the email package refuses a line break in one: a name stored
    # with one (before the forms refused them) would make the message fail on every attempt.
    message["To"] = one_line(email.to_address)
    message["Subject"] = one_line(email.subject)
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(email.created_at)
    message["Auto-Submitted"] = "auto-generated"
    # multipart/alternative (text first, HTML last: clients show the last part they can),
    # wrapped in multipart/mixed by the first attachment.
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    for attachment in email.attachments:
        if shared is not None and attachment.source in shared.repeated:
            part = shared.part(attachment)
        else:
            data = _attachment_data(attachment)
            part = None if data is None else _attachment_part(
                MIMEPart(policy=message.policy), attachment, data)
        if part is None:
            continue
        if message.get_content_type() != "multipart/mixed":
            message.make_mixed()
        message.attach(part)
    # Our own random boundaries: left to the generator, it makes one per multipart and searches
    # the whole flattened message (a 150 KB calendar file) with a regular expression compiled
    # for it, to be sure the boundary does not occur in it; 128 random bits cannot be guessed.
    for part in message.walk():
        if part.is_multipart():
            part.set_boundary(f"=_samla_{secrets.token_hex(16)}")
    return message


def _content_type(value: str) -> tuple[str, str, dict[str, str]]:
    """'text/calendar; method=CANCEL; charset=utf-8' -> ('text', 'calendar', {...}). The
    parameters (set by our own code, never by a user) become Content-Type parameters."""
    kind, *rest = value.split(";")
    maintype, _, subtype = kind.strip().partition("/")
    params = {}
    for part in rest:
        key, _, text = part.partition("=")
        if key.strip() and text.strip():
            params[key.strip().lower()] = text.strip().strip('"')
    return maintype, subtype, params


def deliver(email_id: int, now=None) -> bool:
    """Send one message if it is due and nobody else holds it. True when this call sent it."""
    return deliver_many([email_id], now) == 1


def deliver_many(email_ids: list[int], now=None) -> int:
    """Send those of these messages that are due and held by nobody else, a batch at a time
    (what a commit hands to a worker). Returns how many this call sent."""
    now = now or utcnow()
    sent = 0
    with Session(db.engine) as session:
        for start in range(0, len(email_ids), DELIVERY_BATCH):
            claimed = _claim(session, now, ids=email_ids[start:start + DELIVERY_BATCH])
            sent += _send_claimed(session, claimed, now)
    return sent


def _claimable(now):
    return or_(
        and_(OutgoingEmail.status == "pending", OutgoingEmail.next_attempt_at <= now),
        and_(OutgoingEmail.status == "sending", OutgoingEmail.claimed_at < now - CLAIM_TIMEOUT),
    )


def _claim(session: Session, now, *, ids=None, after_id: int = 0, limit: int = 0) -> list[int]:
    """Take due messages for this worker in one atomic UPDATE (pending -> sending) and commit:
    the given ids, or the first `limit` due after `after_id`. Rows another worker is claiming
    at this moment are skipped (PostgreSQL's SKIP LOCKED; SQLite's BEGIN IMMEDIATE lets one
    writer in at a time), so two never take the same message and neither waits for the other.
    Returns the ids taken, in order."""
    if ids is not None and not ids:
        return []
    picked = select(OutgoingEmail.id).where(_claimable(now)).order_by(OutgoingEmail.id)
    picked = picked.where(OutgoingEmail.id.in_(ids)) if ids is not None else \
        picked.where(OutgoingEmail.id > after_id).limit(limit)
    picked = picked.with_for_update(skip_locked=True).cte("picked")
    claim = (update(OutgoingEmail)
             .where(OutgoingEmail.id.in_(select(picked.c.id)), _claimable(now))
             .values(status="sending", claimed_at=now)
             .execution_options(synchronize_session=False))
    with sqlite_lock_on_begin(True):
        if session.bind.dialect.update_returning:
            claimed = sorted(session.scalars(claim.returning(OutgoingEmail.id)))
        else:  # an SQLite older than 3.35: the same claim, one candidate at a time
            candidates = session.scalars(select(picked.c.id)).all()
            claimed = [email_id for email_id in sorted(candidates) if session.execute(
                update(OutgoingEmail).where(OutgoingEmail.id == email_id, _claimable(now))
                .values(status="sending", claimed_at=now)
                .execution_options(synchronize_session=False)).rowcount]
        session.commit()
    return claimed


class _Outcome(NamedTuple):
    sent: list[int]
    failed: list[tuple[int, int, str, str]]  # (id, attempts before, to, error)
    released: list[int]  # not tried: the claim would have run out before


def _send_claimed(session: Session, claimed: list[int], now) -> int:
    """Send the messages this worker claimed over one connection, then record every outcome
    in one transaction: one UPDATE for all that were sent, one per failure. Each message
    fails alone (a refused address, an attachment that cannot be drawn); a mail server that
    cannot be reached fails the rest of the batch without trying each. Returns how many were
    sent."""
    if not claimed:
        return 0
    # Only reading until the outcomes are written: on SQLite a plain BEGIN, so requests can
    # write meanwhile (BEGIN IMMEDIATE would hold the write lock for the whole batch).
    with sqlite_lock_on_begin(False):
        emails = session.scalars(
            select(OutgoingEmail).where(OutgoingEmail.id.in_(claimed))
            .options(selectinload(OutgoingEmail.attachments)).order_by(OutgoingEmail.id)).all()
        outcome = _send(emails)
        session.rollback()
    with sqlite_lock_on_begin(True):
        _record(session, outcome, now)
        session.commit()
    for email_id, _attempts, to, error in outcome.failed:
        log.warning("Mail %s to %s not delivered: %s", email_id, to, error)
    return len(outcome.sent)


def _send(emails: list[OutgoingEmail]) -> _Outcome:
    outcome = _Outcome([], [], [])
    shared = SharedAttachments(emails)
    deadline = time.monotonic() + SEND_WITHIN.total_seconds()
    with _connection(get_transport()) as transport:
        for position, email in enumerate(emails):
            if time.monotonic() > deadline:
                outcome.released.extend(e.id for e in emails[position:])
                break
            try:
                transport.send(build_message(email, shared), email.id)
            except Unreachable as error:
                outcome.failed.extend((e.id, e.attempts, e.to_address, str(error))
                                      for e in emails[position:])
                break
            except Exception as error:  # this message only: keep it, retry it later
                outcome.failed.append((email.id, email.attempts, email.to_address,
                                       f"{type(error).__name__}: {error}"))
            else:
                outcome.sent.append(email.id)
    return outcome


def _connection(transport):
    """The transport's one connection for a batch; a transport that sends each message by
    itself is its own."""
    opener = getattr(transport, "connection", None)
    return opener() if opener is not None else nullcontext(transport)


def _record(session: Session, outcome: _Outcome, now) -> None:
    """Write what happened to the claimed messages (still "sending" with this claim's time:
    a claim that ran out and was taken over is the new holder's to write)."""
    ours = and_(OutgoingEmail.status == "sending", OutgoingEmail.claimed_at == now)
    if outcome.sent:
        session.execute(
            update(OutgoingEmail).where(OutgoingEmail.id.in_(outcome.sent), ours)
            .values(status="sent", attempts=OutgoingEmail.attempts + 1, sent_at=utcnow(),
                    last_error="")
            .execution_options(synchronize_session=False))
    if outcome.released:
        session.execute(
            update(OutgoingEmail).where(OutgoingEmail.id.in_(outcome.released), ours)
            .values(status="pending", claimed_at=None)
            .execution_options(synchronize_session=False))
    limit = current_app.config["MAIL_MAX_ATTEMPTS"]
    for email_id, attempts, _to, error in outcome.failed:
        attempts += 1
        session.execute(
            update(OutgoingEmail).where(OutgoingEmail.id == email_id, ours)
            .values(attempts=attempts, last_error=error[:2000], claimed_at=None,
                    **({"status": "failed"} if attempts >= limit else
                       {"status": "pending", "next_attempt_at": now + backoff(attempts)}))
            .execution_options(synchronize_session=False))


def due_ids(now=None, limit: int = 200, after_id: int = 0) -> list[int]:
    now = now or utcnow()
    with Session(db.engine) as session:
        return list(
            session.scalars(
                select(OutgoingEmail.id)
                .where(_claimable(now), OutgoingEmail.id > after_id)
                .order_by(OutgoingEmail.id)
                .limit(limit)
            )
        )


def deliver_due(now=None, batch_size: int | None = None) -> int:
    """Send everything that is due (retries included), claiming a batch at a time until none is
    left. Returns how many were sent. Each batch starts after the last id of the one before,
    so a message that fails again (its back-off makes it wait) is not met twice in one run."""
    now = now or utcnow()
    batch_size = batch_size or DELIVERY_BATCH
    sent, last_id = 0, 0
    with Session(db.engine) as session:
        while claimed := _claim(session, now, after_id=last_id, limit=batch_size):
            sent += _send_claimed(session, claimed, now)
            last_id = claimed[-1]
    return sent


def retry_failed(email_id: int) -> bool:
    """An organiser asks to try a message that gave up again (not one emptied by a purge)."""
    changed = db.session.execute(
        update(OutgoingEmail)
        .where(OutgoingEmail.id == email_id, OutgoingEmail.status == "failed",
               OutgoingEmail.to_address != PURGED)
        .values(status="pending", next_attempt_at=utcnow(), attempts=0)
    ).rowcount
    return bool(changed)


def dispatch(ids: list[int]) -> None:
    """Hand freshly committed messages to a worker, a batch per task, or deliver them now
    without one."""
    app = current_app._get_current_object()
    batches = [ids[start:start + DELIVERY_BATCH] for start in range(0, len(ids), DELIVERY_BATCH)]
    if "celery" in app.extensions:
        celery = app.extensions["celery"]
        for batch in batches:
            try:
                celery.send_task("samla.deliver_emails", args=[batch])
            except Exception:  # broker down: the periodic sweep will find the messages
                log.exception("Could not queue mail %s for a worker", batch)
        return
    for batch in batches:
        try:
            deliver_many(batch)
        except Exception:
            log.exception("Delivery of mail %s failed unexpectedly", batch)


@event.listens_for(FlaskSession, "after_flush")
def _remember_new(session, _context):
    new = [obj for obj in session.new if isinstance(obj, OutgoingEmail)]
    if new:
        session.info.setdefault(_NEW, []).extend(new)


@event.listens_for(FlaskSession, "before_commit")
def _collect_ids(session):
    # Releasing a savepoint commits nothing yet: its messages wait for the real commit.
    if session.in_nested_transaction():
        return
    # Flush first, so ids exist; after commit the objects are expired and SQL is not allowed.
    session.flush()
    session.info[_COMMITTED] = [obj.id for obj in session.info.pop(_NEW, []) if obj.id] + \
        session.info.pop(_BULK, [])


@event.listens_for(FlaskSession, "after_commit")
def _dispatch_after_commit(session):
    ids = session.info.pop(_COMMITTED, [])
    if ids and current_app and not current_app.config.get("OUTBOX_HOLD"):
        dispatch(ids)


@event.listens_for(FlaskSession, "after_rollback")
def _forget(session):
    session.info.pop(_NEW, None)
    session.info.pop(_BULK, None)
    session.info.pop(_COMMITTED, None)


def init_app(app: Flask) -> None:
    @app.cli.group("outbox")
    def outbox_cli():
        """Deliver queued mail."""

    @outbox_cli.command("deliver")
    def deliver_command():
        """Send every message that is due, retries included."""
        print(f"sent: {deliver_due()}")
