"""Sensitive data: dietary and accessibility needs for the caterer and the venue as counts, never
names; and the purge of the event's personal data once it is over, in two stages (each by hand
on the purge page, or by itself when the event's retention period runs out: retention.py).

What the first stage, purge_sensitive, deletes (_delete_sensitive, which the whole purge runs
too): every registration's dietary and accessibility needs and the consent to them, and the
answers to the event's sensitive questions (Question.sensitive).

What the whole purge deletes, in one transaction:
- what the first stage deletes;
- phone numbers and roles (a job title is needed for nothing after the event);
- every answer to the event's custom questions (the questions themselves stay);
- the event's waiting list (a seat held by an open offer goes back on sale);
- the attendees' personal programme stars;
- the names, email addresses and organisations of cancelled and expired registrations (they
  never came: nothing about them needs to be kept): the name becomes empty (shown as
  "Anonymised") and the address anonymised-<id>@invalid;
- the buyer's name and address and the billing details of orders that hold no seat any more
  (cancelled, or never paid) and are not accounting records (no invoice, payment or refund);
- the reasons door staff typed when they undid a check-in (free text that may name someone; the
  check-in and its undoing stay);
- what door devices sent through the check-in API (codes, and answers that name people), and
  every door device of the event is revoked;
- the address, text and attachments (badges, receipts, invoices) of every email of the event.
  Sent and failed ones keep their status, as the programme versions count what was delivered;
  one still waiting to be sent (or being sent at that moment) is marked failed and is never
  sent (outbox.retry_failed refuses it).

What it keeps, and why:
- orders that are accounting records (an invoice was issued, or money was paid or refunded)
  with buyer, billing details, amounts, VAT, payment and refund state, invoice numbers and
  Stripe references, also when cancelled: an invoice or receipt is a voucher, which must name
  the counterparty (bokföringslagen 5 kap. 7 §) and be kept for seven years (7 kap. 2 §);
- confirmed registrations' name, email, organisation and ticket, what each seat cost, and
  their check-ins, and the buyer of an order that still holds confirmed attendees: who
  attended and who registered them (certificates, statistics, whom a receipt or invoice was
  for; the price paid per seat belongs to the accounting record);
- speakers: their name, title, organisation, biography and photo are the published
  programme, which stays public after the event; their email and personal link stay so that
  they can still correct or remove their own profile and photo. The organiser removes a
  speaker from the programme to take them off;
- workshop sign-ups and anonymous feedback.
The event's sensitive_data_purged_at and personal_data_purged_at record when each stage happened
(the whole purge sets both); the forms no longer ask for what a stage deleted."""

import csv
import io
import re
from collections import Counter
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, delete, func, select, update

from app import seats
from app.audit.services import record
from app.checkin import devices as door_devices
from app.checkin.models import CheckIn
from app.db_types import utcnow
from app.events.models import Event
from app.extensions import db
from app.mail.models import EmailAttachment, OutgoingEmail
from app.mail.outbox import PURGED
from app.orders.models import Order
from app.payments.models import Refund
from app.spreadsheets import cell
from app.waitlist.models import WaitingListEntry

from .models import Answer, PersonalProgrammeEntry, Question, Registration
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
    # Grouped in the database: the few distinct answers leave it, not one row per attendee.
    has_access = func.trim(Registration.accessibility_needs) != ""
    rows = db.session.execute(
        select(Registration.dietary_needs, has_access, func.count())
        .where(Registration.event_id == event.id, Registration.status == "confirmed")
        .group_by(Registration.dietary_needs, has_access)
    ).all()
    dietary = Counter()
    for diet, _access, count in rows:
        if normalise_need(diet):
            dietary[normalise_need(diet)] += count
    return {
        "dietary": sorted(dietary.items(), key=lambda pair: (-pair[1], pair[0])),
        "dietary_total": sum(dietary.values()),
        "accessibility": sum(count for _diet, access, count in rows if access),
        "attendees": sum(count for _diet, _access, count in rows),
    }


def needs_csv(event: Event) -> bytes:
    """The summary as CSV for the caterer and the venue: what and how many, no names."""
    summary = needs_summary(event)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Kind"), _("Need"), _("Attendees")])
    for need, count in summary["dietary"]:
        writer.writerow([_("Dietary needs"), cell(need), count])
    writer.writerow([_("Accessibility needs"), _("All kinds"), summary["accessibility"]])
    writer.writerow([_("Registered"), "", summary["attendees"]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


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


def _empty_mail(event: Event) -> int:
    """Every message of the event loses what was personal: address, text and attachments
    (badges, invoices: the order keeps what bookkeeping needs and makes them again). Sent and
    failed ones keep their status (programme versions count them); one still waiting, or
    being sent right now, becomes failed, so it is never sent."""
    ids = list(db.session.scalars(select(OutgoingEmail.id).where(
        OutgoingEmail.event_id == event.id, OutgoingEmail.to_address != PURGED)))
    if not ids:
        return 0
    db.session.execute(delete(EmailAttachment).where(EmailAttachment.email_id.in_(ids))
                       .execution_options(synchronize_session=False))
    unsent = OutgoingEmail.status.in_(("pending", "sending"))
    db.session.execute(
        update(OutgoingEmail).where(OutgoingEmail.id.in_(ids))
        .values(to_address=PURGED, body_text="", body_html="", last_error="",
                status=case((unsent, "failed"), else_=OutgoingEmail.status))
        .execution_options(synchronize_session=False)
    )
    return len(ids)


def _is_accounting_record():
    """An invoice was issued, or money was paid or paid back: a voucher to keep."""
    return (Order.invoice_number.is_not(None) | Order.paid_at.is_not(None)
            | Order.stripe_payment_intent.is_not(None)
            | select(Refund.id).where(Refund.order_id == Order.id).exists())


def _anonymise_orders(event: Event) -> int:
    """Orders holding no seat any more (cancelled, or never paid) that are not accounting
    records lose who placed them and whom to bill; code, tickets and amounts stay."""
    orders = db.session.scalars(select(Order).where(
        Order.event_id == event.id, Order.status.in_(("cancelled", "expired")),
        ~_is_accounting_record(), ~Order.buyer_email.endswith(ANONYMISED_DOMAIN)))
    count = 0
    for order in orders:
        order.buyer_name = ""
        order.buyer_email = f"anonymised-order-{order.id}{ANONYMISED_DOMAIN}"
        for field in ("billing_name", "billing_org_number", "billing_address", "billing_email",
                      "invoice_reference", "peppol_id"):
            setattr(order, field, "")
        count += 1
    return count


def _delete_sensitive(event: Event) -> dict[str, int]:
    """What the first stage deletes, and the whole purge with it (the one place that says so):
    every registration's dietary and accessibility needs and the consent to them, and every
    answer to the event's sensitive questions."""
    sensitive_questions = select(Question.id).where(Question.event_id == event.id,
                                                    Question.sensitive.is_(True))
    return {
        "sensitive": db.session.execute(
            update(Registration).where(
                Registration.event_id == event.id,
                (Registration.dietary_needs != "") | (Registration.accessibility_needs != "")
                | Registration.sensitive_consent.is_(True),
            ).values(dietary_needs="", accessibility_needs="", sensitive_consent=False)
            .execution_options(synchronize_session=False)
        ).rowcount,
        "sensitive_answers": db.session.execute(
            delete(Answer).where(Answer.question_id.in_(sensitive_questions))
            .execution_options(synchronize_session=False)
        ).rowcount,
    }


def purge_sensitive(event: Event, now: datetime | None = None, user=None,
                    detail: dict | None = None) -> dict[str, int]:
    """The first stage: delete the event's sensitive answers (_delete_sensitive) in the
    caller's transaction, record when, and log who did it (`user`; None when Samla does it by
    itself, `detail` saying why). Returns how many rows of each kind were changed."""
    now = now or utcnow()
    counts = _delete_sensitive(event)
    event.sensitive_data_purged_at = now
    record(event, user, "event.sensitive_purged", {"purged": counts, **(detail or {})}, now=now)
    db.session.expire_all()
    return counts


def purge(event: Event, now: datetime | None = None, user=None,
          detail: dict | None = None) -> dict[str, int]:
    """Delete the event's sensitive and no longer needed personal data (see the module's
    docstring for exactly what goes and what stays; the first stage's part is
    _delete_sensitive), in the caller's transaction, and log who did it (`user`; None when
    Samla does it by itself, `detail` saying why) in the audit log. Returns how many rows of
    each kind were changed."""
    now = now or utcnow()
    registration_ids = select(Registration.id).where(Registration.event_id == event.id)
    counts = _delete_sensitive(event)
    counts.update({
        "phones": db.session.execute(
            update(Registration)
            .where(Registration.event_id == event.id, Registration.phone != "")
            .values(phone="")
            .execution_options(synchronize_session=False)
        ).rowcount,
        "answers": clear_answers_of_event(event),
        "waiting_list": _delete_waiting_list(event),
        "stars": db.session.execute(
            delete(PersonalProgrammeEntry)
            .where(PersonalProgrammeEntry.registration_id.in_(registration_ids))
            .execution_options(synchronize_session=False)
        ).rowcount,
        "roles": db.session.execute(
            update(Registration)
            .where(Registration.event_id == event.id, Registration.role != "")
            .values(role="")
            .execution_options(synchronize_session=False)
        ).rowcount,
    })
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
        anonymised += 1
    counts["anonymised"] = anonymised
    counts["orders"] = _anonymise_orders(event)
    counts["mail"] = _empty_mail(event)
    counts["annul_reasons"] = db.session.execute(
        update(CheckIn).where(CheckIn.event_id == event.id, CheckIn.annul_reason != "")
        .values(annul_reason="").execution_options(synchronize_session=False)
    ).rowcount
    counts["scan_records"] = door_devices.forget_event(event, now)
    event.personal_data_purged_at = now
    # The first stage's part is done too; a date it ran by itself before stays.
    event.sensitive_data_purged_at = event.sensitive_data_purged_at or now
    record(event, user, "event.purged", {"purged": counts, **(detail or {})}, now=now)
    db.session.expire_all()
    return counts
