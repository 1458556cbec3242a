"""Validators shared by the forms, with messages written for people, not programmers."""

from flask_babel import lazy_gettext as _l
from wtforms.validators import Email


def valid_email():
    return Email(message=_l("Enter a whole email address, like name@example.org."))
