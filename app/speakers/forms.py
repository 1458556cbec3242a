from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.validators import single_line, valid_email


class SpeakerForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), single_line()])
    role_title = StringField(
        _l("Title or role, for example peer supporter or researcher"),
        validators=[Optional(), Length(max=200), single_line()],
    )
    role_title_en = StringField(_l("Title or role (English)"),
                                validators=[Optional(), Length(max=200), single_line()])
    organisation = StringField(_l("Organisation"),
                               validators=[Optional(), Length(max=200), single_line()])
    email = EmailField(_l("Email"),
                       validators=[Optional(), valid_email(), Length(max=254), single_line()])
    language = SelectField(
        _l("Language for emails"), choices=[("sv", "Svenska"), ("en", "English")], default="sv"
    )


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), single_line()])
    role_title = StringField(_l("Title or role"),
                             validators=[Optional(), Length(max=200), single_line()])
    role_title_en = StringField(_l("Title or role (English)"),
                                validators=[Optional(), Length(max=200), single_line()])
    organisation = StringField(_l("Organisation"),
                               validators=[Optional(), Length(max=200), single_line()])
    bio = TextAreaField(_l("Short biography"), validators=[Optional(), Length(max=5000)])
    bio_en = TextAreaField(_l("Short biography (English)"),
                           validators=[Optional(), Length(max=5000)])


class AnswerForm(FlaskForm):
    """Only the CSRF token: the button pressed carries the answer."""


class PhotoForm(FlaskForm):
    """The file is checked by app.speakers.photos, which reads what it really is."""

    photo = FileField(_l("Photo (JPEG, PNG or WebP, at most 5 MB)"))
