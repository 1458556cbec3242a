"""The organiser's page of an event's audit log."""

from flask import render_template, request

from app.events.manage import current_event, organiser_pages
from app.teams.access import EDITORS

from . import services

organiser = organiser_pages("audit", __name__, roles=EDITORS)


@organiser.route("/audit")
def log():
    event = current_event()
    page = services.log_page(event, request.args.get("page", 1, type=int))
    return render_template("audit/log.html", event=event, page=page,
                           action_label=services.action_label,
                           actor_label=services.actor_label, describe=services.describe)
