"""The organiser's survey forms. The attendee's survey is laid out from its questions
(app/feedback/answering.py), not a WTForms class."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.validators import is_single_line, normalise_lines, plain_text, single_line

KIND_LABELS = [
    ("rating", _l("Rating 1–5")),
    ("recommend", _l("Recommendation 0–10")),
    ("single", _l("One choice")),
    ("multiple", _l("Several choices")),
    ("yes_no", _l("Yes or no")),
    ("text", _l("Free text")),
    ("grid", _l("Statements on one scale (1–5)")),
]


class CreateSurveyForm(FlaskForm):
    template = RadioField(_l("Start from"), choices=[
        ("conference", _l("The ready-made survey for a conference")),
        ("course", _l("The ready-made survey for a course")),
    ], default="conference", validators=[InputRequired(message=_l("Choose one."))])


class SettingsForm(FlaskForm):
    intro = TextAreaField(_l("Introduction (Swedish)"), filters=[normalise_lines],
                          validators=[Optional(), Length(max=2000), plain_text()])
    intro_en = TextAreaField(_l("Introduction (English)"), filters=[normalise_lines],
                             validators=[Optional(), Length(max=2000), plain_text()])
    auto_send = BooleanField(_l("Send the survey by itself"))
    send_after_hours = IntegerField(
        _l("Hours after the end"), default=2,
        validators=[InputRequired(message=_l("Give a number of hours.")),
                    NumberRange(0, 720, message=_l("Between 0 and 720 hours."))])
    send_from = RadioField(_l("Count the hours from"), choices=[
        ("event", _l("the end of the event")),
        ("session", _l("the end of the last session each person went to")),
    ], default="event")
    audience = RadioField(_l("Send to"), choices=[
        ("checked_in", _l("Those who were checked in")),
        ("registered", _l("Everyone registered")),
    ], default="checked_in")
    remind_after_days = IntegerField(
        _l("Remind once, after this many days"), default=4,
        validators=[InputRequired(message=_l("Give a number of days.")),
                    NumberRange(1, 60, message=_l("Between 1 and 60 days."))])
    closes_on = DateField(_l("Last day to answer"), validators=[Optional()])
    released_to_speakers = BooleanField(_l("Speakers may see the results of their sessions"))


class SendForm(FlaskForm):
    send_to = RadioField(_l("Send to"), choices=[
        ("checked_in", _l("Those who were checked in")),
        ("registered", _l("Everyone registered")),
    ], default="checked_in")
    confirm_early = BooleanField(_l("Send now even though the event has not ended"))


def _options(form, field):
    lines = [line.strip() for line in (field.data or "").split("\n") if line.strip()]
    for line in lines:
        if not is_single_line(line):
            raise ValidationError(_l("Write each choice on one line, without invisible "
                                     "characters."))
        if len(line) > 300:
            raise ValidationError(_l("Keep each choice under 300 characters."))
    if len(lines) > 20:
        raise ValidationError(_l("At most 20 choices."))


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of question"), choices=KIND_LABELS, default="rating")
    text = StringField(_l("Question (Swedish)"), validators=[
        DataRequired(message=_l("Write the question.")), Length(max=500), single_line()])
    text_en = StringField(_l("Question (English)"),
                          validators=[Optional(), Length(max=500), single_line()])
    low_label = StringField(_l("The low end means (Swedish)"),
                            validators=[Optional(), Length(max=100), single_line()])
    low_label_en = StringField(_l("The low end means (English)"),
                               validators=[Optional(), Length(max=100), single_line()])
    high_label = StringField(_l("The high end means (Swedish)"),
                             validators=[Optional(), Length(max=100), single_line()])
    high_label_en = StringField(_l("The high end means (English)"),
                                validators=[Optional(), Length(max=100), single_line()])
    options = TextAreaField(
        _l("Choices or statements, one a line: Swedish | English"), filters=[normalise_lines],
        validators=[Optional(), _options])
    required = BooleanField(_l("An answer is required"))
    per_session = BooleanField(_l("Ask about each session the person went to"))

    def fields_for_question(self) -> dict:
        options = []
        for line in (self.options.data or "").split("\n"):
            if line.strip():
                sv, _bar, en = line.partition("|")
                options.append({"sv": sv.strip(), "en": en.strip()})
        return dict(kind=self.kind.data, text=self.text.data.strip(),
                    text_en=(self.text_en.data or "").strip(),
                    low_label=self.low_label.data or "", low_label_en=self.low_label_en.data or "",
                    high_label=self.high_label.data or "",
                    high_label_en=self.high_label_en.data or "",
                    options=options if self.kind.data in ("single", "multiple", "grid") else [],
                    required=self.required.data, per_session=self.per_session.data)

    def fill_from(self, question) -> "QuestionForm":
        for name in ("kind", "text", "text_en", "low_label", "low_label_en", "high_label",
                     "high_label_en", "required", "per_session"):
            getattr(self, name).data = getattr(question, name)
        self.options.data = "\n".join(
            f"{o['sv']} | {o['en']}" if o.get("en") else o["sv"] for o in question.options)
        return self
