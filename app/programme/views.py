"""The programme pages: the public programme and the organiser's item form. The area's two
blueprints live here; export_views, grid_views and signup_views add their routes to them."""

from datetime import date

from flask import (
    Blueprint,
    abort,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.events.manage import current_event, organiser_pages
from app.events.views import event_or_404
from app.extensions import db
from app.i18n import current_language, fmt_date
from app.notices.services import recent_versions, record_new, record_speakers, speaker_names
from app.speakers import services as speaker_services
from app.teams.access import EDITORS

from . import services
from .forms import CancelItemForm, ItemForm
from .models import KINDS, ProgrammeItem
from .published import published_programme

bp = Blueprint("programme", __name__)
organiser = organiser_pages("programme", __name__, roles=EDITORS)


@bp.route("/e/<slug>/programme")
def public(slug):
    """The newest published version, never the organiser's draft."""
    event = event_or_404(slug)
    programme = published_programme(event)
    # Each kind's label translated once per page, not once per item.
    kind_label = get_template_attribute("programme/_kind.html", "kind_label")
    return render_template(
        "programme/public.html", event=event, programme=programme,
        days=services.by_day(event, programme.items),
        kind_labels={kind: kind_label(kind) for kind in KINDS},
        versions=recent_versions(event) if programme.is_published else [],
    )


def _item_form(event, item=None) -> ItemForm:
    form = ItemForm(obj=item)
    form.day.choices = [(d.isoformat(), fmt_date(d, "full")) for d in event.days]
    form.room.choices = [(0, _("No room"))] + [(r.id, r.name) for r in event.rooms]
    speakers = speaker_services.speakers_for(event)
    form.speakers.choices = [
        (s.id, f"{s.name} ({s.role_title})" if s.role_title else s.name) for s in speakers
    ]
    if item is not None and not form.is_submitted():
        form.day.data = event.local_day(item.starts_at).isoformat()
        form.start.data = event.local(item.starts_at).time()
        form.end.data = event.local(item.ends_at).time()
        form.room.data = item.room_id or 0
        form.speakers.data = [slot.speaker_id for slot in item.slots]
    return form


def _placement(event, form) -> services.ItemPlacement:
    room = next((r for r in event.rooms if r.id == form.room.data), None)
    return services.ItemPlacement(
        day=date.fromisoformat(form.day.data), start=form.start.data, end=form.end.data, room=room
    )


def _save_speakers(event, item, form) -> None:
    chosen = [s for s in speaker_services.speakers_for(event) if s.id in (form.speakers.data or [])]
    if form.new_speaker_name.data:
        chosen.append(
            speaker_services.add_speaker(
                event, name=form.new_speaker_name.data,
                role_title=form.new_speaker_role.data or "",
                role_title_en=form.new_speaker_role_en.data or "",
                organisation=form.new_speaker_organisation.data or "",
                email=form.new_speaker_email.data or "", language=current_language(),
            )
        )
        db.session.flush()
    keep = {s.id for s in chosen}
    for slot in list(item.slots):
        if slot.speaker_id not in keep:
            item.slots.remove(slot)
    speaker_services.assign(item, chosen, invite=form.invite.data)


def _chosen_speaker_ids(event, form, item=None) -> set[int]:
    """The existing speakers the form puts on the item (a new speaker cannot clash yet).
    Someone who declined this item stays listed on it but is not expected there."""
    known = {s.id for s in speaker_services.speakers_for(event)}
    chosen = {i for i in (form.speakers.data or []) if i in known}
    if item is not None:
        chosen -= {slot.speaker_id for slot in item.slots if slot.state == "declined"}
    return chosen


def _english(form) -> dict[str, str]:
    return {name: getattr(form, name).data or "" for name in services.ENGLISH_FIELDS}


def _signup(form) -> tuple[bool, int | None]:
    return bool(form.signup_required.data), form.signup_capacity.data


def _unconfirmed_conflicts(event, form, placement, item=None) -> list:
    if form.confirm_overlap.data:
        return []
    return services.conflicts_to_confirm(
        event, placement, _chosen_speaker_ids(event, form, item), item,
        signup=_signup(form), title=form.title.data,
    )


def _refuse_conflicts(event, form, item, conflicts):
    """Nothing is stored: the form comes back with each clash explained and the confirm box."""
    db.session.rollback()
    form.confirm_overlap.data = False
    context = dict(event=event, form=form, item=item, conflicts=conflicts)
    if item is not None:
        context["cancel_form"] = CancelItemForm()
    return render_template("programme/form.html", **context), 409


def _placement_error(form, error: services.ProgrammeError) -> None:
    db.session.rollback()
    getattr(form, error.field, form.end).errors.append(str(error))


@organiser.route("/items/new", methods=["GET", "POST"])
def create():
    event = current_event()
    form = _item_form(event)
    if form.validate_on_submit():
        try:
            placement = _placement(event, form)
            conflicts = _unconfirmed_conflicts(event, form, placement)
            if conflicts:
                return _refuse_conflicts(event, form, None, conflicts)
            item = services.create_item(
                event, title=form.title.data, kind=form.kind.data,
                description=form.description.data, placement=placement,
                audience=form.audience.data or "", signup=_signup(form),
                english=_english(form),
            )
            db.session.flush()
            _save_speakers(event, item, form)
            record_new(item)
        except services.ProgrammeError as error:
            _placement_error(form, error)
        else:
            flash(_("The programme item was added."), "success")
            return redirect(url_for("manage.events.programme") + "#programme")
    return render_template("programme/form.html", event=event, form=form, item=None), (
        400 if form.errors else 200
    )


def _item_or_404(event, item_id) -> ProgrammeItem:
    item = db.session.get(ProgrammeItem, item_id)
    if item is None or item.event_id != event.id:
        abort(404)
    return item


@organiser.route("/items/<int:item_id>", methods=["GET", "POST"])
def edit(item_id):
    event = current_event()
    item = _item_or_404(event, item_id)
    form = _item_form(event, item)
    if form.validate_on_submit():
        try:
            placement = _placement(event, form)
            conflicts = _unconfirmed_conflicts(event, form, placement, item)
            if conflicts:
                return _refuse_conflicts(event, form, item, conflicts)
            old_speakers = speaker_names(item)
            moved = services.update_item(
                item, title=form.title.data, kind=form.kind.data,
                description=form.description.data, placement=placement,
                audience=form.audience.data or "", signup=_signup(form),
                english=_english(form),
            )
            _save_speakers(event, item, form)
            if not item.cancelled:
                record_speakers(item, old_speakers)
        except services.ProgrammeError as error:
            _placement_error(form, error)
        else:
            if moved:
                flash(_("The item was moved. The change is saved; publish to notify the people "
                        "affected."), "success")
            else:
                flash(_("The programme item was saved."), "success")
            return redirect(url_for("manage.events.programme") + "#programme")
    return render_template(
        "programme/form.html", event=event, form=form, item=item, cancel_form=CancelItemForm()
    ), 400 if form.errors else 200


@organiser.route("/items/<int:item_id>/cancel", methods=["POST"])
def cancel(item_id):
    event = current_event()
    item = _item_or_404(event, item_id)
    form = CancelItemForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm the cancellation."), "error")
        return render_template(
            "programme/form.html", event=event, form=_item_form(event, item), item=item,
            cancel_form=form,
        ), 400
    if services.cancel_item(item, current_user):
        flash(_("The item is cancelled. The change is saved; publish to notify the people "
                "affected."), "success")
    else:
        flash(_("The item was already cancelled."), "info")
    return redirect(url_for("manage.events.programme") + "#programme")
