from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

RATINGS = [
    (5, _l("5 – Very good")),
    (4, _l("4 – Good")),
    (3, _l("3 – Neither good nor bad")),
    (2, _l("2 – Poor")),
    (1, _l("1 – Very poor")),
]


class FeedbackForm(FlaskForm):
    rating = RadioField(
        _l("Overall, how was the event?"), choices=RATINGS, coerce=int,
        validators=[InputRequired(message=_l("Choose one of the answers."))],
    )
    comment = TextAreaField(
        _l("What was good, and what could be better? (optional)"),
        validators=[Optional(), Length(max=5000)],
    )


class RequestFeedbackForm(FlaskForm):
    checked_in_only = BooleanField(_l("Only attendees who checked in"), default=True)
