from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length


class ScanForm(FlaskForm):
    code = StringField(_l("Badge code"), validators=[Length(max=200)])
