"""The organiser postpones or cancels the whole event: a form, a preview of before and after
and of who is told, then one confirm that does it all."""

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.events.manage import current_event, organiser_pages
from app.teams.access import OWNERS

from . import refunds, services
from .forms import CancelEventForm, PostponeForm

organiser = organiser_pages("postponement", __name__, roles=OWNERS)


def _page(form, plan=None, error=None, status=200):
    event = current_event()
    return render_template(
        "postponement/postpone.html", event=event, form=form, plan=plan, error=error,
        decisions=services.decisions(event), history=services.history(event),
    ), status


def _seen(form) -> date | None:
    try:
        return date.fromisoformat(form.seen_starts_on.data or "")
    except ValueError:
        return None


@organiser.route("/postpone", methods=["GET"])
def postpone_form():
    return _page(PostponeForm())


@organiser.route("/postpone/preview", methods=["POST"])
def preview():
    form = PostponeForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        plan = services.plan(current_event(), form.new_starts_on.data, form.decision_days.data,
                             form.message.data or "")
    except services.PostponementError as error:
        return _page(form, error=str(error), status=error.status)
    form.seen_starts_on.data = current_event().starts_on.isoformat()
    return _page(form, plan)


@organiser.route("/postpone", methods=["POST"])
def postpone():
    form = PostponeForm()
    seen = _seen(form)
    if not form.validate_on_submit():
        return _page(form, status=400)
    if seen is None:
        return _page(form, error=_("The form is incomplete. Preview the postponement again."),
                     status=400)
    event = current_event()
    try:
        done = services.postpone(event, current_user, form.new_starts_on.data,
                                 seen_starts_on=seen, decision_days=form.decision_days.data,
                                 message=form.message.data or "")
    except services.PostponementError as error:
        return _page(form, error=str(error), status=error.status)
    if done is None:
        flash(_("The event had been moved already; nothing more was done."), "info")
    else:
        flash(_("The event is postponed to %(date)s and everyone has been told.",
                date=done.new_starts_on.isoformat()), "success")
    return redirect(url_for(".postpone_form"), 303)


@organiser.route("/cancel", methods=["GET", "POST"])
def cancel():
    event = current_event()
    form = CancelEventForm()
    if event.is_cancelled:
        if request.method == "POST":  # a second submit of the same form
            flash(_("The event was cancelled already."), "info")
            return redirect(url_for(".cancel"), 303)
        return render_template("postponement/cancel.html", event=event, form=form, plan=None,
                               refunds=refunds.progress(event))
    if form.validate_on_submit():
        done = services.cancel_event(event, current_user, form.message.data or "")
        if done is None:
            flash(_("The event was cancelled already."), "info")
        else:
            flash(_("The event is cancelled; %(count)d people have been told and every seat "
                    "is being paid back.", count=done.told), "success")
        return redirect(url_for(".cancel"), 303)
    plan = services.cancel_preview(event, form.message.data or "")
    return render_template("postponement/cancel.html", event=event, form=form, plan=plan), \
        400 if form.errors else 200
