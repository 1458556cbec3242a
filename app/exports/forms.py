"""The export page's forms. Field names differ between the forms, as they share one page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.validators import DataRequired, InputRequired, Optional

from app.badges.sheets import LAYOUTS
from app.registration.questions import CheckboxList

from .services import DEFAULT_COLUMNS, WHO


class AttendeeExportForm(FlaskForm):
    file_format = RadioField(_l("File"), default="xlsx", validators=[InputRequired()], choices=[
        ("xlsx", _l("Excel (XLSX)")),
        ("csv", _l("CSV, separated by semicolons (opens in Excel with Swedish settings)")),
    ])
    who = RadioField(_l("Who"), default="confirmed", validators=[InputRequired()],
                     choices=list(WHO.items()))
    columns = CheckboxList(_l("Columns"), default=list(DEFAULT_COLUMNS),
                           validators=[Optional()])
    sensitive = CheckboxList(_l("Sensitive columns"), default=[], validators=[Optional()])

    def for_event(self, ordinary, sensitive) -> "AttendeeExportForm":
        self.columns.choices = [(column.key, column.label) for column in ordinary]
        self.sensitive.choices = [(column.key, column.label) for column in sensitive]
        return self

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not (self.columns.data or self.sensitive.data):
            self.columns.errors = [_l("Choose at least one column.")]
            return False
        return valid


class BadgeSheetForm(FlaskForm):
    layout = RadioField(_l("Paper"), default="a6x4", validators=[InputRequired()],
                        choices=[(layout.key, layout.label) for layout in LAYOUTS.values()])


class DoorListForm(FlaskForm):
    """Nothing to choose: the CSRF token only."""


class SignupListForm(FlaskForm):
    # Any item id is let through: one that is not the event's answers 404, as its page would.
    item = SelectField(_l("Programme item"), default="all", validators=[DataRequired()],
                       validate_choice=False)
    signup_format = RadioField(_l("File"), default="pdf", validators=[InputRequired()],
                               choices=[("pdf", _l("PDF to print, a page per item")),
                                        ("csv", _l("CSV, separated by semicolons"))])

    def for_items(self, items) -> "SignupListForm":
        self.item.choices = [("all", _l("Every item with sign-ups"))] + [
            (str(item.id), item.title) for item in items]
        return self

    @property
    def item_id(self) -> int | None:
        if self.item.data == "all":
            return None
        return int(self.item.data) if self.item.data.isdigit() else -1
