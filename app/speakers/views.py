from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from app.accounts.access import organiser_required
from app.events.views import managed_event_or_404
from app.extensions import db

from . import services
from .forms import AnswerForm, ProfileForm, SpeakerForm
from .models import SpeakerSlot

bp = Blueprint("speakers", __name__)


@bp.route("/manage/e/<slug>/speakers", methods=["GET", "POST"])
@organiser_required
def manage(slug):
    event = managed_event_or_404(slug)
    form = SpeakerForm()
    if form.validate_on_submit():
        speaker = services.add_speaker(
            event, name=form.name.data, role_title=form.role_title.data or "",
            organisation=form.organisation.data or "", email=form.email.data or "",
            language=form.language.data,
        )
        db.session.commit()
        flash(_("%(name)s was added as a speaker.", name=speaker.name), "success")
        return redirect(url_for("speakers.manage", slug=slug))
    return render_template(
        "speakers/manage.html", event=event, form=form, speakers=services.speakers_for(event)
    ), 400 if form.errors else 200


def speaker_or_404(token):
    speaker = services.by_token(token)
    if speaker is None:
        abort(404)
    return speaker


@bp.route("/s/<token>", methods=["GET", "POST"])
def portal(token):
    speaker = speaker_or_404(token)
    form = ProfileForm(obj=speaker)
    if form.validate_on_submit():
        services.update_profile(
            speaker, name=form.name.data, role_title=form.role_title.data or "",
            organisation=form.organisation.data or "", bio=form.bio.data or "",
        )
        flash(_("Your profile was saved."), "success")
        return redirect(url_for("speakers.portal", token=token))
    return render_template(
        "speakers/portal.html", speaker=speaker, event=speaker.event, form=form,
        answer_form=AnswerForm(),
    ), 400 if form.errors else 200


@bp.route("/s/<token>/slots/<int:slot_id>", methods=["POST"])
def answer(token, slot_id):
    speaker = speaker_or_404(token)
    slot = db.session.get(SpeakerSlot, slot_id)
    if slot is None or slot.speaker_id != speaker.id:
        abort(404)
    choice = request.form.get("answer")
    if choice not in ("accept", "decline") or not AnswerForm().validate_on_submit():
        abort(400)
    services.answer(slot, choice == "accept")
    if choice == "accept":
        flash(_("Thank you! You have confirmed: %(title)s.", title=slot.item.title), "success")
    else:
        flash(_("You have declined: %(title)s. The organiser sees your answer.",
                title=slot.item.title), "info")
    return redirect(url_for("speakers.portal", token=token))
