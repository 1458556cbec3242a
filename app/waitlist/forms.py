from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.validators import single_line, valid_email


class JoinForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200), single_line()])
    email = EmailField(_l("Email"),
                       validators=[DataRequired(), valid_email(), Length(max=254), single_line()])
    # Left empty by people; bots that fill every field give themselves away.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])


class LeaveForm(FlaskForm):
    """Only the CSRF token: pressing the button is the answer."""


class ActionForm(FlaskForm):
    """Only the CSRF token, for the organiser's buttons."""
