"""The organiser's forms for ticket types and the event's registration settings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.validators import (
    single_line,
    valid_bankgiro,
    valid_email,
    valid_iban,
    valid_org_number,
    valid_vat_number,
)

from .services import VAT_EXEMPT_RATE, TicketRuleError, parse_price

# What a datetime-local input sends (the first is what the form renders).
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
WHOLE_NUMBER = _l("Enter a whole number.")


def _local_time(label):
    return DateTimeLocalField(
        label, format=LOCAL_FORMATS, validators=[Optional()],
        invalid_value_message=_l("Enter a date and time, like 2027-02-01 09:00."),
    )


class TicketTypeForm(FlaskForm):
    name = StringField(_l("Name (Swedish)"),
                       validators=[DataRequired(), Length(max=200), single_line()])
    name_en = StringField(_l("Name (English)"),
                          validators=[Optional(), Length(max=200), single_line()])
    description = TextAreaField(_l("Description (Swedish)"),
                                validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(_l("Description (English)"),
                                   validators=[Optional(), Length(max=5000)])
    price = StringField(_l("Price in kronor, VAT included"),
                        validators=[InputRequired(_l("Enter a price, 0 for a free ticket.")),
                                    Length(max=30), single_line()])
    vat_percent = SelectField(
        _l("VAT rate"), coerce=int, default=25,
        choices=[(25, _l("25 % (most goods and services)")),
                 (12, _l("12 % (e.g. food and lodging)")),
                 (6, _l("6 % (e.g. cultural events, books)")),
                 (0, "0 %")],
    )
    vat_exempt = BooleanField(_l("Exempt from VAT (e.g. education)"))
    vat_exemption_reason = StringField(
        _l("Why it is exempt (Swedish)"),
        validators=[Optional(), Length(max=300), single_line()])
    vat_exemption_reason_en = StringField(
        _l("Why it is exempt (English)"),
        validators=[Optional(), Length(max=300), single_line()])
    capacity = IntegerField(
        _l("Seats"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    sales_start = _local_time(_l("Sales start"))
    sales_end = _local_time(_l("Sales end"))
    visibility = RadioField(
        _l("Who can see the ticket"), default="public",
        choices=[("public", _l("Everyone")),
                 ("code", _l("Only people who enter the access code"))],
    )
    access_code = StringField(_l("Access code"),
                              validators=[Optional(), Length(max=40), single_line()])
    for_speakers = BooleanField(_l("Give this ticket to speakers when they accept"))

    price_ore = None

    def validate_price(self, field):
        try:
            self.price_ore = parse_price(field.data)
        except TicketRuleError as error:
            raise ValidationError(str(error)) from error

    def validate_vat_exempt(self, field):
        if field.data and self.vat_percent.data != 0:
            raise ValidationError(VAT_EXEMPT_RATE)

    def validate_vat_exemption_reason(self, field):
        if self.vat_exempt.data and not (field.data or "").strip():
            raise ValidationError(_l("Say why the ticket is exempt from VAT, for example "
                                     "\"Utbildning, undantagen från moms\". The invoice must "
                                     "say it."))

    def validate_access_code(self, field):
        if self.visibility.data == "code" and not (field.data or "").strip():
            raise ValidationError(_l("Enter the access code people need to see this ticket."))

    def validate_for_speakers(self, field):
        if field.data and self.price_ore not in (None, 0):
            raise ValidationError(_l("Speakers get their ticket for free: set the price to 0 "
                                     "to give this ticket to speakers."))

    def validate_sales_end(self, field):
        start = self.sales_start.data
        if start and field.data and field.data <= start:
            raise ValidationError(_l("Sales must end after they start."))


class TicketActionForm(FlaskForm):
    """Move, end sales or delete: a bare form, for its CSRF token."""

    direction = HiddenField(validators=[Optional(), AnyOf(("up", "down"))])


class RegistrationSettingsForm(FlaskForm):
    registration_open = BooleanField(_l("Registration open"))
    capacity = IntegerField(
        _l("Seats for the whole event"), validators=[Optional(), NumberRange(min=0, max=1_000_000)]
    )
    refund_until = DateField(
        _l("Full refund on cancellation up to and including"), validators=[Optional()],
        render_kw={"autocomplete": "off"},
    )
    allow_invoice = BooleanField(_l("Allow payment by invoice"))
    invoice_due_days = IntegerField(
        _l("Invoices are due after (days)"), default=30,
        validators=[InputRequired(WHOLE_NUMBER), NumberRange(min=0, max=365)],
    )
    organiser_name = StringField(_l("Seller (organisation name)"),
                                 validators=[Optional(), Length(max=200), single_line()])
    contact_email = EmailField(_l("Contact email"), validators=[Optional(), valid_email(),
                                                                Length(max=254), single_line()])
    seller_org_number = StringField(
        _l("Organisation number"),
        validators=[Optional(), Length(max=20), single_line(), valid_org_number()],
    )
    seller_vat_number = StringField(
        _l("VAT registration number"),
        validators=[Optional(), Length(max=20), single_line(), valid_vat_number()],
    )
    seller_address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=1000)])
    seller_bankgiro = StringField(
        _l("Bankgiro"),
        validators=[Optional(), Length(max=20), single_line(), valid_bankgiro()],
    )
    seller_f_tax = BooleanField(_l("Approved for F-tax (Godkänd för F-skatt)"))
    seller_iban = StringField(
        _l("IBAN (optional)"),
        validators=[Optional(), Length(max=42), single_line(), valid_iban()],
    )
