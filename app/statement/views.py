"""The accessibility statement at a fixed address, and its editing by an administrator."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.access import admin_required
from app.i18n import current_language

from . import services
from .forms import StatementForm

bp = Blueprint("statement", __name__)


@bp.route("/tillganglighet")
def show():
    return render_template("statement/show.html",
                           statement=services.current(current_language()),
                           digg_url=services.DIGG_REPORT_URL)


@bp.route("/admin/tillganglighet", methods=["GET", "POST"])
@admin_required
def edit():
    form = StatementForm(data=services.values())
    if form.validate_on_submit():
        services.save({name: form[name].data for name in services.FIELDS},
                      current_user._get_current_object())
        flash(_("The accessibility statement was saved."), "success")
        return redirect(url_for("statement.show"), 303)
    status = 400 if form.errors else 200
    return render_template("statement/edit.html", form=form,
                           saved=services.stored() is not None), status
