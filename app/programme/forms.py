from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.validators import single_line, valid_email

KIND_LABELS = (
    ("talk", _l("Talk")),
    ("panel", _l("Panel")),
    ("workshop", _l("Workshop")),
    ("plenary", _l("Plenary")),
    ("break", _l("Break")),
    ("lunch", _l("Lunch")),
)


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ItemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300), single_line()])
    title_en = StringField(_l("Title (English)"),
                           validators=[Optional(), Length(max=300), single_line()])
    kind = SelectField(_l("Kind"), choices=KIND_LABELS, default="talk")
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    description_en = TextAreaField(_l("Description (English)"),
                                   validators=[Optional(), Length(max=20000)])
    day = SelectField(_l("Day"), validators=[DataRequired()])
    start = TimeField(_l("Starts"), validators=[DataRequired()])
    end = TimeField(_l("Ends"), validators=[DataRequired()])
    room = SelectField(_l("Room"), coerce=int)
    audience = StringField(_l("Audience"), validators=[Optional(), Length(max=200), single_line()])
    audience_en = StringField(_l("Audience (English)"),
                              validators=[Optional(), Length(max=200), single_line()])
    signup_required = BooleanField(_l("Attendees must sign up (limited seats)"))
    signup_capacity = IntegerField(
        _l("Seats for sign-up"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    speakers = CheckboxList(_l("Speakers"), coerce=int)
    new_speaker_name = StringField(_l("Name"),
                                   validators=[Optional(), Length(max=200), single_line()])
    new_speaker_role = StringField(_l("Title or role"),
                                   validators=[Optional(), Length(max=200), single_line()])
    new_speaker_role_en = StringField(_l("Title or role (English)"),
                                      validators=[Optional(), Length(max=200), single_line()])
    new_speaker_organisation = StringField(
        _l("Organisation"), validators=[Optional(), Length(max=200), single_line()]
    )
    new_speaker_email = EmailField(
        _l("Email"), validators=[Optional(), valid_email(), Length(max=254), single_line()]
    )
    invite = BooleanField(_l("Email an invitation to new speakers on this item"), default=True)
    confirm_overlap = BooleanField(_l("Save anyway: the overlap is deliberate"))


class CancelItemForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, cancel this item and tell everyone registered"), validators=[DataRequired()]
    )


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Choose a CSV file.")),
        FileAllowed(["csv", "txt"], _l("Choose a file that ends in .csv.")),
    ])
    create_missing_rooms = BooleanField(_l("Create missing rooms"))
    confirm = BooleanField(_l("Yes, add these items to the programme"))
    digest = HiddenField()
