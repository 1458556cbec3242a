"""The organiser previews the draft's changes and publishes them as a new programme version,
which is what the public programme shows from then on."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from app.events.manage import current_event, organiser_pages
from app.extensions import db
from app.mail.models import OutgoingEmail
from app.teams.access import EDITORS

from . import services

organiser = organiser_pages("notices", __name__, roles=EDITORS)


class PublishForm(FlaskForm):
    message = TextAreaField(
        _l("Message to everyone notified (optional)"), validators=[Optional(), Length(max=2000)]
    )


@organiser.route("/publish", methods=["GET", "POST"])
def publish():
    event = current_event()
    form = PublishForm()
    if form.validate_on_submit():
        version = services.publish(event, current_user, form.message.data or "")
        if version is None:
            flash(_("There are no unpublished changes."), "info")
        elif not version.notices:
            flash(_("Version %(number)d published: the public programme shows it now. Nobody "
                    "needed to be notified.", number=version.number), "success")
        else:
            queued = len(_emails(version))
            flash(_("Version %(number)d published; %(count)d notices queued.",
                    number=version.number, count=queued), "success")
        return redirect(url_for("manage.events.programme") + "#notices")
    return render_template(
        "notices/publish.html", event=event, form=form,
        preview=services.preview(event, form.message.data or ""),
    ), 400 if form.errors else 200


def _emails(version):

    return db.session.scalars(
        select(OutgoingEmail.id).where(OutgoingEmail.version_id == version.id)
    ).all()
