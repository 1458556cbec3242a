"""Courses: the organiser's sessions, rule and certificates, the course leader's attendance
grid (owners and organisers of the course's team: a course leader who marks attendance is
given the organiser role; the leader named on each session is what participants read), the
participant's calendar and certificate, and the public check of a certificate."""

import re

import click
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.database import unit_of_work
from app.db_types import utcnow
from app.events.manage import current_event, organiser_pages
from app.extensions import db, limiter
from app.mail.render import absolute_url
from app.registration.views import active_registration_or_404, registration_or_404
from app.teams.access import EDITORS

from . import calendar, documents, services
from .forms import ActionForm, AttendanceForm, ReasonForm, RuleForm, SessionForm

bp = Blueprint("courses", __name__)
organiser = organiser_pages("courses", __name__, roles=EDITORS)

CELL = re.compile(r"^(\d{1,12})-(\d{1,12})$")


# --- what other areas' pages and emails show of a course ---------------------------------------

@bp.app_template_global()
def course_sessions(event) -> list:
    """The course's sessions in order (none for a conference): the registration confirmation
    lists them, so a participant has every date from the start."""
    return services.sessions_of(event)


@bp.app_template_global()
def course_calendar_url(registration) -> str:
    return absolute_url("courses.course_ical", token=registration.manage_token)


# --- public: the check of a certificate ---------------------------------------------------------

@bp.route("/certificates/<code>")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def verify(code):
    """Valid or revoked, the course, the date and the holder's initials; nothing else. An
    unknown id is told as unknown (404) and says nothing more."""
    certificate = services.verify(code[:100])
    if certificate is None:
        return render_template("courses/verify.html", certificate=None), 404
    return render_template("courses/verify.html", certificate=certificate,
                           event=certificate.event), 410 if certificate.revoked else 200


# --- the participant -----------------------------------------------------------------------------

@bp.route("/r/<token>/course.ics")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def course_ical(token):
    registration = active_registration_or_404(token)
    sessions = services.sessions_of(registration.event)
    if not sessions:
        abort(404)
    response = Response(calendar.course_calendar(registration.event, sessions),
                        content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="course.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/r/<token>/certificate.pdf")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def certificate_pdf(token):
    registration = registration_or_404(token)
    certificate = services.certificate_of(registration)
    if certificate is None:
        abort(404)
    response = Response(documents.pdf_for(db.session, certificate),
                        content_type="application/pdf")
    response.headers["Content-Disposition"] = (
        f'inline; filename="{"intyg" if certificate.language == "sv" else "certificate"}.pdf"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the organiser -------------------------------------------------------------------------------

def _overview(session_form=None, rule_form=None, status=200):
    event = current_event()
    rule = services.rule_of(event)
    if rule_form is None:
        rule_form = RuleForm(
            kind="sessions" if rule.min_sessions is not None else "percent",
            value=rule.min_sessions if rule.min_sessions is not None else rule.min_percent,
            signer_name=rule.signer_name, signer_title=rule.signer_title, formdata=None)
    sessions = services.sessions_of(event)
    return render_template(
        "courses/manage.html", event=event, sessions=sessions, rule=rule,
        required=services.required_sessions(rule, len(sessions)),
        session_form=session_form or SessionForm(formdata=None), rule_form=rule_form,
    ), status


@organiser.route("/course")
def overview():
    return _overview()


@organiser.route("/course/sessions", methods=["POST"])
def add_session():
    form = SessionForm()
    if not form.validate_on_submit():
        return _overview(session_form=form, status=400)
    try:
        services.add_session(current_event(), form.details())
    except services.CourseError as error:
        form.end.errors.append(str(error))
        return _overview(session_form=form, status=error.status)
    flash(_("The session is added."), "success")
    return redirect(url_for("manage.courses.overview"), 303)


@organiser.route("/course/sessions/<int:session_id>", methods=["GET", "POST"])
def edit_session(session_id):
    event = current_event()
    session = services.session_or_404(event, session_id)
    if request.method == "GET":
        form = SessionForm(obj=session, formdata=None, day=event.local_day(session.starts_at),
                           start=event.local(session.starts_at).time(),
                           end=event.local(session.ends_at).time())
        return render_template("courses/session.html", event=event, session=session,
                               form=form, delete_form=ActionForm(formdata=None))
    form = SessionForm()
    if form.validate_on_submit():
        try:
            services.update_session(event, session_id, form.details())
        except services.CourseError as error:
            if error.status != 400:
                raise
            form.end.errors.append(str(error))
        else:
            flash(_("The session is saved."), "success")
            return redirect(url_for("manage.courses.overview"), 303)
    return render_template("courses/session.html", event=event, session=session, form=form,
                           delete_form=ActionForm(formdata=None)), 400


@organiser.route("/course/sessions/<int:session_id>/delete", methods=["POST"])
def delete_session(session_id):
    if not ActionForm().validate_on_submit():
        abort(400)
    services.delete_session(current_event(), session_id)
    flash(_("The session is deleted."), "success")
    return redirect(url_for("manage.courses.overview"), 303)


@organiser.route("/course/rule", methods=["POST"])
def save_rule():
    form = RuleForm()
    if not form.validate_on_submit():
        return _overview(rule_form=form, status=400)
    number = form.value.data
    services.save_rule(current_event(),
                       min_sessions=number if form.kind.data == "sessions" else None,
                       min_percent=number if form.kind.data == "percent" else None,
                       signer_name=form.signer_name.data or "",
                       signer_title=form.signer_title.data or "")
    flash(_("The certificate's rule is saved."), "success")
    return redirect(url_for("manage.courses.overview"), 303)


def _cells(values) -> set[tuple[int, int]]:
    cells = set()
    for value in values:
        match = CELL.match(value)
        if match is None:
            abort(400)
        cells.add((int(match[1]), int(match[2])))
    return cells


def _grid_page(form, status=200):
    event = current_event()
    grid = services.grid(event)
    return render_template("courses/attendance.html", event=event, grid=grid, form=form,
                           before=" ".join(f"{r}-{s}" for r, s in sorted(grid.cells()))), status


@organiser.route("/course/attendance", methods=["GET", "POST"])
def attendance():
    """The grid: a tick box per person and session in one form. What the leader changed since
    the page was shown is saved with the reason."""
    form = AttendanceForm()
    if request.method == "GET":
        return _grid_page(form)
    if not form.validate_on_submit():
        return _grid_page(form, 400)
    before = _cells(request.form.get("before", "").split())
    after = _cells(request.form.getlist("attended"))
    try:
        marked, taken_back = services.mark_attendance(
            current_event(), current_user, before=before, after=after,
            reason=form.reason.data or "")
    except services.CourseError as error:
        if error.status != 400:
            raise
        form.reason.errors.append(str(error))
        return _grid_page(form, 400)
    flash(_("Attendance saved: %(marked)d marked, %(taken)d taken back.", marked=marked,
            taken=taken_back), "success")
    return redirect(url_for("manage.courses.attendance"), 303)


@organiser.route("/course/certificates")
def certificates():
    event = current_event()
    sessions = services.sessions_of(event)
    return render_template(
        "courses/certificates.html", event=event, certificates=services.certificates(event),
        course=services.course_of(event), form=ReasonForm(formdata=None),
        ended=services.last_session_ended(sessions, utcnow()))


@organiser.route("/course/certificates/issue", methods=["POST"])
def issue_certificates():
    if not ActionForm().validate_on_submit():
        abort(400)
    issued = services.issue(current_event(), current_user)
    flash(_("Certificates issued: %(count)d.", count=len(issued)), "success")
    return redirect(url_for("manage.courses.certificates"), 303)


@organiser.route("/course/certificates/<int:certificate_id>/revoke", methods=["POST"])
def revoke_certificate(certificate_id):
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Say why the certificate is revoked."), "error")
        return redirect(url_for("manage.courses.certificates"), 303)
    services.revoke(current_event(), certificate_id, current_user, form.reason.data)
    flash(_("The certificate is revoked."), "success")
    return redirect(url_for("manage.courses.certificates"), 303)


@organiser.route("/course/certificates/<int:certificate_id>/reissue", methods=["POST"])
def reissue_certificate(certificate_id):
    if not ActionForm().validate_on_submit():
        abort(400)
    services.reissue(current_event(), certificate_id, current_user)
    flash(_("A new certificate is issued and sent."), "success")
    return redirect(url_for("manage.courses.certificates"), 303)


# --- the command line -----------------------------------------------------------------------------

@bp.cli.command("issue-certificates")
def issue_certificates_command():
    """Issue the certificates of every course whose last session has ended (once per course;
    the beat runs it every hour)."""
    count = services.issue_due(unit=unit_of_work)
    click.echo(f"certificates issued: {count}")
