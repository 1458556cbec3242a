from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.events.models import Event
from app.extensions import db, limiter, login_manager
from app.teams.access import ROLE_LABELS
from app.teams.models import TeamMember

from . import services
from .access import admin_required
from .forms import ChangePasswordForm, LoginForm, UserForm
from .models import User

bp = Blueprint("accounts", __name__)

login_manager.login_view = "accounts.login"
login_manager.login_message = None


# Built once: loader options are immutable, and building them was a tenth of a door scan's CPU.
_WITH_TEAMS = (joinedload(User.memberships).joinedload(TeamMember.event),)


@login_manager.user_loader
def load_user(session_id: str):
    """The session holds "<user id>:<session version>" (User.get_id); a session made before
    the user logged out or changed their password has an older version and is refused. The
    person's teams and their events come in the same query: every organiser page and door
    request asks which role they have at its event."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()) or int(user_id) > 2**31 - 1:
        return None
    user = db.session.get(User, int(user_id), options=_WITH_TEAMS)
    if user is None or user.session_version != int(version):
        return None
    return user


def _landing_for(user: User) -> str:
    if user.has_organiser_pages:
        return url_for("events.dashboard")
    return url_for("checkin.choose_event")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user)
            target = request.args.get("next", "")
            parts = urlsplit(target)
            if target.startswith("/") and not parts.netloc and not target.startswith("//"):
                return redirect(target)
            return redirect(_landing_for(user))
        flash(_("Wrong email or password."), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Also every copy of this session's cookie, and the user's other sessions.
        services.end_sessions(current_user._get_current_object())
    logout_user()
    session.pop("door_device_id", None)  # a door device's session ends too
    flash(_("You are logged out."), "info")
    response = redirect(url_for("events.index"))
    # What a door prepared for offline use (registrations, queued scans) leaves with the user.
    response.headers["Clear-Site-Data"] = '"storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
@login_required
def change_password():
    """The user's own new password. Every other session ends; this one stays logged in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except services.AccountError:
            form.current_password.errors.append(_("Wrong password."))
        else:
            login_user(user)
            flash(_("Your password is changed. You are logged out everywhere else."), "success")
            return redirect(_landing_for(user))
    status = 400 if form.errors else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/admin/users", methods=["GET", "POST"])
@admin_required
def users():
    form = UserForm()
    form.events.choices = [
        (e.id, e.name) for e in db.session.scalars(select(Event).order_by(Event.starts_on))
    ]
    if form.validate_on_submit():
        events = [db.session.get(Event, i) for i in form.events.data]
        try:
            services.create_user(
                form.email.data, form.name.data, form.password.data, form.role.data,
                [e for e in events if e], team_role="door",
            )
        except services.AccountError:
            form.email.errors.append(_("There is already an account with this email address."))
        else:
            flash(_("The account was created."), "success")
            return redirect(url_for("accounts.users"))
    status = 400 if form.errors else 200
    accounts = db.session.scalars(select(User).order_by(User.name).options(
        selectinload(User.memberships).joinedload(TeamMember.event))).all()
    return render_template("accounts/users.html", form=form, users=accounts,
                           role_labels=ROLE_LABELS), status


@bp.app_context_processor
def inject_user():
    return {"current_user": current_user}
