"""Sensitive data: dietary and accessibility needs for the caterer and the venue as counts, never
names; and the purge of the event's personal data once it is over.

What the purge deletes, in one transaction:
- every registration's dietary and accessibility needs and the consent to them, and phone
  numbers;
- every answer to the event's custom questions (the questions themselves stay);
- the event's waiting list (a seat held by an open offer goes back on sale);
- the attendees' personal programme stars;
- the names, email addresses, organisations and roles of cancelled and expired registrations
  (they never came: nothing about them needs to be kept): the name becomes empty (shown as
  "Anonymised") and the address anonymised-<id>@invalid.
- the address, text and attachments (badges, receipts, invoices) of the event's sent and
  failed emails; their status stays, as the programme versions count what was delivered.

What it keeps, and why:
- orders with buyer, billing details, amounts, VAT, payment and refund state, invoice numbers
  and Stripe references: they are accounting records, which the Swedish Bookkeeping Act
  (bokföringslagen 7 kap.) requires to be kept for seven years;
- confirmed registrations' name, email, organisation and ticket, what each seat cost, and
  their check-ins: who a receipt or invoice was for and who attended (certificates,
  statistics, the price paid per seat belongs to the accounting record);
- workshop sign-ups and anonymous feedback.
The event's personal_data_purged_at records when it happened; the forms say so afterwards."""

import csv
import io
import re
from collections import Counter
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from app import seats
from app.db_types import utcnow
from app.events.models import Event
from app.extensions import db
from app.mail.models import EmailAttachment, OutgoingEmail
from app.waitlist.models import WaitingListEntry

from .models import PersonalProgrammeEntry, Registration
from .questions import clear_answers_of_event

ANONYMISED_DOMAIN = "@invalid"


def normalise_need(text: str) -> str:
    """"  Vegetarisk. " and "vegetarisk" count as the same answer."""
    text = re.sub(r"\s+", " ", (text or "").strip().lower())
    return text.strip(" .,;:!-")


def needs_summary(event: Event) -> dict:
    """Counts of the confirmed attendees' needs: identical (normalised) dietary answers grouped,
    most common first; accessibility needs only counted (a described need in a small group
    points at a person)."""
    rows = db.session.execute(
        select(Registration.dietary_needs, Registration.accessibility_needs).where(
            Registration.event_id == event.id, Registration.status == "confirmed")
    ).all()
    dietary = Counter(normalise_need(diet) for diet, _access in rows if normalise_need(diet))
    return {
        "dietary": sorted(dietary.items(), key=lambda pair: (-pair[1], pair[0])),
        "dietary_total": sum(dietary.values()),
        "accessibility": sum(1 for _diet, access in rows if (access or "").strip()),
        "attendees": len(rows),
    }


def needs_csv(event: Event) -> bytes:
    """The summary as CSV for the caterer and the venue: what and how many, no names."""
    summary = needs_summary(event)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Kind"), _("Need"), _("Attendees")])
    for need, count in summary["dietary"]:
        writer.writerow([_("Dietary needs"), _spreadsheet_safe(need), count])
    writer.writerow([_("Accessibility needs"), _("All kinds"), summary["accessibility"]])
    writer.writerow([_("Registered"), "", summary["attendees"]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _spreadsheet_safe(value: str) -> str:
    """Attendees type these: keep a spreadsheet from running them as formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _delete_waiting_list(event: Event) -> int:
    """An open offer holds a seat: it goes back on sale (not to the next in line, who is being
    deleted too)."""
    offered = db.session.execute(
        select(WaitingListEntry.ticket_type_id).where(
            WaitingListEntry.event_id == event.id, WaitingListEntry.status == "offered")
    ).scalars().all()
    for ticket_type_id in offered:
        seats.give_back(event.id, ticket_type_id)
    return db.session.execute(
        delete(WaitingListEntry).where(WaitingListEntry.event_id == event.id)
        .execution_options(synchronize_session=False)
    ).rowcount


def _empty_sent_mail(event: Event) -> int:
    """Sent and failed messages keep their status (programme versions count them) but lose
    what was personal: address, text and attachments (badges, invoices: the order keeps what
    bookkeeping needs and makes them again)."""
    done = select(OutgoingEmail.id).where(OutgoingEmail.event_id == event.id,
                                          OutgoingEmail.status.in_(("sent", "failed")),
                                          OutgoingEmail.body_text != "")
    ids = list(db.session.scalars(done))
    if not ids:
        return 0
    db.session.execute(delete(EmailAttachment).where(EmailAttachment.email_id.in_(ids))
                       .execution_options(synchronize_session=False))
    db.session.execute(
        update(OutgoingEmail).where(OutgoingEmail.id.in_(ids))
        .values(to_address="purged", body_text="", last_error="")
        .execution_options(synchronize_session=False)
    )
    return len(ids)


def purge(event: Event, now: datetime | None = None) -> dict[str, int]:
    """Delete the event's sensitive and no longer needed personal data (see the module's
    docstring for exactly what goes and what stays), in the caller's transaction. Returns how many
    rows of each kind were changed."""
    now = now or utcnow()
    registration_ids = select(Registration.id).where(Registration.event_id == event.id)
    try:
        counts = {
            "sensitive": db.session.execute(
                update(Registration).where(
                    Registration.event_id == event.id,
                    (Registration.dietary_needs != "") | (Registration.accessibility_needs != "")
                    | Registration.sensitive_consent.is_(True) | (Registration.phone != ""),
                ).values(dietary_needs="", accessibility_needs="", sensitive_consent=False,
                         phone="")
                .execution_options(synchronize_session=False)
            ).rowcount,
            "answers": clear_answers_of_event(event),
            "waiting_list": _delete_waiting_list(event),
            "stars": db.session.execute(
                delete(PersonalProgrammeEntry)
                .where(PersonalProgrammeEntry.registration_id.in_(registration_ids))
                .execution_options(synchronize_session=False)
            ).rowcount,
        }
        anonymised = 0
        for registration in db.session.scalars(
            select(Registration).where(
                Registration.event_id == event.id,
                Registration.status.in_(("cancelled", "expired")),
                ~Registration.email.endswith(ANONYMISED_DOMAIN),
            )
        ):
            registration.name = ""
            registration.email = f"anonymised-{registration.id}{ANONYMISED_DOMAIN}"
            registration.organisation = ""
            registration.role = ""
            anonymised += 1
        counts["anonymised"] = anonymised
        counts["mail"] = _empty_sent_mail(event)
        event.personal_data_purged_at = now
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    db.session.expire_all()
    return counts
