from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.validators import single_line


class ScanForm(FlaskForm):
    code = StringField(_l("Badge code"), validators=[Length(max=200)])


class AnnulForm(FlaskForm):
    reason = StringField(
        _l("Why undo it?"),
        validators=[DataRequired(_l("Say why the check-in is undone.")), Length(max=200),
                    single_line()],
    )
