from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.validators import single_line, valid_email

from .services import COMPLIANCE_LABELS

TEXT_LIMIT = 20000


def _text(label, description=None):
    return TextAreaField(label, validators=[Optional(), Length(max=TEXT_LIMIT)],
                         description=description)


class StatementForm(FlaskForm):
    organisation = StringField(_l("Organisation responsible for the website"),
                               validators=[DataRequired(), Length(max=200), single_line()])
    service_name = StringField(_l("Name of the website or service"),
                               validators=[DataRequired(), Length(max=200), single_line()])
    compliance = RadioField(
        _l("Compliance with the law on accessibility of digital public services"),
        choices=list(COMPLIANCE_LABELS.items()), validators=[DataRequired()])
    contact_email = EmailField(
        _l("Email address for reporting shortcomings"),
        validators=[Optional(), valid_email(), Length(max=254), single_line()],
        description=_l("Without one, the page tells people to write to the organiser of their "
                       "event."))
    contact_phone = StringField(_l("Phone number (optional)"),
                                validators=[Optional(), Length(max=40), single_line()])
    shortcomings_sv = _text(_l("Content that is not accessible, and why (Swedish)"),
                            _l("One shortcoming a line: what, for whom, why, and what to do "
                               "instead."))
    shortcomings_en = _text(_l("Content that is not accessible, and why (English)"))
    burden_sv = _text(_l("Disproportionate burden (Swedish)"),
                      _l("Content you have exempted because adapting it would be a "
                         "disproportionate burden (12 §), and why."))
    burden_en = _text(_l("Disproportionate burden (English)"))
    out_of_scope_sv = _text(_l("Content not covered by the law (Swedish)"),
                            _l("For example content from others that you do not control "
                               "(9 §)."))
    out_of_scope_en = _text(_l("Content not covered by the law (English)"))
    feedback_sv = _text(_l("How to report shortcomings (Swedish)"),
                        _l("What people should tell you, and how soon they hear back."))
    feedback_en = _text(_l("How to report shortcomings (English)"))
    method_sv = _text(_l("How the statement was made (Swedish)"),
                      _l("For example a self-assessment, automated tests or a review by "
                         "someone outside."))
    method_en = _text(_l("How the statement was made (English)"))
    assessed_on = DateField(_l("Date of the assessment"), validators=[DataRequired()])
    reviewed_on = DateField(_l("Date of the latest review"), validators=[DataRequired()])

    def validate(self, extra_validators=None) -> bool:
        """A website that is not fully compliant must say what is not accessible (the field
        is optional otherwise, so its own validators stop before an inline check)."""
        valid = super().validate(extra_validators)
        if self.compliance.data in ("partial", "none") and not (
                self.shortcomings_sv.data or "").strip():
            self.shortcomings_sv.errors = [*self.shortcomings_sv.errors, _l(
                "Say what is not accessible, and why: the website is not fully compliant.")]
            return False
        return valid

    def validate_reviewed_on(self, field):
        if self.assessed_on.data and field.data and field.data < self.assessed_on.data:
            raise ValidationError(_l("The latest review cannot be before the assessment."))
