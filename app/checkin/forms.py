from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, StringField
from wtforms.validators import DataRequired, Length

from app.validators import single_line

# What a datetime-local input sends (the first is what the form renders).
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class ScanForm(FlaskForm):
    code = StringField(_l("Badge code"), validators=[Length(max=200)])


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
