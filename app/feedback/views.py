from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app.events.manage import current_event, organiser_pages
from app.extensions import limiter
from app.registration.views import registration_or_404
from app.teams.access import EDITORS

from . import services
from .forms import FeedbackForm, RequestFeedbackForm

bp = Blueprint("feedback", __name__)
organiser = organiser_pages("feedback", __name__, roles=EDITORS)


@bp.route("/r/<token>/feedback", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def give(token):
    registration = registration_or_404(token)
    if not services.may_answer(registration):
        abort(404)
    event = registration.event
    if registration.feedback_given_at is not None:
        return render_template("feedback/thanks.html", event=event, already=True), (
            409 if FeedbackForm().is_submitted() else 200
        )
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            services.give_feedback(registration, form.rating.data, form.comment.data)
        except services.FeedbackError:
            return render_template("feedback/thanks.html", event=event, already=True), 409
        return render_template("feedback/thanks.html", event=event, already=False)
    return render_template("feedback/give.html", event=event, form=form), (
        400 if form.errors else 200
    )


@organiser.route("/feedback", methods=["GET", "POST"])
def results():
    event = current_event()
    form = RequestFeedbackForm()
    if form.validate_on_submit():
        sent = services.request_feedback(event, checked_in_only=form.checked_in_only.data)
        flash(_("Feedback requests sent: %(count)d.", count=sent), "success")
        return redirect(url_for("manage.feedback.results"))
    return render_template(
        "feedback/results.html", event=event, form=form, results=services.results(event)
    )
