from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.validators import valid_email


class RegistrationForm(FlaskForm):
    ticket_type = RadioField(_l("Ticket"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), valid_email(), Length(max=254)])
    organisation = StringField(
        _l("Organisation or employer (optional)"), validators=[Optional(), Length(max=200)]
    )
    dietary_needs = TextAreaField(
        _l("Dietary needs (optional)"), validators=[Optional(), Length(max=1000)]
    )
    accessibility_needs = TextAreaField(
        _l("Accessibility needs (optional)"), validators=[Optional(), Length(max=1000)]
    )
    sensitive_consent = BooleanField(
        _l("I agree that the organiser stores my dietary and accessibility needs to plan the "
           "event. Only organisers see them, and they are deleted after the event.")
    )
    # Left empty by people; bots that fill every field give themselves away.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])


class CancelForm(FlaskForm):
    confirm = BooleanField(_l("Yes, cancel my registration"), validators=[DataRequired()])


class StarForm(FlaskForm):
    """Only the CSRF token: the action (add or remove) is the value of the pressed button."""
