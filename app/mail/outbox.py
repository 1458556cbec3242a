"""Queue mail in the caller's transaction; deliver it after commit, exactly once, with retries.

A message is claimed by one atomic UPDATE (pending -> sending) before it is handed to the
transport, so two workers, a retry and a re-dispatch can never both send it. A message whose
sender died mid-send is reclaimed after CLAIM_TIMEOUT (longer than any SMTP timeout)."""

import logging
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import NamedTuple

from flask import Flask, current_app
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import and_, event, insert, or_, select, text, update
from sqlalchemy.orm import Session, object_session

from app.db_types import utcnow
from app.extensions import db
from app.validators import one_line

from .models import EmailAttachment, OutgoingEmail
from .transport import get_transport

log = logging.getLogger(__name__)
CLAIM_TIMEOUT = timedelta(minutes=10)
# Ids read per query by the sweep; it goes on reading until nothing due is left.
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
    if attachments:
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


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


def build_message(email: OutgoingEmail) -> EmailMessage:
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
        data = _attachment_data(attachment)
        if data is None:
            continue
        maintype, subtype, params = _content_type(attachment.content_type)
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=attachment.filename,
            params=params,
        )
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
    now = now or utcnow()
    with Session(db.engine) as session:
        claimed = session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id == email_id, _claimable(now))
            .values(status="sending", claimed_at=now)
        ).rowcount
        session.commit()
        if not claimed:
            return False
        email = session.get(OutgoingEmail, email_id)
        try:
            get_transport().send(build_message(email), email.id)
        except Exception as error:  # any failure of the transport: keep the message, retry later
            email.attempts += 1
            email.last_error = f"{type(error).__name__}: {error}"[:2000]
            email.claimed_at = None
            if email.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
                email.status = "failed"
            else:
                email.status = "pending"
                email.next_attempt_at = now + backoff(email.attempts)
            session.commit()
            log.warning("Mail %s to %s not delivered: %s", email.id, email.to_address, error)
            return False
        email.attempts += 1
        email.status = "sent"
        email.sent_at = utcnow()
        email.last_error = ""
        session.commit()
        return True


def _claimable(now):
    return or_(
        and_(OutgoingEmail.status == "pending", OutgoingEmail.next_attempt_at <= now),
        and_(OutgoingEmail.status == "sending", OutgoingEmail.claimed_at < now - CLAIM_TIMEOUT),
    )


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
    """Send everything that is due (retries included), a batch of ids at a time until none is
    left. Returns how many were sent. Each batch starts after the last id of the one before,
    so a message that fails again (its back-off makes it wait) is not met twice in one run."""
    now = now or utcnow()
    batch_size = batch_size or DELIVERY_BATCH
    sent, last_id = 0, 0
    while ids := due_ids(now, batch_size, after_id=last_id):
        sent += sum(deliver(email_id, now) for email_id in ids)
        last_id = ids[-1]
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
    """Hand freshly committed messages to a worker, or deliver them now without one."""
    app = current_app._get_current_object()
    if "celery" in app.extensions:
        celery = app.extensions["celery"]
        for email_id in ids:
            try:
                celery.send_task("samla.deliver_email", args=[email_id])
            except Exception:  # broker down: the periodic sweep will find the message
                log.exception("Could not queue mail %s for a worker", email_id)
        return
    for email_id in ids:
        try:
            deliver(email_id)
        except Exception:
            log.exception("Delivery of mail %s failed unexpectedly", email_id)


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
