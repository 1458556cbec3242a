from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.validators import single_line, valid_email

from .access import ROLE_LABELS
from .models import ORGANISER, TEAM_ROLES

ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in TEAM_ROLES]


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"),
                       validators=[DataRequired(), valid_email(), Length(max=254), single_line()])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=ORGANISER)


class JoinForm(FlaskForm):
    """Accepting an invitation without an account: the name and password of the new one."""

    name = StringField(_l("Your name"),
                       validators=[DataRequired(), Length(max=200), single_line()])
    password = PasswordField(
        _l("Choose a password (at least 10 characters)"),
        validators=[DataRequired(), Length(min=10)])
    confirm_password = PasswordField(
        _l("The password again"),
        validators=[DataRequired(),
                    EqualTo("password", message=_l("The two passwords differ."))])


class AcceptForm(FlaskForm):
    """Accepting while logged in: the button alone."""
