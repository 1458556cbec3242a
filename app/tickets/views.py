"""The organiser's pages for ticket types and the event's registration settings."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from app import money
from app.db_types import utcnow
from app.events.manage import current_event, organiser_pages
from app.extensions import db
from app.teams.access import EDITORS

from . import services as tickets
from .forms import RegistrationSettingsForm, TicketActionForm, TicketTypeForm
from .models import TicketType

organiser = organiser_pages("tickets", __name__, roles=EDITORS)


def _ticket_type_or_404(event, ticket_type_id: int) -> TicketType:
    ticket_type = db.session.get(TicketType, ticket_type_id)
    if ticket_type is None or ticket_type.event_id != event.id:
        abort(404)
    return ticket_type


def _details(event, form: TicketTypeForm) -> tickets.TicketDetails:
    return tickets.TicketDetails(
        name=form.name.data, name_en=form.name_en.data or "",
        description=form.description.data or "", description_en=form.description_en.data or "",
        price_ore=form.price_ore, vat_percent=form.vat_percent.data,
        vat_exempt=bool(form.vat_exempt.data),
        vat_exemption_reason=form.vat_exemption_reason.data or "",
        vat_exemption_reason_en=form.vat_exemption_reason_en.data or "",
        capacity=form.capacity.data,
        sales_start=tickets.local_to_utc(event, form.sales_start.data, "sales_start"),
        sales_end=tickets.local_to_utc(event, form.sales_end.data, "sales_end"),
        visibility=form.visibility.data, access_code=form.access_code.data or "",
        for_speakers=bool(form.for_speakers.data),
    )


def _refused(form, error: tickets.TicketRuleError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    (field.errors if field is not None else form.form_errors).append(str(error))


@organiser.route("/tickets")
def index():
    event = current_event()
    ticket_types = tickets.ticket_types_for(event)
    now = utcnow()
    return render_template(
        "tickets/list.html", event=event, ticket_types=ticket_types,
        states={t.id: tickets.state_of(event, t, now) for t in ticket_types},
        counts=tickets.seat_counts(event), action_form=TicketActionForm(),
    )


@organiser.route("/tickets/new", methods=["GET", "POST"])
def create():
    event = current_event()
    form = TicketTypeForm()
    if form.validate_on_submit():
        try:
            ticket_type = tickets.create_ticket_type(event, _details(event, form))
        except tickets.TicketRuleError as error:
            _refused(form, error)
        else:
            flash(_("The ticket %(name)s was added.", name=ticket_type.name), "success")
            return redirect(url_for("manage.tickets.index"))
    return render_template("tickets/form.html", event=event, form=form, ticket_type=None), (
        400 if form.errors or form.form_errors else 200
    )


@organiser.route("/tickets/<int:ticket_type_id>", methods=["GET", "POST"])
def edit(ticket_type_id):
    event = current_event()
    ticket_type = _ticket_type_or_404(event, ticket_type_id)
    form = _edit_form(event, ticket_type)
    if form.validate_on_submit():
        try:
            tickets.update_ticket_type(ticket_type, _details(event, form))
        except tickets.TicketRuleError as error:
            _refused(form, error)
        else:
            flash(_("The ticket %(name)s was saved.", name=ticket_type.name), "success")
            return redirect(url_for("manage.tickets.index"))
    return _render_edit(event, ticket_type, form, 400 if form.errors or form.form_errors else 200)


def _edit_form(event, ticket_type: TicketType, **kwargs) -> TicketTypeForm:
    """The form filled in with the ticket as saved: kronor, and times at the event's place."""
    return TicketTypeForm(data={
        "name": ticket_type.name, "name_en": ticket_type.name_en,
        "description": ticket_type.description, "description_en": ticket_type.description_en,
        "price": money.for_field(ticket_type.price_ore),
        "vat_percent": ticket_type.vat_percent, "capacity": ticket_type.capacity,
        "vat_exempt": ticket_type.vat_category == "E",
        "vat_exemption_reason": ticket_type.vat_exemption_reason,
        "vat_exemption_reason_en": ticket_type.vat_exemption_reason_en,
        "sales_start": tickets.utc_to_local(event, ticket_type.sales_start),
        "sales_end": tickets.utc_to_local(event, ticket_type.sales_end),
        "visibility": ticket_type.visibility, "access_code": ticket_type.access_code,
        "for_speakers": ticket_type.for_speakers,
    }, **kwargs)


def _render_edit(event, ticket_type, form, status=200):
    return render_template(
        "tickets/form.html", event=event, form=form, ticket_type=ticket_type,
        in_use=tickets.in_use(ticket_type), action_form=TicketActionForm(),
        state=tickets.state_of(event, ticket_type)[0],
    ), status


@organiser.route("/tickets/<int:ticket_type_id>/move", methods=["POST"])
def move(ticket_type_id):
    event = current_event()
    ticket_type = _ticket_type_or_404(event, ticket_type_id)
    form = TicketActionForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    tickets.move(ticket_type, form.direction.data)
    return redirect(url_for("manage.tickets.index") + f"#ticket-{ticket_type.id}")


@organiser.route("/tickets/<int:ticket_type_id>/end-sales", methods=["POST"])
def end_sales(ticket_type_id):
    event = current_event()
    ticket_type = _ticket_type_or_404(event, ticket_type_id)
    if not TicketActionForm().validate_on_submit():
        abort(400)
    tickets.end_sales(ticket_type)
    flash(_("Sales of %(name)s have ended. It no longer shows as bookable on the registration "
            "page; everyone who registered keeps their seat.", name=ticket_type.name), "success")
    return redirect(url_for("manage.tickets.index"))


@organiser.route("/tickets/<int:ticket_type_id>/delete", methods=["POST"])
def delete(ticket_type_id):
    event = current_event()
    ticket_type = _ticket_type_or_404(event, ticket_type_id)
    if not TicketActionForm().validate_on_submit():
        abort(400)
    name = ticket_type.name
    try:
        tickets.delete_ticket_type(ticket_type)
    except tickets.TicketRuleError as error:
        flash(str(error), "error")
        form = _edit_form(event, ticket_type, formdata=None)
        return _render_edit(event, ticket_type, form, 409)
    flash(_("The ticket %(name)s was deleted.", name=name), "success")
    return redirect(url_for("manage.tickets.index"))


@organiser.route("/registration-settings", methods=["GET", "POST"])
def settings():
    event = current_event()
    form = RegistrationSettingsForm(obj=event)
    if form.validate_on_submit():
        try:
            tickets.update_settings(event, tickets.RegistrationSettings(
                capacity=form.capacity.data, registration_open=form.registration_open.data,
                refund_until=form.refund_until.data, allow_invoice=form.allow_invoice.data,
                invoice_due_days=form.invoice_due_days.data,
                organiser_name=form.organiser_name.data or "",
                contact_email=form.contact_email.data or "",
                seller_org_number=form.seller_org_number.data or "",
                seller_vat_number=form.seller_vat_number.data or "",
                seller_address=form.seller_address.data or "",
                seller_bankgiro=form.seller_bankgiro.data or "",
                seller_f_tax=bool(form.seller_f_tax.data),
                seller_iban=form.seller_iban.data or "",
            ))
        except tickets.TicketRuleError as error:
            _refused(form, error)
        else:
            flash(_("The registration settings were saved."), "success")
            return redirect(url_for("manage.tickets.settings"))
    return render_template("tickets/settings.html", event=event, form=form), (
        400 if form.errors or form.form_errors else 200
    )
