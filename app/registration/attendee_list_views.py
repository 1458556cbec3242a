"""The organiser's attendee list (/manage/e/<slug>/attendees), on the blueprint of the pages
of one attendee (app/registration/person_views.py), whose page each name links to."""

from flask import render_template, request

from app.events.manage import current_event
from app.i18n import current_language
from app.orders.models import PAYMENT_STATUSES
from app.payments.invoicing import PAYMENT_STATUS_LABELS, REGISTRATION_STATUS_LABELS

from . import attendee_list, privacy
from .person_views import organiser


def _labels() -> dict:
    """The labels in the person's language, translated once per page rather than per card."""
    return {name: {key: str(label) for key, label in table.items()} for name, table in (
        ("payment_labels", PAYMENT_STATUS_LABELS),
        ("registration_labels", REGISTRATION_STATUS_LABELS),
        ("sort_labels", attendee_list.SORT_LABELS),
        ("checked_in_labels", attendee_list.CHECKED_IN_LABELS),
        ("needs_labels", attendee_list.NEEDS_LABELS))}


@organiser.route("/attendees")
def index():
    """Everyone registered, searched, filtered, sorted and a page at a time; with their
    answers and (organisers only: this page is theirs) dietary and accessibility needs, and
    the needs as counts for the caterer and venue."""
    event = current_event()
    choices = attendee_list.choices(event)
    query = attendee_list.read_query(request.args, choices.ticket_ids, choices.item_ids)
    page = attendee_list.attendee_page(event, query, current_language())
    return render_template(
        "registration/attendees.html", event=event, query=query, page=page, choices=choices,
        statuses=attendee_list.STATUSES, payment_statuses=PAYMENT_STATUSES,
        sorts=attendee_list.SORTS, checked_in=attendee_list.CHECKED_IN,
        needs_filters=attendee_list.NEEDS, needs=privacy.needs_summary(event), **_labels(),
    )
