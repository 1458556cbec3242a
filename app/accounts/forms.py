from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.validators import single_line, valid_email

# The account's own role; what a person may do at an event comes from its team.
ROLE_LABELS = (
    ("organiser", _l("Organiser: may create events")),
    ("door", _l("Team member: only the events whose team they are in")),
    ("admin", _l("Administrator: every event")),
)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), valid_email(), single_line()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), single_line()])
    email = EmailField(_l("Email"),
                       validators=[DataRequired(), valid_email(), Length(max=254), single_line()])
    password = PasswordField(
        _l("Password (at least 10 characters)"), validators=[DataRequired(), Length(min=10)]
    )
    role = SelectField(_l("Role"), choices=ROLE_LABELS)
    events = SelectMultipleField(_l("Door staff at these events"), coerce=int)


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password (at least 10 characters)"), validators=[DataRequired(), Length(min=10)]
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[DataRequired(),
                    EqualTo("new_password", message=_l("The two new passwords differ."))],
    )
