"""Refusals and error pages in the visitor's language, for browsers and for JSON clients.

A rule that says no raises a Refusal (or a subclass: RegistrationError, WaitingListError,
SignupError, PaymentError, TicketRuleError ...) carrying a message for the person and the HTTP
status it answers with. A view that can say it better (the form again, with the message at the
field) catches it; any other reaches the one handler below, which rolls back and answers with
the message and the status."""

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db


class Refusal(ValueError):
    """A rule said no. `message` is for the person (a lazy translation is fine); `status` is
    what the answer's HTTP status becomes."""

    status = 409

    def __init__(self, message="", status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self):
        return str(self.message)


class AlreadyRegistered(Refusal):
    """The address already has a live registration at the event (confirmed, or a seat held
    for a card payment). Registering, transferring and joining the waiting list all refuse it;
    `email` and `registration` say whose, so the link can be sent to it again."""

    def __init__(self, message, email: str = "", registration=None):
        super().__init__(message)
        self.email = email
        self.registration = registration


MESSAGES = {
    400: (_l("The request could not be understood"),
          _l("Something in what was sent was not right. Go back, check the form and try again.")),
    403: (_l("You do not have access to this page"),
          _l("Log in with an account that has access, or ask an organiser for help.")),
    404: (_l("Page not found"),
          _l("The page or link does not exist, or it is no longer valid. Check the address.")),
    405: (_l("That is not possible here"),
          _l("This page cannot be used in that way. Go back and use the buttons on the page.")),
    409: (_l("That has already been done"),
          _l("What you tried conflicts with something that has already happened.")),
    410: (_l("This link is no longer valid"),
          _l("The offer or link has run out or has already been used.")),
    413: (_l("The file is too large"), _l("Choose a smaller file and try again.")),
    429: (_l("Too many attempts"),
          _l("You have tried many times in a short while. Wait a minute and try again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you did caused this. Nothing was saved. Try again in a while.")),
}


def render_error(code: int, title=None, message=None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    title, message = title or default_title, message or default_message
    if request.accept_mimetypes.best == "application/json":
        return {"error": str(title), "message": str(message), "status": code}, code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            _l("The form has expired"),
            _l("For your safety, forms are valid for a limited time. Go back, reload the page "
               "and send the form again. Nothing was saved."),
        )

    @app.errorhandler(Refusal)
    def refusal(error):
        db.session.rollback()  # a refusal stores nothing
        return render_error(error.status, MESSAGES.get(error.status, MESSAGES[409])[0],
                            str(error))

    @app.errorhandler(HTTPException)
    def http_error(error):
        return render_error(error.code or 500)
