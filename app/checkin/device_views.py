"""The organiser's door devices of an event (make one, see its link and QR code once, revoke
it) and the conflicts of offline doors; the device link that turns a phone's session into the
door of that event, and leaving it."""

import base64
import io

import qrcode
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.events.manage import current_event, organiser_pages
from app.extensions import db, limiter
from app.teams.access import EDITORS

from . import devices, services
from .forms import DoorDeviceForm, ResolveConflictForm
from .views import DEVICE_SESSION

organiser = organiser_pages("checkin", __name__, roles=EDITORS)
toplevel_bp = Blueprint("door", __name__)


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _page(form, new=None, status=200):
    event = current_event()
    rows = db.session.scalars(select(devices.DoorDevice)
                              .where(devices.DoorDevice.event_id == event.id)
                              .order_by(devices.DoorDevice.created_at.desc(),
                                        devices.DoorDevice.id.desc())).all()
    return render_template("checkin/devices.html", event=event, form=form, devices=rows,
                           new=new), status


@organiser.route("/door-devices")
def door_devices():
    return _page(DoorDeviceForm())


@organiser.route("/door-devices", methods=["POST"])
def create_door_device():
    """The link and its QR code are in this answer only: the token is not stored."""
    event = current_event()
    form = DoorDeviceForm()
    if not form.validate_on_submit():
        return _page(form, status=400)
    try:
        device, token = devices.create(
            event, form.name.data,
            event.to_utc(form.valid_from.data.date(), form.valid_from.data.time()),
            event.to_utc(form.valid_until.data.date(), form.valid_until.data.time()),
            current_user)
    except devices.DoorDeviceError as error:
        form.valid_until.errors = [str(error)]
        return _page(form, status=400)
    link = url_for("door.open_device", token=token, _external=True)
    return _page(DoorDeviceForm(formdata=None), new={
        "device": device, "link": link, "token": token, "qr": _qr_data_uri(link)})


@organiser.route("/door-devices/<int:device_id>/revoke", methods=["POST"])
def revoke_door_device(device_id):
    device = db.session.get(devices.DoorDevice, device_id)
    if device is None or device.event_id != current_event().id:
        abort(404)
    devices.revoke(device)
    flash(_("%(name)s was revoked. Its link no longer opens the door.", name=device.name),
          "success")
    return redirect(url_for("manage.checkin.door_devices"), 303)


@toplevel_bp.route("/door/<token>")
@limiter.limit(lambda: current_app.config["RATELIMIT_DOOR"])
def open_device(token):
    """A door device's link, opened on a phone: the session becomes the device's (no one is
    logged in) and the door page opens."""
    device = devices.by_token(token)
    if device is None:
        abort(404)
    devices.check(device)
    session[DEVICE_SESSION] = device.id
    return redirect(url_for("checkin.scan", slug=device.event.slug), 303)


def _conflicts_page(form, status=200):
    event = current_event()
    return render_template("checkin/conflicts.html", event=event, form=form,
                           conflicts=services.conflicts(event)), status


@organiser.route("/check-in-conflicts")
def conflicts():
    """What offline doors admitted that the server did not count, open ones first."""
    return _conflicts_page(ResolveConflictForm())


@organiser.route("/check-in-conflicts/<int:conflict_id>/resolve", methods=["POST"])
def resolve_conflict(conflict_id):
    form = ResolveConflictForm()
    if not form.validate_on_submit():
        return _conflicts_page(form, status=400)
    services.resolve(current_event(), conflict_id, current_user, form.resolution.data)
    flash(_("The conflict is resolved."), "success")
    return redirect(url_for("manage.checkin.conflicts"), 303)


@toplevel_bp.route("/door/leave", methods=["POST"])
def leave():
    """Forget this door on this phone: the device's session ends and the browser deletes what
    the door stored for offline use (the link opens it again while the device is valid)."""
    session.pop(DEVICE_SESSION, None)
    flash(_("This phone is no longer a door. Its stored door data was deleted."), "info")
    response = redirect(url_for("events.index"), 303)
    response.headers["Clear-Site-Data"] = '"storage"'
    return response
