from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.validators import single_line, valid_email

TIME_STEPS = (1, 5, 10, 15, 30)


class EventForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), single_line()])
    name_en = StringField(_l("Name (English)"),
                          validators=[Optional(), Length(max=200), single_line()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    description_en = TextAreaField(_l("Description (English)"),
                                   validators=[Optional(), Length(max=20000)])
    organiser_name = StringField(_l("Organiser"),
                                 validators=[Optional(), Length(max=200), single_line()])
    contact_email = EmailField(_l("Contact email"),
                               validators=[Optional(), valid_email(), single_line()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200), single_line()])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100), single_line()])
    venue_address = TextAreaField(_l("Street address"), validators=[Optional(), Length(max=500)])
    arrival_info = TextAreaField(_l("Getting there and in"),
                                 validators=[Optional(), Length(max=5000)])
    arrival_info_en = TextAreaField(_l("Getting there and in (English)"),
                                    validators=[Optional(), Length(max=5000)])
    starts_on = DateField(_l("First day"), validators=[DataRequired()])
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    timezone = SelectField(_l("Time zone"), default="Europe/Stockholm")
    time_step_minutes = SelectField(
        _l("Programme times in steps of (minutes)"), coerce=int, default=5,
        choices=[(step, str(step)) for step in TIME_STEPS],
    )
    published = BooleanField(_l("Published (visible to the public)"))
    registration_open = BooleanField(_l("Registration open"))
    # How long personal data is kept (app/registration/retention.py). Without the field in
    # what was sent, the event keeps what it has (a new one: the defaults).
    sensitive_retention_days = IntegerField(
        _l("Delete sensitive answers after (days)"), default=30,
        validators=[NumberRange(min=0, max=3650)])
    personal_retention_days = IntegerField(
        _l("Delete personal data after (days)"), default=365,
        validators=[NumberRange(min=0, max=3650)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = sorted(z for z in available_timezones() if z.startswith("Europe/"))
        self.timezone.choices = [(z, z) for z in zones]

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))
        # A course meets over months (its dates follow its sessions); a year is the limit.
        if self.starts_on.data and field.data and (field.data - self.starts_on.data).days > 365:
            raise ValidationError(_l("An event can last at most a year."))

    def validate_personal_retention_days(self, field):
        first = self.sensitive_retention_days.data
        if first is not None and field.data is not None and field.data < first:
            raise ValidationError(_l("Personal data cannot go before the sensitive answers: "
                                     "give at least as many days as for them."))


class RoomForm(FlaskForm):
    name = StringField(_l("Room name"), validators=[DataRequired(), Length(max=120), single_line()])
    name_en = StringField(_l("Room name (English)"),
                          validators=[Optional(), Length(max=120), single_line()])
    capacity = IntegerField(
        _l("Seats"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    accessibility_notes = TextAreaField(
        _l("Accessibility notes"), validators=[Optional(), Length(max=2000)]
    )
    accessibility_notes_en = TextAreaField(
        _l("Accessibility notes (English)"), validators=[Optional(), Length(max=2000)]
    )
