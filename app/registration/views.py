"""Registering, and the attendee's and buyer's private pages (/r/, /o/). The area's two
blueprints live here; question_views adds the organiser's questions, needs and purge pages."""

import json

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

from app.courses import services as courses
from app.errors import render_error
from app.events.manage import organiser_pages
from app.events.views import event_or_404
from app.extensions import db, limiter
from app.i18n import current_language
from app.orders import services as orders
from app.orders.models import Order
from app.payments import credit_notes
from app.programme import services as programme_services
from app.programme.models import SHARED_KINDS
from app.programme.published import published_programme
from app.teams.access import EDITORS
from app.tickets import services as tickets
from app.waitlist import services as waitlist

from . import attendee, checkout, own_data, personal, services
from .forms import (
    CancelAttendeeForm,
    CancelForm,
    CancelOrderForm,
    DataExportForm,
    LinkAgainForm,
    OrderForm,
    StarForm,
    attendee_form_class,
    with_shared_details,
)
from .manage_forms import ReplaceAttendeeForm, TransferForm, details_form
from .models import Registration
from .questions import answer_value, display_value

bp = Blueprint("registration", __name__)
organiser = organiser_pages("registration", __name__, roles=EDITORS)


def _chosen_tickets(event, offer) -> list | None:
    """The tickets asked for in the query string (?t<id>=<count>), one entry per seat; None when
    none are named (the ticket choice page)."""
    counts = {}
    for key, value in request.args.items():
        if key.startswith("t") and key[1:].isdigit():
            try:
                counts[int(key[1:])] = max(0, min(int(value), 99))
            except ValueError:
                abort(400)
    if offer is not None:
        counts = {offer.ticket_type_id: 1}
    if not counts:
        return None
    code = request.args.get("code", "")
    by_id = {t.id: t for t in tickets.ticket_types_for(event)
             if tickets.is_visible(t, code) or (offer and t.id == offer.ticket_type_id)}
    if any(ticket_id not in by_id for ticket_id in counts):
        abort(404)
    chosen = [by_id[ticket_id] for ticket_id, count in sorted(counts.items())
              for _i in range(count)]
    if not chosen:
        flash(_("Choose at least one ticket."), "error")
        return None
    if len(chosen) > current_app.config["MAX_TICKETS_PER_ORDER"]:
        abort(400)
    return chosen


def _open_offer(event):
    token = request.args.get("offer")
    if not token:
        return None
    offer = waitlist.open_offer(token)
    if offer is None or offer.event_id != event.id:
        abort(410)
    return offer


def _cart(event) -> checkout.Cart | None:
    """What the address asks for; None for the ticket choice page."""
    offer = _open_offer(event)
    chosen = _chosen_tickets(event, offer) if event.registration_open else None
    if chosen is None:
        return None
    return checkout.Cart(event, chosen, current_language(), request.args.get("code", ""), offer)


def _forms(cart: checkout.Cart):
    """The order form (buyer, payment) and one attendee form per seat, prefixed a0-, a1-, ..."""
    form = OrderForm()
    form.payment_method.choices = [c for c in form.payment_method.choices
                                   if c[0] in checkout.payment_methods(cart)]
    if len(form.payment_method.choices) == 1 and not form.payment_method.data:
        form.payment_method.data = form.payment_method.choices[0][0]
    formdata = request.form if request.method == "POST" else None
    if formdata is not None and cart.for_others:
        formdata = with_shared_details(
            formdata, len(cart.tickets), attending_too=form.attending_too.data,
            same_organisation=form.same_organisation.data)
    classes, attendee_forms = {}, []
    for index, ticket_type in enumerate(cart.tickets):
        if ticket_type.id not in classes:
            classes[ticket_type.id] = attendee_form_class(
                cart.event, ticket_type, cart.language, ask_sensitive=not cart.for_others)
        attendee_forms.append(classes[ticket_type.id](formdata=formdata, prefix=f"a{index}"))
    if cart.offer is not None and not form.is_submitted():
        attendee_forms[0].name.data = cart.offer.name
        attendee_forms[0].email.data = cart.offer.email
    return form, attendee_forms


def _attendee(form, language) -> services.Attendee:
    def value(name, default=""):
        field = getattr(form, name, None)
        return field.data if field is not None and field.data is not None else default

    answers = {question.id: answer_value(question, getattr(form, f"q{question.id}").data)
               for question in form.questions}
    return services.Attendee(
        name=value("name"), email=value("email"), organisation=value("organisation"),
        role=value("role"), phone=value("phone"), dietary_needs=value("dietary_needs"),
        accessibility_needs=value("accessibility_needs"),
        sensitive_consent=bool(value("sensitive_consent", False)), language=language,
        answers=answers,
    )


def _billing(form) -> services.Billing:
    return services.Billing(
        name=form.billing_name.data or "", address=form.billing_address.data or "",
        org_number=form.billing_org_number.data or "", email=form.billing_email.data or "",
        reference=form.invoice_reference.data or "", peppol_id=form.peppol_id.data or "",
        country=form.billing_country.data or "SE")


def _choice_page(event):
    """Step 1. With a single ticket type on sale there is nothing to choose: straight to the
    details for one ticket. A POST without tickets is bad input, or registration closed."""
    code = request.args.get("code", "")
    if request.method == "POST":
        if event.registration_open:
            abort(400)
        flash(_("Registration for this event is closed."), "error")
        return _ticket_page(event, code, 409)
    offers = tickets.public_offer(event, code)
    if event.registration_open and not code and [o.state for o in offers] == ["on_sale"]:
        return redirect(url_for("registration.register", slug=event.slug,
                                **{f"t{offers[0].ticket_type.id}": 1}))
    return _ticket_page(event, code, offers=offers)


def _ticket_page(event, code, status=200, offers=None):
    offers = tickets.public_offer(event, code) if offers is None else offers
    return render_template("registration/tickets.html", event=event, offers=offers, code=code,
                           max_count=current_app.config["MAX_TICKETS_PER_ORDER"]), status


def _register_page(cart, form, attendee_forms, status):
    return render_template(
        "registration/register.html", event=cart.event, form=form,
        attendee_forms=attendee_forms, chosen=cart.tickets, total=cart.total_ore,
        payment_choices=checkout.payment_methods(cart), code=cart.code, offer=cart.offer,
        vat=cart.vat(),
    ), status


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTRATION"], methods=["POST"])
def register(slug):
    """Step 1 chooses tickets (a GET form); step 2 (?t<id>=<count>) asks each attendee's
    details and how to pay, and places the order (app.registration.checkout decides)."""
    event = event_or_404(slug)
    if request.method == "GET":
        orders.release_lapsed(event_id=event.id)
    cart = _cart(event)
    if cart is None:
        return _choice_page(event)
    refusal = checkout.sold_out(cart) if request.method == "POST" else None
    if refusal is not None:
        flash(refusal.message, "error")
        return _ticket_page(event, cart.code, refusal.status)
    form, attendee_forms = _forms(cart)
    if not form.is_submitted():
        return _register_page(cart, form, attendee_forms, 200)
    if form.website.data:
        abort(400)
    valid = all([form.validate(), *[f.validate() for f in attendee_forms]])
    if not (valid and form.check_order(cart.for_others, cart.total_ore > 0)):
        return _register_page(cart, form, attendee_forms, 400)
    outcome = checkout.place(
        cart, [_attendee(f, cart.language) for f in attendee_forms],
        buyer_name=form.buyer_name.data or "", buyer_email=form.buyer_email.data or "",
        payment_method=form.payment_method.data, billing=_billing(form))
    if outcome.message:
        flash(outcome.message, outcome.tone)
    if outcome.kind == "sold_out":
        return _ticket_page(event, cart.code, outcome.status)
    if outcome.order is None:
        return _register_page(cart, form, attendee_forms, outcome.status)
    if outcome.kind == "pending_payment":
        return redirect(url_for("payments.checkout", token=outcome.order.manage_token), 303)
    # Who registered only themselves lands on their own page (badge, calendar, programme); a
    # buyer for others on the order page, where each colleague is listed.
    own = outcome.order.own_registration
    if own is not None:
        return redirect(url_for("registration.manage", token=own.manage_token), 303)
    return redirect(url_for("registration.order", token=outcome.order.manage_token), 303)


def _address_key() -> str:
    return "link-again:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/e/<slug>/my-link", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_REGISTRATION"], methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=_address_key)
def link_again(slug):
    """The personal link again, for someone who lost their confirmation (to sign up for a
    workshop, say): it goes only to the address asked about, and the page says the same
    whether that address is registered or not, so nobody learns who is. A few times an hour
    per address, as that inbox is not the asker's to fill."""
    event = event_or_404(slug)
    form = LinkAgainForm()
    if not form.is_submitted():
        return render_template("registration/link_again.html", event=event, form=form)
    if form.website.data:
        abort(400)
    if not form.validate():
        return render_template("registration/link_again.html", event=event, form=form), 400
    services.resend_link(event, form.email.data.strip().lower())
    flash(_("If %(email)s is registered for the event, we have sent the personal link to it. "
            "It may take a few minutes. Also look in your spam folder.",
            email=form.email.data.strip()), "success")
    return redirect(url_for("registration.link_again", slug=slug), 303)


def order_or_404(token: str) -> Order:
    order = orders.order_by_token(token)
    if order is None:
        abort(404)
    return order


@bp.route("/o/<token>")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def order(token):
    order = order_or_404(token)
    if order.status == "pending":
        orders.release_lapsed(event_id=order.event_id)
        db.session.refresh(order)
    return _render_order(order, CancelOrderForm(), paid_just_now=request.args.get("paid") == "1")


def _render_order(order, cancel_form, status: int = 200, **context):
    """The buyer's page. It links each attendee's badge through the order's own link and never
    to an attendee's personal page (/r/<token>), which holds what that person told the
    organisers and lets its holder change, transfer or cancel: only the buyer's own."""
    return render_template(
        "registration/order.html", order=order, event=order.event, cancel_form=cancel_form,
        cancel_attendee_form=context.pop("cancel_attendee_form", CancelAttendeeForm()),
        vat=_order_vat(order), credit_notes=credit_notes.of_order(order), **context), status


def _order_vat(order) -> list[tuple[int, int]]:
    return orders.vat_by_rate((r.price_ore, r.vat_percent) for r in order.registrations)


@bp.route("/o/<token>/cancel", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def cancel_order(token):
    order = order_or_404(token)
    form = CancelOrderForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that you want to cancel."), "error")
        return _render_order(order, form, 400)
    if services.cancel_order(order):
        flash(_("The order is cancelled and the seats have been given back."), "success")
    else:
        flash(_("Nothing left to cancel in this order."), "info")
    return redirect(url_for("registration.order", token=token), 303)


def order_attendee_or_404(order: Order, registration_id: int) -> Registration:
    """One attendee of this order; an attendee of another order is the same 404 as none."""
    for registration in order.registrations:
        if registration.id == registration_id:
            return registration
    abort(404)


@bp.route("/o/<token>/attendees/<int:registration_id>/resend", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
@limiter.limit("5 per hour", key_func=lambda: request.path)
def resend_attendee(token, registration_id):
    """The buyer has a colleague's confirmation (badge and personal link) sent again, to the
    colleague's own address; a few times an hour, as the colleague's inbox is not the buyer's
    to fill."""
    order = order_or_404(token)
    registration = order_attendee_or_404(order, registration_id)
    if registration.is_active:
        services.resend_confirmation(registration)
        flash(_("The confirmation was sent again to %(email)s.", email=registration.email),
              "success")
    else:
        flash(_("%(name)s has no confirmed registration, so there is nothing to send.",
                name=registration.name), "info")
    return redirect(url_for("registration.order", token=token), 303)


@bp.route("/o/<token>/attendees/<int:registration_id>/cancel", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def cancel_attendee(token, registration_id):
    """The buyer cancels one colleague, by the same rule and with the same refund as the
    colleague cancelling themselves."""
    order = order_or_404(token)
    registration = order_attendee_or_404(order, registration_id)
    form = CancelAttendeeForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that you want to cancel."), "error")
        return _render_order(order, CancelOrderForm(), 400, cancel_attendee_form=form,
                             failed_cancel=registration.id)
    if attendee.cancel_by_buyer(registration):
        flash(_("The registration of %(name)s is cancelled and the seat has been given back.",
                name=registration.name), "success")
    else:
        flash(_("%(name)s has no confirmed registration, so there is nothing to cancel.",
                name=registration.name), "info")
    return redirect(url_for("registration.order", token=token), 303)


@bp.route("/o/<token>/attendees/<int:registration_id>/replace", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def replace_attendee(token, registration_id):
    """The buyer gives one colleague's seat to another person (a transfer, as the colleague
    could do from their own page): the new person gets their own link and badge by email, the
    old ones stop working and the colleague is told who did it."""
    order = order_or_404(token)
    registration = order_attendee_or_404(order, registration_id)
    if not attendee.can_change(registration):
        flash(_("%(name)s can no longer be replaced: the registration is cancelled, or they "
                "have already been checked in.", name=registration.name), "error")
        return _render_order(order, CancelOrderForm(), 409)
    form = ReplaceAttendeeForm()
    old_name = registration.name
    status = _transfer_from(form, registration, by_buyer=True)
    if status is None:
        flash(_("%(new)s has the seat of %(old)s now. We have emailed %(new)s their own "
                "link and badge.", new=registration.name, old=old_name), "success")
        return redirect(url_for("registration.order", token=token), 303)
    return render_template("registration/order_replace.html", order=order, event=order.event,
                           registration=registration, old_name=old_name, form=form), status


def registration_or_404(token: str) -> Registration:
    registration = services.by_token(token)
    if registration is None:
        abort(404)
    return registration


@bp.route("/r/<token>")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def manage(token):
    """The attendee's own page: details, answers, badge, cancelling. A registration whose card
    payment never completed is gone, like a wrong link."""
    registration = registration_or_404(token)
    if registration.status == "pending":  # the hold may have run out meanwhile
        orders.release_lapsed(event_id=registration.event_id)
        db.session.refresh(registration)
    if registration.status == "expired":
        abort(404)
    return _render_manage(registration, CancelForm())


@bp.route("/r/<token>/cancel", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def cancel(token):
    registration = registration_or_404(token)
    if registration.status == "expired":
        abort(404)
    if registration.status == "pending":
        flash(_("This registration is awaiting payment. Cancel the order from the order page, "
                "or leave it: unpaid seats are released automatically."), "error")
        return _render_manage(registration, CancelForm(), 409)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that you want to cancel."), "error")
        return _render_manage(registration, form, 400)
    if services.cancel(registration):
        flash(_("Your registration is cancelled. Your seat has been given back."), "success")
    else:
        flash(_("This registration was already cancelled."), "info")
    return redirect(url_for("registration.manage", token=token), 303)


@bp.route("/r/<token>/my-data", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
@limiter.limit("10 per hour", key_func=lambda: request.path)
def my_data(token):
    """Everything Samla holds about this registration, as a JSON file to keep (own_data.py),
    logged in the event's audit log. A form (POST) because it writes that log entry; a few an
    hour per link, as it is a whole copy of someone's data."""
    registration = registration_or_404(token)
    if registration.status == "expired":
        abort(404)
    if not DataExportForm().validate_on_submit():
        abort(400)
    data = own_data.export(registration, current_language())
    response = Response(json.dumps(data, ensure_ascii=False, indent=2),
                        content_type="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{registration.event.slug}-my-data.json"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


def active_registration_or_404(token: str) -> Registration:
    registration = registration_or_404(token)
    if not registration.is_active:
        abort(404)
    return registration


@bp.route("/r/<token>/programme")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def my_programme(token):
    """The whole programme with a star per item; the starred ones first, under "Your choices".
    A fixed number of queries however long the programme is."""
    registration = active_registration_or_404(token)
    event = registration.event
    items = published_programme(event).items  # as published, never the organiser's draft
    starred = personal.starred_ids(registration)
    return render_template(
        "registration/my_programme.html", registration=registration, event=event,
        chosen=[item for item in items if item.id in starred], starred=starred,
        days=programme_services.by_day(event, items), star_form=StarForm(),
        shared_kinds=SHARED_KINDS,
        calendar_url=url_for("registration.my_programme_ical", token=token, _external=True),
    )


@bp.route("/r/<token>/programme/<int:item_id>/star", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def star(token, item_id):
    registration = active_registration_or_404(token)
    programme = published_programme(registration.event, live_speakers=False)
    item = personal.item_or_none(registration, item_id, programme)  # published items only
    if item is None:
        abort(404)
    form = StarForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in ("add", "remove"):
        abort(400)
    try:
        if action == "add":
            personal.star(registration, item, programme)
        else:
            personal.unstar(registration, item)
    except personal.SharedItem as refused:
        return render_error(refused.status, _("That cannot be added"), str(refused))
    except personal.PersonalProgrammeError:
        abort(409)
    return redirect(url_for("registration.my_programme", token=token) + f"#item-{item.id}"), 303


@bp.route("/r/<token>/programme.ics")
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def my_programme_ical(token):
    registration = active_registration_or_404(token)
    response = Response(personal.personal_ical(registration),
                        content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="my-programme.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@organiser.route("/registrations")
def registrations():
    """The list of registrations became the attendee list (attendee_list.py), which can
    search, filter and page through thousands; old links and bookmarks land there."""
    return redirect(url_for("manage.attendee.index"), 301)


# --- the attendee's own page: details, answers, passing the ticket on ---------------------------

def _render_manage(registration: Registration, cancel_form, status: int = 200):



    event = registration.event
    language = current_language()
    values = {answer.question_id: answer.value for answer in registration.answers}
    answers = [
        (question.label_in(language),
         display_value(question, values[question.id], language) if question.id in values
         else None)
        for question in services.asked_questions(event, registration.ticket_type_id)
    ]
    order = registration.order
    # The order page shows every attendee in it and cancels them all: only for its buyer.
    is_buyer = order is not None and order.buyer_email == registration.email
    course_progress = courses.progress_of(registration)  # None unless the event is a course
    return render_template(
        "registration/manage.html", registration=registration, event=event,
        cancel_form=cancel_form, answers=answers,
        missing=[q.label_in(language) for q in attendee.missing_answers(registration)],
        order_url=url_for("registration.order", token=order.manage_token) if is_buyer else None,
        can_change=attendee.can_change(registration),
        refund_open=orders.refund_window_open(event),
        course_progress=course_progress,
        course_certificate=courses.certificate_of(registration) if course_progress else None,
    ), status


def _checked_in_refusal(registration: Registration):
    """After check-in the registration is what was used at the door: it stays as it is."""
    flash(_("You have already been checked in at the event, so the registration can no "
            "longer be changed."), "error")
    return _render_manage(registration, CancelForm(), 409)


def _details(form, questions) -> dict:
    def value(name):
        return form[name].data if name in form else None

    details = {"name": form["name"].data}
    for name in ("organisation", "role", "phone"):
        details[name] = value(name) or ("" if name in form else None)
    if "sensitive_consent" in form:
        details.update(dietary_needs=value("dietary_needs") or "",
                       accessibility_needs=value("accessibility_needs") or "",
                       sensitive_consent=bool(value("sensitive_consent")))
    if all(f"q{question.id}" in form for question in questions):
        details["answers"] = {question.id: answer_value(question, form[f"q{question.id}"].data)
                              for question in questions}
    return details


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def edit(token):
    registration = active_registration_or_404(token)
    if registration.check_in is not None:
        return _checked_in_refusal(registration)
    event = registration.event
    questions = services.asked_questions(event, registration.ticket_type_id)
    form = details_form(registration, questions, current_language(),
                        formdata=request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                attendee.update_details(registration, **_details(form, questions))
            except services.RegistrationError as error:
                db.session.rollback()
                form.form_errors.append(str(error))
            else:
                flash(_("Your details were saved."), "success")
                return redirect(url_for("registration.manage", token=token), 303)
    return render_template("registration/manage_edit.html", registration=registration,
                           event=event, form=form, questions=questions), status


def _transfer_from(form, registration: Registration, by_buyer: bool = False) -> int | None:
    """Give the seat to the person the form names: None when it is done, else the status to
    show the form again with (200 not sent yet, 400 invalid, 409 that person is registered)."""
    if not form.is_submitted():
        return 200
    if not form.validate():
        return 400
    try:
        attendee.transfer(registration, name=form.name.data, email=form.email.data,
                          by_buyer=by_buyer)
    except services.AlreadyRegistered as error:
        form.email.errors.append(str(error))
        return 409
    except services.RegistrationError as error:
        form.email.errors.append(str(error))
        return 400
    return None


@bp.route("/r/<token>/transfer", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_MANAGE"])
def transfer(token):
    """Give the ticket to a colleague: they get a new link and badge, this link stops working."""
    registration = active_registration_or_404(token)
    if registration.check_in is not None:
        return _checked_in_refusal(registration)
    form = TransferForm()
    status = _transfer_from(form, registration)
    if status is None:
        flash(_("Your ticket now belongs to %(name)s. We have emailed them their own "
                "link and badge; your link no longer works.", name=registration.name),
              "success")
        return redirect(url_for("events.show", slug=registration.event.slug), 303)
    return render_template("registration/manage_transfer.html", registration=registration,
                           event=registration.event, form=form), status
