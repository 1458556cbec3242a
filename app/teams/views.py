"""The team page of an event (/manage/e/<slug>/team: owners and administrators change it,
organisers and read-only members see it) and the invitation link anyone may open."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user

from app.accounts.services import find_user
from app.db_types import utcnow
from app.events.manage import current_event, organiser_pages
from app.extensions import limiter
from app.i18n import current_language

from . import services
from .access import OWNERS, ROLE_HINTS, ROLE_LABELS
from .forms import ROLE_CHOICES, AcceptForm, InviteForm, JoinForm
from .models import DOOR, ORGANISER, TEAM_ROLES

bp = Blueprint("teams", __name__)
organiser = organiser_pages("teams", __name__, roles=OWNERS, read_only_for=(ORGANISER,))


def _team_page(form: InviteForm | None = None, status: int = 200, error: str | None = None):
    event = current_event()
    return render_template(
        "teams/team.html", event=event, members=services.members(event),
        invitations=services.open_invitations(event), form=form or InviteForm(),
        roles=ROLE_CHOICES, role_labels=ROLE_LABELS, role_hints=ROLE_HINTS,
        team_roles=TEAM_ROLES, error=error, now=utcnow(),
        days=services.INVITATION_DAYS,
    ), status


@organiser.route("/team")
def team():
    return _team_page()


@organiser.route("/team/invite", methods=["POST"])
def invite():
    """Invite an address, or send an open invitation again (a new link replaces the old)."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _team_page(form, 400)
    try:
        services.invite(current_event(), form.email.data, form.role.data,
                        current_user._get_current_object(), current_language())
    except services.TeamError as refusal:
        form.email.errors.append(str(refusal))
        return _team_page(form, refusal.status)
    flash(_("The invitation was sent to %(email)s. The link in it is valid for %(days)d days.",
            email=form.email.data.strip().lower(), days=services.INVITATION_DAYS), "success")
    return redirect(url_for("manage.teams.team"))


def _refused_or_back(change, message: str):
    """Run a team change; on a refusal show the team page again with the reason."""
    try:
        member = change()
    except services.TeamError as refusal:
        return _team_page(status=refusal.status, error=str(refusal))
    flash(message.format(name=member.user.name) if member else message, "success")
    return redirect(url_for("manage.teams.team"))


@organiser.route("/team/members/<int:member_id>/role", methods=["POST"])
def change_role(member_id):
    return _refused_or_back(
        lambda: services.change_role(current_event(), member_id, request.form.get("role", ""),
                                     current_user._get_current_object()),
        _("The role of {name} was changed."))


@organiser.route("/team/members/<int:member_id>/remove", methods=["POST"])
def remove(member_id):
    return _refused_or_back(
        lambda: services.remove(current_event(), member_id, current_user._get_current_object()),
        _("{name} was removed from the team."))


@organiser.route("/team/invitations/<int:invitation_id>/withdraw", methods=["POST"])
def withdraw(invitation_id):
    return _refused_or_back(
        lambda: services.withdraw(current_event(), invitation_id,
                                  current_user._get_current_object()),
        _("The invitation was withdrawn; its link no longer works."))


# --- the invitation link ----------------------------------------------------------------------

def _landing(event, role: str) -> str:
    if role == DOOR:
        return url_for("checkin.scan", slug=event.slug)
    return url_for("manage.events.manage", slug=event.slug)


@bp.route("/team-invitation/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def invitation(token):
    """Join an event's team: logged in with the invited address, one button; without an
    account, choose a name and a password; with an account but logged out, log in first."""
    invited = services.invitation_for(token)  # 404 forged or replaced, 410 run out
    event = invited.event
    context = {"invitation": invited, "event": event, "role": ROLE_LABELS[invited.role]}
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        services.addressed_to(invited, user)  # 403 for someone else's invitation
        if invited.accepted_at is not None:  # opened or sent again: nothing more to do
            role = user.team_role(event)
            return render_template(
                "teams/invitation.html", state="accepted" if role else "gone",
                landing=role and _landing(event, role), **context)
        form = AcceptForm()
        if form.validate_on_submit():
            member = services.accept(invited, user)
            flash(_("You are in the team of %(event)s as %(role)s.", event=event.name,
                    role=ROLE_LABELS[member.role]), "success")
            return redirect(_landing(event, member.role))
        return render_template("teams/invitation.html", state="confirm", form=form, **context)
    if invited.accepted_at is not None or find_user(invited.email) is not None:
        return render_template("teams/invitation.html", state="log_in",
                               login=url_for("accounts.login", next=request.path), **context)
    form = JoinForm()
    if form.validate_on_submit():
        user = services.accept_with_new_account(invited, form.name.data, form.password.data)
        login_user(user)
        flash(_("Welcome, %(name)s. You are in the team of %(event)s as %(role)s.",
                name=user.name, event=event.name, role=context["role"]), "success")
        return redirect(_landing(event, invited.role))
    return render_template("teams/invitation.html", state="join", form=form,
                           **context), 400 if form.errors else 200
