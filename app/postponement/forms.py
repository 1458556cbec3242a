from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .services import DECISION_DAYS, MAX_DECISION_DAYS


class PostponeForm(FlaskForm):
    new_starts_on = DateField(_l("New first day"), validators=[DataRequired()])
    decision_days = IntegerField(
        _l("Days in which people may cancel with a full refund"), default=DECISION_DAYS,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_DECISION_DAYS)])
    message = TextAreaField(_l("Message to everyone told (optional)"),
                            validators=[Optional(), Length(max=2000)])
    # The first day the preview showed: a second submit after the move changes nothing.
    seen_starts_on = HiddenField()


class CancelEventForm(FlaskForm):
    message = TextAreaField(_l("Message to everyone told (optional)"),
                            validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(_l("Yes, cancel the event for everyone"),
                           validators=[DataRequired(_l("Tick the box to confirm that you want "
                                                       "to cancel the event."))])
