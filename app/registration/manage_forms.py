"""Forms of the organiser's registration-form builder, the attendee's own page (changing details
and answers, passing the ticket on), the organiser's page of one attendee and the purge of
personal data."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.validators import single_line, valid_email

from .forms import SENSITIVE_CONSENT
from .questions import CheckboxList, answer_field, field_data

KIND_CHOICES = (
    ("text", _l("Text")),
    ("choice", _l("One choice")),
    ("multiple", _l("Multiple choice")),
    ("yesno", _l("Yes or no")),
)
SETTING_CHOICES = (
    ("off", _l("Not asked")),
    ("optional", _l("Optional")),
    ("required", _l("Required")),
)


class QuestionForm(FlaskForm):
    label = StringField(_l("Question in Swedish"),
                        validators=[DataRequired(), Length(max=300), single_line()])
    label_en = StringField(_l("Question in English"),
                           validators=[Optional(), Length(max=300), single_line()])
    help_text = TextAreaField(_l("Help text in Swedish"),
                              validators=[Optional(), Length(max=2000)])
    help_text_en = TextAreaField(_l("Help text in English"),
                                 validators=[Optional(), Length(max=2000)])
    kind = RadioField(_l("Kind of answer"), choices=KIND_CHOICES, default="text",
                      validators=[DataRequired()])
    options = TextAreaField(
        _l("Options"), validators=[Optional(), Length(max=10000)],
        description=_l("For choice questions: one option a line, Swedish | English, for "
                       "example “Ja, gärna | Yes please”."),
    )
    required = BooleanField(_l("An answer is required"),
                            description=_l("A yes-or-no question is a tick box: not ticking it "
                                           "is the answer “no”."))
    ticket_types = CheckboxList(
        _l("Asked for these tickets"), coerce=int, validators=[Optional()],
        description=_l("Tick none to ask everyone."),
    )
    sensitive = BooleanField(
        _l("The answers are sensitive"),
        description=_l("For example about health. Sensitive answers are deleted with the "
                       "dietary and accessibility needs, when the event’s first retention "
                       "period runs out, and exports mark them sensitive."))


class FieldsForm(FlaskForm):
    """The built-in fields beyond name and email."""

    field_organisation = SelectField(_l("Organisation or employer"), choices=SETTING_CHOICES)
    field_role = SelectField(_l("Role or title"), choices=SETTING_CHOICES)
    field_phone = SelectField(_l("Phone"), choices=SETTING_CHOICES)
    ask_sensitive = BooleanField(
        _l("Ask for dietary and accessibility needs"),
        description=_l("Always optional, asked with the attendee's consent, and shown only to "
                       "organisers."),
    )


class ActionForm(FlaskForm):
    """Only the CSRF token, and the pressed button's value (up or down) for a move."""

    direction = HiddenField()


class DeleteQuestionForm(FlaskForm):
    confirm = BooleanField(_l("Yes, delete the question and its answers"),
                           validators=[DataRequired()])


class PurgeForm(FlaskForm):
    confirm_slug = StringField(_l("Type the event's web address name to confirm"),
                               validators=[DataRequired(), Length(max=80), single_line()])


class TransferForm(FlaskForm):
    name = StringField(_l("Your colleague's full name"),
                       validators=[DataRequired(), Length(max=200), single_line()])
    email = EmailField(_l("Your colleague's email"),
                       validators=[DataRequired(), valid_email(), Length(max=254), single_line()])
    confirm = BooleanField(
        _l("Yes, give my ticket to this person. My link and my badge stop working."),
        validators=[DataRequired()])


class ReplaceAttendeeForm(FlaskForm):
    """The buyer gives a colleague's seat to another person, from the order page."""

    name = StringField(_l("Full name of the new attendee"),
                       validators=[DataRequired(), Length(max=200), single_line()])
    email = EmailField(_l("Email of the new attendee"),
                       validators=[DataRequired(), valid_email(), Length(max=254), single_line()])
    confirm = BooleanField(
        _l("Yes, give the seat to this person. The old link and badge stop working."),
        validators=[DataRequired()])


# --- the organiser's page of one attendee (several forms on one page: each has a prefix, so
# their field ids differ) ---------------------------------------------------------------------

class ResendForm(FlaskForm):
    """The newest mail to the attendee when the page was made: a second press sends nothing."""

    seen = HiddenField()


class OrganiserCancelForm(FlaskForm):
    confirm = BooleanField(_l("Yes, cancel this registration"), validators=[DataRequired()])


class ChangeTicketForm(FlaskForm):
    ticket_type = SelectField(_l("Ticket type"), coerce=int, validators=[DataRequired()])


class OrganiserTransferForm(FlaskForm):
    name = StringField(_l("The new attendee’s full name"),
                       validators=[DataRequired(), Length(max=200), single_line()])
    email = EmailField(_l("The new attendee’s email"),
                       validators=[DataRequired(), valid_email(), Length(max=254), single_line()])
    language = SelectField(_l("Language of their emails"),
                           choices=[("sv", "Svenska"), ("en", "English")])
    confirm = BooleanField(
        _l("Yes, give the ticket to this person. The old personal link and badge stop working."),
        validators=[DataRequired()])


def _built_in(label, optional_label, setting: str, max_length: int):
    required = setting == "required"
    return StringField(
        label if required else optional_label,
        validators=[DataRequired() if required else Optional(), Length(max=max_length),
                    single_line()],
    )


def details_form(registration, questions, language: str, formdata=None) -> FlaskForm:
    """The attendee's own details: name, the built-in fields the organiser switched on, the
    sensitive needs (unless the event's sensitive answers were deleted) and `questions` (those
    of their ticket type still asked: services.asked_questions) as fields q<question id>.
    Pre-filled from the registration."""
    event = registration.event
    fields = {"name": StringField(_l("Full name"),
                                  validators=[DataRequired(), Length(max=200), single_line()])}
    data = {"name": registration.name}
    built_in = (
        ("organisation", _l("Organisation or employer"),
         _l("Organisation or employer (optional)"), event.field_organisation, 200),
        ("role", _l("Role or title"), _l("Role or title (optional)"), event.field_role, 200),
        ("phone", _l("Phone"), _l("Phone (optional)"), event.field_phone, 40),
    )
    for name, label, optional_label, setting, max_length in built_in:
        # A field switched off after someone filled it in stays editable (and clearable).
        if setting != "off" or getattr(registration, name):
            fields[name] = _built_in(label, optional_label,
                                     "optional" if setting == "off" else setting, max_length)
            data[name] = getattr(registration, name)
    if event.sensitive_data_purged_at is None and (event.ask_sensitive or registration.dietary_needs
                       or registration.accessibility_needs):
        fields["dietary_needs"] = TextAreaField(
            _l("Dietary needs (optional)"), validators=[Optional(), Length(max=1000)])
        fields["accessibility_needs"] = TextAreaField(
            _l("Accessibility needs (optional)"), validators=[Optional(), Length(max=1000)])
        fields["sensitive_consent"] = BooleanField(SENSITIVE_CONSENT)
        data.update(dietary_needs=registration.dietary_needs,
                    accessibility_needs=registration.accessibility_needs,
                    sensitive_consent=registration.sensitive_consent)
    answers = {answer.question_id: answer.value for answer in registration.answers}
    for question in questions:
        fields[f"q{question.id}"] = answer_field(question, language)
        data[f"q{question.id}"] = field_data(question, answers.get(question.id))
    form_class = type("DetailsForm", (FlaskForm,), fields)
    if formdata is not None:
        return form_class(formdata=formdata)
    return form_class(formdata=None, data=data)
