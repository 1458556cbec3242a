from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, StringField, TimeField, URLField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional

from app.validators import single_line

from .services import REASON_LIMIT, SessionDetails


class SessionForm(FlaskForm):
    title = StringField(_l("Title (Swedish)"), validators=[Optional(), Length(max=200),
                                                           single_line()])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200),
                                                              single_line()])
    day = DateField(_l("Date"), validators=[DataRequired(_l("Give the session's date."))])
    start = TimeField(_l("Starts"), validators=[DataRequired(_l("Give when it starts."))])
    end = TimeField(_l("Ends"), validators=[DataRequired(_l("Give when it ends."))])
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300), single_line()])
    online_url = URLField(_l("Online link"), validators=[
        Optional(), Length(max=500), single_line(),
        URL(require_tld=False, message=_l("Give the whole address, starting with https://."))])
    leader_name = StringField(_l("Course leader"), validators=[Optional(), Length(max=200),
                                                               single_line()])

    def details(self) -> SessionDetails:
        return SessionDetails(
            title=self.title.data or "", title_en=self.title_en.data or "",
            day=self.day.data, start=self.start.data, end=self.end.data,
            place=self.place.data or "", online_url=self.online_url.data or "",
            leader_name=self.leader_name.data or "")


class RuleForm(FlaskForm):
    kind = RadioField(_l("The certificate needs"), choices=[
        ("percent", _l("a share of the sessions")), ("sessions", _l("a number of sessions"))],
        default="percent", validators=[DataRequired()])
    value = IntegerField(_l("Share (per cent) or number of sessions"), validators=[
        DataRequired(_l("Give a whole number.")), NumberRange(min=1, max=100)])
    signer_name = StringField(_l("Signed by"), validators=[Optional(), Length(max=200),
                                                           single_line()])
    signer_title = StringField(_l("Signer's title"), validators=[Optional(), Length(max=200),
                                                                 single_line()])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[
        DataRequired(_l("Say why.")), Length(max=REASON_LIMIT), single_line()])


class AttendanceForm(FlaskForm):
    """The grid: its tick boxes are read from the request by the view (one per person and
    session); the form holds the reason and what was ticked when the page was shown."""

    reason = StringField(_l("Reason for the changes"), validators=[
        Optional(), Length(max=REASON_LIMIT), single_line()])


class ActionForm(FlaskForm):
    """A button that changes something: the CSRF token and nothing else."""
