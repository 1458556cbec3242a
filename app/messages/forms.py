"""The message form: who gets it, and a subject and text in Swedish and in English. The same
form is posted to preview, to change and to send; its nonce travels with it."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.validators import normalise_lines, plain_text, shown_refused, single_line

from .services import BODY_MAX, SUBJECT_MAX, Draft


def _strip(text):
    return text.strip() if isinstance(text, str) else text


def _text(text):
    """A text as written, with its line breaks as \\n and no blank lines around it."""
    text = normalise_lines(text)
    return text.strip("\n ").rstrip() if isinstance(text, str) else text


class MessageForm(FlaskForm):
    # Checked in validate(), with a message of its own.
    audience = SelectField(_l("To"), default="all", validate_choice=False)
    subject_sv = StringField(_l("Subject in Swedish"), filters=[_strip], validators=[
        Optional(), Length(max=SUBJECT_MAX), single_line()])
    body_sv = TextAreaField(_l("Text in Swedish"), filters=[_text], validators=[
        Optional(), Length(max=BODY_MAX), plain_text()])
    subject_en = StringField(_l("Subject in English"), filters=[_strip], validators=[
        Optional(), Length(max=SUBJECT_MAX), single_line()])
    body_en = TextAreaField(_l("Text in English"), filters=[_text], validators=[
        Optional(), Length(max=BODY_MAX), plain_text()])
    nonce = HiddenField()

    def for_audiences(self, audiences) -> "MessageForm":
        self.audience.choices = [(audience.value, audience.label) for audience in audiences]
        return self

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.audience.data not in {value for value, _label in self.audience.choices}:
            self.audience.errors = [_l("Choose who gets the message from the list.")]
            valid = False
        pairs = ((self.subject_sv, self.body_sv), (self.subject_en, self.body_en))
        for subject, body in pairs:
            if subject.data and not body.data and not body.errors:
                body.errors = [*body.errors, _l("Write the text too, or leave the subject empty "
                                                "as well.")]
                valid = False
            elif body.data and not subject.data and not subject.errors:
                subject.errors = [*subject.errors, _l("Write a subject too, or leave the text "
                                                      "empty as well.")]
                valid = False
        if not any(subject.data or body.data for subject, body in pairs):
            self.subject_sv.errors = [*self.subject_sv.errors, _l(
                "Write a subject and a text in Swedish, in English or in both.")]
            valid = False
        return valid

    def show_refused_characters(self) -> "MessageForm":
        """Before the form is shown again: each refused character as �, so the organiser sees
        where it was (and the page holds no control character)."""
        for name in ("subject_sv", "subject_en"):
            self[name].data = shown_refused(self[name].data)
        for name in ("body_sv", "body_en"):
            self[name].data = shown_refused(self[name].data, multi_line=True)
        return self

    @property
    def draft(self) -> Draft:
        return Draft(self.subject_sv.data or "", self.body_sv.data or "",
                     self.subject_en.data or "", self.body_en.data or "")
