from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as wtforms_translations
from wtforms import (
    BooleanField,
    EmailField,
    Form,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.payments import einvoice
from app.validators import single_line, valid_email

from . import services
from .questions import answer_field

SENSITIVE_CONSENT = _l(
    "I agree that the organiser stores my dietary and accessibility needs to plan the event. "
    "Only organisers see them, and they are deleted after the event."
)


def country_choices() -> list[tuple[str, str]]:
    """Countries by their two-letter code, named in the page's language; Sweden first."""
    names = get_locale().territories
    countries = sorted(((code, name) for code, name in names.items()
                        if len(code) == 2 and code.isalpha() and code != "ZZ"),
                       key=lambda pair: pair[1].casefold())
    return [("SE", names.get("SE", "Sverige"))] + [c for c in countries if c[0] != "SE"]


class AttendeeDetails(Form):
    """One attendee's block of the order form (fields prefixed a0-, a1-, ...). A plain WTForms
    form, since the order form carries the CSRF token; without this Meta WTForms' own messages
    ("This field is required.") stay English, as only FlaskForm translates them."""

    class Meta:
        def get_translations(self, form):
            return wtforms_translations


def _builtin(label, setting: str, max_length: int):
    required = setting == "required"
    return StringField(
        label if required else _l("%(field)s (optional)", field=label),
        validators=[DataRequired() if required else Optional(), Length(max=max_length),
                    single_line()],
    )


def attendee_form_class(event, ticket_type, language: str, *, ask_sensitive: bool = True):
    """The details asked of one attendee: the built-in fields the organiser switched on and
    the custom questions for this ticket type (as fields named q<question id>).

    Dietary and accessibility needs need the attendee's own consent, so a buyer registering
    colleagues is not asked them (ask_sensitive=False): each colleague adds their own from the
    personal link in their confirmation."""
    fields = {
        "name": StringField(_l("Full name"),
                            validators=[DataRequired(), Length(max=200), single_line()]),
        "email": EmailField(_l("Email"),
                            validators=[DataRequired(), valid_email(), Length(max=254),
                                        single_line()]),
    }
    if event.field_organisation != "off":
        fields["organisation"] = _builtin(_l("Organisation or employer"),
                                          event.field_organisation, 200)
    if event.field_role != "off":
        fields["role"] = _builtin(_l("Role or title"), event.field_role, 200)
    if event.field_phone != "off":
        fields["phone"] = _builtin(_l("Phone"), event.field_phone, 40)
    # After the event's sensitive answers were deleted, nothing sensitive is asked again.
    purged = event.sensitive_data_purged_at is not None
    if event.ask_sensitive and ask_sensitive and not purged:
        fields["dietary_needs"] = TextAreaField(
            _l("Dietary needs (optional)"), validators=[Optional(), Length(max=1000)])
        fields["accessibility_needs"] = TextAreaField(
            _l("Accessibility needs (optional)"), validators=[Optional(), Length(max=1000)])
        fields["sensitive_consent"] = BooleanField(SENSITIVE_CONSENT)
    questions = services.asked_questions(event, ticket_type.id)
    if questions:
        for question in questions:
            fields[f"q{question.id}"] = answer_field(question, language)
    form_class = type("AttendeeForm", (AttendeeDetails,), fields)
    form_class.questions = questions
    form_class.ticket_type = ticket_type
    return form_class


class OrderForm(FlaskForm):
    """Who orders and how they pay; the attendees come as sub-forms prefixed a0-, a1-, ..."""

    buyer_name = StringField(_l("Your name"),
                             validators=[Optional(), Length(max=200), single_line()])
    buyer_email = EmailField(
        _l("Your email"), validators=[Optional(), valid_email(), Length(max=254), single_line()])
    payment_method = RadioField(_l("Payment"), validators=[Optional()], choices=[
        ("card", _l("Card (or another method offered by Stripe)")),
        ("invoice", _l("Invoice to my employer or organisation")),
    ])
    billing_name = StringField(_l("Organisation to invoice"),
                               validators=[Optional(), Length(max=200), single_line()])
    billing_org_number = StringField(_l("Organisation number"),
                                     validators=[Optional(), Length(max=20), single_line()])
    billing_address = TextAreaField(_l("Invoice address"),
                                    validators=[Optional(), Length(max=1000)])
    billing_email = EmailField(_l("Email for the invoice (optional)"),
                               validators=[Optional(), valid_email(), Length(max=254),
                                           single_line()])
    invoice_reference = StringField(_l("Your reference (optional)"),
                                    validators=[Optional(), Length(max=200), single_line()])
    peppol_id = StringField(_l("E-invoice address, Peppol ID (optional)"),
                            validators=[Optional(), Length(max=100), single_line()])
    # A buyer for colleagues types what is shared once (with_shared_details).
    attending_too = BooleanField(_l("I am attending too"))
    same_organisation = BooleanField(_l("Same organisation for everyone"))
    billing_country = SelectField(_l("Country"), default="SE", validators=[Optional()])
    # Left empty by people; bots that fill every field give themselves away.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.billing_country.choices = country_choices()
        if not self.billing_country.data:
            self.billing_country.data = "SE"

    def check_order(self, for_others: bool, paying: bool) -> bool:
        """What depends on the order rather than one field: a buyer for others gives their own
        name and email; something to pay needs a method, and an invoice its recipient."""
        required = []
        if for_others:
            required += [self.buyer_name, self.buyer_email]
        if paying and self.payment_method.data not in ("card", "invoice"):
            self.payment_method.errors.append(_l("Choose how you want to pay."))
        elif paying and self.payment_method.data == "invoice":
            required += [self.billing_name, self.billing_address]
        for missing in (f for f in required if not (f.data or "").strip()):
            missing.errors.append(_l("This field is required."))
        checked = []
        if paying and self.payment_method.data == "invoice":
            problems = einvoice.buyer_problems(
                country=self.billing_country.data or "SE",
                org_number=self.billing_org_number.data or "",
                address_text=self.billing_address.data or "",
                reference=self.invoice_reference.data or "",
                peppol_id=self.peppol_id.data or "")
            for name, message in problems.items():
                field = getattr(self, name)
                if not field.errors:
                    field.errors.append(message)
                checked.append(field)
        return not any(f.errors for f in (self.payment_method, *required, *checked))


def with_shared_details(formdata, seats: int, *, attending_too: bool, same_organisation: bool):
    """The attendees' fields as sent, with what a buyer for colleagues typed once filled in
    for everyone: their own name and email as the first attendee's ("I am attending too"),
    and the first attendee's organisation as everyone's ("same organisation"). Done on the
    server, so it works without JavaScript; register.js only shows it as it happens."""
    data = formdata.copy()
    if attending_too:
        data["a0-name"] = data.get("buyer_name", "")
        data["a0-email"] = data.get("buyer_email", "")
    if same_organisation:
        for index in range(1, seats):
            data[f"a{index}-organisation"] = data.get("a0-organisation", "")
    return data


class LinkAgainForm(FlaskForm):
    """Someone who lost their confirmation asks for their personal link again."""

    email = EmailField(_l("Your email"), validators=[DataRequired(), valid_email(),
                                                     Length(max=254), single_line()])
    # Left empty by people; bots that fill every field give themselves away.
    website = StringField(_l("Leave this field empty"), validators=[Optional()])


class CancelForm(FlaskForm):
    confirm = BooleanField(_l("Yes, cancel my registration"), validators=[DataRequired()])


class CancelOrderForm(FlaskForm):
    confirm = BooleanField(_l("Yes, cancel the whole order"), validators=[DataRequired()])


class CancelAttendeeForm(FlaskForm):
    """The buyer cancels one attendee of the order (one such form per row of the order page)."""

    confirm = BooleanField(_l("Yes, cancel this attendee"), validators=[DataRequired()])


class StarForm(FlaskForm):
    """Only the CSRF token: the action (add or remove) is the value of the pressed button."""


class DataExportForm(FlaskForm):
    """Only the CSRF token: the attendee asks for a copy of their data."""
