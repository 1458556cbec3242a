"""Who may open which page outside one event's organiser pages (those check the person's
role in the event's team: app.events.manage)."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def organiser_required(view):
    """Administrators and organisers: those who may create events."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_organiser:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def organiser_pages_required(view):
    """Anyone with organiser pages somewhere: who may create events, or is in an event's team
    with more than the door."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.has_organiser_pages:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
