"""The waiting list's pages: joining a sold-out ticket, the private link to leave it or take an
offered seat, and the organiser's overview."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.errors import render_error
from app.events.manage import current_event, organiser_pages
from app.events.views import event_or_404
from app.extensions import db, limiter
from app.i18n import current_language, localized
from app.orders import services as orders
from app.registration import services
from app.teams.access import EDITORS
from app.tickets import services as tickets

from . import services as waitlist
from .forms import ActionForm, JoinForm, LeaveForm
from .models import WaitingListEntry

bp = Blueprint("waitlist", __name__)
organiser = organiser_pages("waitlist", __name__, roles=EDITORS)


def offer_gone():
    """The page for an accept link that is unknown, already used or run out: the same for all,
    so a link reveals nothing about anyone else."""
    return render_error(
        410, _l("This offer is no longer open"),
        _l("The seat offered from the waiting list was held for a limited time, and this link "
           "has run out or has already been used. If a seat becomes free again, we will email "
           "you if you are on the waiting list."),
    )


def _tidy(event_id: int) -> None:
    """Offers and card holds that ran out free their seats before anyone looks at them."""
    orders.release_lapsed(event_id=event_id)


@bp.route("/e/<slug>/waiting-list", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTRATION"], methods=["POST"])
def join(slug):
    event = event_or_404(slug)
    code = request.args.get("code", "")
    ticket_id = request.args.get("ticket", type=int)
    _tidy(event.id)
    offer = next((o for o in tickets.public_offer(event, code) if o.id == ticket_id), None)
    if offer is None:
        abort(404)
    register_url = url_for("registration.register", slug=slug, code=code or None)
    if not event.registration_open:
        flash(_("Registration for this event is closed."), "info")
        return redirect(register_url, 303)
    if offer.state == "on_sale":
        flash(_("Good news: there are seats left for %(ticket)s, so you can register right "
                "away.", ticket=offer.name), "info")
        return redirect(register_url, 303)
    if offer.state != "sold_out":
        flash(_("The waiting list is only for tickets that are sold out."), "info")
        return redirect(register_url, 303)

    form = JoinForm()
    status = 200
    if form.is_submitted():
        status = 400
        if form.website.data:
            abort(400)
        if form.validate():
            try:
                entry = waitlist.join(event, offer.ticket_type, form.name.data, form.email.data,
                                      current_language())
            except waitlist.AlreadyRegistered as error:
                registration = error.registration
                if registration is not None and registration.status == "confirmed":
                    services.resend_confirmation(registration)
                    flash(f"{error} " + _("We have sent the confirmation with the personal "
                                          "link to that address again."), "info")
                else:
                    flash(str(error), "info")
                status = 409
            except waitlist.AlreadyWaiting as error:
                if error.entry is not None:
                    waitlist.queue_joined(error.entry)
                flash(f"{error} " + _("We have sent your place in line and your personal link "
                                      "to that address again."), "info")
                status = 409
            except waitlist.NotSoldOut as error:
                flash(str(error), "info")
                return redirect(register_url, 303)
            except waitlist.WaitingListError as error:
                flash(str(error), "error")
                status = 409
            else:
                flash(_("You are on the waiting list, number %(position)d in line. We have sent "
                        "a confirmation to %(email)s.", position=waitlist.position(entry),
                        email=entry.email), "success")
                return redirect(url_for("events.show", slug=slug), 303)
    return render_template("waitlist/join.html", event=event, offer=offer, form=form,
                           code=code,
                           hours=current_app.config["WAITING_LIST_OFFER_HOURS"]), status


def _live_entry_or_404(token: str) -> WaitingListEntry:
    found = waitlist.by_token(token)
    if found is not None:
        _tidy(found.event_id)
    entry = waitlist.live_by_token(token)
    if entry is None:
        abort(404)
    return entry


@bp.route("/waiting-list/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def entry(token):
    """The private link: where they are in line, the offer if they have one, and leaving."""
    entry = _live_entry_or_404(token)
    event = entry.event
    form = LeaveForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        waitlist.withdraw(entry)
        flash(_("You have left the waiting list for %(event)s.", event=localized(event, "name")),
              "success")
        return redirect(url_for("events.show", slug=event.slug), 303)
    return render_template(
        "waitlist/entry.html", entry=entry, event=event, form=form,
        ticket=entry.ticket_type.name_in(current_language()), position=waitlist.position(entry),
    )


@bp.route("/waiting-list/<token>/accept")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def accept(token):
    """The link in the offer email: on to the registration form with the held seat."""
    found = waitlist.by_token(token)
    if found is not None:
        _tidy(found.event_id)
    offer = waitlist.open_offer(token)
    if offer is None:
        return offer_gone()
    return redirect(url_for("registration.register", slug=offer.event.slug,
                            **{f"t{offer.ticket_type_id}": 1}, offer=token), 303)


# --- the organiser ---------------------------------------------------------------------------

@organiser.route("/waiting-list")
def manage():
    event = current_event()
    _tidy(event.id)
    return render_template("waitlist/manage.html", event=event, groups=waitlist.overview(event))


@organiser.route("/waiting-list/<int:entry_id>/withdraw", methods=["POST"])
def withdraw(entry_id):
    event = current_event()
    entry = db.session.get(WaitingListEntry, entry_id)
    if entry is None or entry.event_id != event.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if waitlist.withdraw(entry):
        flash(_("%(name)s has been taken off the waiting list.", name=entry.name), "success")
    else:
        flash(_("%(name)s was no longer on the waiting list.", name=entry.name), "info")
    return redirect(url_for("manage.waitlist.manage"), 303)


@organiser.route("/waiting-list/offer", methods=["POST"])
def offer_seats():
    event = current_event()
    if not ActionForm().validate_on_submit():
        abort(400)
    offered = waitlist.offer_free_seats(event)
    if offered:
        flash(ngettext("%(num)d offer sent.", "%(num)d offers sent.", offered), "success")
    else:
        flash(_("No offers sent: there are no free seats, or nobody is waiting for them."),
              "info")
    return redirect(url_for("manage.waitlist.manage"), 303)
