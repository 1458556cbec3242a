"""Developer mailbox (/dev/mail) and the organisers' view of the outbox."""

import email
import email.policy
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts.access import organiser_pages_required
from app.extensions import db
from app.teams.access import may_edit

from . import outbox
from .models import OutgoingEmail

bp = Blueprint("mail", __name__)


def _folder() -> Path:
    if not current_app.config["DEV_MAIL_VIEW"]:
        abort(404)
    return Path(current_app.config["MAIL_FOLDER"])


def _read(name: str):
    if not name.endswith(".eml") or "/" in name or name.startswith("."):
        abort(404)
    path = _folder() / name
    if not path.is_file():
        abort(404)
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


@bp.route("/dev/mail")
def dev_inbox():
    folder = _folder()
    messages = []
    files = sorted(folder.glob("*.eml"), reverse=True)[:200] if folder.is_dir() else []
    for path in files:
        with path.open("rb") as handle:
            headers = email.message_from_binary_file(
                handle, policy=email.policy.default, _class=email.message.EmailMessage
            )
        messages.append({"name": path.name, "to": headers["To"], "subject": headers["Subject"],
                         "date": headers["Date"]})
    return render_template("mail/dev_inbox.html", messages=messages, folder=folder)


@bp.route("/dev/mail/<name>")
def dev_message(name):
    message = _read(name)
    body = message.get_body(preferencelist=("plain",))
    attachments = [part.get_filename() for part in message.iter_attachments()]
    return render_template(
        "mail/dev_message.html", name=name, message=message,
        body=body.get_content() if body else "", attachments=attachments,
        has_html=message.get_body(preferencelist=("html",)) is not None,
    )


# The HTML part as a mail client shows it: its inline styles apply, nothing else does (no
# scripts, no requests, no forms: a sandbox with a unique origin), and only the mailbox's own
# page may frame it.
HTML_PART_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; "
                 "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")


@bp.route("/dev/mail/<name>/html")
def dev_html(name):
    part = _read(name).get_body(preferencelist=("html",))
    if part is None:
        abort(404)
    response = Response(part.get_content(), mimetype="text/html")
    response.headers["Content-Security-Policy"] = HTML_PART_CSP
    return response


@bp.route("/dev/mail/<name>/<int:index>")
def dev_attachment(name, index):
    parts = list(_read(name).iter_attachments())
    if index >= len(parts):
        abort(404)
    part = parts[index]
    return Response(
        part.get_content(), mimetype=part.get_content_type(),
        headers={"Content-Disposition": f'inline; filename="{part.get_filename()}"'},
    )


def _own_messages(query):
    """An administrator sees every message; anyone else those of the events whose owner or
    organiser they are (the outbox holds attendees' addresses)."""
    if current_user.is_admin:
        return query
    events = [m.event_id for m in current_user.memberships if may_edit(m.role)]
    return query.where(OutgoingEmail.event_id.in_(events))


@bp.route("/manage/outbox")
@organiser_pages_required
def manage():
    counts = dict(
        db.session.execute(_own_messages(
            select(OutgoingEmail.status, func.count()).group_by(OutgoingEmail.status)
        )).all()
    )
    problems = db.session.scalars(_own_messages(
        select(OutgoingEmail)
        .where(OutgoingEmail.status.in_(("pending", "failed")), OutgoingEmail.attempts > 0)
        .order_by(OutgoingEmail.id.desc()).limit(200)
    )).all()
    return render_template("mail/outbox.html", counts=counts, problems=problems)


@bp.route("/manage/outbox/<int:email_id>/retry", methods=["POST"])
@organiser_pages_required
def retry(email_id):
    mine = db.session.scalar(_own_messages(select(OutgoingEmail.id).where(
        OutgoingEmail.id == email_id)))
    if mine is None or not outbox.retry_failed(email_id):
        abort(404)
    flash(_("The message will be sent again."), "success")
    return redirect(url_for("mail.manage"))
