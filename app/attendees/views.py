"""The organiser's attendee pages of one event (/manage/e/<slug>/attendees): the list, and a
page per person."""

from flask import abort, render_template, request

from app.events.manage import current_event, organiser_pages
from app.i18n import current_language
from app.orders.models import PAYMENT_STATUSES
from app.payments.invoicing import PAYMENT_STATUS_LABELS, REGISTRATION_STATUS_LABELS
from app.registration import privacy

from . import forms, services

organiser = organiser_pages("attendees", __name__)


@organiser.context_processor
def labels():
    """The labels in the person's language, translated once per page rather than per card."""
    return {name: {key: str(label) for key, label in table.items()} for name, table in (
        ("payment_labels", PAYMENT_STATUS_LABELS),
        ("registration_labels", REGISTRATION_STATUS_LABELS),
        ("sort_labels", forms.SORT_LABELS), ("checked_in_labels", forms.CHECKED_IN_LABELS),
        ("needs_labels", forms.NEEDS_LABELS))}


@organiser.route("/attendees")
def index():
    """Everyone registered, searched, filtered, sorted and a page at a time; with their
    answers and (organisers only: this page is theirs) dietary and accessibility needs, and
    the needs as counts for the caterer and venue."""
    event = current_event()
    choices = services.choices(event)
    query = forms.read_query(request.args, choices.ticket_ids, choices.item_ids)
    page = services.attendee_page(event, query, current_language())
    return render_template(
        "attendees/list.html", event=event, query=query, page=page, choices=choices,
        statuses=forms.STATUSES, payment_statuses=PAYMENT_STATUSES, sorts=forms.SORTS,
        checked_in=forms.CHECKED_IN, needs_filters=forms.NEEDS,
        needs=privacy.needs_summary(event),
    )


@organiser.route("/attendees/<int:registration_id>")
def person(registration_id):
    """One attendee: for now who they are, their ticket and status."""
    event = current_event()
    registration = services.person(event, registration_id)
    if registration is None:
        abort(404)
    return render_template("attendees/person.html", event=event, registration=registration)
