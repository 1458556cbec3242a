"""Writing the audit log, and reading one event's log a page at a time.

`record(event, user, action, detail)` adds one entry in the caller's unit of work (it flushes
and never commits), so the entry is stored exactly when what it describes is: a refusal that
undoes the action undoes its entry too. `detail` says what exactly (how many rows, which
columns, which order, how much) and never holds the personal data itself."""

from dataclasses import dataclass
from datetime import date, datetime
from math import ceil

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import money, signals
from app.db_types import utcnow
from app.errors import Refusal
from app.extensions import db

from .models import AuditEntry

PAGE_SIZE = 50

# What each action code reads as on the organiser's page; an unknown code shows as it is.
ACTIONS = {
    "export.attendees": _l("Exported the attendee list"),
    "export.door_list": _l("Printed the door list"),
    "export.badges": _l("Printed badges"),
    "export.signups": _l("Exported sign-up lists"),
    "export.invoices": _l("Exported the invoices"),
    "programme.published": _l("Published the programme"),
    "event.postponed": _l("Postponed the event"),
    "event.cancelled": _l("Cancelled the event"),
    "programme.item_cancelled": _l("Cancelled a programme item"),
    "order.refunded": _l("Refunded an order"),
    "registration.cancelled": _l("Cancelled a registration"),
    "event.purged": _l("Deleted personal data"),
    "event.sensitive_purged": _l("Deleted sensitive answers"),
    "attendee.data_exported": _l("The attendee exported their data"),
    "statement.updated": _l("Changed the accessibility statement"),
    "team.invited": _l("Invited someone to the team"),
    "team.invitation_withdrawn": _l("Withdrew an invitation to the team"),
    "team.member_added": _l("Added a member to the team"),
    "team.role_changed": _l("Changed a team member's role"),
    "team.member_removed": _l("Removed a member from the team"),
    "message.sent": _l("Sent a message to attendees"),
    "invoices.reminded": _l("Sent reminders of overdue invoices"),
    "course.attendance_marked": _l("Marked attendance by hand"),
    "course.attendance_unmarked": _l("Took back attendance by hand"),
    "course.certificates_issued": _l("Issued certificates of attendance"),
    "course.certificate_revoked": _l("Revoked a certificate"),
    "course.certificate_reissued": _l("Issued a certificate again"),
    "einvoices.sent": _l("Sent e-invoices"),
}

DETAILS = {
    "format": _l("Format"),
    "rows": _l("Rows"),
    "columns": _l("Columns"),
    "sensitive_columns": _l("Sensitive columns"),
    "statuses": _l("Registrations"),
    "layout": _l("Layout"),
    "items": _l("Items"),
    "people": _l("People"),
    "version": _l("Version"),
    "changes": _l("Changes"),
    "item": _l("Item"),
    "order": _l("Order"),
    "amount": _l("Amount"),
    "registration": _l("Registration"),
    "purged": _l("Deleted or anonymised"),
    "message": _l("Message"),
    "audience": _l("To"),
    "recipients": _l("Recipients"),
    "languages": _l("Versions"),
    "sv": _l("Swedish"),
    "en": _l("English"),
    "reminders": _l("Reminders"),
    "invoices": _l("Invoices"),
    "automatic": _l("Automatic"),
    # E-invoices: a period's zip and what was handed to the transmission folder.
    "first_day": _l("From"),
    "last_day": _l("To"),
    "credit_notes": _l("Credit notes"),
    "documents": _l("Documents"),
    "failed": _l("Not sent"),
    "folder": _l("Folder"),
    # What a purge counts (app/registration/privacy.py).
    "sensitive": _l("sensitive details"),
    "answers": _l("answers"),
    "waiting_list": _l("waiting-list entries"),
    "stars": _l("programme choices"),
    "roles": _l("roles"),
    "anonymised": _l("cancelled registrations"),
    "orders": _l("unpaid orders"),
    "mail": _l("emails"),
    "annul_reasons": _l("reasons for undone check-ins"),
    "scan_records": _l("door device records"),
    "sensitive_answers": _l("answers to sensitive questions"),
    "phones": _l("phone numbers"),
    # A purge Samla ran by itself when the event's retention period ran out.
    "retention_days": _l("Days after the event"),
    # A change of the accessibility statement.
    "compliance": _l("Compliance"),
    "reviewed_on": _l("Reviewed"),
    # Courses: attendance marked by hand, certificates.
    "session": _l("Session"),
    "reason": _l("Reason"),
    "certificate": _l("Certificate"),
    "replaces": _l("Replaces"),
}


class AuditPageNotFound(Refusal):
    status = 404


def _plain(value):
    """What the JSON column can store: lazy translations as text, tuples and sets as lists,
    dates as ISO text."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _actor(user) -> tuple[int | None, str]:
    """The account's id and, as text, who it was ("" when Samla acted by itself)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    return user.id, f"{user.name} <{user.email}>"


def record(event, user, action: str, detail: dict | None = None,
           now: datetime | None = None) -> AuditEntry:
    """Add one entry to the log: `event` (or None for the whole installation), `user` who did
    it (None, or not logged in, when Samla did it by itself), `action` a code from ACTIONS and
    `detail` a small dict of what exactly. Flushes; the caller's unit of work commits."""
    user_id, actor = _actor(user)
    entry = AuditEntry(event_id=event.id if event is not None else None, user_id=user_id,
                       actor=actor, action=action, detail=_plain(detail or {}),
                       created_at=now or utcnow())
    db.session.add(entry)
    db.session.flush()
    return entry


@dataclass
class LogPage:
    entries: list[AuditEntry]
    number: int
    pages: int
    total: int


def log_page(event, number: int = 1) -> LogPage:
    """One page of the event's log, newest first (two queries, however long the log)."""
    total = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.event_id == event.id))
    pages = max(1, ceil(total / PAGE_SIZE))
    if not 1 <= number <= pages:
        raise AuditPageNotFound(_l("There is no such page of the log."))
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event_id == event.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    ).all()
    return LogPage(list(entries), number, pages, total)


def action_label(entry: AuditEntry) -> str:
    return str(ACTIONS.get(entry.action, entry.action))


def actor_label(entry: AuditEntry) -> str:
    """Who did it: the account as it was then; an attendee acting through their own link
    (actions "attendee.*", no account, and no name kept in the log); or Samla by itself."""
    if entry.actor:
        return entry.actor
    if entry.action.startswith("attendee."):
        return _("The attendee, through their own link")
    return _("Samla (automatically)")


def _text(value) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{DETAILS.get(key, key)}: {_text(item)}" for key, item in value.items())
    return str(value)


def describe(entry: AuditEntry) -> list[tuple[str, str]]:
    """The entry's detail as (label, text) pairs for people; an amount in öre is shown as
    money, in its currency."""
    detail = dict(entry.detail or {})
    shown = []
    if "amount_ore" in detail:
        amount = detail.pop("amount_ore")
        shown.append((str(DETAILS["amount"]),
                      money.format(int(amount), detail.pop("currency", "SEK"))))
    for key, value in detail.items():
        shown.append((str(DETAILS.get(key, key)), _text(value)))
    return shown


@signals.team_changed.connect
def record_team_change(event, user=None, action: str = "", detail: dict | None = None):
    """Teams say who changed an event's team; the log keeps it with the change."""
    record(event, user, action, detail)
