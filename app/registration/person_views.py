"""The organiser's page of one attendee (/manage/e/<slug>/attendees/<id>) and its actions:
send the confirmation again, cancel, change the ticket type, pass the ticket on. Each action is
a form posted with its CSRF token, one call to app.registration.person and a 303 back to the
page with what happened; a refusal shows the page again with its reason and a 4xx status."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import money
from app.badges.services import badge_pdf, spaced
from app.errors import Refusal
from app.events.manage import current_event, organiser_pages
from app.extensions import db
from app.i18n import current_language
from app.orders.services import refund_window_open
from app.payments import invoicing
from app.teams.access import EDITORS
from app.tickets import services as tickets

from . import person as people
from .manage_forms import (
    ChangeTicketForm,
    OrganiserCancelForm,
    OrganiserTransferForm,
    ResendForm,
)
from .models import Registration

organiser = organiser_pages("attendee", __name__, roles=EDITORS)
MAX_ID = 2**31 - 1  # what an id column holds (app.security.DatabaseId)


def _registration_or_404(registration_id: int) -> Registration:
    """This event's registration; another event's is the same 404 as one that does not exist."""
    registration = people.in_event(current_event(), registration_id)
    if registration is None:
        abort(404)
    return registration


def _ticket_label(choice: people.TicketChoice, current_id: int, language: str) -> str:
    ticket = choice.ticket_type
    parts = [ticket.name_in(language), money.format(ticket.price_ore, ticket.currency)]
    if ticket.id == current_id:
        parts.append(_("their ticket now"))
    elif choice.left == 0:
        parts.append(_("sold out"))
    elif choice.left is not None:
        parts.append(_("%(count)d left", count=choice.left))
    return " – ".join(parts)


def _forms(registration: Registration, found: people.Person, **failed) -> dict:
    """The page's forms, each with its own prefix; a form that failed is shown as sent."""
    language = current_language()
    change = failed.get("change") or ChangeTicketForm(
        formdata=None, prefix="ticket", ticket_type=registration.ticket_type_id)
    change.ticket_type.choices = [
        (choice.ticket_type.id, _ticket_label(choice, registration.ticket_type_id, language))
        for choice in found.tickets]
    transfer = failed.get("transfer") or OrganiserTransferForm(
        formdata=None, prefix="transfer", language=registration.language)
    return {
        "resend_form": ResendForm(formdata=None, prefix="resend", seen=found.last_mail_id),
        "cancel_form": failed.get("cancel") or OrganiserCancelForm(formdata=None,
                                                                   prefix="cancel"),
        "change_form": change, "transfer_form": transfer,
    }


def _page(registration: Registration, status: int = 200, **failed):
    event = current_event()
    found = people.person(event, registration, current_language())
    return render_template(
        "registration/person.html", event=event, registration=registration, person=found,
        labels=_labels(), badge_code=spaced(registration.badge_token),
        refund_open=refund_window_open(event), **_forms(registration, found, **failed),
    ), status


def _labels() -> dict:
    return {
        "order": invoicing.STATUS_LABELS, "payment": invoicing.PAYMENT_STATUS_LABELS,
        "method": invoicing.METHOD_LABELS, "registration": invoicing.REGISTRATION_STATUS_LABELS,
        "refund": invoicing.REFUND_STATUS_LABELS,
        "mail": {"pending": _("waiting to be sent"), "sending": _("being sent"),
                 "sent": _("delivered to the mail server"),
                 "failed": _("could not be delivered")},
        "waiting": {"waiting": _("Waiting"), "offered": _("Offered a seat"),
                    "accepted": _("Took the seat"), "expired": _("Offer ran out"),
                    "withdrawn": _("Left the list")},
    }


def _refused(registration_id: int, error: Refusal, **failed):
    """A refusal stores nothing: the page again, as it now is, with the reason."""
    db.session.rollback()
    flash(str(error), "error")
    return _page(_registration_or_404(registration_id), error.status, **failed)


def _back(registration: Registration):
    return redirect(url_for("manage.attendee.person", registration_id=registration.id), 303)


@organiser.route("/attendees/<int:registration_id>")
def person(registration_id):
    return _page(_registration_or_404(registration_id))


@organiser.route("/attendees/<int:registration_id>/badge.pdf")
def badge(registration_id):
    registration = _registration_or_404(registration_id)
    if not registration.is_active:
        abort(404)
    return Response(badge_pdf([registration]), mimetype="application/pdf", headers={
        "Content-Disposition": 'inline; filename="namnbricka.pdf"',
        "Cache-Control": "private, no-store"})


@organiser.route("/attendees/<int:registration_id>/resend", methods=["POST"])
def resend(registration_id):
    registration = _registration_or_404(registration_id)
    form = ResendForm(prefix="resend")
    if not form.validate_on_submit():
        abort(400)
    seen = form.seen.data or "0"
    if not seen.isdigit() or int(seen) > MAX_ID:
        abort(400)
    try:
        sent = people.resend_confirmation(registration, int(seen))
    except Refusal as error:
        return _refused(registration_id, error)
    if sent:
        flash(_("The confirmation was sent again to %(email)s.", email=registration.email),
              "success")
    else:
        flash(_("The confirmation had just been sent again to %(email)s; it was not sent a "
                "second time.", email=registration.email), "info")
    return _back(registration)


@organiser.route("/attendees/<int:registration_id>/cancel", methods=["POST"])
def cancel(registration_id):
    registration = _registration_or_404(registration_id)
    form = OrganiserCancelForm(prefix="cancel")
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that you want to cancel."), "error")
        return _page(registration, 400, cancel=form)
    try:
        cancelled = people.cancel(registration, current_user)
    except Refusal as error:
        return _refused(registration_id, error)
    if cancelled:
        flash(_("The registration of %(name)s is cancelled and the seat has been given back. "
                "They were told by email.", name=registration.name), "success")
    else:
        flash(_("The registration of %(name)s was already cancelled.", name=registration.name),
              "info")
    return _back(registration)


@organiser.route("/attendees/<int:registration_id>/ticket", methods=["POST"])
def change_ticket(registration_id):
    registration = _registration_or_404(registration_id)
    form = ChangeTicketForm(prefix="ticket")
    form.ticket_type.choices = [(t.id, t.name) for t in tickets.ticket_types_for(current_event())]
    if not form.validate_on_submit():
        return _page(registration, 400, change=form)
    try:
        changed = people.change_ticket(registration, form.ticket_type.data)
    except Refusal as error:
        return _refused(registration_id, error, change=form)
    ticket = registration.ticket_type.name_in(current_language())
    if changed:
        flash(_("%(name)s now has the ticket %(ticket)s, and was sent the confirmation with it.",
                name=registration.name, ticket=ticket), "success")
    else:
        flash(_("%(name)s already has the ticket %(ticket)s.", name=registration.name,
                ticket=ticket), "info")
    return _back(registration)


@organiser.route("/attendees/<int:registration_id>/transfer", methods=["POST"])
def transfer(registration_id):
    registration = _registration_or_404(registration_id)
    form = OrganiserTransferForm(prefix="transfer")
    if not form.validate_on_submit():
        return _page(registration, 400, transfer=form)
    old_name = registration.name
    try:
        moved = people.transfer(registration, name=form.name.data, email=form.email.data,
                                language=form.language.data)
    except Refusal as error:
        return _refused(registration_id, error, transfer=form)
    if moved:
        flash(_("The ticket of %(old)s now belongs to %(name)s, who was sent their own link and "
                "badge. The old link and badge no longer work.", old=old_name,
                name=registration.name), "success")
    else:
        flash(_("The ticket already belongs to %(name)s.", name=registration.name), "info")
    return _back(registration)
