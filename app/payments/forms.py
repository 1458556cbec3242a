"""The organiser's refund form."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.validators import single_line

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_AMOUNT = re.compile(r"(?P<kronor>\d{1,9})(?:[.,](?P<ore>\d*))?")


def parse_kronor(text: str) -> int:
    """Kronor as people type them ("950", "950,50", "1 250,5", "950 kr") in öre; ValueError
    with a message for anything else, a negative amount or more than two decimals."""
    cleaned = _SPACES.sub("", (text or "").strip())
    cleaned = re.sub(r"(?i)(kr|sek|:-)$", "", cleaned)
    if cleaned.startswith(("-", "\u2212")):
        raise ValueError(_l("The amount cannot be negative."))
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise ValueError(_l("Enter the amount in kronor, for example 950 or 1 250,50."))
    ore = match.group("ore") or ""
    if len(ore) > 2:
        raise ValueError(_l("An amount has at most two decimals (öre), for example 1 250,50."))
    return int(match.group("kronor")) * 100 + int(ore.ljust(2, "0"))


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
            self.amount_ore = parse_kronor(field.data)
        except ValueError as error:
            raise ValidationError(str(error.args[0])) from error
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
