"""The organiser's refund form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app import money
from app.validators import single_line

# What app.money.parse refuses, in the words of the refund form.
AMOUNT_REFUSALS = {
    "empty": _l("Enter the amount to refund."),
    "negative": _l("The amount cannot be negative."),
    "not_a_number": _l("Enter the amount in kronor, for example 950 or 1 250,50."),
    "decimals": _l("An amount has at most two decimals (öre), for example 1 250,50."),
}


class RefundForm(FlaskForm):
    """Pay back part or all of what was paid for an order. `seen_refunded_ore` is what the
    organiser saw as already refunded: a second submit of the same form is refused."""

    amount = StringField(
        _l("Amount to refund, in kronor"),
        validators=[InputRequired(_l("Enter the amount to refund.")), Length(max=30),
                    single_line()],
    )
    note = TextAreaField(_l("Note (why; only organisers see it)"),
                         validators=[Optional(), Length(max=2000)])
    seen_refunded_ore = HiddenField()

    amount_ore = None

    def validate_amount(self, field):
        try:
            self.amount_ore = money.parse(field.data)
        except money.AmountError as refused:
            raise ValidationError(AMOUNT_REFUSALS[refused.reason]) from refused
        if self.amount_ore <= 0:
            raise ValidationError(_l("Enter an amount greater than zero."))

    def for_order(self, order) -> "RefundForm":
        """Remember what the organiser sees as refunded when the form is shown."""
        if not self.is_submitted():
            self.seen_refunded_ore.data = str(order.refunded_ore)
        return self

    @property
    def seen_refunded(self) -> int | None:
        try:
            return int(self.seen_refunded_ore.data)
        except (TypeError, ValueError):
            return None
