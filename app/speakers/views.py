from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.db_types import utcnow
from app.events.manage import current_event, organiser_pages
from app.events.views import event_or_404
from app.extensions import db, limiter
from app.teams.access import EDITORS

from . import photos, services
from .forms import AnswerForm, PhotoForm, ProfileForm, SpeakerForm
from .models import SpeakerSlot

bp = Blueprint("speakers", __name__)
organiser = organiser_pages("speakers", __name__, roles=EDITORS)
PHOTO_UPLOAD = "speakers.upload_photo"
PHOTO_MAX_AGE = 24 * 3600


@bp.record_once
def _limit_photo_uploads(state):
    """Refuse an oversized photo upload before anything reads the body (CSRF protection reads
    the form in an earlier before_request, so this one goes first). The 413 is the friendly
    error page of app.errors."""

    def limit():
        if request.endpoint == PHOTO_UPLOAD:
            request.max_content_length = photos.MAX_REQUEST_BYTES

    state.app.before_request_funcs.setdefault(None, []).insert(0, limit)


@bp.app_template_global()
def speaker_photo_url(speaker, public=True):
    """The photo's address (None without a photo); the version makes it safe to cache."""
    version = services.photo_version(speaker)
    if version is None:
        return None
    if public:
        return url_for("speakers.photo", speaker_id=speaker.id, v=version)
    return url_for("speakers.own_photo", token=speaker.token, v=version)


@organiser.route("/speakers", methods=["GET", "POST"])
def manage():
    event = current_event()
    form = SpeakerForm()
    if form.validate_on_submit():
        speaker = services.add_speaker(
            event, name=form.name.data, role_title=form.role_title.data or "",
            organisation=form.organisation.data or "", email=form.email.data or "",
            language=form.language.data, role_title_en=form.role_title_en.data or "",
        )
        flash(_("%(name)s was added as a speaker.", name=speaker.name), "success")
        return redirect(url_for("manage.speakers.manage"))
    now = utcnow()
    return render_template(
        "speakers/manage.html", event=event, form=form, speakers=services.speakers_for(event),
        remind_form=AnswerForm(), reminder_days=services.reminder_days(),
        overdue_before=services.unanswered_before(now),
    ), 400 if form.errors else 200


@organiser.route("/speakers/remind", methods=["POST"])
def remind():
    event = current_event()
    if not AnswerForm().validate_on_submit():
        abort(400)
    sent = services.remind_unanswered(event)
    if sent:
        flash(_("Reminders sent: %(count)d.", count=sent), "success")
    else:
        flash(_("No reminders were due: every speaker has answered or was already reminded."),
              "info")
    return redirect(url_for("manage.speakers.manage"))


def speaker_or_404(token):
    speaker = services.by_token(token)
    if speaker is None:
        abort(404)
    return speaker


@bp.route("/s/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SPEAKER"])
def portal(token):
    speaker = speaker_or_404(token)
    form = ProfileForm(obj=speaker)
    if form.validate_on_submit():
        services.update_profile(
            speaker, name=form.name.data, role_title=form.role_title.data or "",
            organisation=form.organisation.data or "", bio=form.bio.data or "",
            role_title_en=form.role_title_en.data or "", bio_en=form.bio_en.data or "",
        )
        flash(_("Your profile was saved."), "success")
        return redirect(url_for("speakers.portal", token=token))
    return _portal_page(speaker, form=form, status=400 if form.errors else 200)


def _portal_page(speaker, *, form=None, photo_form=None, status=200):
    return render_template(
        "speakers/portal.html", speaker=speaker, event=speaker.event,
        portal=services.portal_view(speaker),
        form=form or ProfileForm(obj=speaker), photo_form=photo_form or PhotoForm(),
        answer_form=AnswerForm(), max_photo_bytes=photos.MAX_BYTES,
    ), status


@bp.route("/s/<token>/photo", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SPEAKER"])
def upload_photo(token):
    speaker = speaker_or_404(token)
    photo_form = PhotoForm()
    if not photo_form.validate_on_submit():
        abort(400)
    upload = photo_form.photo.data
    data = upload.read(photos.MAX_BYTES + 1) if upload else b""
    try:
        services.set_photo(speaker, data)
    except photos.PhotoError as error:
        db.session.rollback()
        photo_form.photo.errors = [str(error)]
        return _portal_page(speaker, photo_form=photo_form, status=400)
    flash(_("Your photo was saved."), "success")
    return redirect(url_for("speakers.portal", token=token))


@bp.route("/s/<token>/photo/remove", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SPEAKER"])
def remove_photo(token):
    speaker = speaker_or_404(token)
    if not AnswerForm().validate_on_submit():
        abort(400)
    services.remove_photo(speaker)
    flash(_("Your photo was removed."), "info")
    return redirect(url_for("speakers.portal", token=token))


@bp.route("/s/<token>/photo.jpg")
@limiter.limit(lambda: current_app.config["RATELIMIT_SPEAKER"])
def own_photo(token):
    """The speaker's own photo on their personal page, whatever the state of their slots."""
    speaker = speaker_or_404(token)
    data = speaker.photo
    if data is None:
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/speakers/<int:speaker_id>/photo.jpg")
def photo(speaker_id):
    speaker = services.public_photo(speaker_id, include_drafts=current_user.is_authenticated)
    if speaker is None or not (speaker.event.published
                               or current_user.team_role(speaker.event) is not None):
        abort(404)  # a draft's photos only for its team and administrators
    response = Response(speaker.photo, mimetype="image/jpeg")
    if not speaker.event.published:  # an organiser looking at a draft: keep it out of caches
        response.headers["Cache-Control"] = "private, no-store"
        return response
    current = request.args.get("v") == str(services.photo_version(speaker))
    # A versioned address never changes content; a bare or stale one is checked again soon.
    response.cache_control.public = True
    response.cache_control.max_age = PHOTO_MAX_AGE if current else 300
    response.set_etag(str(services.photo_version(speaker)))
    return response.make_conditional(request)


@bp.route("/e/<slug>/speakers")
def public_list(slug):
    event = event_or_404(slug)
    return render_template(
        "speakers/public_list.html", event=event, speakers=services.public_speakers(event)
    )


@bp.route("/e/<slug>/speakers/<int:speaker_id>")
def public_detail(slug, speaker_id):
    event = event_or_404(slug)
    found = services.public_speaker(event, speaker_id)
    if found is None:
        abort(404)
    speaker, items = found
    return render_template(
        "speakers/public_detail.html", event=event, speaker=speaker, items=items
    )


@bp.route("/s/<token>/slots/<int:slot_id>", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_SPEAKER"])
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
