import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.errors import Refusal
from app.validators import single_line

from .services import OUTCOMES, UPLOAD_LIMIT, QueuedScan

# What a datetime-local input sends (the first is what the form renders).
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class ScanForm(FlaskForm):
    code = StringField(_l("Badge code"), validators=[Length(max=200)])
    # Sent by door.js: a repeat of the same nonce is answered as the first time.
    nonce = StringField(validators=[Optional(), Length(max=64), single_line()])
    device_time = StringField(validators=[Optional(), Length(max=40), single_line()])


class AnnulForm(FlaskForm):
    reason = StringField(
        _l("Why undo it?"),
        validators=[DataRequired(_l("Say why the check-in is undone.")), Length(max=200),
                    single_line()],
    )


class DoorDeviceForm(FlaskForm):
    name = StringField(
        _l("Name of the device"),
        validators=[DataRequired(_l("Name the device, for example the entrance it stands at.")),
                    Length(max=80), single_line()],
    )
    valid_from = DateTimeLocalField(
        _l("Valid from"), format=LOCAL_FORMATS,
        validators=[DataRequired(_l("Say when the link starts to work."))])
    valid_until = DateTimeLocalField(
        _l("Valid until"), format=LOCAL_FORMATS,
        validators=[DataRequired(_l("Say when the link stops working."))])


class QueueError(Refusal):
    """An upload of queued scans that is not what door.js or a scanner app sends."""

    status = 400


def _queued_text(scan: dict, key: str, limit: int, required: bool) -> str:
    value = scan.get(key, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise QueueError(_l("Each queued scan needs '%(key)s', text of at most %(limit)d "
                            "characters.", key=key, limit=limit))
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise QueueError(_l("A queued scan has a control character in '%(key)s'.", key=key))
    return value.strip()


def queued_scans(body) -> list[QueuedScan]:
    """The scans of an upload: {"scans": [{code, nonce, device_time, list, offline_outcome}]},
    at most UPLOAD_LIMIT of them. Anything else is refused whole, so nothing is half stored."""
    scans = body.get("scans") if isinstance(body, dict) else None
    if not isinstance(scans, list) or not all(isinstance(scan, dict) for scan in scans):
        raise QueueError(_l("Send a JSON object with a list of scans."))
    if len(scans) > UPLOAD_LIMIT:
        raise QueueError(_l("Send at most %(limit)d scans at a time.", limit=UPLOAD_LIMIT))
    queue = [QueuedScan(code=_queued_text(scan, "code", 200, True),
                        nonce=_queued_text(scan, "nonce", 64, True),
                        device_time=_queued_text(scan, "device_time", 40, False),
                        list_key=_queued_text(scan, "list", 40, False),
                        offline_outcome=_queued_text(scan, "offline_outcome", 20, False))
             for scan in scans]
    for queued in queue:
        if queued.offline_outcome not in OUTCOMES:
            raise QueueError(_l("'offline_outcome' must be one of: %(outcomes)s.",
                                outcomes=", ".join(OUTCOMES)))
    return queue


class ResolveConflictForm(FlaskForm):
    resolution = StringField(
        _l("What happened, and what was done"),
        validators=[DataRequired(_l("Say what happened and what was done.")), Length(max=200),
                    single_line()],
    )
